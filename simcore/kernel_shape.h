#pragma once
/**
 * The kernels a compute op runs, by shape: its GEMMs (m, n, k) and its fused attention, so a cost
 * model prices the real problem sizes instead of a FLOP count (a skinny or small GEMM runs far
 * below the rate of a large square one of the same FLOPs).
 *
 * A compute op of a Workload names one KernelShapes by index (`Op::shape`, -1: none, the op is
 * priced by its FLOPs and bytes); equal shapes share one entry (Workload::shape_of).
 *
 * Units: sizes in elements. FLOPs: a GEMM is 2 m n k per problem; an attention kernel's FLOPs
 * are its matrix products (attention_gemms), half of them when causal.
 * Shape: GEMM C (m x n) = A (m x k) B (k x n), `count` equal problems in one kernel (a batched or
 * grouped GEMM: the routed experts of a rank, the heads of an unfused attention).
 * Source: the GEMM convention of cuBLAS / BLAS (`gemm` with m, n, k); FlashAttention's forward
 * (2 products: S = Q K^T, O = P V) and backward (5 products: S again, dV = P^T dO, dP = dO V^T,
 * dQ = dS K, dK = dS^T Q): T. Dao, "FlashAttention-2" (arXiv 2307.08691), Algorithms 1 and 2.
 *
 *     KernelShapes s;
 *     s.gemms.push_back({.m = 4096, .n = 3 * 4096, .k = 4096});  // a QKV projection
 *     s.attention = {.batch_heads = 32, .seq_q = 4096, .seq_kv = 4096, .head_dim = 128,
 *                    .causal = true};
 */
#include <cstdint>
#include <vector>

namespace dtsim::simcore {

/** `count` GEMMs of C (m x n) = A (m x k) B (k x n) in one kernel. */
struct GemmShape {
  int64_t m = 0, n = 0, k = 0;
  int64_t count = 1;
  double flops() const { return 2.0 * static_cast<double>(m) * n * k * count; }
  bool operator==(const GemmShape&) const = default;
};

/** A fused (FlashAttention-class) attention kernel over `batch_heads` independent heads.
 *  `batch_heads` = 0: none. */
struct AttentionShape {
  int64_t batch_heads = 0;
  int64_t seq_q = 0, seq_kv = 0, head_dim = 0;
  bool causal = false;
  bool backward = false;  ///< the backward kernel (5 products, S recomputed) instead of the forward
  bool operator==(const AttentionShape&) const = default;
};

/** The kernels of one compute op, in launch order: its GEMMs, then its attention kernel. */
struct KernelShapes {
  std::vector<GemmShape> gemms;
  AttentionShape attention;
  bool operator==(const KernelShapes&) const = default;
};

/** The matrix products of an attention kernel as batched GEMMs (`count` = batch_heads): forward
 *  S = Q K^T (seq_q x seq_kv x head_dim) and O = P V (seq_q x head_dim x seq_kv); backward adds
 *  dV, dP, dQ, dK and recomputes S (FlashAttention-2, Algorithm 2). Causal masking skips half of
 *  every product, which `causal_fraction` reports (0.5 causal, 1 otherwise). */
std::vector<GemmShape> attention_gemms(const AttentionShape& a);
inline double causal_fraction(const AttentionShape& a) { return a.causal ? 0.5 : 1.0; }
/** FLOPs of the op's kernels: the GEMMs plus the attention products (causal: half). */
double kernel_flops(const KernelShapes& s);

}  // namespace dtsim::simcore
