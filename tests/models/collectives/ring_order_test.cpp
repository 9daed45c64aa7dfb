// pccl_ring's ring order (ring_order.h): cases whose best ring is obvious by hand.
#include "models/collectives/ring_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "tests/support/config_error.h"

namespace dtsim::collectives {
namespace {

using test::config_error_what;

/** Peers on two continents: `europe[i]` says where position i is. Inside a continent 10 ms RTT
 *  (5 ms one way) and 1 GB/s; across 80 ms RTT and 0.1 GB/s. */
std::function<PairCost(int, int)> two_continents(const std::vector<bool>& europe) {
  return [europe](int i, int j) {
    return europe[i] == europe[j] ? PairCost{0.005, 1e9} : PairCost{0.040, 1e8};
  };
}

/** Ocean crossings of the ring `order`. */
int crossings(const std::vector<int32_t>& order, const std::vector<bool>& europe) {
  int c = 0;
  for (size_t x = 0; x < order.size(); ++x)
    c += europe[order[x]] != europe[order[(x + 1) % order.size()]];
  return c;
}

TEST(RingOrder, FourPeersOnTwoContinentsCrossTheOceanTwice) {
  // Positions 0 and 2 in Europe, 1 and 3 in North America: position order 0-1-2-3 crosses four
  // times. Every ring crosses an even number of times, at least twice; the four rings from 0
  // that cross twice (0-1-3-2, 0-2-1-3, 0-2-3-1, 0-3-1-2) tie on all three keys, so the first
  // in permutation order, 0-1-3-2, is kept.
  const std::vector<bool> europe{true, false, true, false};
  const auto order = best_ring_order(4, two_continents(europe));
  EXPECT_EQ(order, (std::vector<int32_t>{0, 1, 3, 2}));
  EXPECT_EQ(crossings(order, europe), 2);
}

TEST(RingOrder, TheSlowestEdgeIsAvoidedFirst) {
  // Four peers, every edge 1 GB/s and 10 ms except 0 <-> 2 at 10 MB/s: of the three rings over
  // 4 peers (up to direction), only 0-1-2-3 and its mirror 0-3-2-1 avoid the edge 0-2; the
  // first found is 0-1-2-3 (position order).
  auto cost = [](int i, int j) {
    const bool slow = (i == 0 && j == 2) || (i == 2 && j == 0);
    return PairCost{0.01, slow ? 1e7 : 1e9};
  };
  EXPECT_EQ(best_ring_order(4, cost), (std::vector<int32_t>{0, 1, 2, 3}));
  // Only 0 -> 1 slow (asymmetric): the ring must not use that direction: 0 -> 3 -> 2 -> 1 -> 0
  // or any ring whose edge out of 0 is not 1.
  auto one_way = [](int i, int j) { return PairCost{0.01, i == 0 && j == 1 ? 1e7 : 1e9}; };
  const auto order = best_ring_order(4, one_way);
  ASSERT_EQ(order.size(), 4u);
  EXPECT_NE(order[1], 1);
}

TEST(RingOrder, TwelvePeersTakeTheHeuristicAndStillCrossTwice) {
  // n = 12 > 8: nearest neighbour + 2-opt. Interleaved continents (even positions in Europe):
  // the optimum crosses twice (all of one continent, then all of the other).
  std::vector<bool> europe;
  for (int i = 0; i < 12; ++i) europe.push_back(i % 2 == 0);
  const auto order = best_ring_order(12, two_continents(europe));
  ASSERT_EQ(order.size(), 12u);
  EXPECT_EQ(order.front(), 0);
  EXPECT_EQ(crossings(order, europe), 2);
  std::vector<int32_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 12; ++i) EXPECT_EQ(sorted[i], i);
}

TEST(RingOrder, SmallGroupsAndBadInput) {
  EXPECT_EQ(best_ring_order(1, two_continents({true})), (std::vector<int32_t>{0}));
  EXPECT_EQ(best_ring_order(2, two_continents({true, false})), (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(config_error_what([] { best_ring_order(0, two_continents({})); }),
            "error: ring order: group size must be >= 1; got 0");
  EXPECT_EQ(config_error_what([] {
              best_ring_order(4, [](int, int j) { return PairCost{0, j == 3 ? 0.0 : 1.0}; });
            }),
            "error: ring order: the bandwidth from position 0 to 3 must be > 0; got 0");
}

}  // namespace
}  // namespace dtsim::collectives
