// The transformer generator's structured op tags (phase, layer, micro-batch), set through the
// program builder, so reports can split time without parsing op names.
#include <gtest/gtest.h>

#include <string>

#include "models/workloads/transformer_parallel.h"

namespace dtsim::workloads {
namespace {

using simcore::Op;
using simcore::OpPhase;
using simcore::OpTags;
using simcore::Workload;

/** A tiny dense model (test input): 4 layers, h 64, 4 heads. */
TransformerParams tiny(int dp, int pp, int micro_batches) {
  TransformerParams p;
  p.model.name = "tiny";
  p.model.layers = 4;
  p.model.hidden = 64;
  p.model.ffn_hidden = 128;
  p.model.heads = 4;
  p.model.kv_heads = 2;
  p.model.vocab = 1000;
  p.dp = dp;
  p.pp = pp;
  p.seq_len = 32;
  p.global_batch = static_cast<int64_t>(dp) * micro_batches;
  return p;
}

/** The op of rank `r` named exactly `name` (fails the test when there is none). */
const Op& op(const Workload& w, int r, const std::string& name) {
  for (const Op& o : w.ranks[r].ops)
    if (w.str(o.name) == name) return o;
  ADD_FAILURE() << "no op '" << name << "' on rank " << r;
  static const Op none;
  return none;
}

TEST(TransformerTagsTest, OpsCarryPhaseLayerAndMicroBatch) {
  // dp 2, pp 2 (rank = d + 2 p with tp = 1: ranks 0, 1 stage 0; ranks 2, 3 stage 1), two
  // micro-batches, full recomputation.
  TransformerParams p = tiny(2, 2, 2);
  p.recompute = Recompute::kFull;
  Workload w = make_transformer(p, nullptr);
  auto tags = [](OpPhase phase, int layer, int mb) {
    OpTags t;
    t.phase = phase;
    t.layer = static_cast<int16_t>(layer);
    t.micro_batch = mb;
    return t;
  };
  EXPECT_EQ(op(w, 0, "layer 1 attn fwd mb1").tags, tags(OpPhase::kForward, 1, 1));
  EXPECT_EQ(op(w, 0, "layer 0 attn recompute mb0").tags, tags(OpPhase::kRecompute, 0, 0));
  EXPECT_EQ(op(w, 0, "layer 0 attn bwd mb0").tags, tags(OpPhase::kBackward, 0, 0));
  EXPECT_EQ(op(w, 0, "embedding fwd mb0").tags, tags(OpPhase::kForward, OpTags::kNone, 0));
  EXPECT_EQ(op(w, 0, "send activations mb1").tags, tags(OpPhase::kForward, OpTags::kNone, 1));
  EXPECT_EQ(op(w, 2, "layer 3 mlp bwd mb1").tags, tags(OpPhase::kBackward, 3, 1));
  EXPECT_EQ(op(w, 2, "send gradients mb0").tags, tags(OpPhase::kBackward, OpTags::kNone, 0));
  EXPECT_EQ(op(w, 0, "grad all_reduce bucket 0").tags,
            tags(OpPhase::kGradientSync, OpTags::kNone, OpTags::kNone));
  EXPECT_EQ(op(w, 0, "optimizer step").tags,
            tags(OpPhase::kOptimizer, OpTags::kNone, OpTags::kNone));
  // Every op has a phase; a single step leaves step and replica to composition.
  for (const auto& rank : w.ranks)
    for (const Op& o : rank.ops) {
      EXPECT_NE(o.tags.phase, OpPhase::kNone) << w.str(o.name);
      EXPECT_EQ(o.tags.step, OpTags::kNone);
      EXPECT_EQ(o.tags.replica, OpTags::kNone);
    }
}

}  // namespace
}  // namespace dtsim::workloads
