// `pccl_ring`: PCCL's WAN ring (Keiblinger et al., "Prime Collective Communications Library --
// Technical Report", arXiv:2505.14065, 2025): a reduce-scatter then an all-gather over a ring
// of peers whose order comes from the pairwise bandwidths (ring_order.h), every transfer split
// over a pool of `connections` parallel TCP connections between the two peers (PCCL dispatches
// to a connection pool per peer pair; the WAN TCP link model bounds each connection by its
// congestion control's steady rate, so a transfer over k connections is bounded by k x that
// rate and shares a bottleneck with weight k: links/wan_tcp.h).
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "models/collectives/alpha_beta.h"
#include "models/collectives/ring_order.h"
#include "models/collectives/schedule_builder.h"
#include "simcore/error.h"

namespace dtsim::collectives {

using simcore::CollectiveKind;
using simcore::ConfigError;

namespace {

constexpr CollectiveKind kKinds[] = {CollectiveKind::kAllReduce, CollectiveKind::kReduceScatter,
                                     CollectiveKind::kAllGather};

void check_connections(const ScheduleRequest& r) {
  if (r.connections < 1 || r.connections > kMaxConnectionsPerPair)
    throw ConfigError(fmt::format(
        "{} with algorithm \"pccl_ring\": connections must be in [1, {}]; got {}",
        simcore::to_string(r.kind), kMaxConnectionsPerPair, r.connections));
}

/** The ring order: best_ring_order over the pool's steady pair costs; position order when the
 *  request carries none. */
std::vector<int32_t> order_of(const ScheduleRequest& r, const PairCostFn* pair) {
  check_connections(r);
  if (pair == nullptr || !*pair) {
    std::vector<int32_t> order(r.n);
    for (int i = 0; i < r.n; ++i) order[i] = i;
    return order;
  }
  return best_ring_order(r.n, [&](int i, int j) { return (*pair)(i, j, r.connections); });
}

double transfer_count(const ScheduleRequest& r) {
  const double n = r.n;
  return (r.kind == CollectiveKind::kAllReduce ? 2 : 1) * (n - 1) * n * r.chunks;
}

void expand(const ScheduleRequest& r, ScheduleBuilder& b) {
  const std::vector<int32_t> order = order_of(r, r.pair_cost);
  Boundary none(r.n, {kNoTransfer, kNoTransfer});
  add_ring(b, order, +1, ring_steps(r.kind, r.n), r.bytes / r.n, r.chunks, none);
}

int streams(const ScheduleRequest& r) {
  check_connections(r);
  return r.connections;
}

/** alpha the largest and B the smallest over the ring's edges in the chosen order. */
AlphaBetaParams measure(const ScheduleRequest& r, const PairCostFn& pair) {
  AlphaBetaParams p;
  p.chunks = r.chunks;  // boxes stays 1: the ring's closed form does not look at boxes
  const std::vector<int32_t> order = order_of(r, &pair);
  double alpha = 0, bw = std::numeric_limits<double>::infinity();
  for (int x = 0; x < r.n; ++x) {
    const PairCost c = pair(order[x], order[(x + 1) % r.n], r.connections);
    alpha = std::max(alpha, c.latency_s);
    bw = std::min(bw, c.bw_bytes_per_s);
  }
  p.alpha_s = alpha;
  p.bw_bytes_per_s = bw;
  return p;
}

/** The ring's: (steps + c - 1)(alpha + S/(ncB)), steps = 2(n-1) for all-reduce. */
double seconds(CollectiveKind kind, int n, double bytes, const AlphaBetaParams& p) {
  return pipelined_seconds(ring_steps(kind, n), p.chunks, p.alpha_s, bytes / n, p.bw_bytes_per_s);
}

}  // namespace

const AlgorithmFamily& pccl_ring_algorithm() {
  static const AlgorithmFamily f{.name = "pccl_ring",
                                 .kinds = kKinds,
                                 .transfer_count = transfer_count,
                                 .expand = expand,
                                 .streams_per_transfer = streams,
                                 .measure = measure,
                                 .alpha_beta_seconds = seconds};
  return f;
}

}  // namespace dtsim::collectives
