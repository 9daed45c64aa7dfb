// FlowFabric multicast flows: one source, several destinations, one rate on the union of the
// paths (a tree), each channel charged once.
#include <gtest/gtest.h>

#include <vector>

#include "models/network/flow_fabric.h"
#include "simcore/error.h"
#include "simcore/simulator.h"
#include "topologies/routing.h"
#include "topologies/topology.h"

namespace dtsim::network {
namespace {

using simcore::Simulator;
using simcore::Time;
using topologies::Link;
using topologies::NodeKind;
using topologies::Path;
using topologies::Router;
using topologies::Topology;

// Finish times come from rates found by the solver and each finish time rounded up to a
// picosecond; compared with the exact closed form within this.
constexpr double kSolverTolPs = 2.0;

// A star: src -(6 GB/s, 1 us)- sw, then sw -(10 GB/s, 1 us)- d1 and sw -(10 GB/s, 3 us)- d2.
// Path latencies: src->d1 2 us, src->d2 4 us. The upstream link src->sw is the bottleneck.
struct Star {
  Topology t;
  uint32_t src, sw, d1, d2;
  Star() {
    src = t.add_node("src", NodeKind::kAccelerator);
    d1 = t.add_node("d1", NodeKind::kAccelerator);
    d2 = t.add_node("d2", NodeKind::kAccelerator);
    sw = t.add_node("sw", NodeKind::kSwitch);
    t.add_link(Link{src, sw, "ethernet", 6e9, 6e9, Time::us(1), true});
    t.add_link(Link{sw, d1, "ethernet", 10e9, 10e9, Time::us(1), true});
    t.add_link(Link{sw, d2, "ethernet", 10e9, 10e9, Time::us(3), true});
  }
};

struct Harness {
  Star net;
  Simulator sim;
  Router router{net.t};
  FlowFabric fabric{sim, net.t, 0.0};  // exact completions
  std::vector<int64_t> done_ps;

  std::function<void()> record(size_t i) {
    return [this, i] { done_ps[i] = sim.now().count_ps(); };
  }
  size_t multicast(double bytes) {
    done_ps.push_back(-1);
    const std::vector<Path> paths{router.route(net.src, net.d1, 0),
                                  router.route(net.src, net.d2, 0)};
    fabric.start_multicast(paths, bytes, record(done_ps.size() - 1));
    return done_ps.size() - 1;
  }
  size_t unicast(uint32_t dst, double bytes) {
    done_ps.push_back(-1);
    fabric.start_flow(router.route(net.src, dst, 0), bytes, record(done_ps.size() - 1));
    return done_ps.size() - 1;
  }
};

TEST(FlowFabricMulticastTest, TheTreeSharesItsUpstreamLinkOnce) {
  // 1 GB to d1 and d2 as one multicast: its tree {src->sw, sw->d1, sw->d2} is limited by
  // src->sw, 6 GB/s, crossed once. It pays the longer path's latency, 4 us, then
  // 1e9 B / 6e9 B/s = 1/6 s: done at 4e6 + 1e12/6 ps (1e12/6 rounded up to 166,666,666,667).
  // As two unicasts the same bytes would share src->sw at 3 GB/s each and take 1/3 s.
  Harness h;
  size_t m = h.multicast(1e9);
  h.sim.run();
  EXPECT_NEAR(h.done_ps[m], 4e6 + 1e12 / 6, kSolverTolPs);
  // Usage counts 1 GB on each of the tree's three channels, not 4 GB as two unicasts would.
  double bytes = 0;
  for (const auto& u : h.fabric.usage()) bytes += u.bytes;
  EXPECT_EQ(bytes, 3e9);
}

TEST(FlowFabricMulticastTest, TwoUnicastsPayTheUpstreamLinkTwice) {
  // The contrast: the same bytes as two unicasts. The d1 flow starts sharing at 2 us, the d2
  // one at 4 us. For those 2 us d1 has src->sw alone, 6 GB/s (12e3 B); then they share it,
  // 3 GB/s each. d1 ends at 4 us + (1e9 - 12e3) B / 3e9 B/s; d2, 12e3 B behind, then has
  // 6 GB/s alone for its last 12e3 B: 2 us later. Both near 1/3 s, twice the multicast's time.
  Harness h;
  size_t a = h.unicast(h.net.d1, 1e9);
  size_t b = h.unicast(h.net.d2, 1e9);
  h.sim.run();
  const double d1_end_ps = 4e6 + (1e9 - 12e3) / 3e9 * 1e12;
  EXPECT_NEAR(h.done_ps[a], d1_end_ps, kSolverTolPs);
  EXPECT_NEAR(h.done_ps[b], d1_end_ps + 2e6, kSolverTolPs);
}

TEST(FlowFabricMulticastTest, AMulticastAndAUnicastShareTheUpstreamLinkMaxMin) {
  // A multicast to d1 and d2 (1 GB) and a unicast to d1 (1 GB), both on src->sw (6 GB/s) and
  // sw->d1 (10 GB/s). The unicast starts sharing at 2 us, the multicast at 4 us: for those
  // 2 us the unicast has 6 GB/s (12 kB); then src->sw's share is 6 / 2 = 3 GB/s each (sw->d1
  // carries 6 < 10). The unicast ends at 4 us + (1e9 - 12e3) / 3e9 s; the multicast, 12e3 B
  // behind, has src->sw alone for its last 12e3 B at 6 GB/s: 2 us later.
  Harness h;
  size_t u = h.unicast(h.net.d1, 1e9);
  size_t m = h.multicast(1e9);
  h.sim.run();
  const double u_end_ps = 4e6 + (1e9 - 12e3) / 3e9 * 1e12;
  EXPECT_NEAR(h.done_ps[u], u_end_ps, kSolverTolPs);
  EXPECT_NEAR(h.done_ps[m], u_end_ps + 2e6, kSolverTolPs);
}

TEST(FlowFabricMulticastTest, MisuseIsAnInternalError) {
  Harness h;
  EXPECT_THROW(h.fabric.start_multicast({}, 1e9, [] {}), simcore::InternalError);
  const std::vector<Path> paths{h.router.route(h.net.src, h.net.d1, 0)};
  FlowTerms terms;
  terms.coefficients = {1.0, 1.0};
  EXPECT_THROW(h.fabric.start_multicast(
                   paths, 1e9, [] {}, terms),
               simcore::InternalError);
}

}  // namespace
}  // namespace dtsim::network
