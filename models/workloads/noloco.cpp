#include "models/workloads/noloco.h"

#include "models/workloads/gossip.h"
#include "simcore/error.h"

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
  simcore::Workload w =
      make_peer_exchange(p.outer.replicas * n, transfers,
                         outer_sync_bytes_per_rank(p.outer, params), tags, "noloco exchange");
  // The replica of each op (its rank's replica).
  for (size_t r = 0; r < w.ranks.size(); ++r)
    for (auto& op : w.ranks[r].ops)
      op.tags.replica = static_cast<int32_t>(static_cast<int64_t>(r) / n);
  return w;
}

TransformerParams routed_pipelines(const NolocoParams& p) { return ddp_across_sites(p.outer); }

simcore::Workload make_routed_inner_step(const NolocoParams& p, TransformerInfo* info) {
  const TransformerParams q = routed_pipelines(p);
  TransformerInfo local;
  if (!info) info = &local;
  simcore::Workload w = make_transformer_inner_step(q, info);
  const int64_t n = p.outer.replica_ranks();
  const int64_t replicas = p.outer.replicas;
  const int tp = q.tp, pp = q.pp;
  const bool tp_inner = q.order.rfind("tp", 0) == 0;  // "tp-pp-dp" or "pp-tp-dp"
  auto stage_of = [&](int64_t within) {
    return static_cast<int>(tp_inner ? within / tp : within % pp);
  };
  // pi_{s,m} and its inverse, drawn once per (boundary s, micro-batch m).
  const int64_t mbs = info->micro_batches;
  std::vector<std::vector<int32_t>> fwd(static_cast<size_t>((pp - 1) * mbs)),
      inv(static_cast<size_t>((pp - 1) * mbs));
  auto perm = [&](int s, int32_t m, bool inverse) -> const std::vector<int32_t>& {
    const size_t k = static_cast<size_t>(s) * static_cast<size_t>(mbs) + static_cast<size_t>(m);
    if (fwd[k].empty()) {
      std::mt19937_64 g = round_generator(p.seed, "noloco.routing", static_cast<int64_t>(k));
      fwd[k] = random_permutation(replicas, g);
      inv[k].assign(fwd[k].size(), 0);
      for (size_t d = 0; d < fwd[k].size(); ++d)
        inv[k][static_cast<size_t>(fwd[k][d])] = static_cast<int32_t>(d);
    }
    return inverse ? inv[k] : fwd[k];
  };
  for (size_t r = 0; r < w.ranks.size(); ++r) {
    const int64_t d = static_cast<int64_t>(r) / n;
    const int stage = stage_of(static_cast<int64_t>(r) % n);
    for (simcore::Op& op : w.ranks[r].ops) {
      if (op.kind != simcore::OpKind::kSend && op.kind != simcore::OpKind::kRecv) continue;
      DTSIM_ASSERT(op.tags.micro_batch >= 0 && op.tags.micro_batch < mbs,
                   "routed pipelines: a pipeline transfer without its micro-batch");
      // Forward sends and backward recvs face the next stage; the others the previous one.
      const bool next = (op.kind == simcore::OpKind::kSend) == (op.tag == 0);
      const int boundary = next ? stage : stage - 1;
      const int64_t to = perm(boundary, op.tags.micro_batch, !next)[static_cast<size_t>(d)];
      op.peer = static_cast<int32_t>(to * n + op.peer % n);
    }
  }
  return w;
}

}  // namespace dtsim::workloads
