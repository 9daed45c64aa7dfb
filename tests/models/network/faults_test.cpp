// Faults on the flow back-end (models/network/faults.h): a link down under each policy, a
// degraded window, re-routing onto a parallel path, a link that never returns. Every expected
// time is worked out in the comment from the lone-flow form L + S/B.
#include "models/network/faults.h"

#include <gtest/gtest.h>

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

// Remaining bytes are kept in double arithmetic and each finish time is rounded up to a whole
// picosecond, so a time reached through a rate change may sit a picosecond or two above the
// exact rational value.
constexpr double kSolverTolPs = 2.0;

constexpr double kS = 1e6;       // flow size, bytes
constexpr double kB = 1e9;       // link capacity, bytes/s
const Time kL = Time::us(1);     // link latency
const Time kT1 = Time::us(500);  // the fault starts
const Time kT2 = Time::us(800);  // and ends

Link link(uint32_t a, uint32_t b, double bw, Time latency) {
  return Link{a, b, "ethernet", bw, bw, latency, true};
}

/** Hosts a and b joined by a direct link (id 0: B, L) and, when `detour`, by a -- s -- b
 *  (links 1 and 2: `detour_bw` each, latency 2 us each). */
Topology make_topology(bool detour, double detour_bw = 0.25e9) {
  Topology t;
  uint32_t a = t.add_node("a", NodeKind::kHost);
  uint32_t b = t.add_node("b", NodeKind::kHost);
  t.add_link(link(a, b, kB, kL));
  if (detour) {
    uint32_t s = t.add_node("s", NodeKind::kSwitch);
    t.add_link(link(a, s, detour_bw, Time::us(2)));
    t.add_link(link(s, b, detour_bw, Time::us(2)));
  }
  return t;
}

/** One flow a -> b of kS bytes started at 0 under a fault plan; records done and failure. */
struct OneFlow {
  Simulator sim;
  Topology topo;
  Router router;
  FlowFabric fabric;
  FaultInjector faults;
  int64_t done_ps = -1, failed_ps = -1;
  std::string why;

  OneFlow(Topology t, FaultPlan plan)
      : topo(std::move(t)),
        router(topo),
        fabric(sim, topo, 0.0),
        faults(sim, topo, router, fabric, std::move(plan)) {
    faults.start();
    start(Time::zero());
  }
  void start(Time at) {
    sim.schedule_at(at, [this] {
      fabric.start_flow(
          router.route(0, 1, 0), kS, [this] { done_ps = sim.now().count_ps(); }, {},
          [this](const std::string& w) {
            failed_ps = sim.now().count_ps();
            why = w;
          });
    });
  }
  void run() {
    sim.run();
    while (faults.fail_stuck()) sim.run();
  }
};

FaultPlan down_plan(LinkDownPolicy policy, std::optional<Time> until) {
  FaultPlan p;
  p.on_link_down = policy;
  LinkFault f;
  f.links = {0};
  f.name = "a<->b";
  f.at = kT1;
  f.until = until;
  f.down = true;
  p.faults.push_back(f);
  return p;
}

TEST(Faults, StallAddsTheDownTimeToALoneFlow) {
  // L + S/B = 1 us + 1e6 / 1e9 s = 1001 us without the fault; the flow waits at rate 0 from t1
  // to t2, so it ends (t2 - t1) = 300 us later: 1301 us. Bytes left at t1: S - B (t1 - L) =
  // 1e6 - 1e9 x 499e-6 = 501000.
  OneFlow r(make_topology(false), down_plan(LinkDownPolicy::kStall, kT2));
  r.run();
  EXPECT_NEAR(static_cast<double>(r.done_ps), 1301e6, kSolverTolPs);
  EXPECT_EQ(r.failed_ps, -1);
  const FaultHits& h = r.faults.hits().at(0);
  EXPECT_EQ(h.flows, 1u);
  EXPECT_EQ(h.stalled, 1u);
  EXPECT_EQ(h.rerouted, 0u);
  EXPECT_EQ(h.failed, 0u);
  EXPECT_NEAR(h.bytes, 501000.0, 1e-3);
  EXPECT_TRUE(r.faults.failed_transfers().empty());
}

TEST(Faults, RerouteWithoutAnotherPathStallsUntilTheLinkReturns) {
  // a and b have one link: nowhere to go, so the flow stalls as under `stall`: 1301 us.
  OneFlow r(make_topology(false), down_plan(LinkDownPolicy::kReroute, kT2));
  r.run();
  EXPECT_NEAR(static_cast<double>(r.done_ps), 1301e6, kSolverTolPs);
  EXPECT_EQ(r.faults.hits().at(0).stalled, 1u);
  EXPECT_EQ(r.faults.hits().at(0).rerouted, 0u);
}

