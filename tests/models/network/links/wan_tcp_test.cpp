// The wan_tcp link model through the flow back-end: transfers between two GPUs joined by one
// WAN link of 10 Gb/s (1.25e9 B/s) and 25 ms one way (RTT 50 ms).
#include "models/network/links/wan_tcp.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "models/network/analytical_comm_model.h"
#include "models/network/flow_comm_model.h"
#include "models/network/links/tcp_throughput.h"
#include "simcore/simulator.h"
#include "tests/support/config_error.h"
#include "topologies/routing.h"

namespace dtsim::network {
namespace {

using simcore::Simulator;
using simcore::Time;
using topologies::Topology;

constexpr double kCapacity = 1.25e9;  // 10 Gb/s
constexpr double kLatencyS = 0.025;   // one way
constexpr double kRttS = 0.05;
constexpr double kTolS = 1e-9;  // picosecond rounding of a few flows

Topology wan_pair() {
  Topology t;
  t.add_node("a", topologies::NodeKind::kAccelerator);
  t.add_node("b", topologies::NodeKind::kAccelerator);
  t.add_link({0, 1, "wan", kCapacity, kCapacity, Time::from_seconds(kLatencyS), true});
  return t;
}

/** Finish times (s) of p2p transfers of `bytes` from rank 0 to 1, started at `starts` (s). */
std::vector<double> transfer_times(const WanTcpParams& p, double bytes,
                                   const std::vector<double>& starts) {
  Topology t = wan_pair();
  topologies::Router router(t);
  Simulator sim;
  LinkModelSpecs links{{"wan", std::make_shared<WanTcpSpec>(p)}};
  FlowCommModel comm(sim, t, router, {}, links);
  std::vector<double> done(starts.size(), -1);
  for (size_t i = 0; i < starts.size(); ++i)
    sim.schedule_at(Time::from_seconds(starts[i]), [&, i] {
      comm.start_p2p(0, 1, static_cast<int64_t>(bytes), [&, i] { done[i] = sim.now().seconds(); });
    });
  sim.run();
  return done;
}

WanTcpParams reno(int streams, double loss = 1e-3) {
  WanTcpParams p;
  p.cc = CongestionControl::kReno;
  p.loss = loss;
  p.streams = streams;
  p.slow_start = false;
  return p;
}

TEST(WanTcp, NoLossNoWindowNoSlowStartIsTheLoneFlowForm) {
  // L + S / B = 0.025 + 1e9 / 1.25e9 = 0.825 s exactly.
  WanTcpParams p = reno(1, 0);
  p.max_window_bytes = 0;
  EXPECT_NEAR(transfer_times(p, 1e9, {0})[0], 0.825, 1e-12);
}

TEST(WanTcp, ParallelStreamsAggregateUpToTheCapacity) {
  // One Reno stream: Mathis 1,130,911.14 B/s (9.05 Mb/s); N streams: min(N x that, 1.25e9).
  // 100 MB: N = 1: 0.025 + 1e8 / 1,130,911.14 = 88.449277 s; N = 64: 0.025 + 1e8 /
  // 72,378,312.8 = 1.406629 s; N = 2000: the link (1.25e9) binds: 0.025 + 0.08 = 0.105 s.
  const double stream = 1460 / kRttS * kMathisC / std::sqrt(1e-3);
  for (int n : {1, 64, 2000}) {
    const double rate = std::min(n * stream, kCapacity);
    EXPECT_NEAR(transfer_times(reno(n), 1e8, {0})[0], kLatencyS + 1e8 / rate, kTolS) << n;
  }
}

TEST(WanTcp, TheMaximumWindowBoundsEachStream) {
  // Loss 0: only the window binds: 6 MiB / 50 ms = 125,829,120 B/s per stream; 4 streams:
  // 503,316,480 B/s; 1 GB: 0.025 + 1e9 / 503,316,480 = 2.011816 s.
  WanTcpParams p = reno(4, 0);
  EXPECT_NEAR(transfer_times(p, 1e9, {0})[0], kLatencyS + 1e9 / (4 * 125829120.0), kTolS);
}

TEST(WanTcp, SlowStartCostsTheRoundsTheWindowNeedsToGrow) {
  // Loss 0, one stream, window bound 6 MiB: steady rate R = 125,829,120 B/s, target window
  // R x RTT = 6,291,456 B. From IW 14,600 B the windows 14,600 x 2^k for k = 0..8 are below
  // it (9 rounds, 14,600 x 511 = 7,460,600 B); the 10th (7,475,200 B) is above, so the rest,
  // 1e7 - 7,460,600 = 2,539,400 B, goes at R: total = L + 9 RTT + 2,539,400 / R
  // = 0.025 + 0.45 + 0.0201813 = 0.4951813 s.
  const double first = 0.025 + 9 * 0.05 + 2539400 / 125829120.0;
  WanTcpParams p = reno(1, 0);
  p.slow_start = true;
  const std::vector<double> t = transfer_times(p, 1e7, {0, 10});
  EXPECT_NEAR(t[0], first, kTolS);
  // The second transfer starts 9.5 s after the first ended: idle longer than an RTO
  // (RTT + 200 ms), so Linux's slow start after idle makes it slow again.
  EXPECT_NEAR(t[1], 10 + first, kTolS);
  // Without slow start after idle the pool stays warm: 10 + 0.025 + 1e7 / 125,829,120.
  p.slow_start_after_idle = false;
  EXPECT_NEAR(transfer_times(p, 1e7, {0, 10})[1], 10.025 + 1e7 / 125829120.0, kTolS);
}

TEST(WanTcp, TheAnalyticalBackEndPricesTheSteadyBound) {
  // Warm connections (no slow start in the closed form): 64 Reno streams at p = 1e-3, as
  // ParallelStreamsAggregateUpToTheCapacity: 0.025 + 1e8 / (64 x 1,130,911.14) = 1.406629 s.
  Topology t = wan_pair();
  topologies::Router router(t);
  Simulator sim;
  LinkModelSpecs links{{"wan", std::make_shared<WanTcpSpec>(reno(64))}};
  AnalyticalCommModel comm(sim, t, router, {}, links);
  double done = -1;
  comm.start_p2p(0, 1, 100000000, [&] { done = sim.now().seconds(); });
  sim.run();
  const double stream = 1460 / kRttS * kMathisC / std::sqrt(1e-3);
  EXPECT_NEAR(done, kLatencyS + 1e8 / (64 * stream), kTolS);
}

TEST(WanTcp, BadParametersAreRejected) {
  WanTcpParams p;
  p.loss = 1;
  EXPECT_EQ(test::config_error([&] { p.validate(); }),
            "loss: expected a probability in [0, 1); got 1");
  p.loss = 0.2;
  p.cc = CongestionControl::kBbr;
  EXPECT_EQ(test::config_error([&] { p.validate(); }),
            "loss: BBR's model (rate = capacity x (1 - p)) holds below 15% loss; got 0.2");
  p = WanTcpParams{};
  p.streams = 0;
  EXPECT_EQ(test::config_error([&] { p.validate(); }), "streams: expected at least 1; got 0");
}

}  // namespace
}  // namespace dtsim::network
