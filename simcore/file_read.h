#pragma once
/**
 * Reading input files whole, safely: only regular files (a FIFO would block forever, a device
 * such as /dev/zero never ends), and only up to a size cap checked before anything is read.
 *
 * Units: bytes.
 * Errors: ConfigError at the file (line 0) when it does not exist, is not a regular file, is
 * larger than the cap, or cannot be read; the message says which, with the numbers.
 *
 *     std::string text = read_regular_file("s.yaml", kMaxConfigFileBytes, "scenario file");
 */
#include <cstdint>
#include <string>
#include <string_view>

namespace dtsim::simcore {

/** Cap on a YAML or JSON input (scenario, topology, device, model, graph JSON, histogram):
 *  parsed YAML takes about ten times its text, so 64 MiB stays well under 1 GiB of memory. */
inline constexpr uint64_t kMaxConfigFileBytes = uint64_t{64} << 20;
/** Cap on a binary trace file (Chakra .et, possibly gzipped). */
inline constexpr uint64_t kMaxTraceFileBytes = uint64_t{512} << 20;

/** The whole content of regular file `path` (symlinks followed); `what` names it in errors
 *  ("scenario file", "trace file"). */
std::string read_regular_file(const std::string& path, uint64_t max_bytes, std::string_view what);

/** Whether `path` exists / is a regular file. Never throws: a name the system refuses (too long,
 *  a component that is no folder) is simply not there, so a bad path in an input is the
 *  caller's clear error, not a std::filesystem exception. */
bool path_exists(const std::string& path);
bool is_regular_file(const std::string& path);

}  // namespace dtsim::simcore
