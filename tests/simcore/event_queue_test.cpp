#include "simcore/event_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <tuple>
#include <vector>

namespace dtsim::simcore {
namespace {

using Key = std::tuple<int64_t, uint64_t, int>;  // (time_ps, seq, payload)

TEST(EventQueueTest, PopsEarliestFirst) {
  // The example of event_queue.h.
  EventQueue<uint32_t> q;
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

TEST(EventQueueTest, PushReturnsTheInsertionCounter) {
  EventQueue<int> q;
  EXPECT_EQ(q.push(Time::ns(3), 0), 0u);
  EXPECT_EQ(q.push(Time::ns(1), 0), 1u);
  EXPECT_EQ(q.push(Time::ns(2), 0), 2u);
  q.pop();
  // seq keeps counting after a pop: it is never reused.
  EXPECT_EQ(q.push(Time::ns(0), 0), 3u);
}

TEST(EventQueueTest, EqualTimesPopInInsertionOrder) {
  // ns-3's (time, seq) key: 100 events all at 1 us come out in the order they went in, even with
  // earlier and later events interleaved.
  EventQueue<int> q;
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

TEST(EventQueueTest, RandomPushesPopInTheOrderOfStdSort) {
  // Reference: std::sort of the (time, seq) keys. Few distinct times so ties are common.
  std::mt19937_64 rng(12345);
  std::uniform_int_distribution<int64_t> time(0, 50);
  EventQueue<int> q;
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

TEST(EventQueueTest, InterleavedPushAndPopMatchesAReferenceModel) {
  // A discrete-event pattern: pop the earliest, push a few events at or after it. Checked
  // against a sorted vector that holds the same (time, seq) keys.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> delay(0, 1000);
  std::uniform_int_distribution<int> fanout(0, 2);  // mean 1: the queue neither dies nor explodes
  EventQueue<int> q;
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

TEST(EventQueueTest, PayloadsOutsideTwentyFourBitsAreRejected) {
  // Payloads are packed into the low 24 bits of the key (see event_queue.h): [0, 2^24).
  EventQueue<int> q;
  EXPECT_THROW(q.push(Time::ns(1), -1), InternalError);
  EXPECT_THROW(q.push(Time::ns(1), 1 << 24), InternalError);
  q.push(Time::ns(1), (1 << 24) - 1);
  EXPECT_EQ(q.pop().payload, (1 << 24) - 1);
}

TEST(EventQueueTest, SizeAndReserve) {
  EventQueue<int> q;
  q.reserve(16);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  q.push(Time::zero(), 1);
  q.push(Time::zero(), 2);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.pop().payload, 1);
  EXPECT_EQ(q.size(), 1u);
}

}  // namespace
}  // namespace dtsim::simcore
