#include "models/network/maxmin/level_heap.h"

#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <queue>
#include <random>
#include <utility>
#include <vector>

namespace dtsim::network {
namespace {

using Ref = std::priority_queue<std::pair<double, uint32_t>, std::vector<std::pair<double, uint32_t>>,
                                std::greater<>>;

TEST(LevelHeapTest, PopsByLevelThenId) {
  // The example of level_heap.h, plus a tie: equal levels pop by increasing id.
  LevelHeap h;
  h.add(2.0, 7);
  h.add(1.0, 9);
  h.add(1.0, 3);
  h.build();
  auto e = h.pop();
  EXPECT_EQ(e.level, 1.0);
  EXPECT_EQ(e.id, 3u);
  e = h.pop();
  EXPECT_EQ(e.level, 1.0);
  EXPECT_EQ(e.id, 9u);
  e = h.pop();
  EXPECT_EQ(e.level, 2.0);
  EXPECT_EQ(e.id, 7u);
  EXPECT_TRUE(h.empty());
}

TEST(LevelHeapTest, NegativeZeroIsZeroAndInfinityIsLast) {
  // -0.0 == +0.0 as levels (a tie broken by id); +inf after every finite level.
  LevelHeap h;
  h.add(std::numeric_limits<double>::infinity(), 0);
  h.add(0.0, 5);
  h.add(-0.0, 4);
  h.add(1e-300, 1);
  h.build();
  EXPECT_EQ(h.pop().id, 4u);
  EXPECT_EQ(h.pop().id, 5u);
  EXPECT_EQ(h.pop().id, 1u);
  EXPECT_EQ(h.pop().id, 0u);
}

TEST(LevelHeapTest, RandomOperationsMatchStdPriorityQueue) {
  // Reference: std::priority_queue of (level, id) pairs with std::greater (the lexicographic
  // order: level, then id). Levels from a small set (ties common) and a wide range; the high bit
  // of an id is set as the solver's bound entries are. A build over added entries, then pushes
  // and pops interleaved, as the filling does.
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int> small(0, 20);
  std::uniform_real_distribution<double> wide(0, 1e12);
  std::uniform_int_distribution<uint32_t> id(0, UINT32_MAX);
  std::bernoulli_distribution tie(0.5), push(0.45);
  auto level = [&] { return tie(rng) ? small(rng) * 0.25 : wide(rng); };
  for (int round = 0; round < 20; ++round) {
    LevelHeap h;
    Ref ref;
    for (int i = 0; i < 500; ++i) {
      const double l = level();
      const uint32_t k = id(rng);
      h.add(l, k);
      ref.emplace(l, k);
    }
    h.build();
    for (int i = 0; i < 3000 && !ref.empty(); ++i) {
      if (push(rng)) {
        const double l = level();
        const uint32_t k = id(rng);
        h.push(l, k);
        ref.emplace(l, k);
        continue;
      }
      const auto e = h.pop();
      ASSERT_EQ(e.level, ref.top().first);
      ASSERT_EQ(e.id, ref.top().second);
      ref.pop();
    }
    EXPECT_EQ(h.size(), ref.size());
  }
}

}  // namespace
}  // namespace dtsim::network
