#include "models/workloads/streaming_diloco.h"

#include "models/workloads/transformer_placement.h"
#include "simcore/composition.h"
#include "simcore/error.h"

namespace dtsim::workloads {

std::vector<int> fragment_layers(int layers, int fragments, FragmentPattern pattern, int p) {
  std::vector<int> ids;
  if (pattern == FragmentPattern::kStrided) {
    for (int l = p; l < layers; l += fragments) ids.push_back(l);
    return ids;
  }
  const int64_t begin = static_cast<int64_t>(p) * layers / fragments;
  const int64_t end = static_cast<int64_t>(p + 1) * layers / fragments;
  for (int64_t l = begin; l < end; ++l) ids.push_back(static_cast<int>(l));
  return ids;
}

int fragment_of_layer(int layers, int fragments, FragmentPattern pattern, int l) {
  if (pattern == FragmentPattern::kStrided) return l % fragments;
  // The p with floor(p L / P) <= l < floor((p + 1) L / P): the largest p with
  // floor(p L / P) <= l, i.e. p = floor(((l + 1) P - 1) / L).
  return static_cast<int>((static_cast<int64_t>(l + 1) * fragments - 1) / layers);
}

int64_t fragment_offset(int p, int fragments, int64_t inner_steps) {
  return static_cast<int64_t>(p) * inner_steps / fragments;
}

int fragment_synced_after(int64_t t, int fragments, int64_t inner_steps) {
  if (t < inner_steps) return -1;
  const int64_t phase = t % inner_steps;
  // The offsets floor(p H / P) are strictly increasing in p when H >= P; find the one equal to
  // the phase: p = ceil(phase P / H), then check.
  const int64_t p = (phase * fragments + inner_steps - 1) / inner_steps;
  if (p < fragments && fragment_offset(static_cast<int>(p), fragments, inner_steps) == phase)
    return static_cast<int>(p);
  return -1;
}

namespace {

/** Parameters of fragment p that pipeline stage `stage` holds (all of them with stage < 0). */
int64_t fragment_params_on(const StreamingDilocoParams& s, int p, int stage) {
  const TransformerParams& r = s.diloco.replica;
  const TransformerConfig& m = r.model;
  const int last = m.layers - 1;
  int64_t sum = 0;
  auto holds = [&](int l) { return fragment_of_layer(m.layers, s.fragments, s.pattern, l) == p; };
  if (stage < 0) {
    for (int l : fragment_layers(m.layers, s.fragments, s.pattern, p)) sum += m.layer_params(l);
  } else {
    for (int l : stage_layer_ids(r, stage))
      if (holds(l)) sum += m.layer_params(l);
  }
  if (holds(0) && stage <= 0) sum += m.embedding_params();
  if (holds(last) && (stage < 0 || stage == r.pp - 1)) sum += m.lm_head_params() + m.hidden;
  return sum;
}

}  // namespace

int64_t fragment_params(const StreamingDilocoParams& s, int p) {
  return fragment_params_on(s, p, -1);
}

std::vector<int64_t> fragment_bytes_per_position(const StreamingDilocoParams& s, int p) {
  const TransformerParams& r = s.diloco.replica;
  const RankPlacement at = rank_placement(r);
  std::vector<int64_t> bytes(static_cast<size_t>(s.diloco.replica_ranks()), 0);
  int64_t denom = 8LL * r.tp;
  if (r.zero_stage >= 1) denom *= static_cast<int64_t>(r.dp) * r.seq_split();
  std::vector<int64_t> per_stage(static_cast<size_t>(r.pp));
  for (int st = 0; st < r.pp; ++st) per_stage[st] = fragment_params_on(s, p, st);
  for (const RankCoord& c : build_order(r)) {
    // ceil(params bits / (8 tp [dp sp])) in integers, as outer_sync_bytes_per_rank.
    const int64_t bits = per_stage[static_cast<size_t>(c.p)] * s.diloco.outer_bits;
    bytes[static_cast<size_t>(at.rank(c))] = (bits + denom - 1) / denom;
  }
  return bytes;
}

simcore::Workload make_fragment_sync(const StreamingDilocoParams& s, int p) {
  return make_outer_collective(s.diloco, fragment_bytes_per_position(s, p),
                               simcore::CollectiveKind::kAllReduce, "outer fragment all_reduce",
                               "outer", 0);
}

simcore::Workload make_overlap_steps(const StreamingDilocoParams& s,
                                     const simcore::Workload& inner) {
  const int n = s.diloco.replica_ranks();
  const int ranks = n * s.diloco.replicas;
  simcore::Workload all;
  all.ranks.resize(static_cast<size_t>(ranks));
  if (s.overlap_steps == 0) return all;
  simcore::Workload steps;
  for (int k = 0; k < s.overlap_steps; ++k) simcore::append(steps, inner, k);
  std::vector<int> placement(static_cast<size_t>(n));
  for (int i = 0; i < s.diloco.replicas; ++i) {
    for (int j = 0; j < n; ++j) placement[static_cast<size_t>(j)] = i * n + j;
    simcore::Workload placed = steps.placed(placement, ranks);
    for (auto& rank : placed.ranks)
      for (auto& op : rank.ops) op.tags.replica = i;
    simcore::merge(all, placed);
  }
  return all;
}

simcore::Workload make_overlap_window(const StreamingDilocoParams& s, const simcore::Workload& sync,
                                      const simcore::Workload& inner) {
  simcore::Workload w = sync;
  simcore::merge(w, make_overlap_steps(s, inner));
  return w;
}

}  // namespace dtsim::workloads
