#include "models/workloads/transformer_layer_ops.h"

#include <fmt/format.h>

#include <initializer_list>
#include <utility>

namespace dtsim::workloads {

using simcore::CollectiveKind;

namespace {

/** The concatenation of `parts` with one allocation (op names are built millions of times). */
std::string cat(std::initializer_list<std::string_view> parts) {
  size_t n = 0;
  for (std::string_view p : parts) n += p.size();
  std::string out;
  out.reserve(n);
  for (std::string_view p : parts) out += p;
  return out;
}

}  // namespace

LayerCosts layer_costs(const TransformerParams& p) {
  const TransformerConfig& m = p.model;
  const int tp = p.tp, ep = p.ep;
  LayerCosts c;
  // Tokens this rank holds: Ulysses splits the sequence over its sp ranks, context parallelism
  // over its cp ranks.
  const double tokens = static_cast<double>(p.seq_len) * p.micro_batch / p.seq_split();
  c.tokens = tokens;
  c.act_bytes = tokens * m.hidden * 2;  // one b x s x h 16-bit tensor
  c.attn_flops = (2.0 * m.attention_params() + 2.0 * p.seq_len * m.hidden) * tokens / tp;
  c.mlp_flops = 2.0 * m.mlp_params() * tokens / tp;
  c.score_flops = 2.0 * p.seq_len * m.hidden * tokens / tp;  // selective recompute
  c.attn_w = 2.0 * m.attention_params() / tp;
  c.mlp_w = 2.0 * m.mlp_params() / tp;
  c.act_io = 4.0 * c.act_bytes / (p.sequence_parallel ? tp : 1);
  // Memory-bound kernels of a layer's forward (bytes moved; backward moves twice as much):
  //  - unfused attention (before FlashAttention): per score element QK^T writes 2 B, the fused
  //    scale-mask-softmax reads and writes 4 B, dropout reads, writes and keeps a 1 B mask (5 B),
  //    and the AV product reads 2 B: 13 B x heads x s^2 x b / tp;
  //  - elementwise kernels (2 layer norms 8, 2 dropouts 10, 2 residual adds 12 = 30 s b h bytes,
  //    replicated over TP unless sequence parallel; GeLU/SwiGLU on the 4h intermediate, 16 s b h
  //    bytes, split by TP). Counts of 16-bit reads and writes per kernel, after Korthikanti et al.
  //    (arXiv 2205.05198) section 4.1's activation inventory.
  c.unfused = p.attention == AttentionKernel::kUnfused;
  c.softmax_bytes = 13.0 * m.heads * static_cast<double>(p.seq_len) * tokens / tp;
  c.elementwise_bytes = (30.0 / (p.sequence_parallel ? tp : 1) + 16.0 / tp) * tokens * m.hidden;
  // DeepSpeed-Ulysses: all-to-all of Q, K, V (3 N h / sp values per rank) before attention,
  // which then runs on all N tokens for heads/sp heads, and of its output (N h / sp) after.
  // Q is N h / sp values per rank; K and V kv_heads x head_dim each (GQA: fewer than Q's).
  c.qkv_tensors = 1.0 + 2.0 * m.kv_heads / m.heads;
  // Context parallelism: this rank's K and V, kv_heads x head_dim each per token, over TP.
  c.kv_bytes = 2.0 * m.kv_heads / m.heads * c.act_bytes / tp;
  // Mixture of experts.
  const double moe_tokens = tokens;  // tokens this rank routes per micro-batch
  c.moe_tokens = moe_tokens;
  c.shared_flops = 2.0 * m.moe.shared_experts * m.expert_params() * moe_tokens / tp;
  c.router_flops = 2.0 * m.router_params() * moe_tokens;  // replicated over TP
  c.bigmac_flops = m.moe.bigmac_dim > 0 ? 2.0 * m.hidden * m.moe.bigmac_dim * moe_tokens : 0;
  c.expert_w = 2.0 * m.moe.routed_experts * m.routed_expert_size() / (ep * tp);
  return c;
}

double SendRowSums::row_sum(int32_t matrix, int row, int n) {
  auto& sums = sums_[matrix];
  if (sums.empty()) {
    const auto& mat = w_.matrices[static_cast<size_t>(matrix)];
    sums.assign(static_cast<size_t>(n), 0.0);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        sums[static_cast<size_t>(i)] += mat[static_cast<size_t>(i) * n + j];
  }
  return sums[static_cast<size_t>(row)];
}

LayerOps::LayerOps(simcore::ProgramBuilder& b, const TransformerParams& p,
                   const std::vector<MoeLayerPlan>& moe, SendRowSums& sums, const LayerComms& comms,
                   int rank, uint32_t& last)
    : b_(b),
      p_(p),
      m_(p.model),
      moe_(moe),
      sums_(sums),
      comms_(comms),
      rank_(rank),
      tp_(p.tp),
      sp_(p.sp),
      ep_(p.ep),
      cp_(p.cp),
      last_(last),
      c_(layer_costs(p)) {
  const LayerShapes k = layer_shapes(p);
  s_ = {shape_id(k.attention),   shape_id(k.attention_bwd),   shape_id(k.mlp),
        shape_id(k.mlp_bwd),     shape_id(k.router),          shape_id(k.router_bwd),
        shape_id(k.shared),      shape_id(k.shared_bwd),      shape_id(k.bigmac_down),
        shape_id(k.bigmac_down_bwd), shape_id(k.bigmac_up),   shape_id(k.bigmac_up_bwd)};
}

int32_t LayerOps::shape_id(const simcore::KernelShapes& s) {
  if (s.gemms.empty() && s.attention.batch_heads == 0) return -1;
  return b_.shape(s);
}

std::pair<int32_t, int32_t> LayerOps::expert_shape(double assigned) {
  auto it = experts_.find(assigned);
  if (it != experts_.end()) return it->second;
  const simcore::KernelShapes fwd = expert_shapes(p_, assigned);
  std::pair<int32_t, int32_t> ids{shape_id(fwd), shape_id(backward_of(fwd))};
  experts_.emplace(assigned, ids);
  return ids;
}

std::vector<uint32_t> LayerOps::dep() const {
  return last_ == UINT32_MAX ? std::vector<uint32_t>{} : std::vector<uint32_t>{last_};
}

std::vector<uint32_t> LayerOps::with(uint32_t extra) const {
  auto d = dep();
  if (extra != UINT32_MAX) d.push_back(extra);
  return d;
}

uint32_t LayerOps::compute(int r, std::string_view name, double flops, double bytes,
                           int32_t shape, std::vector<uint32_t> deps) {
  return b_.shaped_compute(r, name, flops, bytes, p_.dtype, shape, std::move(deps));
}

uint32_t LayerOps::collective(int r, std::string_view name, CollectiveKind kind, double bytes,
                              uint32_t group, uint8_t stream, std::string_view algo,
                              std::vector<uint32_t> deps) {
  return b_.collective(r, name, kind, static_cast<int64_t>(bytes), group, algo, std::move(deps),
                       stream);
}

// TP collective of the activations (or its SP pair) around a compute op.
void LayerOps::tp_comm(const std::string& what, CollectiveKind kind) {
  if (tp_ == 1) return;
  last_ = collective(rank_, what, kind, c_.act_bytes, comms_.tp_group, comms_.tp_stream,
                     p_.tp_algorithm, dep());
}

void LayerOps::tp_after(const std::string& what) {
  tp_comm(what + (p_.sequence_parallel ? " reduce_scatter" : " all_reduce"),
          p_.sequence_parallel ? CollectiveKind::kReduceScatter : CollectiveKind::kAllReduce);
}

void LayerOps::tp_before(const std::string& what) {
  if (p_.sequence_parallel) tp_comm(what + " all_gather", CollectiveKind::kAllGather);
}

void LayerOps::ulysses(const std::string& what, double tensors) {
  if (sp_ == 1) return;
  last_ = collective(rank_, what, CollectiveKind::kAllToAll, tensors * c_.act_bytes,
                     comms_.tp_group, comms_.tp_stream, "auto", dep());
}

void LayerOps::cp_ring(const std::string& what, double bytes, uint32_t op,
                       std::vector<uint32_t> deps) {
  // The ring all-gather's size is its output: every rank's shard (nccl-tests' convention).
  const uint32_t ring = collective(rank_, what, CollectiveKind::kAllGather, cp_ * bytes,
                                   comms_.cp_group, comms_.cp_stream, "ring", std::move(deps));
  last_ = b_.delay(rank_, what + " done", simcore::Time::zero(), {op, ring});
}

// Mixture of experts: one all-to-all-v per phase of a dispatch or combine, chained.
uint32_t LayerOps::all_to_all_v(const std::string& what, const std::vector<int32_t>& phases,
                                uint32_t after) {
  uint32_t prev = after;
  for (size_t k = 0; k < phases.size(); ++k) {
    std::string name = phases.size() > 1 ? fmt::format("{} phase {}", what, k + 1) : what;
    const int64_t sent = static_cast<int64_t>(sums_.row_sum(phases[k], comms_.ep_pos, ep_));
    prev = b_.all_to_all_v(rank_, name, phases[k], sent, comms_.ep_group, p_.ep_algorithm, {prev},
                           comms_.ep_stream);
  }
  return prev;
}

// Routed-expert work on this rank: the assignments its experts receive (all of them, split
// over TP, without EP).
double LayerOps::expert_assignments(const MoeLayerPlan& plan) const {
  return plan.expert_tokens[static_cast<size_t>(ep_ > 1 ? comms_.ep_pos : 0)];
}

void LayerOps::moe_forward(int l, const std::string& L, const std::string& pass,
                           const std::string& sfx) {
  const MoeLayerPlan& plan = moe_[static_cast<size_t>(l)];
  const double assigned = expert_assignments(plan);
  const double dim = static_cast<double>(m_.routed_dim());
  last_ = compute(rank_, cat({L, " moe router ", pass, sfx}), c_.router_flops,
                  2.0 * m_.router_params() + 4.0 * c_.moe_tokens * m_.hidden, s_.router, dep());
  if (c_.bigmac_flops > 0)
    last_ = compute(rank_, cat({L, " moe down_proj ", pass, sfx}), c_.bigmac_flops,
                    2.0 * m_.hidden * dim * 2 + 2.0 * c_.moe_tokens * (m_.hidden + dim), s_.down,
                    dep());
  const uint32_t routed = last_;
  uint32_t shared = UINT32_MAX;
  if (m_.moe.shared_experts > 0)  // overlaps the dispatch: it needs only the router's input
    shared = compute(
        rank_, cat({L, " moe shared_experts ", pass, sfx}), c_.shared_flops,
        2.0 * m_.moe.shared_experts * m_.expert_params() / tp_ + 4.0 * c_.moe_tokens * m_.hidden,
        s_.shared, dep());
  if (ep_ > 1) last_ = all_to_all_v(cat({L, " moe dispatch ", pass, sfx}), plan.dispatch, routed);
  last_ = compute(rank_, cat({L, " moe experts ", pass, sfx}),
                  2.0 * m_.routed_expert_size() * assigned / (ep_ > 1 ? 1 : tp_),
                  c_.expert_w + 4.0 * assigned * dim, expert_shape(assigned).first, with(shared));
  if (ep_ > 1) last_ = all_to_all_v(cat({L, " moe combine ", pass, sfx}), plan.combine, last_);
  if (c_.bigmac_flops > 0)
    last_ =
        compute(rank_, cat({L, " moe up_proj ", pass, sfx}), c_.bigmac_flops,
                2.0 * m_.hidden * dim * 2 + 2.0 * c_.moe_tokens * (m_.hidden + dim), s_.up,
                with(shared));
  else if (shared != UINT32_MAX)
    last_ = compute(rank_, cat({L, " moe combine_add ", pass, sfx}), 0,
                    6.0 * c_.moe_tokens * m_.hidden, -1, with(shared));
}

void LayerOps::moe_backward(int l, const std::string& L, const std::string& sfx) {
  const MoeLayerPlan& plan = moe_[static_cast<size_t>(l)];
  const double assigned = expert_assignments(plan);
  const double dim = static_cast<double>(m_.routed_dim());
  if (c_.bigmac_flops > 0)
    last_ =
        compute(rank_, cat({L, " moe up_proj bwd", sfx}), 2 * c_.bigmac_flops,
                2 * (2.0 * m_.hidden * dim * 2 + 2.0 * c_.moe_tokens * (m_.hidden + dim)),
                s_.up_bwd, dep());
  const uint32_t output_grad = last_;
  // The combine's gradient goes back to the experts as the dispatch went; the dispatch's
  // gradient returns as the combine did.
  if (ep_ > 1) last_ = all_to_all_v(cat({L, " moe combine bwd", sfx}), plan.dispatch, output_grad);
  uint32_t shared = UINT32_MAX;
  if (m_.moe.shared_experts > 0)
    shared = compute(rank_, cat({L, " moe shared_experts bwd", sfx}), 2 * c_.shared_flops,
                     2 * (2.0 * m_.moe.shared_experts * m_.expert_params() / tp_ +
                          4.0 * c_.moe_tokens * m_.hidden),
                     s_.shared_bwd, {output_grad});
  last_ = compute(rank_, cat({L, " moe experts bwd", sfx}),
                  2 * 2.0 * m_.routed_expert_size() * assigned / (ep_ > 1 ? 1 : tp_),
                  2 * (c_.expert_w + 4.0 * assigned * dim), expert_shape(assigned).second, dep());
  if (ep_ > 1) last_ = all_to_all_v(cat({L, " moe dispatch bwd", sfx}), plan.combine, last_);
  if (c_.bigmac_flops > 0)
    last_ = compute(rank_, cat({L, " moe down_proj bwd", sfx}), 2 * c_.bigmac_flops,
                    2 * (2.0 * m_.hidden * dim * 2 + 2.0 * c_.moe_tokens * (m_.hidden + dim)),
                    s_.down_bwd, with(shared));
  last_ = compute(rank_, cat({L, " moe router bwd", sfx}), 2 * c_.router_flops,
                  2 * (2.0 * m_.router_params() + 4.0 * c_.moe_tokens * m_.hidden), s_.router_bwd,
                  with(shared));
}

void LayerOps::forward(int l, const std::string& L, const std::string& pass, const std::string& sfx,
                       uint32_t gathered) {
  tp_before(cat({L, " attn ", pass}));
  ulysses(cat({L, " attn ", pass, " qkv all_to_all", sfx}), c_.qkv_tensors);
  const std::vector<uint32_t> attn_deps = with(gathered);
  last_ = compute(rank_, cat({L, " attn ", pass, sfx}), c_.attn_flops, c_.attn_w + c_.act_io,
                  s_.attn, attn_deps);
  if (cp_ > 1) cp_ring(cat({L, " attn ", pass, " kv ring", sfx}), c_.kv_bytes, last_, attn_deps);
  if (c_.unfused)
    last_ = compute(rank_, cat({L, " attn softmax ", pass, sfx}), 0, c_.softmax_bytes, -1, dep());
  ulysses(cat({L, " attn ", pass, " output all_to_all", sfx}), 1);
  tp_after(cat({L, " attn ", pass}));
  tp_before(cat({L, " mlp ", pass}));
  if (m_.is_moe_layer(l))
    moe_forward(l, L, pass, sfx);
  else
    last_ = compute(rank_, cat({L, " mlp ", pass, sfx}), c_.mlp_flops, c_.mlp_w + c_.act_io, s_.mlp,
                    dep());
  tp_after(cat({L, " mlp ", pass}));
  last_ = compute(rank_, cat({L, " elementwise ", pass, sfx}), 0, c_.elementwise_bytes, -1, dep());
}

void LayerOps::backward(int l, const std::string& L, const std::string& sfx, uint32_t gathered) {
  last_ = compute(rank_, cat({L, " elementwise bwd", sfx}), 0, 2 * c_.elementwise_bytes, -1,
                  with(gathered));
  tp_before(L + " mlp bwd");
  if (m_.is_moe_layer(l))
    moe_backward(l, L, sfx);
  else
    last_ = compute(rank_, cat({L, " mlp bwd", sfx}), 2 * c_.mlp_flops, 2 * (c_.mlp_w + c_.act_io),
                    s_.mlp_bwd, dep());
  tp_after(L + " mlp bwd");
  tp_before(L + " attn bwd");
  ulysses(cat({L, " attn bwd output all_to_all", sfx}), 1);
  if (c_.unfused)
    last_ = compute(rank_, cat({L, " attn softmax bwd", sfx}), 0, 2 * c_.softmax_bytes, -1, dep());
  double extra = p_.recompute == Recompute::kSelective ? c_.score_flops : 0;
  const std::vector<uint32_t> attn_deps = dep();
  last_ = compute(rank_, cat({L, " attn bwd", sfx}), 2 * c_.attn_flops + extra,
                  2 * (c_.attn_w + c_.act_io), s_.attn_bwd, attn_deps);
  // Backward, the ring carries K, V and their gradients dK, dV.
  if (cp_ > 1) cp_ring(cat({L, " attn bwd kv ring", sfx}), 2 * c_.kv_bytes, last_, attn_deps);
  ulysses(cat({L, " attn bwd qkv all_to_all", sfx}), c_.qkv_tensors);
  tp_after(L + " attn bwd");
}

}  // namespace dtsim::workloads
