// `ring`: the ring all-reduce / reduce-scatter / all-gather, and the pipelined chain of
// broadcast and reduce (schedule.h, alpha_beta.h).
#include <algorithm>
#include <numeric>

#include "models/collectives/alpha_beta.h"
#include "models/collectives/schedule_builder.h"

namespace dtsim::collectives {

using simcore::CollectiveKind;

namespace {

constexpr CollectiveKind kKinds[] = {CollectiveKind::kAllReduce, CollectiveKind::kReduceScatter,
                                     CollectiveKind::kAllGather, CollectiveKind::kBroadcast,
                                     CollectiveKind::kReduce};

bool rooted(CollectiveKind k) { return k == CollectiveKind::kBroadcast || k == CollectiveKind::kReduce; }

double transfer_count(const ScheduleRequest& r) {
  const double n = r.n, c = r.chunks;
  if (rooted(r.kind)) return (n - 1) * c;
  return (r.kind == CollectiveKind::kAllReduce ? 2 : 1) * (n - 1) * n * c;
}

void expand(const ScheduleRequest& r, ScheduleBuilder& b) {
  const int n = r.n;
  if (rooted(r.kind)) {
    std::vector<int32_t> order(n);
    for (int h = 0; h < n; ++h) order[h] = (r.root + h) % n;
    if (r.kind == CollectiveKind::kReduce) std::reverse(order.begin(), order.end());
    add_chain(b, order, r.bytes, r.chunks);
    return;
  }
  std::vector<int32_t> all(n);
  std::iota(all.begin(), all.end(), 0);
  Boundary none(n, {kNoTransfer, kNoTransfer});
  add_ring(b, all, +1, ring_steps(r.kind, n), r.bytes / n, r.chunks, none);
}

double seconds(CollectiveKind kind, int n, double bytes, const AlphaBetaParams& p) {
  const double N = n;
  if (rooted(kind)) return pipelined_seconds(N - 1, p.chunks, p.alpha_s, bytes, p.bw_bytes_per_s);
  return pipelined_seconds(ring_steps(kind, n), p.chunks, p.alpha_s, bytes / N, p.bw_bytes_per_s);
}

}  // namespace

int ring_steps(CollectiveKind kind, int n) {
  return kind == CollectiveKind::kAllReduce ? 2 * (n - 1) : n - 1;
}

const AlgorithmFamily& ring_algorithm() {
  static const AlgorithmFamily f{.name = "ring",
                                 .kinds = kKinds,
                                 .transfer_count = transfer_count,
                                 .expand = expand,
                                 .alpha_beta_seconds = seconds};
  return f;
}

}  // namespace dtsim::collectives
