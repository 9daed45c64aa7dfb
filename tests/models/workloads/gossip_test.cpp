// The peer-to-peer pieces of models/workloads/gossip.h: NoLoCo's groups (a perfect matching,
// deterministic per seed and round), random subsets, the communication graphs against their
// definitions (neighbour sets, degrees, connectivity), and the peer exchange's ops.
#include "models/workloads/gossip.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "tests/support/config_error.h"

namespace dtsim::workloads {
namespace {

using test::config_error;

/** Every member 0..n-1 in exactly one group, each group of `size`. */
void expect_partition(const std::vector<std::vector<int32_t>>& groups, int64_t n, size_t size) {
  std::vector<int> seen(static_cast<size_t>(n), 0);
  for (const auto& g : groups) {
    EXPECT_EQ(g.size(), size);
    for (int32_t m : g) ++seen[static_cast<size_t>(m)];
  }
  for (int64_t i = 0; i < n; ++i) EXPECT_EQ(seen[static_cast<size_t>(i)], 1) << "member " << i;
}

TEST(GossipTest, NolocoPairsAreAPerfectMatching) {
  const auto pairs = random_groups(256, 2, 1, 0);
  ASSERT_EQ(pairs.size(), 128u);
  expect_partition(pairs, 256, 2);
  for (const auto& p : pairs) EXPECT_NE(p[0], p[1]);
}

TEST(GossipTest, GroupsAreThePermutationCutAsTheReferenceCodeDoes) {
  // jkolehm/noloco `batched`: m = n / size groups, perm[i] goes to group i mod m; with size 2
  // the pairs are {perm[k], perm[k + n/2]}.
  std::mt19937_64 g = round_generator(7, "gossip.groups", 3);
  const auto perm = random_permutation(10, g);
  const auto pairs = random_groups(10, 2, 7, 3);
  ASSERT_EQ(pairs.size(), 5u);
  for (size_t k = 0; k < 5; ++k) EXPECT_EQ(pairs[k], (std::vector<int32_t>{perm[k], perm[k + 5]}));
  expect_partition(random_groups(12, 3, 7, 3), 12, 3);
}

TEST(GossipTest, PairsAreDeterministicPerSeedAndRoundAndChangeBetweenRounds) {
  EXPECT_EQ(random_groups(64, 2, 5, 9), random_groups(64, 2, 5, 9));
  EXPECT_NE(random_groups(64, 2, 5, 9), random_groups(64, 2, 5, 10));
  EXPECT_NE(random_groups(64, 2, 5, 9), random_groups(64, 2, 6, 9));
}

TEST(GossipTest, PairsAreUniformOverPartners) {
  // Over many rounds, replica 0's partner is uniform over the other n - 1 = 7: 7000 rounds give
  // each partner 1000 in expectation (sd sqrt(7000 (1/7)(6/7)) = 29.3); allow 5 sd.
  std::vector<int> count(8, 0);
  for (int64_t r = 0; r < 7000; ++r)
    for (const auto& p : random_groups(8, 2, 1, r)) {
      if (p[0] == 0) ++count[static_cast<size_t>(p[1])];
      if (p[1] == 0) ++count[static_cast<size_t>(p[0])];
    }
  EXPECT_EQ(count[0], 0);
  for (int j = 1; j < 8; ++j) EXPECT_NEAR(count[static_cast<size_t>(j)], 1000, 5 * 29.3) << j;
}

TEST(GossipTest, BadGroupsAreErrors) {
  EXPECT_EQ(config_error([] { random_groups(7, 2, 1, 0); }),
            "groups: expected a group size >= 2 that divides the 7 members; got 2");
  EXPECT_EQ(config_error([] { random_groups(8, 1, 1, 0); }),
            "groups: expected a group size >= 2 that divides the 8 members; got 1");
  EXPECT_EQ(config_error([] { random_groups(kMaxGossipNodes + 2, 2, 1, 0); }),
            "groups: expected at most 1048576 members; got 1048578");
}

TEST(GossipTest, RandomSubsetsAreDistinctMembers) {
  std::mt19937_64 g = round_generator(1, "test", 0);
  const auto s = random_subset(1000, 100, g);
  ASSERT_EQ(s.size(), 100u);
  std::set<int32_t> distinct(s.begin(), s.end());
  EXPECT_EQ(distinct.size(), 100u);
  EXPECT_GE(*distinct.begin(), 0);
  EXPECT_LT(*distinct.rbegin(), 1000);
  EXPECT_EQ(config_error([&] { random_subset(10, 11, g); }),
            "subset: expected 1 <= k <= n <= 1048576; got k = 11, n = 10");
}

TEST(GossipTest, RingNeighboursAreThePreviousAndTheNext) {
  const CommGraph g = ring_graph(8);
  for (int32_t i = 0; i < 8; ++i) {
    std::vector<int32_t> want{(i + 7) % 8, (i + 1) % 8};
    std::sort(want.begin(), want.end());
    EXPECT_EQ(g.out[static_cast<size_t>(i)], want);
  }
  EXPECT_EQ(ring_graph(2).out, (std::vector<std::vector<int32_t>>{{1}, {0}}));
  EXPECT_TRUE(is_strongly_connected(g));
  EXPECT_EQ(g.edges(), 16);
}

TEST(GossipTest, TorusNeighboursWrapAround) {
  // 4 x 5: node r 5 + c has (r +- 1 mod 4, c) and (r, c +- 1 mod 5): degree 4. Node 0 = (0, 0):
  // (3, 0) = 15, (1, 0) = 5, (0, 4) = 4, (0, 1) = 1.
  const CommGraph g = torus_graph(4, 5);
  EXPECT_EQ(g.out[0], (std::vector<int32_t>{1, 4, 5, 15}));
  for (const auto& o : g.out) EXPECT_EQ(o.size(), 4u);
  EXPECT_TRUE(is_strongly_connected(g));
  // A dimension of 2 gives one neighbour along it: 2 x 3 has degree 1 + 2 = 3.
  for (const auto& o : torus_graph(2, 3).out) EXPECT_EQ(o.size(), 3u);
  EXPECT_EQ(config_error([] { torus_graph(0, 5); }),
            "torus: expected dimensions >= 1 with at least 2 nodes; got 0 x 5");
}

TEST(GossipTest, ExponentialGraphSendsToPowersOfTwoAhead) {
  // n = 8: out[i] = {i + 1, i + 2, i + 4} mod 8, out-degree log2 8 = 3.
  const CommGraph g = exponential_graph(8);
  for (int32_t i = 0; i < 8; ++i) {
    std::vector<int32_t> want{(i + 1) % 8, (i + 2) % 8, (i + 4) % 8};
    std::sort(want.begin(), want.end());
    EXPECT_EQ(g.out[static_cast<size_t>(i)], want);
  }
  // n = 1000: hops 1, 2, 4, ..., 512: ceil(log2 1000) = 10 out-neighbours each.
  for (const auto& o : exponential_graph(1000).out) EXPECT_EQ(o.size(), 10u);
  EXPECT_TRUE(is_strongly_connected(g));
}

TEST(GossipTest, RandomRegularGraphIsSimpleRegularAndSeeded) {
  const CommGraph g = random_regular_graph(1000, 4, 1);
  ASSERT_EQ(g.nodes(), 1000);
  for (size_t v = 0; v < g.out.size(); ++v) {
    const auto& o = g.out[v];
    ASSERT_EQ(o.size(), 4u) << v;
    EXPECT_TRUE(std::adjacent_find(o.begin(), o.end()) == o.end());  // no repeated edge
    for (int32_t u : o) {
      EXPECT_NE(static_cast<size_t>(u), v);  // no loop
      const auto& back = g.out[static_cast<size_t>(u)];
      EXPECT_TRUE(std::binary_search(back.begin(), back.end(), static_cast<int32_t>(v)));
    }
  }
  EXPECT_TRUE(is_strongly_connected(g));  // d >= 3: connected with high probability
  EXPECT_EQ(random_regular_graph(1000, 4, 1).out, g.out);
  EXPECT_NE(random_regular_graph(1000, 4, 2).out, g.out);
}

TEST(GossipTest, OneRegularGraphIsAMatchingAndDisconnected) {
  const CommGraph g = random_regular_graph(10, 1, 3);
  EXPECT_EQ(components(g), 5);
  EXPECT_FALSE(is_strongly_connected(g));
}

TEST(GossipTest, BadRegularGraphsAreErrors) {
  EXPECT_EQ(config_error([] { random_regular_graph(5, 5, 1); }),
            "random_regular: expected 1 <= d < n; got d = 5, n = 5");
  EXPECT_EQ(config_error([] { random_regular_graph(5, 3, 1); }),
            "random_regular: n x d = 5 x 3 = 15 is odd: a d-regular graph needs an even number of "
            "edge ends");
  EXPECT_EQ(config_error([] { ring_graph(kMaxGossipNodes + 1); }),
            "ring: expected at most 1048576 nodes; got 1048577");
}

TEST(GossipTest, PeerExchangeMakesOneSendAndOneRecvPerTransfer) {
  simcore::OpTags tags;
  tags.phase = simcore::OpPhase::kOuterSync;
  const auto w = make_peer_exchange(3, {{0, 1}, {1, 0}, {2, 0}}, 100, tags, "x");
  ASSERT_EQ(w.ranks.size(), 3u);
  EXPECT_EQ(w.ranks[0].ops.size(), 3u);  // send to 1, recv from 1, recv from 2
  EXPECT_EQ(w.ranks[1].ops.size(), 2u);
  EXPECT_EQ(w.ranks[2].ops.size(), 1u);
  // Rank 0's two recvs run on two streams (at once), its send on a third.
  const auto& r0 = w.ranks[0].ops;
  EXPECT_NE(r0[1].stream, r0[2].stream);
  EXPECT_NE(r0[0].stream, r0[1].stream);
  for (const auto& r : w.ranks)
    for (const auto& op : r.ops) {
      EXPECT_EQ(op.bytes, 100);
      EXPECT_EQ(op.tags.phase, simcore::OpPhase::kOuterSync);
    }
}

}  // namespace
}  // namespace dtsim::workloads
