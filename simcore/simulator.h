#pragma once
/**
 * The discrete-event engine. Time jumps from event to event; nothing ticks. There is no global
 * simulator: pass a `Simulator&` to whatever schedules events, so many simulations can run in one
 * process on several threads.
 *
 * Errors: scheduling in the past throws InternalError (a causality bug); a time beyond the
 * range of Time throws TimeOverflow.
 * Complexity: schedule and run O(1) amortised per event (a LadderQueue: simcore/ladder_queue.h;
 * it measured faster than the 4-ary EventQueue at 1e3 pending and twice as fast at 1e6, in
 * tests/bench/event_queue_bench.cpp); cancel O(1) (tombstone + generation).
 *
 *     Simulator sim(1);
 *     sim.schedule_in(Time::us(2), [&] { ... sim.now() == 2 us ... });
 *     sim.run();
 */
#include <cstdint>
#include <functional>
#include <vector>

#include "simcore/ladder_queue.h"
#include "simcore/rng.h"
#include "simcore/time.h"

namespace dtsim::simcore {

/** Handle to a scheduled event, for cancel(). A default EventId refers to nothing. */
struct EventId {
  uint32_t slot = UINT32_MAX;
  uint64_t seq = 0;  ///< the queue's insertion counter: tells a recycled slot's events apart
  bool valid() const { return slot != UINT32_MAX; }
};

class Simulator {
 public:
  using Callback = std::function<void()>;

  explicit Simulator(uint64_t seed = 1) : rng_(seed) {}
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  Time now() const { return now_; }
  /** Schedules `cb` at absolute time `t` (>= now). */
  EventId schedule_at(Time t, Callback cb);
  /** Schedules `cb` after `delay` (>= 0). */
  EventId schedule_in(Time delay, Callback cb) { return schedule_at(now_ + delay, std::move(cb)); }
  /** Cancels a pending event; returns false when it already ran or was cancelled. */
  bool cancel(EventId id);
  /** Runs until no event is left. */
  void run();
  /** Runs events with time <= `limit`, then sets now to `limit` if it is later. */
  void run_until(Time limit);

  uint64_t events_processed() const { return processed_; }
  /** Counts `n` events as processed that a model stood in for (a collective whose timing it
   *  reused from an identical one: the events that run took), so the count does not depend on
   *  the shortcut. */
  void count_events(uint64_t n) { processed_ += n; }
  size_t pending() const { return live_; }
  RngStreams& rng() { return rng_; }

 private:
  struct Slot {
    uint64_t seq = 0;  // seq of the event that holds this slot
    bool armed = false;
    Callback cb;
  };
  bool step(Time limit);

  Time now_ = Time::zero();
  LadderQueue<uint32_t> queue_;  // payload: slot index
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  uint64_t processed_ = 0;
  size_t live_ = 0;
  RngStreams rng_;
};

}  // namespace dtsim::simcore
