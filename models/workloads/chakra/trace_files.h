#pragma once
/**
 * Finds and reads the per-rank files of a Chakra trace: `<prefix>.<rank>.et`, `.et.gz` (protobuf
 * stream) or `.json` (feeder JSON), rank 0, 1, ... until the next rank has no file. The files may
 * sit in a folder or inside a (compressed) tar archive, read with libarchive.
 *
 * Errors: ConfigError when rank 0 has no file, the archive cannot be read, or a file is bad (see
 * et_reader.h and json_reader.h).
 *
 *     auto ranks = read_trace_ranks("traces/all_reduce");            // traces/all_reduce.0.et ...
 *     auto one = read_trace_ranks("jsonData/chakra", "json_trace.tar.gz");
 */
#include <string>
#include <vector>

#include "models/workloads/chakra/et_reader.h"

namespace dtsim::workloads::chakra {

std::vector<RankTrace> read_trace_ranks(const std::string& prefix, const std::string& archive = "");

/** Reads `<prefix>.0.et`, `<prefix>.1.et`, ... (or `.et.gz`) from a folder until the next rank's
 *  file is missing. Errors: ConfigError when there is no `<prefix>.0.et`. */
std::vector<RankTrace> read_et_ranks(const std::string& prefix);

}  // namespace dtsim::workloads::chakra
