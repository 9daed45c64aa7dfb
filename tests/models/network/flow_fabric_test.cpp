#include "models/network/flow_fabric.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "simcore/simulator.h"
#include "topologies/routing.h"
#include "topologies/topology.h"

namespace dtsim::network {
namespace {

using simcore::Simulator;
using simcore::Time;
using topologies::Link;
using topologies::NodeKind;
using topologies::Router;
using topologies::Topology;

// Solver output (rates found by progressive filling, remaining bytes updated lazily in double
// arithmetic, each finish time rounded up to a whole picosecond) is compared with the exact
// rational closed form within this tolerance. Where every intermediate is exact in binary
// floating point the comparison is exact instead, and the comment says why.
constexpr double kSolverTolPs = 2.0;

/** "h3" and the like (appending avoids a GCC 12 -Wrestrict false positive of "h" + string). */
std::string name(const char* prefix, int i) {
  std::string s = prefix;
  s += std::to_string(i);
  return s;
}

/** A full-duplex link with the same capacity both ways. */
Link link(uint32_t a, uint32_t b, double bw, Time latency, std::string cls = "ethernet") {
  return Link{a, b, std::move(cls), bw, bw, latency, true};
}

/** Runs flows and records when each one's `done` fires (ps). */
struct Harness {
  Simulator sim;
  const Topology& topo;
  Router router;
  FlowFabric fabric;
  std::vector<int64_t> done_ps;

  explicit Harness(const Topology& t, double batch_tolerance = 1e-4)
      : topo(t), router(t), fabric(sim, t, batch_tolerance) {}

