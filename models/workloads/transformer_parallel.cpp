// The transformer generator: the per-rank program (chunks, pipeline sends and receives, ZeRO-3
// gathers, the order of the pipeline schedule) over the pieces of their own files (placement,
// pipeline_schedule, layer_ops, gradient_sync, validation, memory), the work guard, and the
// parallel per-rank build.
#include "models/workloads/transformer_parallel.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "models/workloads/gradient_sync.h"
#include "models/workloads/pipeline_schedule.h"
#include "models/workloads/transformer_layer_ops.h"
#include "models/workloads/transformer_memory.h"
#include "models/workloads/transformer_placement.h"
#include "models/workloads/transformer_shapes.h"
#include "models/workloads/transformer_validation.h"
#include "simcore/error.h"
#include "simcore/program_builder.h"

namespace dtsim::workloads {

using namespace dtsim::simcore;

namespace {

using Coord = RankCoord;

class Builder {
 public:
  Builder(const TransformerParams& p, Workload& w, const std::vector<MoeLayerPlan>& moe)
      : p_(p),
        w_(w),
        moe_(moe),
        b_(w, ProgramBuilder::Strings::kPrivate),
        at_(rank_placement(p)),
        row_sums_(w) {}

  /** Rank of inner index t (the TP rank, or the Ulysses SP rank: at most one of them is > 1). */
  int rank(int t, int d, int pp) const { return at_.rank(t, d, pp); }
  int inner() const { return p_.inner(); }

  void build_rank(const Coord& c);

  /** A rank's communicators and streams. */
  struct Comms {
    int dp_size = 1, edp_size = 1, ep_pos = 0;
    uint32_t tp_group = 0, dp_group = 0, ep_group = 0, edp_group = 0, cp_group = 0;
    uint8_t tp_s = kCommStream, ep_s = kCommStream, cp_s = kCommStream, send_next = kCommStream,
            send_prev = kCommStream, recv_prev = kCommStream, recv_next = kCommStream;
  };
  /** The communicators and streams of rank `c`: created in the workload when `create` (the
   *  serial first pass over every rank), looked up otherwise (ranks built in parallel). */
  Comms comms(const Coord& c);
  bool create = true;
  /** false: the inner step only (no gradient sync, no optimizer step). */
  bool gradient_sync = true;

  /** The builder of this rank block's ops (strings in its private table until published). */
  ProgramBuilder& program() { return b_; }

 private:
  uint32_t compute(int r, std::string_view name, double flops, double bytes,
                   std::vector<uint32_t> deps) {
    return b_.compute(r, name, flops, bytes, p_.dtype, std::move(deps));
  }
  uint32_t collective(int r, std::string_view name, CollectiveKind kind, double bytes,
                      uint32_t group, uint8_t stream, std::string_view algo,
                      std::vector<uint32_t> deps) {
    return b_.collective(r, name, kind, static_cast<int64_t>(bytes), group, algo, std::move(deps),
                         stream);
  }
  uint32_t p2p(int r, OpKind kind, std::string_view name, int peer, double bytes, int tag,
               uint8_t stream, std::vector<uint32_t> deps) {
    const int64_t n = static_cast<int64_t>(bytes);
    return kind == OpKind::kSend ? b_.send(r, name, peer, n, tag, std::move(deps), stream)
                                 : b_.recv(r, name, peer, n, tag, std::move(deps), stream);
  }

  uint32_t group(const std::vector<int>& members, std::string_view name) {
    return create ? w_.group_of(members, name) : w_.find_group(members, name);
  }
  uint8_t stream(std::string_view name) {
    return create ? w_.stream_of(name) : w_.find_stream(name);
  }

