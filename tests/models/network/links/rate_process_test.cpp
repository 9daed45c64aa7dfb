// Time-varying client rates of the radio models (rate_process.h, airtime.h): one client (rank 1)
// of nominal rate 1e8 B/s on a 5G FDD cell uploads to the server (rank 0); L = 2 ms (two links
// of 1 ms), as in airtime_test.cpp.
#include "models/network/links/rate_process.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "models/network/flow_comm_model.h"
#include "models/network/links/nr_cell.h"
#include "simcore/simulator.h"
#include "tests/support/config_error.h"
#include "topologies/routing.h"

namespace dtsim::network {
namespace {

using simcore::Simulator;
using simcore::Time;
using topologies::NodeKind;
using topologies::Topology;

constexpr double kL = 0.002;
constexpr double kTolS = 1e-9;

/** Finish times of uploads of `bytes` by clients 1..n (each of nominal rate 1e8 B/s). */
std::vector<double> upload(const RateProcess& rates, int n, double bytes, uint64_t seed = 1) {
  Topology t;
  t.add_node("server", NodeKind::kAccelerator);
  for (int i = 0; i < n; ++i) t.add_node("client" + std::to_string(i), NodeKind::kAccelerator);
  const uint32_t c = t.add_node("cell", NodeKind::kSwitch);
  t.add_link({0, c, "backhaul", 1e10, 1e10, Time::ms(1), true});
  for (int i = 0; i < n; ++i)
    t.add_link({static_cast<uint32_t>(i + 1), c, "radio", 1e8, 1e8, Time::ms(1), true});
  topologies::Router router(t);
  Simulator sim(seed);
  NrCellParams p;
  p.rates = rates;
  FlowCommModel comm(sim, t, router, {}, {{"radio", std::make_shared<NrCellSpec>(p)}});
  std::vector<double> done(n, -1);
  for (int i = 0; i < n; ++i)
    comm.start_p2p(i + 1, 0, static_cast<int64_t>(bytes),
                   [&, i] { done[i] = sim.now().seconds(); });
  sim.run();
  return done;
}

RateProcess trace(std::vector<std::pair<double, double>> rows) {
  RateProcess r;
  r.kind = RateProcess::Kind::kTrace;
  r.trace = std::move(rows);
  return r;
}

RateProcess alternating() {  // 1, 0.5, 1, 0.5, ... every second
  RateProcess r;
  r.kind = RateProcess::Kind::kMarkov;
  r.states = {1.0, 0.5};
  r.transitions = {{0, 1}, {1, 0}};
  r.dwell_s = 1;
  return r;
}

TEST(RateProcess, ATraceStepChangesTheRateMidTransfer) {
  // 1e8 B/s until 1 s, then 5e7: 1.5e8 B. From L to 1 s: 0.998e8 B; the other 0.502e8 B at
  // 5e7 B/s take 1.004 s: T = 2.004 s.
  auto done = upload(trace({{0, 1e8}, {1, 5e7}}), 1, 1.5e8);
  EXPECT_NEAR(done[0], 2.004, kTolS);
}

TEST(RateProcess, ARateOfZeroStallsUntilItRises) {
  // 1e8, 0 from 1 s, 1e8 from 2 s: 0.998e8 B by 1 s, nothing in [1, 2], the other 0.502e8 B
  // take 0.502 s: T = 2.502 s.
  auto done = upload(trace({{0, 1e8}, {1, 0}, {2, 1e8}}), 1, 1.5e8);
  EXPECT_NEAR(done[0], 2.502, kTolS);
}

TEST(RateProcess, AMarkovChainStepsEveryDwell) {
  // A chain that alternates (probability 1): 1e8 in [0, 1), 5e7 in [1, 2), 1e8 from 2 s.
  // 2e8 B: 0.998e8 + 0.5e8 by 2 s; the other 0.502e8 B take 0.502 s: T = 2.502 s.
  auto done = upload(alternating(), 1, 2e8);
  EXPECT_NEAR(done[0], 2.502, kTolS);
}

TEST(RateProcess, EqualTimeSharesFollowTheNewRates) {
  // Two clients, equal time shares, both alternating: each gets r(t) / 2. 1e8 B each:
  // 0.998e8 / 2 = 0.499e8 by 1 s, 0.25e8 in [1, 2), the other 0.251e8 at 5e7 B/s take 0.502 s:
  // T = 2.502 s for both.
  auto done = upload(alternating(), 2, 1e8);
  EXPECT_NEAR(done[0], 2.502, kTolS);
  EXPECT_NEAR(done[1], 2.502, kTolS);
}

TEST(RateProcess, ARandomChainIsTheSameForTheSameSeed) {
  RateProcess r;
  r.kind = RateProcess::Kind::kMarkov;
  r.states = {1.0, 0.3, 0.05};
  r.transitions = {{0.6, 0.3, 0.1}, {0.3, 0.5, 0.2}, {0.2, 0.3, 0.5}};
  r.dwell_s = 0.1;
  const auto a = upload(r, 4, 5e7, 7), b = upload(r, 4, 5e7, 7), c = upload(r, 4, 5e7, 8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // Never faster than the nominal rate alone: T >= L + 4 x 5e7 / 1e8 for the last one.
  EXPECT_GE(*std::max_element(a.begin(), a.end()), kL + 2.0);
}

TEST(RateProcess, BadProcessesAreRejected) {
  RateProcess r = alternating();
  r.transitions = {{0.5, 0.4}, {1, 0}};
  EXPECT_EQ(test::config_error([&] { r.validate(); }),
            "markov.transitions[0]: expected probabilities summing to 1; got 0.9");
  r = alternating();
  r.states = {1, -0.5};
  EXPECT_EQ(test::config_error([&] { r.validate(); }),
            "markov.states: expected factors >= 0; got -0.5");
  EXPECT_EQ(test::config_error([] { trace({}).validate(); }),
            "rate_trace: expected at least one (time, rate) row");
  EXPECT_EQ(test::config_error([] {
              trace({{1, 1e8}, {0.5, 1e8}}).validate();
            }),
            "rate_trace: row 1: times must increase");
}

}  // namespace
}  // namespace dtsim::network