  /** Starts a flow of `bytes` from node `a` to node `b` at absolute time `at`; returns its index.
   */
  size_t flow(uint32_t a, uint32_t b, double bytes, Time at = Time::zero()) {
    size_t i = done_ps.size();
    done_ps.push_back(-1);
    sim.schedule_at(at, [this, a, b, bytes, i] {
      fabric.start_flow(router.route(a, b, i), bytes,
                        [this, i] { done_ps[i] = sim.now().count_ps(); });
    });
    return i;
  }
  void run() { sim.run(); }
};

// gpu0 -(1 us, 100 GB/s)- sw0 -(2 us, 3 GB/s)- gpu1 : path latency L = 3 us, bottleneck 3e9 B/s.
struct TwoHop {
  Topology t;
  uint32_t gpu0, gpu1, sw0;
  TwoHop() {
    gpu0 = t.add_node("gpu0", NodeKind::kAccelerator);
    gpu1 = t.add_node("gpu1", NodeKind::kAccelerator);
    sw0 = t.add_node("sw0", NodeKind::kSwitch);
    t.add_link(link(gpu0, sw0, 100e9, Time::us(1)));
    t.add_link(link(sw0, gpu1, 3e9, Time::us(2)));
  }
};

TEST(FlowFabricTest, LoneFlowTakesLatencyPlusCeilBytesOverBottleneck) {
  // S = 1e9 B at B = 3e9 B/s: S/B = 333,333,333,333.33 ps -> ceil 333,333,333,334 ps.
  // T = L + ceil(S/B) = 3,000,000 + 333,333,333,334 = 333,336,333,334 ps (exactly: the only
  // floating-point step is one correctly rounded division followed by ceil).
  TwoHop n;
  Harness h(n.t);
  h.flow(n.gpu0, n.gpu1, 1e9);
  h.run();
  EXPECT_EQ(h.done_ps[0], 333'336'333'334);
  EXPECT_EQ(h.fabric.flows_started(), 1u);
  EXPECT_EQ(h.fabric.active_flows(), 0u);
}

// Two disjoint flows gpu0->gpu1 and gpu2->gpu3 over their own 1e9 B/s links (no latency):
// 1e9 B ends at exactly 1 s, 1e9 + 5e4 B at 1.00005 s. The second is due within 1e-4 of its
// 1.00005 s duration (100.005 us) of the first completion, so with the default tolerance both end
// at 1 s in one event and one re-solve; with tolerance 0 each ends at its exact picosecond.
struct TwoPairs {
  Topology t;
  uint32_t g[4];
  TwoPairs() {
    for (int i = 0; i < 4; ++i) g[i] = t.add_node(name("gpu", i), NodeKind::kAccelerator);
    t.add_link(link(g[0], g[1], 1e9, Time::zero()));
    t.add_link(link(g[2], g[3], 1e9, Time::zero()));
  }
};

TEST(FlowFabricTest, CompletionsWithinTheBatchToleranceEndTogether) {
  TwoPairs n;
  Harness h(n.t);
  h.flow(n.g[0], n.g[1], 1e9);
  h.flow(n.g[2], n.g[3], 1e9 + 5e4);
  h.run();
  EXPECT_EQ(h.done_ps[0], 1'000'000'000'000);
  EXPECT_EQ(h.done_ps[1], 1'000'000'000'000);
  EXPECT_EQ(h.fabric.solves(), 2u);  // the arrival, and one batch of completions
}

TEST(FlowFabricTest, ZeroBatchToleranceMakesEveryCompletionExact) {
  TwoPairs n;
  Harness h(n.t, 0.0);
  h.flow(n.g[0], n.g[1], 1e9);
  h.flow(n.g[2], n.g[3], 1e9 + 5e4);
  h.run();
  EXPECT_EQ(h.done_ps[0], 1'000'000'000'000);
  EXPECT_EQ(h.done_ps[1], 1'000'050'000'000);
  EXPECT_EQ(h.fabric.solves(), 3u);
}

// A flow due just beyond the window is not pulled in: 1e9 + 2e5 B would end 200 us later, more
// than 1e-4 of its 1.0002 s duration (100.02 us).
TEST(FlowFabricTest, CompletionsBeyondTheBatchToleranceStayExact) {
  TwoPairs n;
  Harness h(n.t);
  h.flow(n.g[0], n.g[1], 1e9);
  h.flow(n.g[2], n.g[3], 1e9 + 2e5);
  h.run();
  EXPECT_EQ(h.done_ps[1], 1'000'200'000'000);
}

TEST(FlowFabricTest, LoneFlowInTheReverseDirectionUsesTheOtherChannel) {
  // Same path backwards: same latency (3 us) and bottleneck (3e9 B/s); 3e6 B take 1 ms.
  // T = 3 us + 1 ms = 1,003,000,000 ps.
  TwoHop n;
  Harness h(n.t);
  h.flow(n.gpu1, n.gpu0, 3e6);
  h.run();
  EXPECT_EQ(h.done_ps[0], 1'003'000'000);
}

TEST(FlowFabricTest, OppositeDirectionsOfAFullDuplexLinkDoNotShare) {
  // Each direction is its own channel: two 3e6 B flows in opposite directions each run at the
  // full 3e9 B/s and both end at 3 us + 1 ms.
  TwoHop n;
  Harness h(n.t);
  h.flow(n.gpu0, n.gpu1, 3e6);
  h.flow(n.gpu1, n.gpu0, 3e6);
  h.run();
  EXPECT_EQ(h.done_ps[0], 1'003'000'000);
  EXPECT_EQ(h.done_ps[1], 1'003'000'000);
}

TEST(FlowFabricTest, OppositeDirectionsOfAHalfDuplexLinkShare) {
  // A half-duplex link has one channel for both directions: each flow gets B/2 = 5e10 B/s.
  // 1e6 B at 5e10 B/s = 20 us; plus latency 1 us = 21,000,000 ps for both.
  Topology t;
  uint32_t a = t.add_node("a", NodeKind::kAccelerator);
  uint32_t b = t.add_node("b", NodeKind::kAccelerator);
  t.add_link(Link{a, b, "pcie", 100e9, 100e9, Time::us(1), /*full_duplex=*/false});
  Harness h(t);
  h.flow(a, b, 1e6);
  h.flow(b, a, 1e6);
  h.run();
  EXPECT_EQ(h.done_ps[0], 21'000'000);
  EXPECT_EQ(h.done_ps[1], 21'000'000);
}

// a, b -> sw -> c with 100 GB/s links and latency 1 us per hop: flows a->c and b->c share the
// channel sw->c (L = 2 us each, both start at 0).
struct SharedLink {
  Topology t;
  uint32_t a, b, c, sw;
  explicit SharedLink(Time latency = Time::us(1)) {
    a = t.add_node("a", NodeKind::kAccelerator);
    b = t.add_node("b", NodeKind::kAccelerator);
    c = t.add_node("c", NodeKind::kAccelerator);
    sw = t.add_node("sw", NodeKind::kSwitch);
    for (uint32_t x : {a, b, c}) t.add_link(link(x, sw, 100e9, latency));
  }
};

TEST(FlowFabricTest, TwoFlowsShareThenTheSurvivorSpeedsUp) {
  // B = 1e11 B/s, S1 = 1e6 B (a->c), S2 = 3e6 B (b->c), both arrive at L = 2 us.
  // Max-min on sw->c: B/2 each. Flow 1 ends after 2 S1 / B = 20 us, at L + 20 us = 22 us.
  // Flow 2 has then sent S1 too and has S2 - S1 = 2e6 B left at the full B: 20 us more, ending
  // at L + (S1 + S2)/B = 2 + 40 = 42 us. (Exact: 5e10 * 2e7 ps * 1e-12 rounds to exactly 1e6.)
  SharedLink n;
  Harness h(n.t);
  h.flow(n.a, n.c, 1e6);
  h.flow(n.b, n.c, 3e6);
  h.run();
  EXPECT_EQ(h.done_ps[0], 22'000'000);
  EXPECT_EQ(h.done_ps[1], 42'000'000);
}

TEST(FlowFabricTest, ALaterFlowTakesHalfFromTheFirst) {
  // B = 1e11 B/s, latency 0. Flow 1: 3e6 B at t = 0. Flow 2: 1e6 B at t = 10 us.
  // [0, 10 us]: flow 1 alone at B sends 1e6 B. Then B/2 each: flow 2 needs 1e6 / 5e10 = 20 us
  // and ends at 30 us; flow 1 sends another 1e6 B meanwhile and its last 1e6 B at B take 10 us:
  // it ends at 40 us = (S1 + S2)/B, as work conservation says.
  SharedLink n(Time::zero());
  Harness h(n.t);
  h.flow(n.a, n.c, 3e6);
  h.flow(n.b, n.c, 1e6, Time::us(10));
  h.run();
  EXPECT_NEAR(h.done_ps[1], 30e6, kSolverTolPs);
  EXPECT_NEAR(h.done_ps[0], 40e6, kSolverTolPs);
}

TEST(FlowFabricTest, ZeroByteFlowCostsLatencyOnly) {
  // L = 3 us, nothing to send: done at exactly 3 us, and it never takes bandwidth from others:
  // a 3e6 B flow on the same path still ends at 3 us + 1 ms.
  TwoHop n;
  Harness h(n.t);
  h.flow(n.gpu0, n.gpu1, 0);
  h.flow(n.gpu0, n.gpu1, 3e6);
  h.run();
  EXPECT_EQ(h.done_ps[0], 3'000'000);
  EXPECT_EQ(h.done_ps[1], 1'003'000'000);
}

TEST(FlowFabricTest, ZeroByteFlowOnAZeroLatencyPathFinishesAtOnce) {
  SharedLink n(Time::zero());
  Harness h(n.t);
  h.flow(n.a, n.c, 0, Time::ns(5));
  h.run();
  EXPECT_EQ(h.done_ps[0], 5'000);
}

TEST(FlowFabricTest, FlowsArrivingAtTheSameInstantShareEqually) {
  // Three 1e6 B flows into c arrive together at L = 2 us: B/3 each, so all end at
  // L + 3 S / B = 2 us + 30 us = 32 us (3e6 * 1e12 / 1e11 = 3e7 ps: exact, no rounding).
  // The arrivals are one re-solve and the simultaneous completions another.
  Topology t;
  uint32_t c = t.add_node("c", NodeKind::kAccelerator);
  uint32_t sw = t.add_node("sw", NodeKind::kSwitch);
  t.add_link(link(c, sw, 1e11, Time::us(1)));
  std::vector<uint32_t> src;
  for (int i = 0; i < 3; ++i) {
    src.push_back(t.add_node(name("h", i), NodeKind::kAccelerator));
    t.add_link(link(src.back(), sw, 1e12, Time::us(1)));
  }
  Harness h(t);
  for (uint32_t s : src) h.flow(s, c, 1e6);
  h.run();
  // B/3 = 33,333,333,333.33 B/s: 1e6 B take 30,000,000.0000003 ps in double arithmetic at most
  // a picosecond above the exact 30 us.
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(h.done_ps[i], 32e6, kSolverTolPs) << "flow " << i;
  EXPECT_EQ(h.done_ps[0], h.done_ps[1]);
  EXPECT_EQ(h.done_ps[1], h.done_ps[2]);
  EXPECT_EQ(h.fabric.solves(), 2u);
}

/** The topology of validation/scenarios/maxmin_three_flows.yaml, zero latency. */
struct ThreeFlows {
  Topology t;
  uint32_t h[5], s0, s1;
  ThreeFlows() {
    for (int i = 0; i < 5; ++i) h[i] = t.add_node(name("h", i), NodeKind::kAccelerator);
    s0 = t.add_node("s0", NodeKind::kSwitch);
    s1 = t.add_node("s1", NodeKind::kSwitch);
    t.add_link(link(h[0], s0, 100e9, Time::zero()));
    t.add_link(link(h[1], s0, 4e9, Time::zero()));
    t.add_link(link(s0, s1, 10e9, Time::zero()));
    t.add_link(link(s1, h[2], 100e9, Time::zero()));
    t.add_link(link(s1, h[3], 100e9, Time::zero()));
    t.add_link(link(s0, h[4], 100e9, Time::zero()));
  }
};

TEST(FlowFabricTest, MaxMinThreeFlowsTextbookCase) {
  //   h0 -100GB/s- s0 -10GB/s- s1 -100GB/s- h2, h3 ; h1 -4GB/s- s0 -100GB/s- h4
  //   A: h0->h2 (1 GB)   B: h1->h3 (1 GB)   C: h1->h4 (0.2 GB)
  // Progressive filling (Bertsekas & Gallager, Data Networks, 6.5.2):
  // [0, 0.1 s]: h1's 4 GB/s uplink is the tightest channel: B = C = 2 GB/s; A gets the rest of
  //   s0->s1, 10 - 2 = 8 GB/s. C (0.2 GB at 2 GB/s) ends at 0.1 s; A has sent 0.8 GB, B 0.2 GB.
  // Then B = 4 GB/s (its uplink) and A = 10 - 4 = 6 GB/s: A's last 0.2 GB take 1/30 s, A ends
  //   at 0.1333... s = 133,333,333,333.3 ps; B's last 0.8 GB at 4 GB/s end at 0.3 s (its uplink
  //   still the limit after A leaves).
  ThreeFlows n;
  Harness h(n.t);
  size_t a = h.flow(n.h[0], n.h[2], 1e9);
  size_t b = h.flow(n.h[1], n.h[3], 1e9);
  size_t c = h.flow(n.h[1], n.h[4], 0.2e9);
  h.run();
  EXPECT_NEAR(h.done_ps[c], 0.1e12, kSolverTolPs);
  EXPECT_NEAR(h.done_ps[a], 0.4e12 / 3, kSolverTolPs);
  EXPECT_NEAR(h.done_ps[b], 0.3e12, kSolverTolPs);
}

TEST(FlowFabricTest, LinkUsageCountsBytesOnEveryChannelOfAPath) {
  // Bytes carried = sum over flows of size x hops: A 3 x 1e9 + B 3 x 1e9 + C 2 x 0.2e9 = 6.4e9 B.
  // Capacity = every channel of the class, both directions of the six full-duplex links:
  //   2 x (100 + 4 + 10 + 100 + 100 + 100) GB/s = 828 GB/s.
  ThreeFlows n;
  Harness h(n.t);
  h.flow(n.h[0], n.h[2], 1e9);
  h.flow(n.h[1], n.h[3], 1e9);
  h.flow(n.h[1], n.h[4], 0.2e9);
  h.run();
  auto u = h.fabric.usage();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].link_class, "ethernet");
  EXPECT_DOUBLE_EQ(u[0].bytes, 6.4e9);
  EXPECT_DOUBLE_EQ(u[0].capacity_bytes_per_s, 828e9);
}

TEST(FlowFabricTest, LinkUsageIsPerClassAndCountsAHalfDuplexLinkOnce) {
  // nvlink a-b (full duplex, 100 GB/s): 2 channels = 200 GB/s; pcie b-c (half duplex, 10 GB/s):
  // 1 channel = 10 GB/s. One 1e6 B flow a->c crosses one channel of each class.
  Topology t;
  uint32_t a = t.add_node("a", NodeKind::kAccelerator);
  uint32_t b = t.add_node("b", NodeKind::kSwitch);
  uint32_t c = t.add_node("c", NodeKind::kAccelerator);
  t.add_link(link(a, b, 100e9, Time::zero(), "nvlink"));
  t.add_link(Link{b, c, "pcie", 10e9, 10e9, Time::zero(), false});
  Harness h(t);
  h.flow(a, c, 1e6);
  h.run();
  auto u = h.fabric.usage();
  ASSERT_EQ(u.size(), 2u);  // sorted by class name
  EXPECT_EQ(u[0].link_class, "nvlink");
  EXPECT_DOUBLE_EQ(u[0].bytes, 1e6);
  EXPECT_DOUBLE_EQ(u[0].capacity_bytes_per_s, 200e9);
  EXPECT_EQ(u[1].link_class, "pcie");
  EXPECT_DOUBLE_EQ(u[1].bytes, 1e6);
  EXPECT_DOUBLE_EQ(u[1].capacity_bytes_per_s, 10e9);
  // 1e6 B at the 10 GB/s bottleneck = 100 us.
  EXPECT_EQ(h.done_ps[0], 100'000'000);
}

TEST(FlowFabricTest, ManyFlowsConserveWork) {
  // 20 flows of 1e6 B each from a to c, started 1 us apart on a zero-latency path of 1e11 B/s:
  // the channel is never idle after t = 0 (each flow would take 10 us alone), so the last flow
  // ends when all 2e7 B have crossed: 2e7 / 1e11 s = 200 us.
  SharedLink n(Time::zero());
  Harness h(n.t);
  for (int i = 0; i < 20; ++i) h.flow(n.a, n.c, 1e6, Time::us(i));
  h.run();
  int64_t last = 0;
  for (int64_t d : h.done_ps) last = std::max(last, d);
  EXPECT_NEAR(last, 200e6, 20 * kSolverTolPs);
  EXPECT_EQ(h.fabric.active_flows(), 0u);
}

TEST(FlowFabricTest, NegativeBytesAreAnInternalError) {
  TwoHop n;
  Simulator sim;
  Router router(n.t);
  FlowFabric fabric(sim, n.t);
  EXPECT_THROW(fabric.start_flow(router.route(n.gpu0, n.gpu1, 0), -1, [] {}),
               simcore::InternalError);
}

}  // namespace
}  // namespace dtsim::network
