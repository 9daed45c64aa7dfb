#pragma once
/**
 * Reader of Chakra traces in the feeder's JSON form:
 *
 *     {"workload_graph": [
 *        {"Id": 216, "Name": "aten::mm", "NodeType": 4, "data_deps": [3], "ctrlDeps": [],
 *         "runtime": 318, "is_cpu_op": false, "num_ops": 1048576, "tensor_size": 4096},
 *        {"Id": 217, "Name": "allreduce", "NodeType": 7, "comm_type": 0, "comm_size": 1048576}]}
 *
 * Each node becomes a Chakra `Node` message: `Id` -> id, `Name` -> name, `NodeType` -> type,
 * `data_deps` / `ctrlDeps` (or `ctrl_deps`) -> dependencies, `runtime` -> duration_micros
 * (microseconds, as the feeder reads it); every other key becomes an attribute of its JSON type
 * (integer -> int64, real -> double, bool, string), so the importer counts the ones it does not
 * use. Other top-level keys (`workload_name`, `ngpus`, ...) are ignored.
 *
 * Errors: ConfigError with file:line:column for malformed JSON; naming the file and node for a
 * missing `Id`/`NodeType`, a wrong type (e.g. a string `comm_size`, a negative id), a
 * dependency list that is not a list of node ids.
 * Source: MLCommons Chakra, et_feeder JSON node format (tests/data/json_trace).
 */
#include <string>

#include "models/workloads/chakra/et_reader.h"

namespace dtsim::workloads::chakra {

/** Parses feeder JSON text; `file` names it in errors. */
RankTrace parse_feeder_json(const std::string& text, const std::string& file);

}  // namespace dtsim::workloads::chakra
