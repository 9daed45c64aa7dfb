// ResourceOptions (commands.h): --max-memory and --force into the resource guard's limits.
#include <fmt/format.h>

#include <cmath>

#include "simcore/error.h"
#include "simcore/units.h"
#include "tools/dtsim/commands.h"

namespace dtsim::cli {

simcore::ResourceLimits ResourceOptions::limits() const {
  simcore::ResourceLimits l;
  l.force = force;
  if (!max_memory.empty()) {
    const auto b = simcore::parse_bytes(max_memory);
    if (!b || !std::isfinite(*b) || *b <= 0)
      throw simcore::ConfigError(
          simcore::SourceLocation{"<--max-memory " + max_memory + ">", 0, 0},
          fmt::format("expected a positive size with its unit, like 8GiB or 500MB; got \"{}\"",
                      max_memory));
    l.max_memory_bytes = *b;
  }
  return l;
}

}  // namespace dtsim::cli
