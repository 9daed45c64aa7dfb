// make_transformer_inner_step: the training step without its gradient sync, the piece that
// DiLoCo-like kinds reuse before a sync of their own.
#include <gtest/gtest.h>

#include <string>

#include "models/workloads/transformer_parallel.h"

namespace dtsim::workloads {
namespace {

using simcore::Op;
using simcore::OpPhase;
using simcore::Workload;

/** A tiny dense model (test input): 4 layers, h 64, 4 heads; dp 2, pp 2, 4 micro-batches. */
TransformerParams tiny() {
  TransformerParams p;
  p.model.name = "tiny";
  p.model.layers = 4;
  p.model.hidden = 64;
  p.model.ffn_hidden = 128;
  p.model.heads = 4;
  p.model.kv_heads = 2;
  p.model.vocab = 1000;
  p.dp = 2;
  p.pp = 2;
  p.seq_len = 32;
  p.global_batch = 8;
  p.zero_stage = 1;
  p.bucket_bytes = 4096;
  return p;
}

TEST(TransformerInnerStepTest, IsTheFullStepWithoutItsSync) {
  // Every rank's inner step is the same ops, in the same order and with the same names, as the
  // full step's program up to its first gradient-sync op; the rest of the full step is the
  // sync (reductions, optimizer, ZeRO-1 gathers) alone.
  TransformerInfo full_info, inner_info;
  const Workload full = make_transformer(tiny(), &full_info);
  const Workload inner = make_transformer_inner_step(tiny(), &inner_info);
  ASSERT_EQ(full.ranks.size(), inner.ranks.size());
  for (size_t r = 0; r < full.ranks.size(); ++r) {
    const auto& a = full.ranks[r].ops;
    const auto& b = inner.ranks[r].ops;
    ASSERT_LT(b.size(), a.size()) << "rank " << r;
    for (size_t i = 0; i < b.size(); ++i) {
      EXPECT_EQ(inner.str(b[i].name), full.str(a[i].name)) << "rank " << r << " op " << i;
      EXPECT_EQ(b[i].deps, a[i].deps);
      EXPECT_NE(b[i].tags.phase, OpPhase::kGradientSync);
      EXPECT_NE(b[i].tags.phase, OpPhase::kOptimizer);
    }
    for (size_t i = b.size(); i < a.size(); ++i)
      EXPECT_TRUE(a[i].tags.phase == OpPhase::kGradientSync ||
                  a[i].tags.phase == OpPhase::kOptimizer)
          << full.str(a[i].name);
    EXPECT_EQ(full.str(a[b.size()].name), "grad reduce_scatter bucket 0");
    EXPECT_EQ(full.str(a.back().name), "weights all_gather");
  }
  EXPECT_EQ(inner_info.model_flops, full_info.model_flops);
  EXPECT_EQ(inner_info.memory_first_stage.total(), full_info.memory_first_stage.total());
}

}  // namespace
}  // namespace dtsim::workloads
