// LayerOps: one transformer layer's ops for one micro-batch on one rank, built on their own,
// against the Megatron-LM layer structure written out by hand.
#include "models/workloads/transformer_layer_ops.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "simcore/program_builder.h"
#include "simcore/workload.h"

namespace dtsim::workloads {
namespace {

using simcore::CollectiveKind;
using simcore::Op;
using simcore::OpKind;
using simcore::ProgramBuilder;
using simcore::Workload;

/** A tiny dense model (test input): h 64, 4 heads, seq 32, one sequence per micro-batch. */
TransformerParams tiny(int tp, bool sequence_parallel) {
  TransformerParams p;
  p.model.name = "tiny";
  p.model.layers = 2;
  p.model.hidden = 64;
  p.model.ffn_hidden = 128;
  p.model.heads = 4;
  p.model.kv_heads = 2;
  p.model.vocab = 1000;
  p.tp = tp;
  p.seq_len = 32;
  p.sequence_parallel = sequence_parallel;
  return p;
}

std::vector<std::string> names(const Workload& w, int r) {
  std::vector<std::string> out;
  for (const Op& o : w.ranks[r].ops) out.push_back(w.str(o.name));
  return out;
}

TEST(LayerOpsTest, TensorParallelForwardIsAttentionAllReduceMlpAllReduce) {
  // Megatron-LM (Shoeybi et al. Sec. 3): without sequence parallelism an all-reduce of the
  // b s h activations (32 x 64 x 2 B = 4096 B) after attention and after the MLP; then the
  // layer's elementwise kernels. One chain: each op waits for the one before.
  const TransformerParams p = tiny(2, false);
  Workload w;
  w.ranks.resize(2);
  const uint32_t tp_group = w.group_of({0, 1}, "tp");
  ProgramBuilder b(w);
  SendRowSums sums(w);
  uint32_t last = UINT32_MAX;
  const std::vector<MoeLayerPlan> dense;  // no MoE layers
  LayerOps layer(b, p, dense, sums, {tp_group, 0, simcore::kCommStream, simcore::kCommStream, 0}, 0,
                 last);
  layer.forward(0, "layer 0", "fwd", " mb0", UINT32_MAX);
  EXPECT_EQ(names(w, 0),
            (std::vector<std::string>{"layer 0 attn fwd mb0", "layer 0 attn fwd all_reduce",
                                      "layer 0 mlp fwd mb0", "layer 0 mlp fwd all_reduce",
                                      "layer 0 elementwise fwd mb0"}));
  const std::vector<Op>& ops = w.ranks[0].ops;
  EXPECT_TRUE(ops[0].deps.empty());
  for (uint32_t i = 1; i < ops.size(); ++i) EXPECT_EQ(ops[i].deps, std::vector<uint32_t>{i - 1});
  EXPECT_EQ(ops[1].kind, OpKind::kCollective);
  EXPECT_EQ(ops[1].collective, CollectiveKind::kAllReduce);
  EXPECT_EQ(ops[1].bytes, 32 * 64 * 2);
  // Attention at 1/tp of (2 attention params + 2 s h) FLOPs per token, 32 tokens.
  EXPECT_DOUBLE_EQ(ops[0].flops, (2.0 * p.model.attention_params() + 2.0 * 32 * 64) * 32 / 2);
  EXPECT_EQ(last, 4u);
}

TEST(LayerOpsTest, SequenceParallelBackwardGathersBeforeAndScattersAfter) {
  // Korthikanti et al. Sec. 4.2.2: with sequence parallelism an all-gather before and a
  // reduce-scatter after each block; backward runs elementwise, MLP, then attention, each
  // at twice the forward's FLOPs.
  const TransformerParams p = tiny(2, true);
  Workload w;
  w.ranks.resize(2);
  const uint32_t tp_group = w.group_of({0, 1}, "tp");
  ProgramBuilder b(w);
  SendRowSums sums(w);
  uint32_t last = UINT32_MAX;
  const std::vector<MoeLayerPlan> dense;  // no MoE layers
  LayerOps layer(b, p, dense, sums, {tp_group, 0, simcore::kCommStream, simcore::kCommStream, 0}, 0,
                 last);
  layer.backward(1, "layer 1", " mb3", UINT32_MAX);
  EXPECT_EQ(names(w, 0),
            (std::vector<std::string>{"layer 1 elementwise bwd mb3", "layer 1 mlp bwd all_gather",
                                      "layer 1 mlp bwd mb3", "layer 1 mlp bwd reduce_scatter",
                                      "layer 1 attn bwd all_gather", "layer 1 attn bwd mb3",
                                      "layer 1 attn bwd reduce_scatter"}));
  EXPECT_DOUBLE_EQ(w.ranks[0].ops[5].flops, 2 * layer.costs().attn_flops);
}

}  // namespace
}  // namespace dtsim::workloads
