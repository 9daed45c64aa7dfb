#include "topologies/routing.h"

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "simcore/error.h"
#include "topologies/builders.h"
#include "tests/support/rail_fat_tree.h"

namespace dtsim::topologies {
namespace {

// Illustrative link parameters (test inputs, not datasheet values).
using test::rail_params;

uint32_t id(const Topology& t, std::string_view name) { return *t.find_node(name); }

std::vector<std::string> classes(const Topology& t, const Path& p) {
  std::vector<std::string> out;
  for (uint32_t ch : p.channels) out.push_back(t.channel_class(ch));
  return out;
}

/** Node names along a path, source first: each channel's direction gives its far end. */
std::vector<std::string> hops_of(const Topology& t, uint32_t src, const Path& p) {
  std::vector<std::string> out{t.nodes()[src].name};
  for (uint32_t ch : p.channels) {
    const Link& l = t.links()[ch / 2];
    const uint32_t to = (ch % 2 == 0) ? l.b : l.a;
    out.push_back(t.nodes()[to].name);
  }
  return out;
}

TEST(RoutingTest, RailFatTreeSameRailGoesThroughOneLeaf) {
  // n0.gpu0 -> n1.gpu0: GPUs do not forward and rail 0's NICs share leaf.r0.g0, so the shortest
  // path is gpu-nic-leaf-nic-gpu: 4 channels, classes pcie, infiniband, infiniband, pcie.
  // Latency = 100 + 500 + 500 + 100 ns = 1200 ns; bottleneck = min(64, 50) GB/s = 50 GB/s.
  Topology t = build_rail_optimized_fat_tree(rail_params(2));
  Router r(t);
  const uint32_t src = id(t, "n0.gpu0"), dst = id(t, "n1.gpu0");
  Path p = r.route(src, dst, 0);
  EXPECT_EQ(classes(t, p), (std::vector<std::string>{"pcie", "infiniband", "infiniband", "pcie"}));
  EXPECT_EQ(hops_of(t, src, p),
            (std::vector<std::string>{"n0.gpu0", "n0.nic0", "leaf.r0.g0", "n1.nic0", "n1.gpu0"}));
  EXPECT_EQ(p.latency, Time::ns(1200));
  EXPECT_EQ(p.bottleneck_bytes_per_s, 50e9);
  EXPECT_EQ(r.hops(src, dst), 4);
}

TEST(RoutingTest, KeptRoutesAreTheRoutesAndStepAsideForDownLinks) {
  // n0.gpu0 -> n0.gpu1 has one shortest path (gpu-nvswitch-gpu, no ECMP choice), so the router
  // keeps it: asked again, with another flow hash, it hands out the same path. With the
  // gpu0-nvswitch link down, the route is what a router that never kept anything gives with that
  // link down (through the NICs, the leaves and a spine: not the kept route); with the link back
  // up, the first path again.
  Topology t = build_rail_optimized_fat_tree(rail_params(2));
  Router r(t);
  const uint32_t src = id(t, "n0.gpu0"), dst = id(t, "n0.gpu1");
  const Path first = r.route(src, dst, 0);
  const Path again = r.route(src, dst, 12345);
  EXPECT_EQ(again.channels, first.channels);
  EXPECT_EQ(again.latency, first.latency);
  EXPECT_EQ(again.bottleneck_bytes_per_s, first.bottleneck_bytes_per_s);
  const uint32_t nvlink = first.channels[0] / 2;  // a link's two channels are 2l and 2l + 1
  r.set_link_down(nvlink, true);
  Router fresh(t);
  fresh.set_link_down(nvlink, true);
  const Path around = r.route(src, dst, 7);
  EXPECT_EQ(around.channels, fresh.route(src, dst, 7).channels);
  EXPECT_NE(around.channels, first.channels);
  r.set_link_down(nvlink, false);
  EXPECT_EQ(r.route(src, dst, 7).channels, first.channels);
}

TEST(RoutingTest, RailFatTreeInsideANodeUsesNvswitch) {
  // n0.gpu0 -> n0.gpu1: gpu-nvswitch-gpu, 2 NVLink channels, 300 + 300 ns.
  Topology t = build_rail_optimized_fat_tree(rail_params(2));
  Router r(t);
  const uint32_t src = id(t, "n0.gpu0");
  Path p = r.route(src, id(t, "n0.gpu1"), 0);
  EXPECT_EQ(hops_of(t, src, p), (std::vector<std::string>{"n0.gpu0", "n0.nvswitch", "n0.gpu1"}));
  EXPECT_EQ(classes(t, p), (std::vector<std::string>{"nvlink", "nvlink"}));
  EXPECT_EQ(p.latency, Time::ns(600));
  EXPECT_EQ(p.bottleneck_bytes_per_s, 450e9);
}

TEST(RoutingTest, RailFatTreeAcrossRailsSpreadsOverSpines) {
  // n0.gpu0 -> n1.gpu1: no PXN (GPUs do not forward), so gpu-nic-leaf.r0-spine-leaf.r1-nic-gpu:
  // 6 channels; leaf.r0.g0 has 8 equal-cost next hops (the spines), picked by the flow hash.
  // Latency = 100 + 500 + 700 + 700 + 500 + 100 = 2600 ns whatever the spine.
  Topology t = build_rail_optimized_fat_tree(rail_params(2));
  Router r(t);
  const uint32_t src = id(t, "n0.gpu0"), dst = id(t, "n1.gpu1");
  std::set<std::string> spines;
  for (uint64_t hash = 0; hash < 256; ++hash) {
    Path p = r.route(src, dst, hash);
    ASSERT_EQ(p.channels.size(), 6u);
    EXPECT_EQ(p.latency, Time::ns(2600));
    auto names = hops_of(t, src, p);
    EXPECT_EQ(names[2], "leaf.r0.g0");
    EXPECT_EQ(names[4], "leaf.r1.g0");
    spines.insert(names[3]);
    // Same hash, same route (deterministic ECMP).
    EXPECT_EQ(r.route(src, dst, hash).channels, p.channels);
  }
  // 256 hashes over 8 choices: every spine is used (a uniform hash misses one with probability
  // about 8 * (7/8)^256 < 1e-13).
  EXPECT_EQ(spines.size(), 8u);
}

TEST(RoutingTest, LatencyIsTheSumOfLinkLatencies) {
  // gpu0 -(100 ns, 10 GB/s)- s0 -(200 ns, 5 GB/s)- s1 -(300 ns, 20 GB/s)- gpu1:
  // latency 600 ns, bottleneck 5 GB/s, 3 hops.
  Topology t;
  auto g0 = t.add_node("gpu0", NodeKind::kAccelerator);
  auto s0 = t.add_node("s0", NodeKind::kSwitch);
  auto s1 = t.add_node("s1", NodeKind::kSwitch);
  auto g1 = t.add_node("gpu1", NodeKind::kAccelerator);
  t.add_link({g0, s0, "ethernet", 10e9, 10e9, Time::ns(100), true});
  t.add_link({s0, s1, "ethernet", 5e9, 5e9, Time::ns(200), true});
  t.add_link({s1, g1, "ethernet", 20e9, 20e9, Time::ns(300), true});
  Router r(t);
  Path p = r.route(g0, g1, 0);
  EXPECT_EQ(p.latency, Time::ns(600));
  EXPECT_EQ(p.bottleneck_bytes_per_s, 5e9);
  EXPECT_EQ(p.channels, (std::vector<uint32_t>{0, 2, 4}));  // a->b channel of links 0, 1, 2
  // Reverse direction: b->a channels 2*link+1, in reverse link order.
  EXPECT_EQ(r.route(g1, g0, 0).channels, (std::vector<uint32_t>{5, 3, 1}));
  EXPECT_EQ(r.hops(g0, g1), 3);
  EXPECT_EQ(r.hops(g0, g0), 0);
}

TEST(RoutingTest, HalfDuplexLinkUsesOneChannelBothWays) {
  Topology t;
  auto a = t.add_node("a", NodeKind::kAccelerator);
  auto b = t.add_node("b", NodeKind::kAccelerator);
  t.add_link({a, b, "pcie", 8e9, 8e9, Time::ns(10), false});
  Router r(t);
  EXPECT_EQ(r.route(a, b, 0).channels, (std::vector<uint32_t>{0}));
  EXPECT_EQ(r.route(b, a, 0).channels, (std::vector<uint32_t>{0}));
}

TEST(RoutingTest, DisconnectedGraphHasNoRoute) {
  Topology t;
  auto a = t.add_node("gpu0", NodeKind::kAccelerator);
  auto b = t.add_node("gpu1", NodeKind::kAccelerator);
  Router r(t);
  EXPECT_EQ(r.hops(a, b), -1);
  try {
    r.route(a, b, 0);
    FAIL() << "expected ConfigError";
  } catch (const simcore::ConfigError& e) {
    EXPECT_EQ(e.message(), "no route from 'gpu0' to 'gpu1'");
    EXPECT_STREQ(e.what(), "error: no route from 'gpu0' to 'gpu1'");
  }
}

TEST(RoutingTest, NonForwardingNodeIsNotTransited) {
  // gpu0 - host - gpu1: the host does not forward, so gpu0 cannot reach gpu1, but it can reach
  // the host itself (an endpoint may be non-forwarding).
  Topology t;
  auto g0 = t.add_node("gpu0", NodeKind::kAccelerator);
  auto h = t.add_node("host", NodeKind::kHost);
  auto g1 = t.add_node("gpu1", NodeKind::kAccelerator);
  t.add_link({g0, h, "pcie", 8e9, 8e9, Time::ns(10), true});
  t.add_link({h, g1, "pcie", 8e9, 8e9, Time::ns(10), true});
  Router r(t);
  EXPECT_EQ(r.hops(g0, g1), -1);
  EXPECT_EQ(r.hops(g0, h), 1);
  EXPECT_THROW(r.route(g0, g1, 0), simcore::ConfigError);
}

TEST(RoutingTest, RingRoutesTheShortWayAndSplitsTies) {
  // Ring of 8: gpu0 -> gpu3 is 3 hops clockwise (5 the other way); gpu0 -> gpu4 is 4 hops either
  // way, so ECMP at gpu0 picks link 0 (to gpu1) or link 7 (to gpu7) by hash.
  Topology t = build_ring(8, {"nvlink", 100e9, Time::ns(500)});
  Router r(t);
  EXPECT_EQ(r.hops(0, 3), 3);
  EXPECT_EQ(r.route(0, 3, 0).latency, Time::ns(1500));
  std::set<uint32_t> first_links;
  for (uint64_t hash = 0; hash < 64; ++hash) {
    Path p = r.route(0, 4, hash);
    EXPECT_EQ(p.channels.size(), 4u);
    first_links.insert(p.channels[0] / 2);
  }
  EXPECT_EQ(first_links, (std::set<uint32_t>{0, 7}));
}

TEST(RoutingTest, FullyConnectedRoutesDirectly) {
  // A direct link is always the 1-hop shortest path.
  Topology t = build_fully_connected(4, {"xgmi", 64e9, Time::ns(700)});
  Router r(t);
  for (uint32_t s = 0; s < 4; ++s)
    for (uint32_t d = 0; d < 4; ++d)
      if (s != d) {
        EXPECT_EQ(r.hops(s, d), 1);
        EXPECT_EQ(r.route(s, d, 0).channels.size(), 1u);
      }
}

TEST(RoutingTest, TorusHopsAreManhattanWithWraparound) {
  // 4x4 torus: hops((x1,y1),(x2,y2)) = sum over dims of min(|dx|, 4 - |dx|).
  // gpu0=(0,0) -> gpu10=(2,2): 2 + 2 = 4; gpu0 -> gpu15=(3,3): 1 + 1 = 2.
  Topology t = build_torus({4, 4}, {"ici", 50e9, Time::ns(100)});
  Router r(t);
  EXPECT_EQ(r.hops(0, 10), 4);
  EXPECT_EQ(r.hops(0, 15), 2);
}

}  // namespace
}  // namespace dtsim::topologies
