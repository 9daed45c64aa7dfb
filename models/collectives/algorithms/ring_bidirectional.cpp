// `ring_bidirectional`: two rings, one each way, each carrying half the data (schedule.h,
// alpha_beta.h).
#include <numeric>

#include "models/collectives/alpha_beta.h"
#include "models/collectives/schedule_builder.h"

namespace dtsim::collectives {

using simcore::CollectiveKind;

namespace {

constexpr CollectiveKind kKinds[] = {CollectiveKind::kAllReduce, CollectiveKind::kReduceScatter,
                                     CollectiveKind::kAllGather};

double transfer_count(const ScheduleRequest& r) {
  const double n = r.n;
  return 2 * (r.kind == CollectiveKind::kAllReduce ? 2 : 1) * (n - 1) * n * r.chunks;
}

void expand(const ScheduleRequest& r, ScheduleBuilder& b) {
  const int n = r.n;
  std::vector<int32_t> all(n);
  std::iota(all.begin(), all.end(), 0);
  Boundary none(n, {kNoTransfer, kNoTransfer});
  add_ring(b, all, +1, ring_steps(r.kind, n), r.bytes / 2 / n, r.chunks, none);
  Boundary none2(n, {kNoTransfer, kNoTransfer});
  add_ring(b, all, -1, ring_steps(r.kind, n), r.bytes / 2 / n, r.chunks, none2);
}

/** As the ring: each step a rank sends S/(2n) both ways over its one link (alpha_beta.h). */
double seconds(CollectiveKind kind, int n, double bytes, const AlphaBetaParams& p) {
  return pipelined_seconds(ring_steps(kind, n), p.chunks, p.alpha_s, bytes / n, p.bw_bytes_per_s);
}

}  // namespace

const AlgorithmFamily& ring_bidirectional_algorithm() {
  static const AlgorithmFamily f{.name = "ring_bidirectional",
                                 .kinds = kKinds,
                                 .transfer_count = transfer_count,
                                 .expand = expand,
                                 .alpha_beta_seconds = seconds};
  return f;
}

}  // namespace dtsim::collectives
