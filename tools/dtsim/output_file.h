#pragma once
/**
 * Output files that are never left half-written: content goes to a temporary name in the same
 * folder, then is renamed over the target. A symbolic link is written through (its target is
 * replaced, the link stays); a special file (a device such as /dev/null, a FIFO, a socket) is
 * refused, never replaced by a regular file. `-` is standard output.
 *
 * Errors: ConfigError naming the path when the folder does not exist or is not writable, or the
 * path is a folder or a special file.
 */
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace dtsim::cli {

/** Fails early (before a long run) when `path` cannot be written. */
void check_writable(const std::string& path, const std::string& what);
/** The path of standard output. */
inline constexpr const char* kStdout = "-";
/** Refuses outputs that are the input or each other (same file after resolving links; two
 *  outputs on standard output). Empty paths are ignored. */
void check_distinct_outputs(const std::string& input, const std::vector<std::string>& outputs);
/** Writes `path` atomically with what `fill` streams; gzip-compressed when `path` ends in ".gz"
 *  (not on standard output). */
void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& fill);

}  // namespace dtsim::cli
