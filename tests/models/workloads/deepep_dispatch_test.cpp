// DeepEP-style dispatch and combine (moe_routing.h's EpKernel, moe_dispatch.h): deduplicated
// copies per node and per rank, overlapped RDMA and NVLink phases, and the low-latency kernels'
// copy per expert, against hypergeometric counts worked out by hand (the numbers below are
// 1 - C(P - S, 8) / C(P, 8) evaluated exactly with Python's math.comb and fractions).
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "models/workloads/moe_dispatch.h"
#include "models/workloads/moe_routing.h"
#include "simcore/error.h"
#include "tests/support/config_error.h"

namespace dtsim::workloads {
namespace {

using simcore::OpKind;

// P(a top-8 token hits at least one of S of P experts) = 1 - C(P - S, 8) / C(P, 8):
constexpr double kRank8 = 0.66183150004781;     // P = 256, S = 32 (EP 8: a rank's experts)
constexpr double kNode16 = 0.9965100577159106;  // P = 256, S = 128 (EP 16: a node's experts)
constexpr double kRank16 = 0.40770497084605806; // P = 256, S = 16 (EP 16: a rank's experts)
constexpr double kTol = 1e-12;

EpTrafficParams params(int ep, EpKernel kernel) {
  EpTrafficParams t;
  t.ep = ep;
  t.tokens_per_rank = 1000;
  t.top_k = 8;
  t.bytes_per_token = 7168;
  t.ranks_per_node = 8;
  t.kernel = kernel;
  return t;
}

TEST(DeepEp, TouchProbabilityIsHypergeometric) {
  EXPECT_NEAR(touch_probability(32.0 / 256, 256, 8), kRank8, kTol);
  EXPECT_NEAR(touch_probability(0.5, 256, 8), kNode16, kTol);
  EXPECT_DOUBLE_EQ(touch_probability(0, 256, 8), 0.0);
  EXPECT_DOUBLE_EQ(touch_probability(1, 256, 8), 1.0);
  // One pick: the share itself.
  EXPECT_NEAR(touch_probability(0.25, 256, 1), 0.25, kTol);
  // A pool of 2 (1 other expert) and 4 picks: the second pick must hit.
  EXPECT_DOUBLE_EQ(touch_probability(0.5, 2, 4), 1.0);
  EXPECT_DOUBLE_EQ(touch_probability(0, 2, 4), 0.0);
}

TEST(DeepEp, IntranodeSendsOneCopyPerRank) {
  // EP 8 in one node: rank i sends T x kRank8 tokens of b to each other rank (not T k / 8 = T, a
  // copy per expert), and receives 8 T kRank8 tokens, its own included.
  const double T = 1000, b = 7168;
  EpTraffic x = ep_traffic(expert_load(RoutingSpec{}, 256, 0), params(8, EpKernel::kDeepEpNormal));
  ASSERT_EQ(x.dispatch.size(), 64u);
  EXPECT_NEAR(x.dispatch[0 * 8 + 3] / (T * b), kRank8, kTol);
  EXPECT_NEAR(x.sent_mean / (T * b), 7 * kRank8, kTol);
  EXPECT_NEAR(x.recv_tokens[5] / T, 8 * kRank8, kTol);
  // The per-expert all-to-all sends (7/8) T k = 7 T tokens: 1.51 times more.
  EpTraffic flat = ep_traffic(expert_load(RoutingSpec{}, 256, 0), params(8, EpKernel::kAllToAll));
  EXPECT_NEAR(flat.sent_mean / (T * b), 7.0, kTol);
}

TEST(DeepEp, InternodeCrossesOncePerNodeThenOncePerRank) {
  // EP 16 = 2 nodes of 8, no node limit. Rank (0, l) sends over RDMA to (1, l) only:
  // T x kNode16 tokens; over NVLink, as the forwarder of its 2 rail peers' tokens (its own
  // included), 2 T kRank16 to each rank of its node. One matrix: both phases at once.
  const double T = 1000, b = 7168;
  EpTraffic x = ep_traffic(expert_load(RoutingSpec{}, 256, 0), params(16, EpKernel::kDeepEpNormal));
  ASSERT_EQ(x.dispatch.size(), 256u);
  EXPECT_TRUE(x.dispatch_inter.empty());
  EXPECT_NEAR(x.dispatch[0 * 16 + 8] / (T * b), kNode16, kTol);     // rail peer, RDMA
  EXPECT_DOUBLE_EQ(x.dispatch[0 * 16 + 9], 0.0);                      // other node, other rail
  EXPECT_NEAR(x.dispatch[0 * 16 + 1] / (T * b), 2 * kRank16, kTol);  // same node, NVLink
  EXPECT_NEAR(x.dispatch[9 * 16 + 15] / (T * b), 2 * kRank16, kTol);
  EXPECT_NEAR(x.sent_mean / (T * b), kNode16 + 7 * 2 * kRank16, kTol);
  // DeepEP's counts: tokens per node hit, own node included (2 kNode16 T); tokens received, own
  // included (16 T kRank16).
  EXPECT_NEAR(x.node_tokens[3] / T, 2 * kNode16, kTol);
  EXPECT_NEAR(x.recv_tokens[12] / T, 16 * kRank16, kTol);
}

TEST(DeepEp, NodeLimitedRoutingSelectsMNodes) {
  // EP 64 = 8 nodes of 8, M = 4: a node is selected with probability 4/8; the token's 8 picks
  // come from the 128 experts of its 4 nodes, of which a node holds 32 and a rank 4:
  //   node hit = 1/2 (1 - C(96, 8)/C(128, 8)) = 0.45362636555321256
  //   rank hit = 1/2 (1 - C(124, 8)/C(128, 8)) = 0.11499015748031496
  const double T = 1000, b = 7168;
  EpTrafficParams t = params(64, EpKernel::kDeepEpNormal);
  t.node_limit = 4;
  EpTraffic x = ep_traffic(expert_load(RoutingSpec{}, 256, 0), t);
  EXPECT_NEAR(x.dispatch[0 * 64 + 8] / (T * b), 0.45362636555321256, kTol);
  EXPECT_NEAR(x.dispatch[0 * 64 + 1] / (T * b), 8 * 0.11499015748031496, kTol);
  EXPECT_NEAR(x.node_tokens[0] / T, 8 * 0.45362636555321256, kTol);
  // A limit at or above the nodes changes nothing.
  t.node_limit = 8;
  EpTraffic same = ep_traffic(expert_load(RoutingSpec{}, 256, 0), t);
  t.node_limit = 0;
  EXPECT_EQ(same.dispatch, ep_traffic(expert_load(RoutingSpec{}, 256, 0), t).dispatch);
}

TEST(DeepEp, LowLatencySendsACopyPerExpertStraightToItsRank) {
  // One copy per assignment, no forwarding, node limit or not: T k / ep = 125 tokens to every
  // rank of EP 64, across nodes and rails alike.
  const double T = 1000, b = 7168;
  EpTrafficParams t = params(64, EpKernel::kDeepEpLowLatency);
  t.node_limit = 4;
  EpTraffic x = ep_traffic(expert_load(RoutingSpec{}, 256, 0), t);
  EXPECT_TRUE(x.dispatch_inter.empty());
  EXPECT_DOUBLE_EQ(x.dispatch[0 * 64 + 9], 125 * b);
  EXPECT_DOUBLE_EQ(x.dispatch[0 * 64 + 1], 125 * b);
  EXPECT_TRUE(x.node_tokens.empty());
  EXPECT_DOUBLE_EQ(x.sent_mean, 63.0 / 64 * T * 8 * b);
}

TEST(DeepEp, NormalNeedsWholeNodes) {
  EpTrafficParams t = params(12, EpKernel::kDeepEpNormal);
  EXPECT_EQ(test::config_error([&] { ep_traffic(expert_load(RoutingSpec{}, 264, 0), t); }),
            "DeepEP's normal kernels need ep (12) within one node or a multiple of the ranks per "
            "node (8)");
}

TEST(DeepEp, BenchmarkDispatchesThenCombines) {
  // 16 ranks, normal kernels: per rank one dispatch all-to-all-v then one combine whose matrix is
  // the dispatch's transposed, scaled from FP8 (7168 x 1.03125 B) to BF16 (7168 x 2 B).
  MoeDispatchParams p;
  p.ranks = 16;
  p.ranks_per_node = 8;
  p.tokens_per_rank = 1000;
  p.experts = 256;
  p.top_k = 8;
  p.kernel = EpKernel::kDeepEpNormal;
  p.dispatch_bytes_per_token = 7168 * (1 + 4.0 / 128);
  p.combine_bytes_per_token = 7168 * 2;
  MoeDispatchPlan d = make_moe_dispatch(p);
  ASSERT_EQ(d.workload.ranks.size(), 16u);
  ASSERT_EQ(d.workload.matrices.size(), 2u);
  const auto& ops = d.workload.ranks[3].ops;
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(d.workload.str(ops[0].name), "moe dispatch");
  EXPECT_EQ(d.workload.str(ops[1].name), "moe combine");
  EXPECT_EQ(ops[1].deps, (std::vector<uint32_t>{0}));
  const auto& m = d.workload.matrices;
  EXPECT_NEAR(m[1][8 * 16 + 0], m[0][0 * 16 + 8] * 2 / (1 + 4.0 / 128), 1e-6);
  // A rank's op carries its row sum (bytes sent to others).
  double row = 0;
  for (int j = 0; j < 16; ++j)
    if (j != 3) row += m[0][3 * 16 + j];
  EXPECT_NEAR(static_cast<double>(ops[0].bytes), row, 0.5);
}

}  // namespace
}  // namespace dtsim::workloads