  const TransformerParams& p_;
  Workload& w_;
  const std::vector<MoeLayerPlan>& moe_;
  // Ops go to w_'s ranks, strings to the builder's private table (ranks built in parallel share
  // no table); every rank of a pipeline stage repeats its stage's name sequence.
  ProgramBuilder b_;
  RankPlacement at_;
  SendRowSums row_sums_;
};

Builder::Comms Builder::comms(const Coord& c) {
  const int tp = p_.tp, pp = p_.pp, sp = p_.sp;
  Comms k;
  std::vector<int> tp_members, dp_members, cp_members;
  // The inner index t = tp rank + tp sp x cp rank: the TP (or SP) group shares the CP rank, the
  // CP group the TP rank.
  const int width = tp * sp, cp = p_.cp, cp_rank = c.t / width, tp_rank = c.t % width;
  for (int t = 0; t < width; ++t) tp_members.push_back(rank(t + width * cp_rank, c.d, c.p));
  for (int j = 0; j < cp; ++j) cp_members.push_back(rank(tp_rank + width * j, c.d, c.p));
  // Gradients are reduced over the DP replicas; Ulysses SP ranks hold full weights too, so with
  // sp > 1 the reduction spans every rank of the stage (DeepSpeed-Ulysses with ZeRO); CP ranks
  // hold the same TP shard, so with cp > 1 it spans the dp x cp ranks of that shard.
  for (int d = 0; d < p_.dp; ++d)
    for (int j = 0; j < cp; ++j)
      for (int u = 0; u < sp; ++u)
        dp_members.push_back(rank(sp > 1 ? u : tp_rank + width * j, d, c.p));
  k.dp_size = static_cast<int>(dp_members.size());
  // Expert parallelism: the EP group is `ep` consecutive DP ranks; the ranks holding the same
  // experts (same position in their EP group) reduce the expert gradients.
  const int ep = p_.ep;
  k.ep_pos = c.d % ep;
  std::vector<int> ep_members, edp_members;
  for (int e = 0; e < ep; ++e) ep_members.push_back(rank(c.t, c.d - k.ep_pos + e, c.p));
  for (int d = k.ep_pos; d < p_.dp; d += ep)
    for (int u = 0; u < sp; ++u) edp_members.push_back(rank(sp > 1 ? u : c.t, d, c.p));
  k.edp_size = static_cast<int>(edp_members.size());
  k.ep_group = ep > 1 ? group(ep_members, "ep") : 0;
  k.edp_group = ep > 1 && k.edp_size > 1 ? group(edp_members, "expert_dp") : 0;
  k.ep_s = ep > 1 ? stream("ep_comm") : kCommStream;
  // Groups and streams exist only where there is communication (tp = 1: no TP group).
  k.tp_group = tp * sp > 1 ? group(tp_members, sp > 1 ? "sp" : "tp") : 0;
  k.cp_group = cp > 1 ? group(cp_members, "cp") : 0;
  k.cp_s = cp > 1 ? stream("cp_comm") : kCommStream;
  k.dp_group = k.dp_size > 1 ? group(dp_members, "dp") : 0;
  k.tp_s = tp > 1 ? stream("tp_comm") : sp > 1 ? stream("sp_comm") : kCommStream;
  const bool piped = pp > 1;
  k.send_next = piped ? stream("pp_send_next") : kCommStream;
  k.send_prev = piped ? stream("pp_send_prev") : kCommStream;
  k.recv_prev = piped ? stream("pp_recv_prev") : kCommStream;
  k.recv_next = piped ? stream("pp_recv_next") : kCommStream;
  return k;
}

void Builder::build_rank(const Coord& c) {
  b_.begin_name_sequence(static_cast<size_t>(c.p));
  OpTags& tags = b_.tags();
  tags = OpTags{};
  const TransformerConfig& m = p_.model;
  const int r = rank(c.t, c.d, c.p);
  const int tp = p_.tp, pp = p_.pp, v = p_.virtual_stages;
  // This rank's chunks (one unless interleaved): chunk j is model chunk j pp + c.p; the
  // embedding sits on model chunk 0, the LM head on the last one.
  struct Chunk {
    int first = 0, layers = 0;
    bool embedding = false, head = false;
  };
  std::vector<Chunk> chunks(v);
  {
    const std::vector<int> sizes = chunk_layers(p_);
    int begin = 0;
    for (int k = 0; k < pp * v; begin += sizes[k], ++k)
      if (k % pp == c.p) chunks[k / pp] = {begin, sizes[k], k == 0, k == pp * v - 1};
  }
  // Pipeline neighbours; interleaved, the last rank's chunk j feeds rank 0's chunk j + 1.
  const int prev_rank = rank(c.t, c.d, (c.p + pp - 1) % pp);
  const int next_rank = rank(c.t, c.d, (c.p + 1) % pp);
  const int mbs = static_cast<int>(p_.global_batch / (p_.dp * p_.micro_batch));
  const LayerCosts costs = layer_costs(p_);
  const double tokens = costs.tokens, act_bytes = costs.act_bytes;
  // What crosses a pipeline boundary: a micro-batch's activations (its gradients backward),
  // split over TP, compressed by pp_compression.
  const double boundary_bytes = act_bytes / tp / p_.pp_compression;
  const double head_flops = 2.0 * m.hidden * m.vocab * tokens / tp;
  auto layer_params = [&](int l) {
    LayerShare x = layer_share(m, p_, l);
    return x.dense + x.experts;
  };
  const double emb = static_cast<double>(m.embedding_params()) / tp;
  const double head = static_cast<double>(m.lm_head_params() + m.hidden) / tp;  // + final norm

  const Comms k = comms(c);
  const int dp_size = k.dp_size, edp_size = k.edp_size, ep = p_.ep, ep_pos = k.ep_pos;
  const uint32_t tp_group = k.tp_group, dp_group = k.dp_group, ep_group = k.ep_group,
                 edp_group = k.edp_group;
  const uint8_t tp_s = k.tp_s, ep_s = k.ep_s, dp_s = kCommStream;  // DP: the "comm" stream
  const uint8_t send_next = k.send_next, send_prev = k.send_prev, recv_prev = k.recv_prev,
                recv_next = k.recv_next;
  const int zero = p_.zero_stage;

  uint32_t last = UINT32_MAX;  // last op on the critical chain of this rank
  auto dep = [&]() {
    return last == UINT32_MAX ? std::vector<uint32_t>{} : std::vector<uint32_t>{last};
  };
  // ZeRO-3: weights of layer l gathered before use (prefetched: only chained among themselves).
  std::vector<uint32_t> zero3_gather_chain;
  auto zero3_gather_block = [&](const std::string& what, double params) -> uint32_t {
    if (zero != 3 || dp_size == 1) return UINT32_MAX;
    std::vector<uint32_t> d;
    if (!zero3_gather_chain.empty()) d.push_back(zero3_gather_chain.back());
    uint32_t g = collective(r, what + " weights all_gather", CollectiveKind::kAllGather, params * 2,
                            dp_group, dp_s, p_.dp_algorithm, d);
    zero3_gather_chain.push_back(g);
    return g;
  };
  auto zero3_gather = [&](int l, const char* pass) {
    return zero3_gather_block(fmt::format("layer {} {}", l, pass), layer_params(l));
  };
  auto with = [&](uint32_t extra) {
    auto d = dep();
    if (extra != UINT32_MAX) d.push_back(extra);
    return d;
  };

  // One layer's forward ("fwd", or "recompute" before backward) and backward ops.
  LayerOps layer(b_, p_, moe_, row_sums_, {tp_group, ep_group, tp_s, ep_s, ep_pos, k.cp_group, k.cp_s},
                 r, last);
  const LayerShapes head_shapes = layer_shapes(p_);
  const int32_t head_fwd = b_.shape(head_shapes.lm_head), head_bwd = b_.shape(head_shapes.lm_head_bwd);

  uint32_t last_send = UINT32_MAX;  // the rank's last pipeline send in program order
  // Blocking pipeline transfers (Megatron-LM 2021): the send of a step is issued with the next
  // step's receive (batch_isend_irecv) and the compute after them waits for both (a zero-time
  // "pipeline sync" joins them); a step that starts without a receive waits for the send alone.
  uint32_t pending_send = UINT32_MAX;
  auto join_pending = [&](const std::string& sfx) {
    if (pending_send == UINT32_MAX) return;
    std::vector<uint32_t> d = dep();
    d.push_back(pending_send);
    last = b_.delay(r, "pipeline sync" + sfx, simcore::Time(), std::move(d));
    pending_send = UINT32_MAX;
  };
  auto sent = [&](uint32_t send) {
    last_send = send;
    if (p_.pipeline_p2p_blocking) pending_send = send;
  };
  auto forward = [&](int mb, int j) {
    const int first = chunks[j].first, layers = chunks[j].layers;
    std::string sfx = fmt::format(" mb{}", mb);
    tags.phase = OpPhase::kForward;
    tags.micro_batch = mb;
    tags.layer = OpTags::kNone;
    if (!chunks[j].embedding) {
      uint32_t rv = p2p(r, OpKind::kRecv, "recv activations" + sfx, prev_rank, boundary_bytes, 0,
                        recv_prev, dep());
      last = rv;
      join_pending(sfx);
    } else {
      join_pending(sfx);
      last = compute(r, "embedding fwd" + sfx, 0, act_bytes * 2,
                     with(zero3_gather_block("embedding fwd", emb)));
    }
    for (int l = first; l < first + layers; ++l) {
      std::string L = fmt::format("layer {}", l);
      tags.layer = static_cast<int16_t>(l);
      layer.forward(l, L, "fwd", sfx, zero3_gather(l, "fwd"));
    }
    tags.layer = OpTags::kNone;
    if (chunks[j].head)
      last = b_.shaped_compute(r, "lm_head fwd" + sfx, head_flops,
                               2.0 * m.hidden * m.vocab / tp + tokens * m.vocab * 2 / tp, p_.dtype,
                               head_fwd, with(zero3_gather_block("lm_head fwd", head)));
    else
      sent(p2p(r, OpKind::kSend, "send activations" + sfx, next_rank, boundary_bytes, 0,
               send_next, dep()));
  };

  // Per chunk and layer, the backward op of the last micro-batch (gradients final): DP buckets
  // hang on it. Index 0: the embedding, 1..layers: the chunk's layers, layers + 1: the LM head.
  std::vector<std::vector<uint32_t>> chunk_final_bwd(v);
  for (int j = 0; j < v; ++j) chunk_final_bwd[j].assign(chunks[j].layers + 2, UINT32_MAX);
  std::vector<uint32_t> zero3_scatters;
  auto backward = [&](int mb, int j) {
    const int first = chunks[j].first, layers = chunks[j].layers;
    std::vector<uint32_t>& final_bwd = chunk_final_bwd[j];
    std::string sfx = fmt::format(" mb{}", mb);
    const bool final_mb = mb == mbs - 1;
    tags.phase = OpPhase::kBackward;
    tags.micro_batch = mb;
    tags.layer = OpTags::kNone;
    if (!chunks[j].head) {
      last = p2p(r, OpKind::kRecv, "recv gradients" + sfx, next_rank, boundary_bytes, 1, recv_next,
                 dep());
      join_pending(sfx);
    } else {
      join_pending(sfx);
      last = b_.shaped_compute(r, "lm_head bwd" + sfx, 2 * head_flops,
                               2 * (2.0 * m.hidden * m.vocab / tp), p_.dtype, head_bwd,
                               with(zero3_gather_block("lm_head bwd", head)));
      if (final_mb) final_bwd[layers + 1] = last;
    }
    for (int l = first + layers - 1; l >= first; --l) {
      std::string L = fmt::format("layer {}", l);
      tags.layer = static_cast<int16_t>(l);
      uint32_t g = zero3_gather(l, "bwd");
      if (p_.recompute == Recompute::kFull) {
        tags.phase = OpPhase::kRecompute;
        layer.forward(l, L, "recompute", sfx, g);
        tags.phase = OpPhase::kBackward;
        g = UINT32_MAX;
      }
      layer.backward(l, L, sfx, g);
      if (zero == 3 && dp_size > 1) {
        tags.phase = OpPhase::kGradientSync;
        zero3_scatters.push_back(
            collective(r, fmt::format("layer {} grads reduce_scatter{}", l, sfx),
                       CollectiveKind::kReduceScatter, layer_params(l) * p_.grad_bytes, dp_group,
                       dp_s, p_.dp_algorithm, {last}));
        tags.phase = OpPhase::kBackward;
      }
      if (final_mb) final_bwd[l - first + 1] = last;
    }
    tags.layer = OpTags::kNone;
    if (chunks[j].embedding) {
      last = compute(r, "embedding bwd" + sfx, 0, act_bytes * 2, dep());
      if (final_mb) final_bwd[0] = last;
    } else {
      sent(p2p(r, OpKind::kSend, "send gradients" + sfx, prev_rank, boundary_bytes, 1,
               send_prev, dep()));
    }
  };

  // The pipeline schedule's order of this rank's forward and backward micro-batch steps.
  for (const PipelineStep& step : pipeline_order(p_.schedule, pp, v, c.p, mbs)) {
    if (step.forward)
      forward(step.micro_batch, step.chunk);
    else
      backward(step.micro_batch, step.chunk);
  }
  // What the gradient sync waits for: per chunk (last first) the LM head, the layers (last
  // first; ZeRO-3 reduced them already) and the embedding, each with its final backward op.
  InnerStepEnd end;
  end.last_compute = last;
  end.last_send = last_send;
  end.zero3_scatters = std::move(zero3_scatters);
  end.stage_params = stage_parameters(m, p_, c.p);
  for (int j = v - 1; j >= 0; --j) {
    const std::vector<uint32_t>& final_bwd = chunk_final_bwd[j];
    const int first = chunks[j].first, layers = chunks[j].layers;
    if (chunks[j].head) end.dense.push_back({head, final_bwd[layers + 1]});
    if (zero < 3)
      for (int k = layers; k >= 1; --k) {
        LayerShare x = layer_share(m, p_, first + k - 1);
        if (ep > 1) {
          end.dense.push_back({x.dense, final_bwd[k]});
          end.experts.push_back({x.experts, final_bwd[k]});
        } else {
          end.dense.push_back({x.dense + x.experts, final_bwd[k]});
        }
      }
    if (chunks[j].embedding) end.dense.push_back({emb, final_bwd[0]});
  }
  if (gradient_sync)
    build_gradient_sync(b_, r, p_, {dp_size, edp_size, dp_group, edp_group, dp_s}, end);
}

}  // namespace

namespace {
/** Memory of one built op (the Op, its deps and its share of the names), measured on
 *  DeepSeek-V3's step: 1.23 GiB peak for about 8 M ops. */
constexpr double kBytesPerOp = 160;

/** make_transformer, or its inner step alone when `gradient_sync` is false. */
Workload build_transformer(const TransformerParams& p, TransformerInfo* info, bool gradient_sync) {
  const TransformerConfig& m = p.model;
  validate_transformer(p);

  Workload w;
  w.ranks.resize(static_cast<size_t>(p.dp) * p.inner() * p.pp);
  const double tokens_per_rank = static_cast<double>(p.seq_len) * p.micro_batch / p.seq_split();
  MoeStepSummary moe_summary;
  const std::vector<MoeLayerPlan> moe_plan =
      plan_moe(m, p.moe, p.ep, tokens_per_rank, w, &moe_summary);
  // Ranks in the build order: stages outermost, then DP, then the inner (TP or SP) index.
  const std::vector<Coord> coords = build_order(p);
  // Pass 1, serial: every rank's communicators and streams, in build order (so their ids do not
  // depend on how many threads build).
  {
    Builder reg(p, w, moe_plan);
    for (const Coord& c : coords) reg.comms(c);
  }
  // The work guard: refuse a step whose op count is above kMaxTransformerOps before building it
  // (a global batch of 65536 on DeepSeek-V3 is over a hundred million ops and 17 GiB). The first
  // rank of every stage is built with m1 = pp and m2 = 2 pp micro-batches; a rank's ops grow
  // linearly with the micro-batches (each adds the same forward, backward and pipeline ops), so
  // its count at m is ops(m2) + (m - m2)(ops(m2) - ops(m1)) / (m2 - m1), times the stage's ranks.
  {
    const int64_t m = p.global_batch / (static_cast<int64_t>(p.dp) * p.micro_batch);
    auto stage_ops = [&](int64_t micro_batches) {
      TransformerParams q = p;
      q.global_batch = micro_batches * p.dp * p.micro_batch;
      Builder probe(q, w, moe_plan);
      probe.create = false;
      probe.gradient_sync = gradient_sync;
      std::vector<double> out;
      for (int pp = 0; pp < p.pp; ++pp) {
        const Coord c{0, 0, pp};
        probe.build_rank(c);
        auto& ops = w.ranks[static_cast<size_t>(probe.rank(c.t, c.d, c.p))].ops;
        out.push_back(static_cast<double>(ops.size()));
        ops.clear();
      }
      return out;
    };
    const int64_t m1 = p.pp, m2 = 2 * static_cast<int64_t>(p.pp);
    double estimate = 0;
    if (m <= m2) {
      for (double n : stage_ops(m)) estimate += n;
    } else {
      const std::vector<double> a = stage_ops(m1), b = stage_ops(m2);
      for (int s = 0; s < p.pp; ++s)
        estimate +=
            b[s] + static_cast<double>(m - m2) * (b[s] - a[s]) / static_cast<double>(m2 - m1);
    }
    estimate *= static_cast<double>(p.dp) * p.inner();
    p.limits.check({"the step", "ops", estimate, kBytesPerOp, kMaxTransformerOps,
                    "fewer micro-batches (global_batch / (dp x micro_batch)), larger gradient "
                    "buckets or fewer ranks"});
  }
  // Pass 2: ranks in parallel, in contiguous blocks of the build order; each builder has its own
  // string table and writes only its own ranks' programs.
  const size_t threads = std::clamp<size_t>(
      std::min<size_t>(std::thread::hardware_concurrency(), coords.size() / 64), 1, 8);
  std::vector<std::unique_ptr<Builder>> builders;
  std::vector<std::exception_ptr> errors(threads);
  std::vector<size_t> block(threads + 1);
  for (size_t k = 0; k <= threads; ++k) block[k] = coords.size() * k / threads;
  for (size_t k = 0; k < threads; ++k) {
    builders.push_back(std::make_unique<Builder>(p, w, moe_plan));
    builders.back()->create = false;
    builders.back()->gradient_sync = gradient_sync;
  }
  auto build_block = [&](size_t k) {
    try {
      for (size_t i = block[k]; i < block[k + 1]; ++i) builders[k]->build_rank(coords[i]);
    } catch (...) {
      errors[k] = std::current_exception();
    }
  };
  {
    std::vector<std::thread> pool;
    for (size_t k = 1; k < threads; ++k) pool.emplace_back(build_block, k);
    build_block(0);
    for (auto& t : pool) t.join();
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  // Pass 3, serial: local string ids to the workload's, interned in build order (the ids a
  // single builder would give).
  for (size_t k = 0; k < threads; ++k) {
    std::vector<int> ranks;
    for (size_t i = block[k]; i < block[k + 1]; ++i) {
      const Coord& c = coords[i];
      ranks.push_back(builders[k]->rank(c.t, c.d, c.p));
    }
    builders[k]->program().publish_strings(ranks);
  }

  if (info) *info = transformer_info(p, moe_plan, moe_summary);
  return w;
}

}  // namespace

Workload make_transformer(const TransformerParams& p, TransformerInfo* info) {
  return build_transformer(p, info, true);
}

Workload make_transformer_inner_step(const TransformerParams& p, TransformerInfo* info) {
  return build_transformer(p, info, false);
}

}  // namespace dtsim::workloads