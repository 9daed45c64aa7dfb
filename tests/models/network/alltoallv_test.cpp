// All-to-all-v (per-pair sizes): its schedule, the flow back-end and the analytical back-end
// against closed forms worked out by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "models/collectives/alpha_beta.h"
#include "models/collectives/schedule.h"
#include "models/network/analytical_comm_model.h"
#include "models/network/flow_comm_model.h"
#include "simcore/error.h"
#include "simcore/simulator.h"
#include "topologies/builders.h"
#include "topologies/routing.h"
#include "tests/support/config_error.h"

namespace dtsim::network {
namespace {

using collectives::Algorithm;
using collectives::Schedule;
using simcore::CollectiveCall;
using simcore::CollectiveKind;
using simcore::CommModel;
using simcore::ConfigError;
using simcore::Simulator;
using simcore::Time;

/** The registry entry of that name. */
collectives::Algorithm algo(std::string_view name) {
  return collectives::parse_algorithm_or_throw(name);
}

// 4 GPUs on one switch, 450 GB/s per direction and 1 us per link: every GPU-to-GPU path has two
// hops, latency 2 us, bottleneck B = 450e9 B/s.
const topologies::LinkSpec kLink{"nvlink", 450e9, Time::us(1)};
constexpr double kB = 450e9;
constexpr double kX = 450e6;  // X / B = 1 ms

using test::config_error;

/** ps until an all-to-all-v over ranks 0..3 with `matrix` finishes on a fresh simulator. */
int64_t alltoallv_ps(bool flow, const std::vector<double>& matrix, std::string* used = nullptr) {
  topologies::Topology t = topologies::build_switch(4, kLink);
  Simulator sim;
  topologies::Router router(t);
  std::unique_ptr<CommModel> comm;
  if (flow)
    comm = std::make_unique<FlowCommModel>(sim, t, router);
  else
    comm = std::make_unique<AnalyticalCommModel>(sim, t, router);
  std::vector<int> ranks{0, 1, 2, 3};
  CollectiveCall call{CollectiveKind::kAllToAll, "auto", &ranks, 0, 0, &matrix};
  int64_t done = -1;
  std::string algo = comm->start_collective(call, [&] { done = sim.now().count_ps(); });
  if (used) *used = algo;
  sim.run();
  return done;
}

TEST(AllToAllVSchedule, DirectSendsOnlyNonZeroOffDiagonalPairs) {
  // 3 positions; the diagonal (7, 8, 9) stays local and 0 entries post nothing: the transfers
  // are exactly (0->1, 5), (1->2, 2), (2->0, 4), (2->1, 1).
  std::vector<double> m{7, 5, 0,  //
                        0, 8, 2,  //
                        4, 1, 9};
  Schedule s = collectives::build_alltoallv_schedule(Algorithm{}, 3, m, 1);
  EXPECT_EQ(s.algorithm, algo("direct"));
  std::vector<std::tuple<int, int, double>> got;
  for (const auto& t : s.transfers) got.emplace_back(t.src, t.dst, t.bytes);
  std::sort(got.begin(), got.end());
  std::vector<std::tuple<int, int, double>> want{{0, 1, 5}, {1, 2, 2}, {2, 0, 4}, {2, 1, 1}};
  EXPECT_EQ(got, want);
  EXPECT_TRUE(s.deps.empty());
  // With 2 chunks every pair sends two halves, the second after the first.
  Schedule c = collectives::build_alltoallv_schedule(algo("direct"), 3, m, 2);
  ASSERT_EQ(c.transfers.size(), 8u);
  for (size_t t = 4; t < 8; ++t) {
    ASSERT_EQ(c.deps_of(t).size(), 1u);
    const auto& first = c.transfers[c.deps_of(t)[0]];
    EXPECT_EQ(first.src, c.transfers[t].src);
    EXPECT_EQ(first.dst, c.transfers[t].dst);
  }
}

TEST(AllToAllVSchedule, PairwiseKeepsEveryStep) {
  // Pairwise keeps n(n-1) = 6 transfers (zero-size ones pace the steps), each with its pair's size.
  std::vector<double> m{0, 5, 0, 0, 0, 2, 4, 1, 0};
  Schedule s = collectives::build_alltoallv_schedule(algo("pairwise"), 3, m, 1);
  ASSERT_EQ(s.transfers.size(), 6u);
  for (const auto& t : s.transfers) EXPECT_EQ(t.bytes, m[t.src * 3 + t.dst]);
}

TEST(AllToAllVSchedule, RejectsBadMatrices) {
  std::vector<double> three(3, 1.0);
  EXPECT_EQ(config_error([&] { collectives::build_alltoallv_schedule(algo("direct"), 2, three, 1); }),
            "all_to_all_v: the send matrix over 2 positions needs 2 x 2 = 4 entries; got 3");
  std::vector<double> neg{0, -1, 0, 0};
  EXPECT_EQ(config_error([&] { collectives::build_alltoallv_schedule(algo("direct"), 2, neg, 1); }),
            "all_to_all_v: send matrix entry (0, 1) must be a finite number >= 0; got -1");
  std::vector<double> ok{0, 1, 1, 0};
  EXPECT_NE(config_error([&] { collectives::build_alltoallv_schedule(algo("ring"), 2, ok, 1); }),
            "<no error>");
}

TEST(AllToAllV, OneSenderSharesItsUplink) {
  // Rank 0 sends X to each of ranks 1, 2, 3: three flows share rank 0's uplink at B/3 each,
  // the downlinks carry one flow each. T = 2 us + 3X/B = 2 us + 3 ms = 3,002,000,000 ps.
  std::vector<double> m(16, 0.0);
  m[1] = m[2] = m[3] = kX;
  std::string used;
  EXPECT_NEAR(alltoallv_ps(true, m, &used), 3'002'000'000.0, 3);
  EXPECT_EQ(used, "direct");
  // Analytical: alpha + max(sent, received) / B = 2 us + 3X/B, the same.
  EXPECT_NEAR(alltoallv_ps(false, m), 3'002'000'000.0, 3);
}

TEST(AllToAllV, TwoSendersShareADownlink) {
  // 0 -> 1 sends X and 2 -> 1 sends 2X: max-min gives each B/2 on rank 1's downlink until the
  // first finishes at 2X/B; the second then has X left at B: T = 2 us + 3X/B.
  std::vector<double> m(16, 0.0);
  m[0 * 4 + 1] = kX;
  m[2 * 4 + 1] = 2 * kX;
  EXPECT_NEAR(alltoallv_ps(true, m), 3'002'000'000.0, 3);
  // Analytical: rank 1 receives 3X: 2 us + 3X/B.
  EXPECT_NEAR(alltoallv_ps(false, m), 3'002'000'000.0, 3);
}

TEST(AllToAllV, UniformMatrixEqualsTheUniformAllToAll) {
  // Every off-diagonal entry S/n with S = 4X: the direct all-to-all's closed form
  // alpha + (n-1) S / (n B) = 2 us + 3 ms, for the analytical closed form too.
  std::vector<double> m(16, kX);
  EXPECT_NEAR(alltoallv_ps(true, m), 3'002'000'000.0, 3);
  collectives::AlphaBetaParams p;
  p.alpha_s = p.intra_alpha_s = 2e-6;
  p.bw_bytes_per_s = p.intra_bw_bytes_per_s = kB;
  EXPECT_DOUBLE_EQ(collectives::alpha_beta_alltoallv_seconds(4, m, {}, p),
                   collectives::alpha_beta_seconds(CollectiveKind::kAllToAll, algo("direct"), 4,
                                                   4 * kX, p));
}

TEST(AllToAllV, PairwiseSumsItsSteps) {
  // 3 positions in one box, alpha 1 s, B 1 B/s; matrix rows (-, 2, 5), (4, -, 0), (1, 3, -).
  // Step 1 (i -> i+1): 0->1 2, 1->2 0, 2->0 1: max(1 + 2, 1 + 0, 1 + 1) = 3.
  // Step 2 (i -> i+2): 0->2 5, 1->0 4, 2->1 3: max(6, 5, 4) = 6. Total 9 s.
  std::vector<double> m{0, 2, 5, 4, 0, 0, 1, 3, 0};
  collectives::AlphaBetaParams p;
  p.alpha_s = p.intra_alpha_s = 1;
  p.bw_bytes_per_s = p.intra_bw_bytes_per_s = 1;
  EXPECT_DOUBLE_EQ(collectives::alpha_beta_alltoallv_seconds(3, m, {}, p, algo("pairwise")), 9.0);
  // Equal entries S/n reproduce the uniform pairwise closed form (n-1)(alpha + S/(nB)).
  std::vector<double> u(16, 2.0);
  EXPECT_DOUBLE_EQ(collectives::alpha_beta_alltoallv_seconds(4, u, {}, p, algo("pairwise")),
                   collectives::alpha_beta_seconds(CollectiveKind::kAllToAll, algo("pairwise"), 4,
                                                   8.0, p));
  EXPECT_EQ(config_error([&] {
              collectives::alpha_beta_alltoallv_seconds(3, m, {}, p, algo("ring"));
            }),
            "all_to_all_v: algorithm \"ring\" does not suit an all-to-all; use direct or pairwise");
}

TEST(AllToAllV, AnalyticalSplitsLinkClassesByBox) {
  // Positions 0, 1 in box 0 and 2, 3 in box 1. Position 0 sends 4 to 1 (intra) and 6 to 2
  // (inter); intra: alpha 1, B 2; inter: alpha 10, B 1 (seconds, bytes per second).
  //   intra: 1 + 4/2 = 3; inter: 10 + 6/1 = 16 -> 16 s (the classes run in parallel).
  std::vector<double> m(16, 0.0);
  m[1] = 4;
  m[2] = 6;
  collectives::AlphaBetaParams p;
  p.intra_alpha_s = 1;
  p.intra_bw_bytes_per_s = 2;
  p.alpha_s = 10;
  p.bw_bytes_per_s = 1;
  EXPECT_DOUBLE_EQ(collectives::alpha_beta_alltoallv_seconds(4, m, {0, 0, 1, 1}, p), 16.0);
  // All zero: nothing posted, 0 s.
  EXPECT_DOUBLE_EQ(collectives::alpha_beta_alltoallv_seconds(4, std::vector<double>(16, 0.0),
                                                             {0, 0, 1, 1}, p), 0.0);
}

}  // namespace
}  // namespace dtsim::network
