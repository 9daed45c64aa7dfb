#include "simcore/simulator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "simcore/error.h"

namespace dtsim::simcore {
namespace {

TEST(SimulatorTest, TimeJumpsToEachEvent) {
  // The example of simulator.h: an event 2 us ahead sees now() == 2 us.
  Simulator sim(1);
  std::vector<int64_t> seen;
  sim.schedule_in(Time::us(2), [&] { seen.push_back(sim.now().count_ps()); });
  sim.schedule_at(Time::ns(5), [&] { seen.push_back(sim.now().count_ps()); });
  EXPECT_EQ(sim.now(), Time::zero());
  EXPECT_EQ(sim.pending(), 2u);
  sim.run();
  EXPECT_EQ(seen, (std::vector<int64_t>{5'000, 2'000'000}));
  EXPECT_EQ(sim.now(), Time::us(2));
  EXPECT_EQ(sim.events_processed(), 2u);
  EXPECT_EQ(sim.pending(), 0u);
}

TEST(SimulatorTest, EqualTimesRunInScheduleOrder) {
  Simulator sim;
  std::string order;
  for (char c : std::string("abcdef")) sim.schedule_at(Time::us(1), [&order, c] { order += c; });
  sim.run();
  EXPECT_EQ(order, "abcdef");
}

TEST(SimulatorTest, EventsScheduledFromEventsRunAtTheRightTime) {
  // A chain: each event schedules the next 3 ns later; the 10th runs at 30 ns.
  Simulator sim;
  int count = 0;
  std::function<void()> tick = [&] {
    if (++count < 10) sim.schedule_in(Time::ns(3), tick);
  };
  sim.schedule_in(Time::ns(3), tick);
  sim.run();
  EXPECT_EQ(count, 10);
  EXPECT_EQ(sim.now(), Time::ns(30));
  EXPECT_EQ(sim.events_processed(), 10u);
}

TEST(SimulatorTest, ZeroDelayRunsAtTheSameInstantAfterTheCurrentEvent) {
  Simulator sim;
  std::string order;
  sim.schedule_at(Time::ns(1), [&] {
    order += "a";
    sim.schedule_in(Time::zero(), [&] { order += "c"; });
  });
  sim.schedule_at(Time::ns(1), [&] { order += "b"; });
  sim.run();
  // "c" was inserted after "b" with the same time: (time, seq) order puts it last.
  EXPECT_EQ(order, "abc");
  EXPECT_EQ(sim.now(), Time::ns(1));
}

TEST(SimulatorTest, SchedulingInThePastThrowsInternalError) {
  Simulator sim;
  sim.schedule_at(Time::us(5), [&] { sim.schedule_at(Time::us(1), [] {}); });
  try {
    sim.run();
    FAIL() << "no error";
  } catch (const InternalError& e) {
    // A causality bug, with both times in the message.
    EXPECT_NE(
        std::string(e.what()).find("event scheduled in the past (1.000000 us < now 5.000000 us)"),
        std::string::npos)
        << e.what();
  }
}

TEST(SimulatorTest, NegativeDelayThrowsInternalError) {
  Simulator sim;
  EXPECT_THROW(sim.schedule_in(Time::ns(-1), [] {}), InternalError);
  EXPECT_EQ(sim.pending(), 0u);
}

TEST(SimulatorTest, ScheduleBeyondTheRangeOfTimeThrowsTimeOverflow) {
  Simulator sim;
  sim.schedule_at(Time::ns(1), [&] { sim.schedule_in(Time::max(), [] {}); });
  EXPECT_THROW(sim.run(), TimeOverflow);
}

TEST(SimulatorTest, CancelledEventNeverRuns) {
  Simulator sim;
  bool ran_a = false, ran_b = false;
  EventId a = sim.schedule_at(Time::ns(10), [&] { ran_a = true; });
  sim.schedule_at(Time::ns(20), [&] { ran_b = true; });
  EXPECT_TRUE(a.valid());
  EXPECT_EQ(sim.pending(), 2u);
  EXPECT_TRUE(sim.cancel(a));
  EXPECT_EQ(sim.pending(), 1u);
  sim.run();
  EXPECT_FALSE(ran_a);
  EXPECT_TRUE(ran_b);
  // Cancelled events are not processed events, and do not move the clock.
  EXPECT_EQ(sim.events_processed(), 1u);
  EXPECT_EQ(sim.now(), Time::ns(20));
}

TEST(SimulatorTest, CancelReturnsFalseWhenNothingIsCancelled) {
  Simulator sim;
  EventId a = sim.schedule_at(Time::ns(10), [] {});
  EXPECT_TRUE(sim.cancel(a));
  EXPECT_FALSE(sim.cancel(a));  // twice
  EventId b = sim.schedule_at(Time::ns(10), [] {});
  sim.run();
  EXPECT_FALSE(sim.cancel(b));          // already ran
  EXPECT_FALSE(sim.cancel(EventId{}));  // refers to nothing
  EXPECT_FALSE(EventId{}.valid());
  EXPECT_FALSE(sim.cancel(EventId{12345, 0}));  // a slot that never existed
}

TEST(SimulatorTest, StaleIdDoesNotCancelTheEventThatReusedItsSlot) {
  // Slots are recycled; the generation makes an old id harmless (the ABA case).
  Simulator sim;
  EventId old = sim.schedule_at(Time::ns(1), [] {});
  sim.run();
  bool ran = false;
  EventId fresh = sim.schedule_at(Time::ns(2), [&] { ran = true; });
  EXPECT_EQ(fresh.slot, old.slot);  // the slot was reused
  EXPECT_FALSE(sim.cancel(old));
  sim.run();
  EXPECT_TRUE(ran);
}

TEST(SimulatorTest, AnEventMayCancelALaterOneAtTheSameInstant) {
  Simulator sim;
  bool ran = false;
  EventId later{};
  sim.schedule_at(Time::ns(5), [&] { EXPECT_TRUE(sim.cancel(later)); });
  later = sim.schedule_at(Time::ns(5), [&] { ran = true; });
  sim.run();
  EXPECT_FALSE(ran);
  EXPECT_EQ(sim.events_processed(), 1u);
}

TEST(SimulatorTest, AnEventCannotCancelItself) {
  Simulator sim;
  EventId self{};
  bool cancelled = true;
  self = sim.schedule_at(Time::ns(5), [&] { cancelled = sim.cancel(self); });
  sim.run();
  EXPECT_FALSE(cancelled);  // it is running: nothing left to cancel
}

TEST(SimulatorTest, RunUntilRunsEventsUpToAndIncludingTheLimit) {
  Simulator sim;
  std::vector<int> ran;
  sim.schedule_at(Time::ns(1), [&] { ran.push_back(1); });
  sim.schedule_at(Time::ns(5), [&] { ran.push_back(5); });
  sim.schedule_at(Time::ns(9), [&] { ran.push_back(9); });
  sim.run_until(Time::ns(5));
  EXPECT_EQ(ran, (std::vector<int>{1, 5}));
  EXPECT_EQ(sim.now(), Time::ns(5));
  EXPECT_EQ(sim.pending(), 1u);
  // With nothing due, the clock still advances to the limit.
  sim.run_until(Time::ns(7));
  EXPECT_EQ(sim.now(), Time::ns(7));
  EXPECT_EQ(ran.size(), 2u);
  // Scheduling relative to the advanced clock.
  sim.schedule_in(Time::ns(1), [&] { ran.push_back(8); });
  sim.run();
  EXPECT_EQ(ran, (std::vector<int>{1, 5, 8, 9}));
  EXPECT_EQ(sim.now(), Time::ns(9));
}

TEST(SimulatorTest, RunUntilSkipsCancelledEventsBeyondTheLimit) {
  Simulator sim;
  EventId a = sim.schedule_at(Time::ns(3), [] {});
  sim.cancel(a);
  sim.run_until(Time::ns(2));
  EXPECT_EQ(sim.now(), Time::ns(2));
  EXPECT_EQ(sim.events_processed(), 0u);
  sim.run();
  EXPECT_EQ(sim.events_processed(), 0u);
  EXPECT_EQ(sim.now(), Time::ns(2));  // a cancelled event does not move the clock
}

/** A run whose event pattern depends on the random stream: the log of (time, value) pairs. */
std::vector<std::pair<int64_t, uint64_t>> random_run(uint64_t seed) {
  Simulator sim(seed);
  std::vector<std::pair<int64_t, uint64_t>> log;
  std::function<void()> step = [&] {
    uint64_t v = sim.rng().stream("test.delays")();
    log.emplace_back(sim.now().count_ps(), v);
    if (log.size() < 200) {
      sim.schedule_in(Time::ps(static_cast<int64_t>(v % 1000)), step);
      if (v % 3 == 0) sim.schedule_in(Time::ps(static_cast<int64_t>(v % 7)), step);
    }
  };
  sim.schedule_at(Time::zero(), step);
  sim.run();
  return log;
}

TEST(SimulatorTest, SameSeedSameRun) {
  // DESIGN.md: same scenario + same seed => identical results.
  auto a = random_run(42), b = random_run(42), c = random_run(43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_GE(a.size(), 200u);
}

TEST(SimulatorTest, RandomStreamsAreIndependentOfDrawOrder) {
  // rng.h: the same (seed, stream name) yields the same sequence whatever else is drawn.
  Simulator s1(9), s2(9);
  uint64_t x1 = s1.rng().stream("a")();
  s2.rng().stream("b")();
  s2.rng().stream("b")();
  uint64_t x2 = s2.rng().stream("a")();
  EXPECT_EQ(x1, x2);
  EXPECT_EQ(s1.rng().seed(), 9u);
}

TEST(SimulatorTest, SimulatorsAreIndependent) {
  // No global state: two simulators side by side keep their own clocks.
  Simulator a, b;
  a.schedule_at(Time::ns(10), [] {});
  b.schedule_at(Time::ns(20), [] {});
  a.run();
  EXPECT_EQ(a.now(), Time::ns(10));
  EXPECT_EQ(b.now(), Time::zero());
  b.run();
  EXPECT_EQ(b.now(), Time::ns(20));
}

}  // namespace
}  // namespace dtsim::simcore
