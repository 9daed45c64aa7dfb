/**
 * Event-queue throughput under the classic **hold model**: the queue is pre-filled with N
 * pending events; each step pops the earliest event and pushes one new event at
 * `now + X`, X drawn from an exponential distribution (mean 1 us), so the queue size stays N.
 *
 * Compared, in one run, on the same `(time, seq)` key and the same increments:
 * - `EventQueue`: dtsim::simcore::EventQueue<uint32_t> (4-ary heap);
 * - `LadderQueue`: dtsim::simcore::LadderQueue<uint32_t> (ladder queue, same key and order);
 * - `Multimap`: std::multimap<std::pair<int64_t, uint64_t>, uint32_t> (htsim's event list);
 * - `PriorityQueue`: std::priority_queue (binary heap) of (time, seq, payload);
 * - `Simulator`: the full engine, schedule_at + run, each callback rescheduling itself.
 *
 * items_per_second = hold operations (one pop + one push) per second.
 * Target (issue): >= 20 M/s at N = 1e3 and >= 10 M/s at N = 1e6, never below PriorityQueue.
 *
 *     build-bench/bin/event_queue_bench --benchmark_repetitions=5 \
 *         --benchmark_report_aggregates_only=true
 */
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <queue>
#include <random>
#include <tuple>
#include <utility>
#include <vector>

#include "simcore/event_queue.h"
#include "simcore/ladder_queue.h"
#include "simcore/simulator.h"
#include "simcore/time.h"

namespace {

using dtsim::simcore::EventQueue;
using dtsim::simcore::LadderQueue;
using dtsim::simcore::Simulator;
using dtsim::simcore::Time;

constexpr uint64_t kSeed = 42;
constexpr double kMeanIncrementPs = 1e6;  // 1 us
constexpr size_t kIncrements = 1 << 20;   // pre-drawn table, reused cyclically

/** Pre-drawn exponential increments in ps (>= 1), so the RNG cost is not measured. */
const std::vector<int64_t>& increments() {
  static const std::vector<int64_t> table = [] {
    std::mt19937_64 rng(kSeed);
    std::exponential_distribution<double> exp(1.0 / kMeanIncrementPs);
    std::vector<int64_t> v(kIncrements);
    for (auto& x : v) x = 1 + static_cast<int64_t>(exp(rng));
    return v;
  }();
  return table;
}

struct Cursor {
  const std::vector<int64_t>& inc = increments();
  size_t i = 0;
  int64_t next() {
    int64_t x = inc[i];
    i = (i + 1) & (kIncrements - 1);
    return x;
  }
};

/** Hold model on one of dtsim's event queues (same interface). */
template <typename Queue>
void BM_Queue(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  Cursor c;
  Queue q;
  q.reserve(n + 1);
  for (size_t i = 0; i < n; ++i) q.push(Time::ps(c.next()), static_cast<uint32_t>(i));
  for (auto _ : state) {
    auto e = q.pop();
    q.push(Time::ps(e.time_ps + c.next()), e.payload);
  }
  benchmark::DoNotOptimize(q.top());
  state.SetItemsProcessed(state.iterations());
}

void BM_Multimap(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  Cursor c;
  uint64_t seq = 0;
  std::multimap<std::pair<int64_t, uint64_t>, uint32_t> q;
  for (size_t i = 0; i < n; ++i) q.emplace(std::make_pair(c.next(), seq++), static_cast<uint32_t>(i));
  for (auto _ : state) {
    auto it = q.begin();
    int64_t t = it->first.first;
    uint32_t p = it->second;
    q.erase(it);
    q.emplace(std::make_pair(t + c.next(), seq++), p);
  }
  benchmark::DoNotOptimize(q.begin()->second);
  state.SetItemsProcessed(state.iterations());
}

void BM_PriorityQueue(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  Cursor c;
  uint64_t seq = 0;
  using Entry = std::tuple<int64_t, uint64_t, uint32_t>;  // (time, seq, payload)
  std::vector<Entry> storage;
  storage.reserve(n + 1);
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> q(std::greater<>{},
                                                                    std::move(storage));
  for (size_t i = 0; i < n; ++i) q.emplace(c.next(), seq++, static_cast<uint32_t>(i));
  for (auto _ : state) {
    auto [t, s, p] = q.top();
    q.pop();
    q.emplace(t + c.next(), seq++, p);
  }
  benchmark::DoNotOptimize(q.top());
  state.SetItemsProcessed(state.iterations());
}

/**
 * The full engine: N pending self-rescheduling callbacks (each reschedules itself at
 * now + X, so N stay pending). One iteration runs a window of simulated time sized to hold
 * about `kBatch` events (N events spread over a mean increment of 1 us), so the timing loop's
 * overhead is amortised; items_per_second counts events actually processed. The callback is a
 * one-pointer capture, within std::function's small-buffer storage.
 */
void BM_Simulator(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  constexpr double kBatch = 1 << 16;
  Simulator sim(kSeed);
  Cursor c;
  struct Ctx {
    Simulator* sim;
    Cursor* c;
  } ctx{&sim, &c};
  struct Hold {
    Ctx* ctx;
    void operator()() const {
      ctx->sim->schedule_at(ctx->sim->now() + Time::ps(ctx->c->next()), *this);
    }
  };
  for (size_t i = 0; i < n; ++i) sim.schedule_at(Time::ps(c.next()), Hold{&ctx});
  const int64_t window_ps =
      std::max<int64_t>(1, static_cast<int64_t>(kBatch * kMeanIncrementPs / static_cast<double>(n)));
  uint64_t events = 0;
  Time until = Time::zero();
  for (auto _ : state) {
    uint64_t before = sim.events_processed();
    until = until + Time::ps(window_ps);
    sim.run_until(until);
    events += sim.events_processed() - before;
  }
  state.SetItemsProcessed(static_cast<int64_t>(events));
  state.counters["pending"] = static_cast<double>(sim.pending());
}

}  // namespace

void BM_EventQueue(benchmark::State& state) { BM_Queue<EventQueue<uint32_t>>(state); }
void BM_LadderQueue(benchmark::State& state) { BM_Queue<LadderQueue<uint32_t>>(state); }

// 1e3 to 1e5 pending: what dtsim's simulations hold (a collective's flows); 1e6: the target.
BENCHMARK(BM_EventQueue)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_LadderQueue)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_Multimap)->Arg(1'000)->Arg(1'000'000);
BENCHMARK(BM_PriorityQueue)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_Simulator)->Arg(1'000)->Arg(1'000'000);
