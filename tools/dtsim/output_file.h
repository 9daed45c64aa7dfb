#pragma once
/**
 * Output files that are never left half-written: content goes to a temporary name in the same
 * folder, then is renamed over the target.
 *
 * Errors: ConfigError naming the path when the folder does not exist or is not writable.
 */
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace dtsim::cli {

/** Fails early (before a long run) when `path` cannot be written. */
void check_writable(const std::string& path, const std::string& what);
/** Refuses outputs that are the input or each other (same file after resolving links).
 *  Empty paths are ignored. */
void check_distinct_outputs(const std::string& input, const std::vector<std::string>& outputs);
/** Writes `path` atomically with what `fill` streams. */
void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& fill);

}  // namespace dtsim::cli