TEST(Faults, DegradedCapacityIntegratesTheRate) {
  // Half the capacity from t1 to t2: the flow moves B (t1 - L) = 499000 bytes by t1, then
  // B/2 x 300 us = 150000 more by t2, then the last 1e6 - 649000 = 351000 at B: 351 us.
  // It ends at 800 + 351 = 1151 us (the integral of its rate reaches S).
  FaultPlan p;
  LinkFault f;
  f.links = {0};
  f.name = "a<->b";
  f.at = kT1;
  f.until = kT2;
  f.capacity_fraction = 0.5;
  p.faults.push_back(f);
  OneFlow r(make_topology(false), p);
  r.run();
  EXPECT_NEAR(static_cast<double>(r.done_ps), 1151e6, kSolverTolPs);
  EXPECT_EQ(r.faults.hits().at(0).flows, 1u);
  EXPECT_EQ(r.faults.hits().at(0).stalled, 0u);
}

TEST(Faults, DegradedLatencyDelaysTransfersThatStartDuringIt) {
  // +10 us of latency from t1 to t2 on the only link. The flow started at 0 has paid its latency
  // already. A second flow started at 600 us (inside the window) pays L + 10 us: it arrives at
  // 611 us. By then the first has moved B x 610 us = 610000 bytes; the two share B (B/2 each),
  // so the first ends its last 390000 bytes at 611 + 780 = 1391 us; the second has moved 390000
  // by then and ends its last 610000 at B: 1391 + 610 = 2001 us.
  FaultPlan p;
  LinkFault f;
  f.links = {0};
  f.name = "a<->b";
  f.at = kT1;
  f.until = kT2;
  f.extra_latency = Time::us(10);
  p.faults.push_back(f);
  OneFlow r(make_topology(false), p);
  int64_t second_ps = -1;
  r.sim.schedule_at(Time::us(600), [&] {
    r.fabric.start_flow(r.router.route(0, 1, 1), kS, [&] { second_ps = r.sim.now().count_ps(); });
  });
  r.run();
  EXPECT_NEAR(static_cast<double>(r.done_ps), 1391e6, kSolverTolPs);
  EXPECT_NEAR(static_cast<double>(second_ps), 2001e6, kSolverTolPs);
}

TEST(Faults, RerouteMovesTheRemainingBytesToAParallelPathOfAnotherCapacity) {
  // The direct link (B = 1 GB/s) goes down at t1 with 501000 bytes left. The detour a -- s -- b
  // has 0.25 GB/s per link and 2 x 2 us of latency: the rest arrives after 4 us and moves at
  // 0.25e9, taking 501000 / 0.25e9 = 2004 us: it ends at 500 + 4 + 2004 = 2508 us. The direct
  // link's return at t2 does not move it back.
  OneFlow r(make_topology(true), down_plan(LinkDownPolicy::kReroute, kT2));
  r.run();
  EXPECT_NEAR(static_cast<double>(r.done_ps), 2508e6, kSolverTolPs);
  const FaultHits& h = r.faults.hits().at(0);
  EXPECT_EQ(h.rerouted, 1u);
  EXPECT_EQ(h.stalled, 0u);
  EXPECT_NEAR(h.bytes_rerouted, 501000.0, 1e-3);
  // Routes after the link returned use it again: one hop.
  EXPECT_EQ(r.router.route(0, 1, 0).channels.size(), 1u);
}

TEST(Faults, StallIgnoresAParallelPath) {
  // Under `stall` the detour is not used: 1301 us as on the lone link.
  OneFlow r(make_topology(true), down_plan(LinkDownPolicy::kStall, kT2));
  r.run();
  EXPECT_NEAR(static_cast<double>(r.done_ps), 1301e6, kSolverTolPs);
}

TEST(Faults, FailEndsTheFlowAndListsTheTransfer) {
  // At t1 the flow has 501000 bytes left; it fails then, and `done` never runs.
  OneFlow r(make_topology(true), down_plan(LinkDownPolicy::kFail, kT2));
  r.run();
  EXPECT_EQ(r.done_ps, -1);
  EXPECT_EQ(r.failed_ps, kT1.count_ps());
  ASSERT_EQ(r.faults.failed_transfers().size(), 1u);
  const FailedTransfer& t = r.faults.failed_transfers()[0];
  EXPECT_EQ(t.src, "a");
  EXPECT_EQ(t.dst, "b");
  EXPECT_EQ(t.bytes, kS);
  EXPECT_NEAR(t.bytes_left, 501000.0, 1e-3);
  EXPECT_EQ(t.fault, 0);
  EXPECT_EQ(t.why, "link a<->b went down at 0.0005 s (on_link_down: fail)");
  EXPECT_EQ(r.faults.hits().at(0).failed, 1u);
}

