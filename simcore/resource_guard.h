#pragma once
/**
 * The resource guard: what one scenario may use, and the check every builder, loader and
 * generator makes with its estimate *before* it allocates or runs the work.
 *
 * Two limits:
 * - memory (`max_memory_bytes`, the CLI's `--max-memory`): by default half the machine's
 *   physical memory, or 3/4 of the process's own limit (RLIMIT_AS / RLIMIT_DATA, `ulimit -v`)
 *   when that is lower, so a run is refused with its estimate instead of dying out of memory;
 * - work (a cap per kind of work, e.g. 64 M ops for one transformer step: minutes to simulate):
 *   lifted by `force` (`--force`), for a run known to be long.
 *
 *     ResourceLimits limits;                      // the defaults above
 *     limits.check({"the step", "ops", 1.2e8, 160, 64e6, "fewer micro-batches"});
 *
 * Errors: ConfigError (without a location: the caller adds its key) naming the estimate, the
 * limit, and how to lift it or shrink the work.
 */
#include <string>

namespace dtsim::simcore {

/** An estimate of some work, before it is built or run. */
struct WorkEstimate {
  std::string what;           ///< "the step", "the sweep", ... (the subject of the message)
  std::string unit;           ///< what is counted: "ops", "collective ops", "transfers"
  double count = 0;           ///< how many
  double bytes_per_unit = 0;  ///< memory per unit while it exists (bytes); 0: none counted
  double work_cap = 0;        ///< the most units without --force; 0: no work cap
  std::string advice;         ///< how to make it smaller ("fewer micro-batches")
};

/** Half the physical memory, or 3/4 of the soft RLIMIT_AS / RLIMIT_DATA when lower (bytes). */
double default_max_memory_bytes();

struct ResourceLimits {
  double max_memory_bytes = default_max_memory_bytes();
  bool force = false;  ///< lift the work caps (never the memory limit)

  /** Throws ConfigError when `e.count x e.bytes_per_unit` passes the memory limit, or
   *  `e.count` passes `e.work_cap` without `force`. */
  void check(const WorkEstimate& e) const;
};

}  // namespace dtsim::simcore
