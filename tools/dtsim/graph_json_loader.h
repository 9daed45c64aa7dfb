#pragma once
/**
 * Reader of the workload graph's JSON form (`workload.kind: graph_json`). JSON is read with the
 * YAML parser (JSON is a subset of YAML 1.2), so every error has a line and column.
 *
 * Format (all keys but those marked optional are required):
 *
 *     {"ranks": 2,
 *      "programs": [
 *        {"rank": 0, "ops": [
 *          {"id": "fwd", "kind": "compute", "flops": 1e12, "bytes": 0, "dtype": "bf16"},
 *          {"id": "ar", "kind": "collective", "collective": "all_reduce", "bytes": 1048576,
 *           "group": [0, 1], "algorithm": "ring", "deps": ["fwd"]},
 *          {"kind": "send", "peer": 1, "bytes": 4096, "tag": 0},
 *          {"kind": "delay", "duration": "5us"}]},
 *        {"rank": 1, "ops": [...]}]}
 *
 * Op keys: `id` (optional, for deps), `name` (optional), `kind` (compute | collective | send |
 * recv | delay), `stream` (optional; default "compute" for compute/delay, "comm" otherwise),
 * `deps` (optional list of ids of earlier ops of the same rank). compute: `flops`, `bytes`
 * (optional), `dtype` (optional, "bf16"), or `duration` ("1.5us"). collective: `collective`,
 * `bytes`, `group` (optional, all ranks), `algorithm` (optional, "auto"), `root` (optional).
 * send/recv: `peer`, `bytes`, `tag` (optional, 0). delay: `duration`.
 *
 * Errors: ConfigError at the offending value (unknown key, unknown dep id, group member not a
 * rank, a rank missing or listed twice, more ranks than the cluster).
 */
#include <string>

#include "simcore/workload.h"
#include "tools/dtsim/config_node.h"

namespace dtsim::cli {

/** Reads a graph JSON file for a cluster of `cluster_ranks` ranks. */
simcore::Workload load_graph_json(const ConfigNode& file_ref, int cluster_ranks);

}  // namespace dtsim::cli
