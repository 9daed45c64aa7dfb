#include "models/collectives/algorithms/nccl_common.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "simcore/error.h"

namespace dtsim::collectives {

using simcore::CollectiveKind;
using simcore::ConfigError;

void nccl_check_group(std::string_view name, CollectiveKind kind, int n,
                      std::span<const int> box_of) {
  auto boxes = members_by_box(n, box_of);
  for (const auto& b : boxes)
    if (b.size() != boxes.front().size())
      throw ConfigError(fmt::format(
          "{} with algorithm \"{}\" needs the same number of ranks on every node; node {} holds "
          "{} but node {} holds {}",
          simcore::to_string(kind), name, box_of[boxes.front().front()], boxes.front().size(),
          box_of[b.front()], b.size()));
}

AlphaBetaParams nccl_measure(const ScheduleRequest& r, const PairCostFn& pair) {
  AlphaBetaParams p;
  p.chunks = r.chunks;
  p.nccl = r.nccl;
  const auto boxes = members_by_box(r.n, r.box_of);
  p.boxes = static_cast<int>(boxes.size());
  double intra_bw = std::numeric_limits<double>::infinity(), inter_bw = intra_bw;
  double intra_alpha = 0, inter_alpha = 0;
  bool any_intra = false, any_inter = false;
  for (const auto& g : boxes)
    for (size_t i = 0; g.size() > 1 && i < g.size(); ++i) {
      const PairCost c = pair(g[i], g[(i + 1) % g.size()], 0);
      intra_bw = std::min(intra_bw, c.bw_bytes_per_s);
      intra_alpha = std::max(intra_alpha, c.latency_s);
      any_intra = true;
    }
  for (size_t b = 0; boxes.size() > 1 && b < boxes.size(); ++b) {
    const auto& next = boxes[(b + 1) % boxes.size()];
    for (size_t i = 0; i < boxes[b].size() && i < next.size(); ++i) {
      const PairCost c = pair(boxes[b][i], next[i], 0);
      inter_bw = std::min(inter_bw, c.bw_bytes_per_s);
      inter_alpha = std::max(inter_alpha, c.latency_s);
      any_inter = true;
    }
  }
  p.intra_bw_bytes_per_s = any_intra ? intra_bw : 0;
  p.intra_alpha_s = intra_alpha;
  p.bw_bytes_per_s = any_inter ? inter_bw : any_intra ? intra_bw : 1;
  p.alpha_s = any_inter ? inter_alpha : intra_alpha;
  return p;
}

NcclInputs nccl_inputs(CollectiveKind kind, int n, double bytes, const AlphaBetaParams& p) {
  NcclInputs in;
  in.kind = kind;
  in.n = n;
  in.nodes = p.boxes;
  in.bytes = bytes;
  in.intra_bw_bytes_per_s = p.intra_bw_bytes_per_s;
  in.inter_bw_bytes_per_s = p.boxes > 1 ? p.bw_bytes_per_s : 0;
  in.ctx = p.nccl;
  return in;
}

NcclEstimate nccl_choose(const ScheduleRequest& r, std::span<const NcclAlgo> algos) {
  if (r.pair_cost == nullptr)
    throw ConfigError(
        "the NCCL algorithms need the group's pair costs (a network back-end supplies them)");
  const AlphaBetaParams p = nccl_measure(r, *r.pair_cost);
  return nccl_best(algos, nccl_inputs(r.kind, r.n, r.bytes, p));
}

namespace {

/** The rings: one per rail. On one node (or one rank per node), one ring in node order. Across
 *  nodes with m ranks each, ring c visits node k's ranks from local index c upwards when k is
 *  even, and from c-1 downwards when k is odd, so that every hop between nodes joins two ranks of
 *  the same local index: the ring leaves each node through that rank's own NIC, on its own rail
 *  (NCCL's rings each use one NIC per node; its graph search keeps a channel on one rail). With
 *  an odd node count the hop closing the ring crosses rails. */
std::vector<std::vector<int32_t>> rail_rings(const ScheduleRequest& r) {
  const auto boxes = members_by_box(r.n, r.box_of);
  const int nb = static_cast<int>(boxes.size());
  const int m = static_cast<int>(boxes.front().size());
  std::vector<std::vector<int32_t>> rings;
  if (nb == 1 || m == 1) {
    std::vector<int32_t> order;
    for (const auto& b : boxes) order.insert(order.end(), b.begin(), b.end());
    rings.push_back(std::move(order));
    return rings;
  }
  const int rails = std::max(1, std::min(r.nccl.facts.nics_per_box, m));
  for (int c = 0; c < rails; ++c) {
    std::vector<int32_t> order;
    order.reserve(r.n);
    for (int k = 0; k < nb; ++k)
      for (int j = 0; j < m; ++j) {
        const int local = k % 2 == 0 ? (c + j) % m : ((c - 1 - j) % m + m) % m;
        order.push_back(boxes[k][local]);
      }
    rings.push_back(std::move(order));
  }
  return rings;
}

}  // namespace

double nccl_ring_transfers(const ScheduleRequest& r) {
  const auto boxes = members_by_box(r.n, r.box_of);
  const double m = static_cast<double>(boxes.front().size());
  const double rings = boxes.size() == 1 || m == 1
                           ? 1
                           : std::max(1.0, std::min<double>(r.nccl.facts.nics_per_box, m));
  return rings * ring_steps(r.kind, r.n) * static_cast<double>(r.n);
}

void nccl_expand_ring(const ScheduleRequest& r, const NcclEstimate& e, std::string label,
                      ScheduleBuilder& b) {
  const auto rings = rail_rings(r);
  // The protocol's bandwidth fraction as bytes on the wire (LL moves 8 B per 4 B of data).
  const double wire = e.busbw_bytes_per_s > 0 ? e.raw_busbw_bytes_per_s / e.busbw_bytes_per_s : 1;
  const double step_bytes = r.bytes / static_cast<double>(rings.size()) / r.n * wire;
  for (const auto& ring : rings) {
    Boundary none(r.n, {kNoTransfer, kNoTransfer});
    add_ring(b, ring, +1, ring_steps(r.kind, r.n), step_bytes, 1, none);
  }
  Schedule& s = b.schedule();
  s.start_latency_s = e.run_latency_s;
  s.route_latency = false;
  s.label = std::move(label);
}

void nccl_expand_timed(const NcclEstimate& e, std::string label, ScheduleBuilder& b) {
  Schedule& s = b.schedule();
  s.start_latency_s = e.run_seconds;
  s.route_latency = false;
  s.label = std::move(label);
}

}  // namespace dtsim::collectives
