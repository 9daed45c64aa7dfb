#pragma once
/**
 * Device memory per rank of mixed-precision training with Adam: model states by ZeRO stage and
 * activations by recomputation mode.
 *
 * Units: bytes.
 * Model states (Rajbhandari et al., "ZeRO: Memory Optimizations Toward Training Trillion
 * Parameter Models", SC20, section 3.1 and Figure 1): per parameter 2 B of 16-bit weights, 2 B of
 * 16-bit gradients and K = 12 B of fp32 optimizer state (master weights, momentum, variance).
 * With N data-parallel ranks: stage 0: 16; stage 1 (optimizer states partitioned): 4 + 12/N;
 * stage 2 (+ gradients): 2 + 14/N; stage 3 (+ weights): 16/N bytes per parameter.
 * Activations per layer and micro-batch (Korthikanti et al., "Reducing Activation Recomputation
 * in Large Transformer Models", MLSys 2023, Table 2; s sequence, b micro-batch, h hidden, a heads,
 * t tensor-parallel size, 16-bit activations):
 *   none:      s b h (10 + 24/t + 5 a s / (h t))     sequence parallel: s b h / t (34 + 5 a s / h)
 *   selective: s b h (10 + 24/t)                     sequence parallel: 34 s b h / t
 *   full:      2 s b h (the layer input only)        sequence parallel: 2 s b h / t
 * These are derived for GPT layers (MHA, 4h GeLU MLP); for GQA/SwiGLU layers they approximate.
 * Errors: ConfigError on a ZeRO stage outside 0..3 or a non-positive size.
 */
#include <string>

namespace dtsim::workloads {

enum class Recompute { kNone, kSelective, kFull };

struct MemoryBreakdown {
  double params = 0, grads = 0, optimizer = 0, activations = 0;
  double total() const { return params + grads + optimizer + activations; }
};

/** Model-state bytes for `params` parameters held by a rank, ZeRO `stage`, `dp` ranks.
 *  `grad_bytes` per gradient element: 2 as in the ZeRO paper; 4 for fp32 main gradients
 *  (Megatron-LM's default), which makes stage 0 18 bytes per parameter. */
MemoryBreakdown model_state_bytes(double params, int stage, int dp, int grad_bytes = 2);

/** Activation bytes of one layer for one micro-batch on one rank. With `flash_attention`
 *  (FlashAttention keeps no s x s score tensors) the 5 a s / h score term is gone, as with
 *  selective recomputation. */
double activation_bytes_per_layer(double seq, double micro_batch, double hidden, double heads,
                                  int tp, bool sequence_parallel, Recompute recompute,
                                  bool flash_attention = false);

/**
 * Activation bytes of the MLP block of one layer for one micro-batch, by Korthikanti et al.'s
 * inventory (section 4.1): the block input (2 s b h), the first linear's and the activation's
 * outputs (8 + 8 s b h for a 4h MLP, split over TP) and the dropout mask (s b h): s b h (3 + 16/t)
 * without sequence parallelism, 19 s b h / t with it. 0 with full recomputation.
 */
double dense_mlp_activation_bytes(double seq, double micro_batch, double hidden, int tp,
                                  bool sequence_parallel, Recompute recompute);

/** What a mixture-of-experts block keeps for backward instead (16-bit values; our accounting,
 *  after the same inventory): the router input (2 T h) and logits (2 T E); per token-expert
 *  assignment the expert input and output (2 x 2 d, d the routed dimension) and the
 *  intermediates (2 f per MLP matrix); per shared expert and token 2 f per MLP matrix; BigMac's
 *  projection outputs (2 x 2 T d). `assignments` are those of the most loaded rank; with ep = 1
 *  the expert intermediates split over TP. 0 with full recomputation. */
struct MoeActivationShape {
  double tokens = 0, hidden = 0, routed_dim = 0, expert_ffn = 0, experts = 0;
  double assignments = 0;  ///< token-expert assignments this rank's experts hold
  int mlp_matrices = 3, shared_experts = 0, tp = 1;
  bool bigmac = false;
};
double moe_activation_bytes(const MoeActivationShape& shape, Recompute recompute);

}  // namespace dtsim::workloads
