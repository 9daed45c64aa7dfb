#include "models/workloads/transformer_shapes.h"

#include <cmath>

namespace dtsim::workloads {

using simcore::GemmShape;
using simcore::KernelShapes;

namespace {

/** An MLP of width `ffn` (already split) on `tokens` rows, `count` of them side by side. */
KernelShapes mlp(const TransformerConfig& m, int64_t tokens, int64_t ffn, int64_t dim,
                 int64_t count) {
  KernelShapes s;
  s.gemms.push_back({tokens, (m.mlp_matrices - 1) * ffn, dim, count});  // up (and gate)
  s.gemms.push_back({tokens, dim, ffn, count});                         // down
  return s;
}

}  // namespace

KernelShapes backward_of(const KernelShapes& fwd) {
  KernelShapes b;
  for (const GemmShape& g : fwd.gemms) {
    b.gemms.push_back({g.m, g.k, g.n, g.count});  // dA = dC B^T
    b.gemms.push_back({g.k, g.n, g.m, g.count});  // dB = A^T dC
  }
  b.attention = fwd.attention;
  if (b.attention.batch_heads > 0) b.attention.backward = true;
  return b;
}

LayerShapes layer_shapes(const TransformerParams& p) {
  const TransformerConfig& m = p.model;
  const int64_t tp = p.tp, sp = p.sp;
  const int64_t tokens = p.seq_len * p.micro_batch / p.seq_split();
  const int64_t d = m.head_dim(), h = m.hidden;
  LayerShapes s;

  const GemmShape qkv{tokens, (m.heads + 2LL * m.kv_heads) * d / tp, h};
  const GemmShape out{tokens, h, m.heads * d / tp};
  const int64_t batch_heads = p.micro_batch * m.heads / (tp * sp);
  s.attention.gemms.push_back(qkv);
  KernelShapes core;  // the attention products
  if (p.attention == AttentionKernel::kUnfused) {
    core.gemms.push_back({p.seq_len, p.seq_len, d, batch_heads});  // Q K^T
    core.gemms.push_back({p.seq_len, d, p.seq_len, batch_heads});  // P V
    s.attention.gemms.insert(s.attention.gemms.end(), core.gemms.begin(), core.gemms.end());
  } else {
    // Context parallelism: seq/cp queries against all seq keys, half of them masked on
    // average (the load-balanced chunks), so the rank does 1/cp of the causal work.
    s.attention.attention = {batch_heads, p.seq_len / p.cp, p.seq_len, d, /*causal=*/true, false};
  }
  s.attention.gemms.push_back(out);
  s.attention_bwd = backward_of(s.attention);
  // Selective recomputation recomputes the unfused score products before their backward
  // (FlashAttention's backward recomputes S itself).
  if (p.recompute == Recompute::kSelective)
    s.attention_bwd.gemms.insert(s.attention_bwd.gemms.end(), core.gemms.begin(),
                                 core.gemms.end());

  s.mlp = mlp(m, tokens, m.ffn_hidden / tp, h, 1);
  s.mlp_bwd = backward_of(s.mlp);
  if (m.moe.enabled()) {
    s.router.gemms.push_back({tokens, m.moe.routed_experts, h});
    s.router_bwd = backward_of(s.router);
    if (m.moe.shared_experts > 0) {
      s.shared = mlp(m, tokens, m.moe.expert_ffn_hidden / tp, h, m.moe.shared_experts);
      s.shared_bwd = backward_of(s.shared);
    }
    if (m.moe.bigmac_dim > 0) {
      s.bigmac_down.gemms.push_back({tokens, m.moe.bigmac_dim, h});
      s.bigmac_up.gemms.push_back({tokens, h, m.moe.bigmac_dim});
      s.bigmac_down_bwd = backward_of(s.bigmac_down);
      s.bigmac_up_bwd = backward_of(s.bigmac_up);
    }
  }
  s.lm_head.gemms.push_back({tokens, m.vocab / tp, h});
  s.lm_head_bwd = backward_of(s.lm_head);
  return s;
}

KernelShapes expert_shapes(const TransformerParams& p, double assigned) {
  const TransformerConfig& m = p.model;
  const int64_t split = p.ep > 1 ? 1 : p.tp;  // EP needs tp = 1; without EP, TP splits experts
  const int64_t local = p.ep > 1 ? m.moe.routed_experts / p.ep : m.moe.routed_experts;
  const int64_t per_expert = std::llround(assigned / static_cast<double>(local));
  if (per_expert < 1) return {};
  return mlp(m, per_expert, m.moe.expert_ffn_hidden / split, m.routed_dim(), local);
}

}  // namespace dtsim::workloads
