#pragma once
/** Test helper: a contention-free replay of a collective schedule. */
#include <algorithm>
#include <vector>

#include "models/collectives/schedule.h"

namespace dtsim::test {

/**
 * A transfer starts when its deps are done and takes latency_s + bytes / bw_bytes_per_s.
 * Units: seconds, bytes per second. Returns the finish time of the last transfer.
 */
inline double replay(const collectives::Schedule& s, double latency_s, double bw_bytes_per_s) {
  std::vector<double> finish(s.transfers.size(), 0.0);
  double end = 0;
  for (size_t t = 0; t < s.transfers.size(); ++t) {
    double start = 0;
    for (uint32_t d : s.deps_of(t)) start = std::max(start, finish[d]);
    finish[t] = start + (latency_s + s.transfers[t].bytes / bw_bytes_per_s);
    end = std::max(end, finish[t]);
  }
  return end;
}

}  // namespace dtsim::test
