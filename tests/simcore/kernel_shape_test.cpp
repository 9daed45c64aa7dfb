// Kernel shapes on ops: stored once per distinct shape, and kept through the builder's private
// string tables (ranks built in parallel) and through composition.
#include "simcore/kernel_shape.h"

#include <gtest/gtest.h>

#include "simcore/composition.h"
#include "simcore/program_builder.h"
#include "simcore/workload.h"

namespace dtsim::simcore {
namespace {

KernelShapes gemm(int64_t m, int64_t n, int64_t k) {
  KernelShapes s;
  s.gemms.push_back({m, n, k, 1});
  return s;
}

TEST(KernelShapeTest, EqualShapesShareOneEntry) {
  Workload w;
  EXPECT_EQ(w.shape_of(gemm(1, 2, 3)), 0);
  EXPECT_EQ(w.shape_of(gemm(4, 5, 6)), 1);
  EXPECT_EQ(w.shape_of(gemm(1, 2, 3)), 0);
  KernelShapes a = gemm(1, 2, 3);
  a.attention = {1, 8, 8, 4, true, false};
  EXPECT_EQ(w.shape_of(a), 2);  // same GEMM, plus an attention kernel: a different shape
  EXPECT_EQ(w.shapes.size(), 3u);
}

TEST(KernelShapeTest, PrivateTablesArePublishedWithTheOps) {
  // A private builder numbers its shapes from 0; publishing maps them to the workload's table,
  // which already holds another shape at 0.
  Workload w;
  w.ranks.resize(1);
  w.shape_of(gemm(9, 9, 9));
  ProgramBuilder b(w, ProgramBuilder::Strings::kPrivate);
  const uint32_t i = b.shaped_compute(0, "op", 54, 0, "bf16", b.shape(gemm(2, 3, 4)));
  b.publish_strings({0});
  const Op& op = w.ranks[0].ops[i];
  ASSERT_EQ(op.shape, 1);
  EXPECT_EQ(w.shapes[1], gemm(2, 3, 4));
}

TEST(KernelShapeTest, AppendMapsTheBlocksShapes) {
  Workload run, block;
  run.ranks.resize(1);
  block.ranks.resize(1);
  ProgramBuilder rb(run), bb(block);
  rb.shaped_compute(0, "a", 1, 0, "bf16", rb.shape(gemm(7, 7, 7)));
  bb.shaped_compute(0, "b", 1, 0, "bf16", bb.shape(gemm(2, 3, 4)));
  append(run, block, 0);
  ASSERT_EQ(run.ranks[0].ops.size(), 2u);
  EXPECT_EQ(run.shapes[static_cast<size_t>(run.ranks[0].ops[1].shape)], gemm(2, 3, 4));
}

TEST(KernelShapeTest, AttentionProductsAndFlops) {
  // Forward: S = Q K^T (8 x 8 x 4) and O = P V (8 x 4 x 8) over 2 heads: 2 x 2 x 8 x 8 x 4 x 2
  // = 2048 FLOPs, 1024 when causal.
  AttentionShape a{2, 8, 8, 4, true, false};
  KernelShapes s;
  s.attention = a;
  ASSERT_EQ(attention_gemms(a).size(), 2u);
  EXPECT_EQ(attention_gemms(a)[0], (GemmShape{8, 8, 4, 2}));
  EXPECT_EQ(attention_gemms(a)[1], (GemmShape{8, 4, 8, 2}));
  EXPECT_DOUBLE_EQ(kernel_flops(s), 1024);
}

}  // namespace
}  // namespace dtsim::simcore
