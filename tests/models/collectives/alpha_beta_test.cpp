#include "models/collectives/alpha_beta.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "models/collectives/schedule.h"
#include "simcore/error.h"
#include "tests/support/config_error.h"
#include "tests/support/schedule_replay.h"

namespace dtsim::collectives {
namespace {

using simcore::CollectiveKind;
using simcore::ConfigError;

/** The registry entry of that name. */
collectives::Algorithm algo(std::string_view name) {
  return collectives::parse_algorithm_or_throw(name);
}

constexpr double kGiBytes = 1073741824.0;  // 2^30 (named apart from schedule_test's kGiB: unity build)
constexpr double kClosedFormRelTol = 1e-12;      // closed forms: a handful of double operations

// Worked numbers below use S = 2^30 B, alpha = 1 us, B = 450 GB/s (so S/B = 2.386092942e-3 s).
AlphaBetaParams params(int chunks = 1) {
  AlphaBetaParams p;
  p.alpha_s = 1e-6;
  p.bw_bytes_per_s = 450e9;
  p.chunks = chunks;
  return p;
}

void expect_rel(double got, double expected) { EXPECT_NEAR(got, expected, expected * kClosedFormRelTol); }

using test::config_error_what;

TEST(AlphaBeta, RingAllReduce) {
  // 2(n-1)(alpha + S/(nB)) = 14 * (1e-6 + 2^30 / 3.6e12) = 4.189662649e-3 s.
  expect_rel(alpha_beta_seconds(CollectiveKind::kAllReduce, algo("ring"), 8, kGiBytes, params()),
             4.189662648888889e-3);
  // Same algorithm with 4 chunks: (14 + 3)(alpha + S/(32B)) = 17 * 75.5654e-6.
  expect_rel(alpha_beta_seconds(CollectiveKind::kAllReduce, algo("ring"), 8, kGiBytes, params(4)),
             17 * (1e-6 + kGiBytes / (32 * 450e9)));
}

TEST(AlphaBeta, RingReduceScatterAllGatherAndBidirectional) {
  // (n-1)(alpha + S/(nB)) = 7 * 2.992616178e-4 = 2.094831324e-3 s.
  for (auto kind : {CollectiveKind::kReduceScatter, CollectiveKind::kAllGather})
    expect_rel(alpha_beta_seconds(kind, algo("ring"), 8, kGiBytes, params()),
               2.0948313244444445e-3);
  // One link per rank: the bidirectional ring costs what the ring costs.
  expect_rel(alpha_beta_seconds(CollectiveKind::kAllReduce, algo("ring_bidirectional"), 8, kGiBytes,
                                params()),
             4.189662648888889e-3);
}

TEST(AlphaBeta, HalvingDoubling) {
  // 2 log2(n) alpha + 2 (n-1)/n S/B = 6e-6 + 1.75 * 2.386092942e-3 = 4.181662649e-3 s.
  expect_rel(alpha_beta_seconds(CollectiveKind::kAllReduce, algo("halving_doubling"), 8, kGiBytes,
                                params()),
             4.181662648888889e-3);
  // Reduce-scatter: half of it.
  expect_rel(alpha_beta_seconds(CollectiveKind::kReduceScatter, algo("halving_doubling"), 8,
                                kGiBytes, params()),
             4.181662648888889e-3 / 2);
}

TEST(AlphaBeta, AllToAll) {
  // Direct: alpha + (n-1) S/(nB) = 1e-6 + 0.875 * 2.386092942e-3 = 2.088831324e-3 s.
  expect_rel(alpha_beta_seconds(CollectiveKind::kAllToAll, algo("direct"), 8, kGiBytes, params()),
             2.0888313244444446e-3);
  // Pairwise: (n-1)(alpha + S/(nB)), one alpha per step: 6 us more than direct.
  expect_rel(alpha_beta_seconds(CollectiveKind::kAllToAll, algo("pairwise"), 8, kGiBytes, params()),
             2.0948313244444445e-3);
}

TEST(AlphaBeta, ChainBroadcastAndReduce) {
  // (n-1 + c-1)(alpha + S/(cB)) = 10 * (1e-6 + 2^30 / 1.8e12) = 5.975232356e-3 s.
  for (auto kind : {CollectiveKind::kBroadcast, CollectiveKind::kReduce})
    expect_rel(alpha_beta_seconds(kind, algo("ring"), 8, kGiBytes, params(4)),
               5.975232355555556e-3);
}

TEST(AlphaBeta, DoubleBinaryTree) {
  // n = 16: depth D = 4; every rank is an inner node of one tree, so its link carries f = 4
  // pieces per piece index. c = 1: 2D (alpha + S/(2B)) = 8 * 1.194046471e-3 = 9.552371769e-3 s.
  EXPECT_EQ(double_binary_tree_factors(16).depth, 4);
  EXPECT_EQ(double_binary_tree_factors(16).link_pieces, 4);
  expect_rel(alpha_beta_seconds(CollectiveKind::kAllReduce, algo("double_binary_tree"), 16, kGiBytes,
                                params()),
             9.552371768888889e-3);
  // c = 8: 2D (alpha + S/(16B)) + 7 (alpha + 4 S/(16B)) = 5.38370912e-3 s.
  expect_rel(alpha_beta_seconds(CollectiveKind::kAllReduce, algo("double_binary_tree"), 16, kGiBytes,
                                params(8)),
             5.38370912e-3);
  // Deep pipelines tend to NCCL's tree model 2 S/B + 2D alpha (alpha -> 0 to isolate S/B).
  AlphaBetaParams deep = params(4096);
  deep.alpha_s = 0;
  EXPECT_NEAR(
      alpha_beta_seconds(CollectiveKind::kAllReduce, algo("double_binary_tree"), 16, kGiBytes, deep),
      2 * kGiBytes / 450e9, 2 * kGiBytes / 450e9 * 1e-2);
  // n = 2: each rank sends one piece up one tree and one down the other: f = 2.
  EXPECT_EQ(double_binary_tree_factors(2).depth, 1);
  EXPECT_EQ(double_binary_tree_factors(2).link_pieces, 2);
}

TEST(AlphaBeta, Hierarchical) {
  // n = 16 in 2 boxes of m = 8; intra alpha 0.5 us, 900 GB/s; inter 1 us, 450 GB/s:
  // 2 * 7 (0.5e-6 + S/(8 * 900e9)) + 2 (1e-6 + S/(16 * 450e9)) = 2.395092942e-3 s.
  AlphaBetaParams p = params();
  p.boxes = 2;
  p.intra_alpha_s = 0.5e-6;
  p.intra_bw_bytes_per_s = 900e9;
  expect_rel(alpha_beta_seconds(CollectiveKind::kAllReduce, algo("hierarchical"), 16, kGiBytes, p),
             2.3950929422222223e-3);
  // auto resolves to hierarchical for equal boxes of > 1 rank, to ring otherwise.
  expect_rel(alpha_beta_seconds(CollectiveKind::kAllReduce, Algorithm{}, 16, kGiBytes, p),
             2.3950929422222223e-3);
  p.boxes = 1;
  expect_rel(alpha_beta_seconds(CollectiveKind::kAllReduce, Algorithm{}, 16, kGiBytes, p),
             alpha_beta_seconds(CollectiveKind::kAllReduce, algo("ring"), 16, kGiBytes, p));
  // The spelled-out signature agrees.
  expect_rel(alpha_beta_seconds(CollectiveKind::kAllReduce, algo("hierarchical"), 16, kGiBytes,
                                1e-6, 450e9, 2, 0.5e-6, 900e9),
             2.3950929422222223e-3);
}

// The closed forms of the one-message-per-rank-per-step algorithms equal a contention-free
// replay of their schedules (each transfer costs alpha + bytes/B after its deps).
using test::replay;

TEST(AlphaBeta, AgreesWithScheduleReplay) {
  struct Case {
    CollectiveKind kind;
    Algorithm algo;
    int n, chunks;
    std::vector<int> box_of;
  };
  const std::vector<Case> cases = {
      {CollectiveKind::kAllReduce, algo("ring"), 8, 1, {}},
      {CollectiveKind::kAllReduce, algo("ring"), 6, 5, {}},
      {CollectiveKind::kReduceScatter, algo("ring"), 7, 2, {}},
      {CollectiveKind::kAllGather, algo("ring"), 7, 1, {}},
      {CollectiveKind::kAllToAll, algo("pairwise"), 9, 3, {}},
      {CollectiveKind::kBroadcast, algo("ring"), 8, 4, {}},
      {CollectiveKind::kReduce, algo("ring"), 3, 1, {}},
      {CollectiveKind::kAllReduce, algo("halving_doubling"), 16, 1, {}},
      {CollectiveKind::kAllGather, algo("halving_doubling"), 8, 1, {}},
      {CollectiveKind::kAllReduce,
       algo("hierarchical"),
       12,
       2,
       {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}},
  };
  const double S = 3e8, alpha = 2e-6, B = 100e9;
  for (const Case& c : cases) {
    Schedule s = build_schedule(c.kind, c.algo, c.n, S, 0, c.chunks, c.box_of);
    AlphaBetaParams p;
    p.alpha_s = p.intra_alpha_s = alpha;
    p.bw_bytes_per_s = p.intra_bw_bytes_per_s = B;
    p.chunks = c.chunks;
    p.boxes = c.box_of.empty() ? 1 : 3;
    const double closed = alpha_beta_seconds(c.kind, c.algo, c.n, S, p);
    EXPECT_NEAR(replay(s, alpha, B), closed, closed * kClosedFormRelTol)
        << simcore::to_string(c.kind) << " " << to_string(c.algo) << " n=" << c.n;
  }
}

TEST(AlphaBeta, OneRankAndZeroBytes) {
  EXPECT_EQ(alpha_beta_seconds(CollectiveKind::kAllReduce, algo("ring"), 1, kGiBytes, params()),
            0.0);
  // 0 bytes: latency only, 2(n-1) alpha.
  expect_rel(alpha_beta_seconds(CollectiveKind::kAllReduce, algo("ring"), 8, 0, params()),
             14e-6);
}

TEST(AlphaBeta, RejectsBadInput) {
  using K = CollectiveKind;
  auto ring = algo("ring");
  EXPECT_EQ(config_error_what([&] { alpha_beta_seconds(K::kAllReduce, ring, 0, 1, params()); }),
            "error: all_reduce: group size must be >= 1; got 0");
  EXPECT_EQ(config_error_what([&] { alpha_beta_seconds(K::kAllReduce, ring, 4, -5, params()); }),
            "error: all_reduce: bytes must be a finite number >= 0; got -5");
  AlphaBetaParams p = params();
  p.bw_bytes_per_s = 0;
  EXPECT_EQ(config_error_what([&] { alpha_beta_seconds(K::kAllReduce, ring, 4, 1, p); }),
            "error: all_reduce: bw_bytes_per_s must be a finite number > 0; got 0");
  p = params();
  p.alpha_s = -1e-6;
  EXPECT_EQ(config_error_what([&] { alpha_beta_seconds(K::kAllReduce, ring, 4, 1, p); }),
            "error: all_reduce: alpha_s must be a finite number >= 0; got -1e-06");
  EXPECT_EQ(config_error_what([&] { alpha_beta_seconds(K::kAllReduce, ring, 4, 1, params(0)); }),
            "error: all_reduce: chunks must be >= 1; got 0");
  p = params();
  p.boxes = 5;
  EXPECT_EQ(config_error_what([&] { alpha_beta_seconds(K::kAllReduce, ring, 4, 1, p); }),
            "error: all_reduce: boxes must be in [1, 4]; got 5");
  p.boxes = 4;
  EXPECT_EQ(
      config_error_what([&] { alpha_beta_seconds(K::kAllReduce, algo("hierarchical"), 6, 1, p); }),
      "error: all_reduce with algorithm \"hierarchical\" needs n to be a multiple of boxes; "
      "got n = 6, boxes = 4");
  p.boxes = 2;  // m = 3 > 1 but no intra bandwidth given
  EXPECT_EQ(
      config_error_what([&] { alpha_beta_seconds(K::kAllReduce, algo("hierarchical"), 6, 1, p); }),
      "error: all_reduce: intra_bw_bytes_per_s must be a finite number > 0; got 0");
  EXPECT_EQ(
      config_error_what([&] { alpha_beta_seconds(K::kAllToAll, algo("ring"), 4, 1, params()); }),
      "error: all_to_all does not support algorithm \"ring\"; supported: auto, direct, "
      "pairwise");
  EXPECT_EQ(config_error_what([&] {
              alpha_beta_seconds(K::kAllReduce, algo("halving_doubling"), 12, 1, params());
            }),
            "error: all_reduce with algorithm \"halving_doubling\" needs a power-of-two group "
            "size; got n = 12");
}

}  // namespace
}  // namespace dtsim::collectives
