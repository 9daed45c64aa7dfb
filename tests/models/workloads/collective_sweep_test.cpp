#include "models/workloads/collective_sweep.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "simcore/error.h"
#include "tests/support/config_error.h"

namespace dtsim::workloads {
namespace {

using simcore::CollectiveKind;
using simcore::ConfigError;
using simcore::OpKind;

using test::config_error;

CollectiveSweepParams params(double min_bytes, double max_bytes, double factor = 2) {
  CollectiveSweepParams p;
  p.ranks = 4;
  p.min_bytes = min_bytes;
  p.max_bytes = max_bytes;
  p.factor = factor;
  return p;
}

TEST(CollectiveSweepTest, EightBytesToEightGiBDoublingIs31Sizes) {
  // nccl-tests -b 8 -e 8G -f 2: 8 = 2^3 ... 8 GiB = 2^33, one size per power: 33 - 3 + 1 = 31.
  std::vector<int64_t> sizes = sweep_sizes(params(8, 8.0 * (1LL << 30)));
  ASSERT_EQ(sizes.size(), 31u);
  for (size_t i = 0; i < sizes.size(); ++i) EXPECT_EQ(sizes[i], int64_t{8} << i) << i;
  EXPECT_EQ(sizes.back(), 8LL << 30);
}

TEST(CollectiveSweepTest, OneSizeWhenMinEqualsMax) {
  EXPECT_EQ(sweep_sizes(params(1 << 30, 1 << 30)), (std::vector<int64_t>{1 << 30}));
}

TEST(CollectiveSweepTest, MaxNeedNotBeOnTheGrid) {
  // 8, 16, 32, 64; 128 > 100 stops.
  EXPECT_EQ(sweep_sizes(params(8, 100)), (std::vector<int64_t>{8, 16, 32, 64}));
}

TEST(CollectiveSweepTest, FractionalSizesRoundDown) {
  // Factor 1.5 from 8: 8, 12, 18, 27, 40.5 -> 40, 60.75 -> 60, 91.125 -> 91; next 136.7 > 100.
  EXPECT_EQ(sweep_sizes(params(8, 100, 1.5)), (std::vector<int64_t>{8, 12, 18, 27, 40, 60, 91}));
}

// BUG: a sweep starting at 0 B skips 1 B: sweep_sizes sets s = 1 after the 0 and then multiplies
// by the factor in the same iteration, so min 0, max 8, factor 2 gives {0, 2, 4, 8} instead of
// {0, 1, 2, 4, 8}. Fix in sweep_sizes: `s = (s == 0) ? 1 : s * p.factor;` in place of
// `if (s == 0) s = 1; s *= p.factor;`.
TEST(CollectiveSweepTest, SweepFromZeroContinuesAtOneByte) {
  EXPECT_EQ(sweep_sizes(params(0, 8)), (std::vector<int64_t>{0, 1, 2, 4, 8}));
}

TEST(CollectiveSweepTest, WorkloadHasOneCollectivePerSizeAndIterationOnEveryRank) {
  // 4 ranks; sizes 1 KiB, 2 KiB, 4 KiB (3 sizes) x 5 iterations = 15 ops per rank, 60 in all,
  // all on the comm stream of one group {0, 1, 2, 3}, in size order.
  CollectiveSweepParams p = params(1024, 4096);
  p.kind = CollectiveKind::kAllGather;
  p.algorithm = "ring";
  p.iterations = 5;
  simcore::Workload w = make_collective_sweep(p);
  ASSERT_EQ(w.ranks.size(), 4u);
  EXPECT_EQ(w.op_count(), 60u);
  ASSERT_EQ(w.groups.size(), 1u);
  EXPECT_EQ(w.groups[0], (std::vector<int>{0, 1, 2, 3}));
  for (const auto& rank : w.ranks) {
    ASSERT_EQ(rank.ops.size(), 15u);
    for (size_t i = 0; i < rank.ops.size(); ++i) {
      const simcore::Op& op = rank.ops[i];
      EXPECT_EQ(op.kind, OpKind::kCollective);
      EXPECT_EQ(op.stream, simcore::kCommStream);
      EXPECT_EQ(op.collective, CollectiveKind::kAllGather);
      EXPECT_EQ(op.bytes, int64_t{1024} << (i / 5));
      EXPECT_EQ(w.str(op.algorithm), "ring");
      EXPECT_TRUE(op.deps.empty());  // back to back: only the stream order
      EXPECT_EQ(op.tags.step, static_cast<int32_t>(i / 5));  // the k-th size is step k
    }
  }
  EXPECT_EQ(w.str(w.ranks[2].ops[0].name), "all_gather 1024B");
  EXPECT_EQ(w.str(w.ranks[2].ops[14].name), "all_gather 4096B");
}

TEST(CollectiveSweepTest, RootIsPassedThrough) {
  CollectiveSweepParams p = params(8, 8);
  p.kind = CollectiveKind::kBroadcast;
  p.root = 3;
  simcore::Workload w = make_collective_sweep(p);
  EXPECT_EQ(w.ranks[0].ops[0].root, 3);
}

TEST(CollectiveSweepTest, MisuseIsRejected) {
  EXPECT_EQ(config_error([] { sweep_sizes(params(16, 8)); }),
            "sweep sizes: need 0 <= min_bytes <= max_bytes; got 16 and 8");
  EXPECT_EQ(config_error([] { sweep_sizes(params(-1, 8)); }),
            "sweep sizes: need 0 <= min_bytes <= max_bytes; got -1 and 8");
  EXPECT_EQ(config_error([] { sweep_sizes(params(8, 64, 1)); }), "sweep factor must be > 1; got 1");
  EXPECT_EQ(config_error([] { sweep_sizes(params(8, 64, 0.5)); }),
            "sweep factor must be > 1; got 0.5");
  CollectiveSweepParams none = params(8, 8);
  none.ranks = 0;
  EXPECT_EQ(config_error([&] { make_collective_sweep(none); }),
            "collective_sweep needs at least 1 rank; got 0");
  CollectiveSweepParams no_iter = params(8, 8);
  no_iter.iterations = 0;
  EXPECT_EQ(config_error([&] { make_collective_sweep(no_iter); }),
            "collective_sweep iterations must be >= 1");
}

}  // namespace
}  // namespace dtsim::workloads
