#pragma once
/** dtsim's version (CMake's project version) and the git commit it was built from ("unknown"
 *  outside a git checkout; "-dirty" when the tree had uncommitted changes), for `--version` and
 *  the report. The commit is read at build time, not configure time (version.cmake). */
#include <string_view>

namespace dtsim::cli {

std::string_view dtsim_version();
std::string_view dtsim_commit();

}  // namespace dtsim::cli
