// pccl_ring through both back-ends on a small WAN, against the closed form worked below.
//
// Four GPUs, each its own site, joined pairwise by WAN links of 10 Gb/s (1.25e9 B/s) each way:
// ranks 0 and 2 in western Europe, 1 and 3 in North America; one way 5 ms inside a continent
// (RTT 10 ms) and 40 ms across (RTT 80 ms). TCP Reno on every link, loss 1e-4, no window bound,
// no slow start, 1 stream per transfer by default. One Reno stream across the ocean runs at
// Mathis' r_x = MSS/RTT x C/sqrt(p) = 1460/0.08 x 1.224744871/0.01 = 2,235,159.39 B/s; inside
// Europe at 8 times that (RTT 10 ms).
//
// pccl_ring with k = 16 connections: the ring order crosses the ocean twice (0-1-3-2, see
// ring_order_test.cpp); every transfer of a step is its own flow on its own link direction,
// bounded by k r (below the 1.25e9 B/s link). A step's transfer at ring edge j waits for the
// previous step's transfers at edges j-1 and j, and every edge has a crossing at j or j-1, so
// each of the 2(n-1) = 6 steps is paced by a crossing: T = 6 (0.040 + (S/4) / (k r_x)).
// For S = 4e7 B: 6 (0.04 + 1e7 / 35,762,550.24) = 1.917732701 s.
// The plain ring in position order crosses four times with 1 stream: T = 6 (0.04 + 1e7 / r_x)
// = 27.083723 s.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "models/network/analytical_comm_model.h"
#include "models/network/flow_comm_model.h"
#include "models/network/links/tcp_throughput.h"
#include "models/network/links/wan_tcp.h"
#include "simcore/simulator.h"
#include "tests/support/config_error.h"
#include "topologies/routing.h"

namespace dtsim::network {
namespace {

using simcore::CollectiveKind;
using simcore::Simulator;
using simcore::Time;
using topologies::Topology;

constexpr double kCapacity = 1.25e9;
constexpr double kInsideS = 0.005, kAcrossS = 0.040;  // one way
constexpr double kLoss = 1e-4;
constexpr double kBytes = 4e7;
constexpr double kTolS = 1e-9;

Topology two_continents() {
  Topology t;
  for (const char* n : {"eu_a", "na_a", "eu_b", "na_b"})
    t.add_node(n, topologies::NodeKind::kAccelerator);
  for (uint32_t i = 0; i < 4; ++i)
    for (uint32_t j = i + 1; j < 4; ++j) {
      const bool same = i % 2 == j % 2;
      t.add_link({i, j, "wan", kCapacity, kCapacity, Time::from_seconds(same ? kInsideS : kAcrossS),
                  true});
    }
  return t;
}

LinkModelSpecs reno() {
  WanTcpParams p;
  p.cc = CongestionControl::kReno;
  p.loss = kLoss;
  p.max_window_bytes = 0;
  p.slow_start = false;
  return {{"wan", std::make_shared<WanTcpSpec>(p)}};
}

/** Seconds an all-reduce of kBytes over ranks 0..3 takes, by `algorithm`. */
template <class Model>
double all_reduce_s(const char* algorithm, int connections) {
  Topology t = two_continents();
  topologies::Router router(t);
  Simulator sim;
  CollectiveOptions o;
  o.connections = connections;
  Model comm(sim, t, router, o, reno());
  std::vector<int> ranks{0, 1, 2, 3};
  double done = -1;
  comm.start_collective({CollectiveKind::kAllReduce, algorithm, &ranks,
                         static_cast<int64_t>(kBytes), 0},
                        [&] { done = sim.now().seconds(); });
  sim.run();
  return done;
}

double mathis_across() { return 1460 / (2 * kAcrossS) * kMathisC / std::sqrt(kLoss); }

TEST(PcclRing, FlowBackEndMatchesTheWorkedClosedForm) {
  const double expected = 6 * (kAcrossS + kBytes / 4 / (16 * mathis_across()));
  EXPECT_NEAR(expected, 1.917732701, 1e-9);  // the comment's number
  EXPECT_NEAR(all_reduce_s<FlowCommModel>("pccl_ring", 16), expected, kTolS);
  // One connection per pair: the same ring order, each crossing at r_x.
  EXPECT_NEAR(all_reduce_s<FlowCommModel>("pccl_ring", 1),
              6 * (kAcrossS + kBytes / 4 / mathis_across()), kTolS);
}

TEST(PcclRing, AnalyticalBackEndPricesTheSameRing) {
  // alpha = 0.04 s and B = 16 r_x along the chosen ring: the same 6 (alpha + S/(4B)).
  EXPECT_NEAR(all_reduce_s<AnalyticalCommModel>("pccl_ring", 16),
              6 * (kAcrossS + kBytes / 4 / (16 * mathis_across())), kTolS);
}

TEST(PcclRing, ThePlainRingCrossesFourTimesOnOneStream) {
  const double expected = 6 * (kAcrossS + kBytes / 4 / mathis_across());
  EXPECT_NEAR(expected, 27.083723, 1e-6);
  EXPECT_NEAR(all_reduce_s<FlowCommModel>("ring", 16), expected, kTolS);
}

TEST(PcclRing, ConnectionCountsOutsideThePoolRangeAreRejected) {
  for (int k : {0, 1025})
    EXPECT_EQ(test::config_error([&] { all_reduce_s<FlowCommModel>("pccl_ring", k); }),
              fmt::format("all_reduce with algorithm \"pccl_ring\": connections must be in "
                          "[1, 1024]; got {}",
                          k));
}

}  // namespace
}  // namespace dtsim::network
