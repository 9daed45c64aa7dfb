#include "simcore/event_queue.h"
#include "simcore/ladder_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <queue>
#include <random>
#include <tuple>
#include <vector>

namespace dtsim::simcore {
namespace {

using Key = std::tuple<int64_t, uint64_t, int>;  // (time_ps, seq, payload)

// Every test runs on both queues: the 4-ary heap and the ladder queue keep the same order.
template <typename Q>
class EventQueueTest : public ::testing::Test {};
using QueueTypes = ::testing::Types<EventQueue<int>, LadderQueue<int>>;
TYPED_TEST_SUITE(EventQueueTest, QueueTypes);

TYPED_TEST(EventQueueTest, PopsEarliestFirst) {
  // The example of event_queue.h.
  TypeParam q;
  q.push(Time::ns(5), 7);
  q.push(Time::ns(2), 9);
  q.push(Time::ns(9), 1);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q.top().time_ps, 2'000);
  auto e = q.pop();
  EXPECT_EQ(e.time_ps, 2'000);
  EXPECT_EQ(e.payload, 9u);
  e = q.pop();
  EXPECT_EQ(e.time_ps, 5'000);
  EXPECT_EQ(e.payload, 7u);
  e = q.pop();
  EXPECT_EQ(e.time_ps, 9'000);
  EXPECT_TRUE(q.empty());
}

TYPED_TEST(EventQueueTest, PushReturnsTheInsertionCounter) {
  TypeParam q;
  EXPECT_EQ(q.push(Time::ns(3), 0), 0u);
  EXPECT_EQ(q.push(Time::ns(1), 0), 1u);
  EXPECT_EQ(q.push(Time::ns(2), 0), 2u);
  q.pop();
  // seq keeps counting after a pop: it is never reused.
  EXPECT_EQ(q.push(Time::ns(0), 0), 3u);
}

TYPED_TEST(EventQueueTest, EqualTimesPopInInsertionOrder) {
  // ns-3's (time, seq) key: 100 events all at 1 us come out in the order they went in, even with
  // earlier and later events interleaved.
  TypeParam q;
  for (int i = 0; i < 100; ++i) {
    q.push(Time::us(1), i);
    if (i % 7 == 0) q.push(Time::us(2), 1000 + i);
    if (i % 11 == 0) q.push(Time::ns(1), 9999);
  }
  std::vector<int> at_1us;
  while (!q.empty()) {
    auto e = q.pop();
    if (e.time_ps == 1'000'000) at_1us.push_back(e.payload);
  }
  ASSERT_EQ(at_1us.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(at_1us[i], i) << "position " << i;
}

TYPED_TEST(EventQueueTest, RandomPushesPopInTheOrderOfStdSort) {
  // Reference: std::sort of the (time, seq) keys. Few distinct times so ties are common.
  std::mt19937_64 rng(12345);
  std::uniform_int_distribution<int64_t> time(0, 50);
  TypeParam q;
  std::vector<Key> expected;
  for (int i = 0; i < 5000; ++i) {
    Time t = Time::ps(time(rng));
    uint64_t seq = q.push(t, i);
    expected.emplace_back(t.count_ps(), seq, i);
  }
  std::sort(expected.begin(), expected.end());
  std::vector<Key> got;
  while (!q.empty()) {
    auto e = q.pop();
    got.emplace_back(e.time_ps, e.seq, e.payload);
  }
  EXPECT_EQ(got, expected);
}

TYPED_TEST(EventQueueTest, InterleavedPushAndPopMatchesAReferenceModel) {
  // A discrete-event pattern: pop the earliest, push a few events at or after it. Checked
  // against a sorted vector that holds the same (time, seq) keys.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> delay(0, 1000);
  std::uniform_int_distribution<int> fanout(0, 2);  // mean 1: the queue neither dies nor explodes
  TypeParam q;
  std::vector<Key> model;
  int next_payload = 0;
  for (int i = 0; i < 256; ++i) {
    Time t = Time::ps(delay(rng));
    model.emplace_back(t.count_ps(), q.push(t, next_payload), next_payload);
    ++next_payload;
  }
  int popped = 0;
  while (!q.empty()) {
    auto it = std::min_element(model.begin(), model.end());
    Key want = *it;
    model.erase(it);
    auto e = q.pop();
    ASSERT_EQ(Key(e.time_ps, e.seq, e.payload), want) << "pop " << popped;
    ++popped;
    int k = popped < 10000 ? fanout(rng) : 0;  // then drain
    for (int j = 0; j < k; ++j) {
      Time t = Time::ps(e.time_ps + delay(rng));
      model.emplace_back(t.count_ps(), q.push(t, next_payload), next_payload);
      ++next_payload;
    }
  }
  EXPECT_TRUE(q.empty());
  EXPECT_TRUE(model.empty());
}

TYPED_TEST(EventQueueTest, PayloadsOutsideTwentyFourBitsAreRejected) {
  // Payloads are packed into the low 24 bits of the key (see event_queue.h): [0, 2^24).
  TypeParam q;
  EXPECT_THROW(q.push(Time::ns(1), -1), InternalError);
  EXPECT_THROW(q.push(Time::ns(1), 1 << 24), InternalError);
  q.push(Time::ns(1), (1 << 24) - 1);
  EXPECT_EQ(q.pop().payload, (1 << 24) - 1);
}

TYPED_TEST(EventQueueTest, SizeAndReserve) {
  TypeParam q;
  q.reserve(16);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  q.push(Time::zero(), 1);
  q.push(Time::zero(), 2);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.pop().payload, 1);
  EXPECT_EQ(q.size(), 1u);
}

// The ladder queue's own paths, each checked against std::priority_queue on the same (time, seq)
// keys (the reference: a binary heap whose order is the tuple order, ties by seq).
using Ref = std::priority_queue<Key, std::vector<Key>, std::greater<>>;

/** Runs `ops` random operations (push with probability `push_p`, else pop), the new events at
 *  the last popped time + delay(rng), on a LadderQueue and the reference; pops must agree. */
template <typename Delay>
void check_against_reference(uint64_t seed, int ops, double push_p, Delay delay, int prefill) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution push(push_p);
  LadderQueue<int> q;
  Ref ref;
  int64_t now = 0;
  int payload = 0;
  auto add = [&](int64_t t) {
    const uint64_t seq = q.push(Time::ps(t), payload);
    ref.emplace(t, seq, payload);
    payload = (payload + 1) & 0xffffff;
  };
  for (int i = 0; i < prefill; ++i) add(now + delay(rng));
  for (int i = 0; i < ops; ++i) {
    if (ref.empty() || push(rng)) {
      add(now + delay(rng));
      continue;
    }
    ASSERT_EQ(q.size(), ref.size());
    const auto e = q.pop();
    ASSERT_EQ(Key(e.time_ps, e.seq, e.payload), ref.top()) << "op " << i;
    ref.pop();
    now = e.time_ps;
    if (!q.empty()) {
      ASSERT_EQ(q.top_time_ps(), std::get<0>(ref.top()));
    }
  }
  while (!ref.empty()) {
    const auto e = q.pop();
    ASSERT_EQ(Key(e.time_ps, e.seq, e.payload), ref.top());
    ref.pop();
  }
  EXPECT_TRUE(q.empty());
}

TEST(LadderQueueTest, HoldModelWithExponentialDelaysMatchesStdPriorityQueue) {
  // The hold model of the benchmark (one pop, one push): rungs built from the top, re-built
  // as they drain. Mean delay 1 us over 10,000 pending events.
  std::exponential_distribution<double> exp(1e-6);
  auto delay = [&](std::mt19937_64& r) { return static_cast<int64_t>(exp(r)); };
  check_against_reference(1, 200'000, 0.5, delay, 10'000);
}

TEST(LadderQueueTest, ClusteredTimesSplitBucketsIntoRungsAndMatch) {
  // Most events within a few ps of each other, a few far away: the first rung's buckets hold
  // hundreds of events each and split (kSplit), down to width 1 (equal times, ties by seq).
  std::uniform_int_distribution<int64_t> near(0, 3);
  std::uniform_int_distribution<int64_t> far(0, int64_t{1} << 40);
  std::bernoulli_distribution is_far(0.01);
  auto delay = [&](std::mt19937_64& r) { return is_far(r) ? far(r) : near(r); };
  check_against_reference(2, 100'000, 0.55, delay, 5'000);
}

TEST(LadderQueueTest, PushesBeforeTheRungsGoToTheBottomAndSpillIntoARung) {
  // Delays of 0..2 ps after the last pop land below every rung's boundary: sorted inserts into
  // the bottom, which spills into a new rung past kBottomMax events.
  std::uniform_int_distribution<int64_t> tiny(0, 2);
  std::uniform_int_distribution<int64_t> wide(0, 1'000'000);
  std::bernoulli_distribution is_wide(0.3);
  auto delay = [&](std::mt19937_64& r) { return is_wide(r) ? wide(r) : tiny(r); };
  check_against_reference(3, 100'000, 0.6, delay, 2'000);
}

TEST(LadderQueueTest, DecreasingPushesSpillTheBottom) {
  // 5,000 pushes in decreasing time after the first: each goes before the bottom's front (the
  // worst case of a sorted insert), so the bottom spills into rungs; pops come out ascending.
  LadderQueue<int> q;
  for (int i = 0; i < 5'000; ++i) q.push(Time::ps(5'000 - i), i);
  for (int i = 0; i < 5'000; ++i) {
    const auto e = q.pop();
    ASSERT_EQ(e.time_ps, i + 1);
    ASSERT_EQ(e.payload, 4'999 - i);
  }
  EXPECT_TRUE(q.empty());
}

TEST(LadderQueueTest, TimesAtTheEndsOfTheRangeKeepTheirOrder) {
  // Biased times near 0 and 2^64 - 1 (Time's whole range, negative times included): bucket
  // boundaries past 2^64 must not wrap.
  const int64_t big = Time::max().count_ps();
  const int64_t small = std::numeric_limits<int64_t>::min();
  std::vector<int64_t> times = {big, small, 0, big - 1, small + 1, big, -1, 1, big - 7};
  for (int i = 0; i < 200; ++i) times.push_back(i % 2 ? big - i : small + i);
  LadderQueue<int> q;
  Ref ref;
  int p = 0;
  for (int64_t t : times) {
    ref.emplace(t, q.push(Time::ps(t), p), p);
    ++p;
  }
  while (!ref.empty()) {
    const auto e = q.pop();
    ASSERT_EQ(Key(e.time_ps, e.seq, e.payload), ref.top());
    ref.pop();
  }
}

TEST(LadderQueueTest, EmptiedQueueStartsAfresh) {
  // After the last pop the tiers are reset: an earlier time than any before is fine.
  LadderQueue<int> q;
  q.push(Time::ns(10), 1);
  q.push(Time::ns(20), 2);
  EXPECT_EQ(q.pop().payload, 1);
  EXPECT_EQ(q.pop().payload, 2);
  EXPECT_TRUE(q.empty());
  q.push(Time::ns(3), 3);
  q.push(Time::ns(1), 4);
  EXPECT_EQ(q.pop().time_ps, 1'000);
  EXPECT_EQ(q.pop().time_ps, 3'000);
}

}  // namespace
}  // namespace dtsim::simcore
