#include "models/workloads/noloco.h"

#include "models/workloads/gossip.h"

namespace dtsim::workloads {

std::vector<std::vector<int32_t>> noloco_groups(const NolocoParams& p, int64_t outer_step) {
  return random_groups(p.outer.replicas, p.group_size, p.seed, outer_step);
}

int64_t noloco_bytes_sent_per_rank(const NolocoParams& p, int64_t params) {
  return (p.group_size - 1) * outer_sync_bytes_per_rank(p.outer, params);
}

simcore::Workload make_noloco_sync(const NolocoParams& p, int64_t params, int64_t outer_step) {
  const int64_t n = p.outer.replica_ranks();
  std::vector<PeerTransfer> pairs;
  pairs.reserve(static_cast<size_t>(p.outer.replicas * (p.group_size - 1)));
  for (const auto& group : noloco_groups(p, outer_step))
    for (int32_t a : group)
      for (int32_t b : group)
        if (a != b) pairs.push_back({a, b});
  const std::vector<PeerTransfer> transfers = expand_to_ranks(pairs, n);
  simcore::OpTags tags;
  tags.phase = simcore::OpPhase::kOuterSync;
  tags.step = static_cast<int32_t>(outer_step);
  simcore::Workload w = make_peer_exchange(p.outer.replicas * n, transfers,
                                           outer_sync_bytes_per_rank(p.outer, params), tags,
                                           "noloco exchange");
  // The replica of each op (its rank's replica).
  for (size_t r = 0; r < w.ranks.size(); ++r)
    for (auto& op : w.ranks[r].ops) op.tags.replica = static_cast<int32_t>(static_cast<int64_t>(r) / n);
  return w;
}

}  // namespace dtsim::workloads
