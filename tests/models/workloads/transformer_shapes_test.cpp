// The kernel shapes of a transformer layer's ops: written out by hand from Megatron-LM's
// parallel linears and FlashAttention's products, and their FLOPs checked against the
// generator's FLOP counts (layer_costs), which are derived independently (parameter counts).
#include "models/workloads/transformer_shapes.h"

#include <gtest/gtest.h>

#include "models/workloads/transformer_layer_ops.h"
#include "simcore/kernel_shape.h"

namespace dtsim::workloads {
namespace {

using simcore::GemmShape;
using simcore::KernelShapes;

/** A small dense model (test input): h 64, 4 heads (2 KV heads, GQA), ffn 128, seq 32, 2
 *  sequences per micro-batch, SwiGLU (3 matrices). */
TransformerParams small(int tp) {
  TransformerParams p;
  p.model.layers = 2;
  p.model.hidden = 64;
  p.model.ffn_hidden = 128;
  p.model.heads = 4;
  p.model.kv_heads = 2;
  p.model.vocab = 1000;
  p.tp = tp;
  p.seq_len = 32;
  p.micro_batch = 2;
  return p;
}

TEST(TransformerShapesTest, AttentionIsQkvFlashOutAtOneOverTp) {
  // T = 32 x 2 = 64 tokens, head_dim 16; TP 2: QKV n = (4 + 2 x 2) x 16 / 2 = 64, k = 64; the
  // attention kernel over 2 x 4 / 2 = 4 heads of 32 x 32, causal; out (64, 64, 4 x 16 / 2 = 32).
  const LayerShapes s = layer_shapes(small(2));
  ASSERT_EQ(s.attention.gemms.size(), 2u);
  EXPECT_EQ(s.attention.gemms[0], (GemmShape{64, 64, 64, 1}));
  EXPECT_EQ(s.attention.gemms[1], (GemmShape{64, 64, 32, 1}));
  EXPECT_EQ(s.attention.attention, (simcore::AttentionShape{4, 32, 32, 16, true, false}));
  // SwiGLU up: (64, 2 x 128 / 2 = 128, 64); down (64, 64, 64).
  ASSERT_EQ(s.mlp.gemms.size(), 2u);
  EXPECT_EQ(s.mlp.gemms[0], (GemmShape{64, 128, 64, 1}));
  EXPECT_EQ(s.mlp.gemms[1], (GemmShape{64, 64, 64, 1}));
  EXPECT_EQ(s.lm_head.gemms[0], (GemmShape{64, 500, 64, 1}));
}

TEST(TransformerShapesTest, FlopsMatchTheGeneratorsCounts) {
  // The GEMMs and the causal attention kernel add up to the generator's FLOPs, which count
  // 2 x parameters per token plus 2 s h per token for the causal products.
  for (int tp : {1, 2, 4}) {
    const TransformerParams p = small(tp);
    const LayerShapes s = layer_shapes(p);
    const LayerCosts c = layer_costs(p);
    EXPECT_DOUBLE_EQ(simcore::kernel_flops(s.attention), c.attn_flops) << "tp " << tp;
    EXPECT_DOUBLE_EQ(simcore::kernel_flops(s.mlp), c.mlp_flops) << "tp " << tp;
    // Backward GEMMs: twice the forward (data and weight gradients).
    EXPECT_DOUBLE_EQ(simcore::kernel_flops(s.mlp_bwd), 2 * c.mlp_flops);
  }
}

TEST(TransformerShapesTest, UnfusedAttentionComputesTheWholeScoreMatrix) {
  // Unfused: Q K^T (32, 32, 16) and P V (32, 16, 32) batched over 2 x 4 = 8 heads (tp 1), no
  // causal skipping: 2 x 2 x 32 x 32 x 16 x 8 = 524,288 FLOPs, twice the causal count.
  TransformerParams p = small(1);
  p.attention = AttentionKernel::kUnfused;
  const LayerShapes s = layer_shapes(p);
  ASSERT_EQ(s.attention.gemms.size(), 4u);
  EXPECT_EQ(s.attention.gemms[1], (GemmShape{32, 32, 16, 8}));
  EXPECT_EQ(s.attention.gemms[2], (GemmShape{32, 16, 32, 8}));
  EXPECT_EQ(s.attention.attention.batch_heads, 0);
  const double projections = 2.0 * 64 * (64 * 128 + 64 * 64);  // QKV (64,128,64), out (64,64,64)
  EXPECT_DOUBLE_EQ(simcore::kernel_flops(s.attention), projections + 524288.0);
}

TEST(TransformerShapesTest, BackwardIsDataAndWeightGradient) {
  // C = A B with A m x k: dA = dC B^T is (m, k, n); dB = A^T dC is (k, n, m).
  KernelShapes f;
  f.gemms.push_back({10, 20, 30, 3});
  f.attention = {4, 8, 8, 2, true, false};
  const KernelShapes b = backward_of(f);
  ASSERT_EQ(b.gemms.size(), 2u);
  EXPECT_EQ(b.gemms[0], (GemmShape{10, 30, 20, 3}));
  EXPECT_EQ(b.gemms[1], (GemmShape{30, 20, 10, 3}));
  EXPECT_TRUE(b.attention.backward);
  // FlashAttention-2's backward: 5 products of 2 x 8 x 8 x 2 FLOPs x 4 heads, half (causal).
  EXPECT_DOUBLE_EQ(simcore::kernel_flops(b) - 2 * f.gemms[0].flops(), 5 * 2 * 8 * 8 * 2 * 4 / 2.0);
}

TEST(TransformerShapesTest, RoutedExpertsAreOneGroupedGemmOfTheirTokens) {
  // 8 experts over EP 4: 2 per rank; 32 assignments on the rank: 16 tokens per expert.
  // SwiGLU experts of ffn 96 on h 64: up (16, 192, 64) and down (16, 64, 96), 2 of each.
  TransformerParams p = small(1);
  p.model.moe.routed_experts = 8;
  p.model.moe.top_k = 2;
  p.model.moe.expert_ffn_hidden = 96;
  p.ep = 4;
  const KernelShapes e = expert_shapes(p, 32);
  ASSERT_EQ(e.gemms.size(), 2u);
  EXPECT_EQ(e.gemms[0], (GemmShape{16, 192, 64, 2}));
  EXPECT_EQ(e.gemms[1], (GemmShape{16, 64, 96, 2}));
  // The generator's count: 2 x routed_expert_size x assigned = 2 x (3 x 64 x 96) x 32.
  EXPECT_DOUBLE_EQ(simcore::kernel_flops(e), 2.0 * 3 * 64 * 96 * 32);
  EXPECT_TRUE(expert_shapes(p, 0.8).gemms.empty());  // 0.4 tokens per expert: no GEMM
}

}  // namespace
}  // namespace dtsim::workloads
