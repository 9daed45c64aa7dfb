// The gradient sync of one rank, built on its own after a hand-made inner step: bucket sizes,
// dependencies and the optimizer's shard, worked out by hand from the rules in gradient_sync.h.
#include "models/workloads/gradient_sync.h"

#include <gtest/gtest.h>

#include <vector>

#include "simcore/program_builder.h"
#include "simcore/workload.h"

namespace dtsim::workloads {
namespace {

using simcore::CollectiveKind;
using simcore::Op;
using simcore::OpKind;
using simcore::OpPhase;
using simcore::ProgramBuilder;
using simcore::Workload;

struct Built {
  Workload w;
  uint32_t layer1 = 0, layer0 = 0;  // the inner step's two backward ops
};

// Rank 0 of a DP group of 4 runs the backward of layer 1 (10 parameters), then layer 0 (20),
// then its sync: stage parameters 30.
void build(Built& out, TransformerParams p) {
  out.w.ranks.resize(4);
  ProgramBuilder b(out.w);
  out.layer1 = b.compute(0, "layer 1 bwd", 1, 0, "bf16");
  out.layer0 = b.compute(0, "layer 0 bwd", 1, 0, "bf16", {out.layer1});
  InnerStepEnd end;
  end.dense = {{10, out.layer1}, {20, out.layer0}};
  end.last_compute = out.layer0;
  end.stage_params.dense = 30;
  GradientSyncGroups g;
  g.dp_size = 4;
  g.dp_group = out.w.group_of({0, 1, 2, 3}, "dp");
  build_gradient_sync(b, 0, p, g, end);
}

TEST(GradientSyncTest, ZeroOneBucketsThenOptimizerShardThenWeightGather) {
  // 4 B per gradient: 40 B from layer 1, then 80 B from layer 0; 40 B buckets: bucket 0 after
  // layer 1, buckets 1 and 2 after layer 0. ZeRO-1: reduce-scatter; the optimizer updates
  // 30 / 4 = 7.5 parameters at 30 B each (225 B) after every bucket; then an all-gather of the
  // 30 16-bit weights (60 B).
  TransformerParams p;
  p.zero_stage = 1;
  p.grad_bytes = 4;
  p.bucket_bytes = 40;
  Built x;
  build(x, p);
  const std::vector<Op>& ops = x.w.ranks[0].ops;
  ASSERT_EQ(ops.size(), 7u);
  for (int k = 0; k < 3; ++k) {
    const Op& bucket = ops[2 + k];
    EXPECT_EQ(x.w.str(bucket.name), "grad reduce_scatter bucket " + std::to_string(k));
    EXPECT_EQ(bucket.collective, CollectiveKind::kReduceScatter);
    EXPECT_EQ(bucket.bytes, 40);
    EXPECT_EQ(bucket.tags.phase, OpPhase::kGradientSync);
    EXPECT_EQ(bucket.deps, std::vector<uint32_t>{k == 0 ? x.layer1 : x.layer0});
  }
  const Op& opt = ops[5];
  EXPECT_EQ(x.w.str(opt.name), "optimizer step");
  EXPECT_DOUBLE_EQ(opt.mem_bytes, 225.0);
  EXPECT_EQ(opt.tags.phase, OpPhase::kOptimizer);
  EXPECT_EQ(opt.deps, (std::vector<uint32_t>{2, 3, 4, x.layer0}));
  const Op& gather = ops[6];
  EXPECT_EQ(x.w.str(gather.name), "weights all_gather");
  EXPECT_EQ(gather.bytes, 60);
  EXPECT_EQ(gather.deps, std::vector<uint32_t>{5});
}

TEST(GradientSyncTest, WithoutOverlapOneFlatBufferAfterTheInnerStep) {
  // Megatron-LM local DDP, ZeRO-0: one all-reduce of 40 + 80 = 120 B after the last backward;
  // the optimizer updates all 30 parameters (900 B).
  TransformerParams p;
  p.zero_stage = 0;
  p.grad_bytes = 4;
  p.overlap_grad_reduce = false;
  Built x;
  build(x, p);
  const std::vector<Op>& ops = x.w.ranks[0].ops;
  ASSERT_EQ(ops.size(), 4u);
  EXPECT_EQ(x.w.str(ops[2].name), "grad all_reduce flat buffer");
  EXPECT_EQ(ops[2].kind, OpKind::kCollective);
  EXPECT_EQ(ops[2].bytes, 120);
  EXPECT_EQ(ops[2].deps, std::vector<uint32_t>{x.layer0});
  EXPECT_DOUBLE_EQ(ops[3].mem_bytes, 900.0);
  EXPECT_EQ(ops[3].deps, (std::vector<uint32_t>{2, x.layer0}));
}

TEST(GradientSyncTest, SingleReplicaOnlySteps) {
  // dp_size 1: no reduction, the optimizer alone after the inner step.
  TransformerParams p;
  Workload w;
  w.ranks.resize(1);
  ProgramBuilder b(w);
  InnerStepEnd end;
  end.last_compute = b.compute(0, "bwd", 1, 0, "bf16");
  end.dense = {{5, end.last_compute}};
  end.stage_params.dense = 5;
  build_gradient_sync(b, 0, p, GradientSyncGroups{}, end);
  ASSERT_EQ(w.ranks[0].ops.size(), 2u);
  EXPECT_EQ(w.str(w.ranks[0].ops[1].name), "optimizer step");
}

}  // namespace
}  // namespace dtsim::workloads
