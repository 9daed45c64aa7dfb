// FlowFabric with flow terms (weights, bounds, coefficients) and channel capacities that change
// while flows run. Plain max-min (the defaults) is covered by flow_fabric_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/network/flow_fabric.h"
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

// Finish times come from rates found by the solver, bytes left updated in double arithmetic and
// each finish time rounded up to a picosecond; compared with the exact closed form within this.
constexpr double kSolverTolPs = 2.0;

// gpu0 -(4 GB/s, zero latency, full duplex)- gpu1: one channel each way.
struct OneLink {
  Topology t;
  uint32_t gpu0, gpu1;
  OneLink() {
    gpu0 = t.add_node("gpu0", NodeKind::kAccelerator);
    gpu1 = t.add_node("gpu1", NodeKind::kAccelerator);
    t.add_link(Link{gpu0, gpu1, "ethernet", 4e9, 4e9, Time::zero(), true});
  }
};

FlowTerms weighted(double weight) {
  FlowTerms t;
  t.weight = weight;
  return t;
}
FlowTerms bounded(double bound_bytes_per_s) {
  FlowTerms t;
  t.bound_bytes_per_s = bound_bytes_per_s;
  return t;
}

/** Runs flows gpu0 -> gpu1 with the given terms and records when each one's `done` fires. */
struct Harness {
  OneLink net;
  Simulator sim;
  Router router{net.t};
  FlowFabric fabric{sim, net.t, 0.0};  // exact completions
  std::vector<int64_t> done_ps;

  size_t flow(double bytes, FlowTerms terms = {}) {
    size_t i = done_ps.size();
    done_ps.push_back(-1);
    fabric.start_flow(
        router.route(net.gpu0, net.gpu1, 0), bytes,
        [this, i] { done_ps[i] = sim.now().count_ps(); }, terms);
    return i;
  }
  uint32_t channel() { return router.route(net.gpu0, net.gpu1, 0).channels.at(0); }
  /** Sets the link's gpu0 -> gpu1 capacity at absolute time `at`. */
  void capacity_at(Time at, double bw_bytes_per_s) {
    const uint32_t c = channel();
    sim.schedule_at(at,
                    [this, c, bw_bytes_per_s] { fabric.set_channel_capacity(c, bw_bytes_per_s); });
  }
};

TEST(FlowFabricTermsTest, WeightedFlowsShareInProportionToTheirWeights) {
  // A (weight 1) and B (weight 3), 1 GB each, on 4 GB/s: A = 1 GB/s, B = 3 GB/s. B ends at
  // 1/3 s; A has sent 1/3 GB and takes the whole 4 GB/s for its last 2/3 GB: 1/6 s more, so A
  // ends at 1/2 s.
  Harness h;
  size_t a = h.flow(1e9, weighted(1));
  size_t b = h.flow(1e9, weighted(3));
  h.sim.run();
  EXPECT_NEAR(h.done_ps[b], 1e12 / 3, kSolverTolPs);
  EXPECT_NEAR(h.done_ps[a], 0.5e12, kSolverTolPs);
}

TEST(FlowFabricTermsTest, ABoundedFlowLeavesTheRestToTheOthers) {
  // A bounded at 1 GB/s, B unbounded, 1 GB each, on 4 GB/s: A = 1, B = 3 GB/s. B ends at
  // 1/3 s; A stays at its bound, so A ends at 1 GB / 1 GB/s = 1 s (its rate never changes, and
  // 1e9 B at 1e9 B/s is exactly 1e12 ps).
  Harness h;
  size_t a = h.flow(1e9, bounded(1e9));
  size_t b = h.flow(1e9);
  h.sim.run();
  EXPECT_NEAR(h.done_ps[b], 1e12 / 3, kSolverTolPs);
  EXPECT_EQ(h.done_ps[a], 1'000'000'000'000);
}

TEST(FlowFabricTermsTest, ACoefficientChargesTheChannelPerPayloadByte) {
  // A lone flow with coefficient 2 on its channel (two channel bytes per payload byte) gets
  // 4 / 2 = 2 GB/s of payload: 1 GB takes 0.5 s (exact: 1e9 * 1e12 / 2e9 = 5e11 ps). The
  // channel's usage counts payload bytes.
  Harness h;
  FlowTerms terms;
  terms.coefficients = {2.0};
  size_t a = h.flow(1e9, terms);
  h.sim.run();
  EXPECT_EQ(h.done_ps[a], 500'000'000'000);
}

TEST(FlowFabricTermsTest, AFlowAcrossACapacityStepFinishesWhenItsRateIntegralReachesItsSize) {
  // 1 GB alone; the link runs at 1 GB/s until 0.25 s, then at 3 GB/s. By 0.25 s it has sent
  // 0.25 GB; the other 0.75 GB at 3 GB/s take 0.25 s: it ends at 0.5 s.
  Harness h;
  h.fabric.set_channel_capacity(h.channel(), 1e9);  // before the run
  size_t a = h.flow(1e9);
  h.capacity_at(Time::ms(250), 3e9);
  h.sim.run();
  EXPECT_NEAR(h.done_ps[a], 0.5e12, kSolverTolPs);
}

TEST(FlowFabricTermsTest, AFlowStallsWhileItsChannelIsDown) {
  // 1 GB on 4 GB/s; the channel is down (capacity 0) from 0.1 s to 1 s. By 0.1 s it has sent
  // 0.4 GB; it sends nothing while the channel is down; the other 0.6 GB at 4 GB/s take 0.15 s
  // from 1 s: it ends at 1.15 s.
  Harness h;
  size_t a = h.flow(1e9);
  h.capacity_at(Time::ms(100), 0);
  h.capacity_at(Time::ms(1000), 4e9);
  h.sim.run();
  EXPECT_NEAR(h.done_ps[a], 1.15e12, kSolverTolPs);
}

TEST(FlowFabricTermsTest, CapacityChangeReachesEveryFlowOnTheChannel) {
  // A and B, 1 GB each, on 4 GB/s: 2 GB/s each. At 0.25 s (0.5 GB sent each) the link drops
  // to 1 GB/s: 0.5 GB/s each, so the other 0.5 GB take 1 s: both end at 1.25 s.
  Harness h;
  size_t a = h.flow(1e9);
  size_t b = h.flow(1e9);
  h.capacity_at(Time::ms(250), 1e9);
  h.sim.run();
  EXPECT_NEAR(h.done_ps[a], 1.25e12, kSolverTolPs);
  EXPECT_NEAR(h.done_ps[b], 1.25e12, kSolverTolPs);
}

}  // namespace
}  // namespace dtsim::network
