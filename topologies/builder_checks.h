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

/** Caps on a built topology, far above the largest clusters (about 100,000 accelerators in
 *  2025): each builder checks them from its count formulas before it allocates anything (a
 *  product of keys that each pass their own range, 4096 racks of 4096 GPUs, must not be built
 *  for minutes and gigabytes before failing). Routing keeps a next-hop table per destination,
 *  so the rank count is the tightest. */
inline constexpr double kMaxRanks = 1 << 18;         // 262,144
inline constexpr double kMaxNodes = 1 << 20;         // 1,048,576
inline constexpr double kMaxLinks = 1 << 22;         // 4,194,304

/** Errors: ConfigError "<builder>: expected at most ...; got ..." with the three counts. */
inline void check_size(std::string_view builder, double ranks, double nodes, double links) {
  if (ranks <= kMaxRanks && nodes <= kMaxNodes && links <= kMaxLinks) return;
  throw simcore::ConfigError(fmt::format(
      "{}: expected at most {:.0f} ranks, {:.0f} nodes and {:.0f} links; got {:.0f} ranks, "
      "{:.0f} nodes and {:.0f} links",
      builder, kMaxRanks, kMaxNodes, kMaxLinks, ranks, nodes, links));
}

}  // namespace dtsim::topologies::detail
