#pragma once
/**
 * Parameter checks shared by the builders (builders.cpp) and the named presets (presets.cpp):
 * they throw ConfigError `<builder>: <field>: expected <what>; got <value>`.
 */
#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "simcore/error.h"

namespace dtsim::topologies::detail {

[[noreturn]] inline void bad(std::string_view builder, std::string_view field,
                             std::string_view what, const std::string& got) {
  throw simcore::ConfigError(fmt::format("{}: {}: expected {}; got {}", builder, field, what, got));
}

inline void check_at_least(std::string_view builder, std::string_view field, int64_t v,
                           int64_t min) {
  if (v < min) bad(builder, field, fmt::format("at least {}", min), std::to_string(v));
}

}  // namespace dtsim::topologies::detail
