// DiLoCo's model side (models/workloads/diloco.h): the outer sync's bytes per rank, its groups
// and tags, the outer state, and the DDP comparison's parameters. Expected values are worked by
// hand from the docstring's rule: shard = params / (tp pp), / (dp sp) again with ZeRO >= 1;
// bytes = ceil(shard x bits / 8).
#include "models/workloads/diloco.h"

#include <gtest/gtest.h>

namespace dtsim::workloads {
namespace {

using simcore::CollectiveKind;
using simcore::OpKind;
using simcore::OpPhase;

DilocoParams params(int dp, int tp, int pp, int zero, int bits) {
  DilocoParams p;
  p.replica.dp = dp;
  p.replica.tp = tp;
  p.replica.pp = pp;
  p.replica.zero_stage = zero;
  p.outer_bits = bits;
  return p;
}

TEST(DilocoOuterSync, BytesPerRankWithoutZeroAreTheStageShardOfEveryDpRank) {
  // 8e9 params, tp 8, pp 2, ZeRO-0: shard 8e9 / 16 = 5e8 params; fp32: 2e9 B, whatever dp.
  EXPECT_EQ(outer_sync_bytes_per_rank(params(4, 8, 2, 0, 32), 8'000'000'000), 2'000'000'000);
  EXPECT_EQ(outer_sync_bytes_per_rank(params(1, 8, 2, 0, 32), 8'000'000'000), 2'000'000'000);
  // bf16 halves it: 1e9 B; int8: 5e8 B; int4: 2.5e8 B.
  EXPECT_EQ(outer_sync_bytes_per_rank(params(4, 8, 2, 0, 16), 8'000'000'000), 1'000'000'000);
  EXPECT_EQ(outer_sync_bytes_per_rank(params(4, 8, 2, 0, 8), 8'000'000'000), 500'000'000);
  EXPECT_EQ(outer_sync_bytes_per_rank(params(4, 8, 2, 0, 4), 8'000'000'000), 250'000'000);
}

TEST(DilocoOuterSync, BytesPerRankWithZeroSplitOverTheDpRanks) {
  // ZeRO-1, dp 4: 8e9 / (8 x 2 x 4) = 1.25e8 params, fp32: 5e8 B.
  EXPECT_EQ(outer_sync_bytes_per_rank(params(4, 8, 2, 1, 32), 8'000'000'000), 500'000'000);
  // With Ulysses sp 2 the reduction group is dp x sp = 8: 6.25e7 params, 2.5e8 B.
  DilocoParams p = params(4, 1, 1, 3, 32);
  p.replica.sp = 2;
  EXPECT_EQ(outer_sync_bytes_per_rank(p, 8'000'000'000), 8'000'000'000LL * 4 / 8);
}

TEST(DilocoOuterSync, HalfBytesRoundUp) {
  // int4: 1001 params x 4 bits = 4004 bits = 500.5 B, rounded up to 501.
  EXPECT_EQ(outer_sync_bytes_per_rank(params(1, 1, 1, 0, 4), 1001), 501);
  // 1001 params over tp 2, int8: 500.5 B -> 501.
  EXPECT_EQ(outer_sync_bytes_per_rank(params(1, 2, 1, 0, 8), 1001), 501);
}

TEST(DilocoOuterSync, OuterStateIsEightBytesPerShardParameter) {
  // Outer params + Nesterov momentum, fp32: 8 B x 8e9 / (8 x 2) = 4e9 B; ZeRO-1 dp 4: 1e9 B.
  EXPECT_DOUBLE_EQ(outer_state_bytes_per_rank(params(4, 8, 2, 0, 32), 8'000'000'000), 4e9);
  EXPECT_DOUBLE_EQ(outer_state_bytes_per_rank(params(4, 8, 2, 1, 8), 8'000'000'000), 1e9);
}

TEST(DilocoOuterSync, OneAllReducePerRankOverTheSamePositionInEveryReplica) {
  // R = 3 replicas of dp 2 x tp 2 = 4 ranks: replica i holds ranks 4i..4i+3; position j's group
  // is {j, 4 + j, 8 + j}. 1000 params / tp 2 = 500, bf16: 1000 B per rank.
  DilocoParams p = params(2, 2, 1, 0, 16);
  p.replicas = 3;
  simcore::Workload w = make_outer_sync(p, 1000, 7);
  ASSERT_EQ(w.ranks.size(), 12u);
  for (int r = 0; r < 12; ++r) {
    ASSERT_EQ(w.ranks[r].ops.size(), 1u) << r;
    const simcore::Op& op = w.ranks[r].ops[0];
    EXPECT_EQ(op.kind, OpKind::kCollective);
    EXPECT_EQ(op.collective, CollectiveKind::kAllReduce);
    EXPECT_EQ(op.bytes, 1000);
    EXPECT_EQ(w.str(op.algorithm), "ring");
    EXPECT_EQ(w.groups[op.group], (std::vector<int>{r % 4, 4 + r % 4, 8 + r % 4}));
    EXPECT_EQ(op.tags.phase, OpPhase::kOuterSync);
    EXPECT_EQ(op.tags.replica, r / 4);
    EXPECT_EQ(op.tags.step, 7);
  }
}

TEST(DilocoDdp, DdpAcrossSitesMultipliesDpAndBatchAndPutsDpOutermost) {
  DilocoParams p = params(2, 4, 2, 1, 32);
  p.replicas = 4;
  p.replica.global_batch = 16;
  TransformerParams d = ddp_across_sites(p);
  EXPECT_EQ(d.dp, 8);
  EXPECT_EQ(d.global_batch, 64);
  EXPECT_EQ(d.order, "tp-pp-dp");
  p.replica.order = "dp-tp-pp";
  EXPECT_EQ(ddp_across_sites(p).order, "tp-pp-dp");
  p.replica.order = "pp-dp-tp";
  EXPECT_EQ(ddp_across_sites(p).order, "pp-tp-dp");
}

}  // namespace
}  // namespace dtsim::workloads
