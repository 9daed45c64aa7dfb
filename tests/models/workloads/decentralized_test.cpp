// D-PSGD's and MoDeST's transfers (models/workloads/decentralized.h) against their definitions.
#include "models/workloads/decentralized.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace dtsim::workloads {
namespace {

TEST(DecentralizedRoundTest, GossipSendsAlongEveryEdge) {
  const CommGraph g = exponential_graph(8);  // 8 x 3 edges
  const auto t = gossip_transfers(g);
  ASSERT_EQ(t.size(), 24u);
  for (const auto& x : t) {
    const auto& out = g.out[static_cast<size_t>(x.src)];
    EXPECT_TRUE(std::binary_search(out.begin(), out.end(), x.dst));
  }
}

TEST(DecentralizedRoundTest, ModestSamplesAreDistinctAndSeededPerRound) {
  const ModestSample m = modest_sample(1000, 100, 5, 1, 7);
  EXPECT_EQ(std::set<int32_t>(m.trainers.begin(), m.trainers.end()).size(), 100u);
  EXPECT_EQ(std::set<int32_t>(m.aggregators.begin(), m.aggregators.end()).size(), 5u);
  // Round 7's previous aggregators are round 6's aggregators.
  EXPECT_EQ(m.previous_aggregators, modest_sample(1000, 100, 5, 1, 6).aggregators);
  EXPECT_EQ(modest_sample(1000, 100, 5, 1, 7).trainers, m.trainers);
  EXPECT_NE(modest_sample(1000, 100, 5, 1, 8).trainers, m.trainers);
}

TEST(DecentralizedRoundTest, ModestDownlinkAndUplinkSkipOnlyTransfersToSelf) {
  // Downlink: one transfer per trainer, less the trainers that are their own source
  // (previous aggregator i mod a). Uplink: s x a transfers, less one per trainer that is also an
  // aggregator of the round.
  for (int64_t round = 0; round < 50; ++round) {
    const ModestSample m = modest_sample(20, 10, 3, 2, round);
    size_t self_down = 0, self_up = 0;
    for (size_t i = 0; i < m.trainers.size(); ++i) {
      if (m.previous_aggregators[i % 3] == m.trainers[i]) ++self_down;
      if (std::count(m.aggregators.begin(), m.aggregators.end(), m.trainers[i])) ++self_up;
    }
    const auto down = modest_downlink(m);
    const auto up = modest_uplink(m);
    EXPECT_EQ(down.size(), 10 - self_down);
    EXPECT_EQ(up.size(), 10 * 3 - self_up);
    for (const auto& t : down) EXPECT_NE(t.src, t.dst);
    for (const auto& t : up) EXPECT_NE(t.src, t.dst);
  }
}

}  // namespace
}  // namespace dtsim::workloads
