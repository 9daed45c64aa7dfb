#include "simcore/kernel_shape.h"

namespace dtsim::simcore {

std::vector<GemmShape> attention_gemms(const AttentionShape& a) {
  if (a.batch_heads == 0) return {};
  const int64_t q = a.seq_q, kv = a.seq_kv, d = a.head_dim, bh = a.batch_heads;
  const GemmShape s{q, kv, d, bh};   // S = Q K^T
  const GemmShape o{q, d, kv, bh};   // O = P V
  if (!a.backward) return {s, o};
  const GemmShape dv{kv, d, q, bh};  // dV = P^T dO
  const GemmShape dp{q, kv, d, bh};  // dP = dO V^T
  const GemmShape dq{q, d, kv, bh};  // dQ = dS K
  const GemmShape dk{kv, d, q, bh};  // dK = dS^T Q
  return {s, dv, dp, dq, dk};
}

double kernel_flops(const KernelShapes& s) {
  double f = 0;
  for (const GemmShape& g : s.gemms) f += g.flops();
  double attn = 0;
  for (const GemmShape& g : attention_gemms(s.attention)) attn += g.flops();
  return f + attn * causal_fraction(s.attention);
}

}  // namespace dtsim::simcore
