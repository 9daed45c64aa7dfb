#include "simcore/resource_guard.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include "simcore/error.h"

namespace dtsim::simcore {

double default_max_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  double limit = pages > 0 && page > 0 ? 0.5 * static_cast<double>(pages) * page : 8.0 * (1 << 30);
  for (int resource : {RLIMIT_AS, RLIMIT_DATA}) {
    rlimit r{};
    if (::getrlimit(resource, &r) == 0 && r.rlim_cur != RLIM_INFINITY)
      limit = std::min(limit, 0.75 * static_cast<double>(r.rlim_cur));
  }
  return limit;
}

void ResourceLimits::check(const WorkEstimate& e) const {
  const double bytes = e.count * e.bytes_per_unit;
  const double gib = 1024.0 * 1024 * 1024;
  const std::string advice = e.advice.empty() ? "" : ": " + e.advice;
  if (bytes > max_memory_bytes)
    throw ConfigError(fmt::format(
        "{} would need about {:.3g} {} (about {:.3g} GiB), more than the memory limit of {:.3g} "
        "GiB (--max-memory; by default half the physical memory or 3/4 of the process's own "
        "limit){}",
        e.what, e.count, e.unit, bytes / gib, max_memory_bytes / gib, advice));
  if (e.work_cap > 0 && e.count > e.work_cap && !force)
    throw ConfigError(fmt::format(
        "{} would have about {:.3g} {}, more than the limit of {:.3g} (minutes of simulation; "
        "--force runs it anyway){}",
        e.what, e.count, e.unit, e.work_cap, advice));
}

}  // namespace dtsim::simcore