TEST(Faults, NoRouteAndNoReturnIsReportedNotHung) {
  // The only link goes down for good and there is no other path: the flow can never finish, so
  // it fails at t1 and is listed; `done` never runs, and the run ends.
  OneFlow r(make_topology(false), down_plan(LinkDownPolicy::kReroute, std::nullopt));
  r.run();
  EXPECT_EQ(r.done_ps, -1);
  EXPECT_EQ(r.failed_ps, kT1.count_ps());
  ASSERT_EQ(r.faults.failed_transfers().size(), 1u);
  EXPECT_EQ(r.faults.failed_transfers()[0].why,
            "link a<->b went down for good at 0.0005 s and no other path exists");
  EXPECT_EQ(r.fabric.active_flows(), 0u);
}

TEST(Faults, AFlowLeftWaitingWhenTheRunEndsFails) {
  // A channel at capacity 0 that no fault explains (set by hand here) and never rises: the run
  // ends with the flow waiting; fail_stuck fails it then and lists it. (The fault, on the
  // detour, is only there to install the observer.)
  FaultPlan p = down_plan(LinkDownPolicy::kStall, kT2);
  p.faults[0].links = {1};
  OneFlow r(make_topology(true), p);
  r.fabric.set_channel_capacity(0, 0);
  r.sim.run();
  EXPECT_EQ(r.done_ps, -1);
  EXPECT_TRUE(r.faults.fail_stuck());
  EXPECT_FALSE(r.faults.fail_stuck());
  ASSERT_EQ(r.faults.failed_transfers().size(), 1u);
  EXPECT_EQ(r.faults.failed_transfers()[0].why,
            "waits on a channel of capacity 0 that never rises");
  EXPECT_EQ(r.faults.failed_transfers()[0].fault, -1);
  EXPECT_EQ(r.faults.failed_transfers()[0].bytes_left, kS);
}

TEST(Faults, AFlowStartedWhileItsOnlyLinkIsDownWaitsForItUnderRerouteAndStall) {
  // The link is down from 0 to 300 us and the flow starts at 0, after it went down (the fault's
  // event comes first). Under reroute no path avoids the link, so the route goes through it
  // anyway (no "no route" error): the flow pays L while the link is down, waits, and moves its
  // S bytes at B from 300 us: it ends at 300 + 1000 = 1300 us.
  for (LinkDownPolicy policy : {LinkDownPolicy::kReroute, LinkDownPolicy::kStall}) {
    FaultPlan p = down_plan(policy, Time::us(300));
    p.faults[0].at = Time::zero();
    OneFlow r(make_topology(false), p);
    r.run();
    EXPECT_NEAR(static_cast<double>(r.done_ps), 1300e6, kSolverTolPs) << to_string(policy);
    EXPECT_EQ(r.faults.hits().at(0).stalled, 1u);
  }
}

TEST(Faults, AFlowStartedWhileALinkIsDownTakesTheDetourUnderReroute) {
  // Same, with the detour a -- s -- b (0.25 GB/s, 4 us): under reroute the route avoids the down
  // link from the start: 4 us + 1e6 / 0.25e9 s = 4004 us.
  FaultPlan p = down_plan(LinkDownPolicy::kReroute, Time::us(300));
  p.faults[0].at = Time::zero();
  OneFlow r(make_topology(true), p);
  r.run();
  EXPECT_NEAR(static_cast<double>(r.done_ps), 4004e6, kSolverTolPs);
}

TEST(Faults, OverlappingFaultsOnALinkCombine) {
  // Degraded to half from 200 to 800 us, and down from 500 to 600 us inside that window (stall).
  // The flow moves B x 199 us = 199000 bytes by 200 us, B/2 x 300 us = 150000 more by 500 us,
  // nothing until 600 us (the link is still degraded when it returns), B/2 x 200 us = 100000 by
  // 800 us, then its last 1e6 - 449000 = 551000 at B: it ends at 800 + 551 = 1351 us.
  FaultPlan p = down_plan(LinkDownPolicy::kStall, Time::us(600));
  LinkFault half;
  half.links = {0};
  half.name = "a<->b";
  half.at = Time::us(200);
  half.until = Time::us(800);
  half.capacity_fraction = 0.5;
  p.faults.push_back(half);
  OneFlow r(make_topology(false), p);
  r.run();
  EXPECT_NEAR(static_cast<double>(r.done_ps), 1351e6, kSolverTolPs);
}

TEST(Faults, AFlowStartedOnADownLinkFailsUnderFail) {
  // A second flow started at 600 us, while the link is down, fails when it arrives (601 us).
  OneFlow r(make_topology(false), down_plan(LinkDownPolicy::kFail, kT2));
  r.start(Time::us(600));
  r.run();
  EXPECT_EQ(r.faults.failed_transfers().size(), 2u);
  EXPECT_EQ(r.failed_ps, Time::us(601).count_ps());
  EXPECT_EQ(r.faults.hits().at(0).flows, 2u);
}

}  // namespace
}  // namespace dtsim::network
