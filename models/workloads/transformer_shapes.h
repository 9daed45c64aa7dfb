#pragma once
/**
 * The kernel shapes (GEMMs (m, n, k) and the attention kernel) of a transformer layer's compute
 * ops on one rank for one micro-batch, so the compute model prices the real problem sizes:
 * the projections at 1/tp of their width (Megatron's column- and row-parallel linears), the
 * attention over heads/tp (heads/sp with Ulysses) and the routed experts as one grouped GEMM
 * of the rank's experts with their tokens.
 *
 * Per rank, with T = seq x micro_batch / sp tokens, h hidden, H heads, KV kv_heads, d = h / H:
 *  - attention forward: QKV (T, (H + 2 KV) d / tp, h); the attention kernel over
 *    micro_batch H / (tp sp) heads of seq x seq (causal) with FlashAttention, or with the
 *    unfused kernel the two batched products (seq, seq, d) and (seq, d, seq) x micro_batch
 *    H / tp (no causal skipping: the full score matrix is computed and masked); the output
 *    projection (T, h, H d / tp);
 *  - MLP: up (T, (mlp_matrices - 1) ffn / tp, h) (gate and up together for SwiGLU), down
 *    (T, h, ffn / tp);
 *  - MoE: router (T, E, h); shared experts as MLPs of expert_ffn_hidden / tp, `shared_experts`
 *    of them; BigMac down (T, dim, h) and up (T, h, dim); the routed experts as a grouped GEMM of
 *    the rank's E_loc experts (E / ep with EP, else E split over TP) with `assigned / E_loc`
 *    tokens each (the mean load of the rank's experts; the plan gives the rank's total);
 *  - LM head (T, V / tp, h);
 *  - backward of a GEMM (m, n, k): data gradient (m, k, n) and weight gradient (k, n, m);
 *    of the attention kernel, its backward kernel (FlashAttention-2 Algorithm 2).
 * The GEMMs' FLOPs equal the generator's FLOP counts (layer_costs) except the unfused
 * attention's products, which compute the whole score matrix (twice the causal count the
 * generator uses for model FLOPs), and the attention backward kernel (5 products, not 4).
 *
 * Units: sizes in elements. Errors: none (the parameters are validated by
 * validate_transformer).
 * Source: Shoeybi et al., Megatron-LM (arXiv 1909.08053) Sec. 3 (the parallel linears);
 * T. Dao, FlashAttention-2 (arXiv 2307.08691), Algorithms 1 and 2.
 *
 *     LayerShapes s = layer_shapes(p);
 *     int32_t id = builder.shape(s.attention);   // the "attn fwd" op's shape
 */
#include <cstdint>

#include "models/workloads/transformer_parallel.h"
#include "simcore/kernel_shape.h"

namespace dtsim::workloads {

struct LayerShapes {
  simcore::KernelShapes attention, attention_bwd;  ///< attention bwd with selective recompute
  simcore::KernelShapes mlp, mlp_bwd;
  simcore::KernelShapes router, router_bwd;
  simcore::KernelShapes shared, shared_bwd;  ///< empty without shared experts
  simcore::KernelShapes bigmac_down, bigmac_down_bwd, bigmac_up, bigmac_up_bwd;  ///< BigMac
  simcore::KernelShapes lm_head, lm_head_bwd;
};

/** The shapes of `p`'s layer ops (per rank, per micro-batch). */
LayerShapes layer_shapes(const TransformerParams& p);
/** The routed experts of a rank that receives `assigned` token-expert assignments: a grouped
 *  GEMM; empty when fewer than one token per expert on average. */
simcore::KernelShapes expert_shapes(const TransformerParams& p, double assigned);
/** The backward kernels of forward kernels `fwd` (data and weight gradient of each GEMM; the
 *  attention kernel's backward). */
simcore::KernelShapes backward_of(const simcore::KernelShapes& fwd);

}  // namespace dtsim::workloads
