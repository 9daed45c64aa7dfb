#pragma once
/** Test helper: substring checks on op names and messages. */
#include <string>
#include <string_view>

namespace dtsim::test {

/** True when `part` occurs in `s`. */
inline bool has(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

}  // namespace dtsim::test
