#include "topologies/builders.h"

#include <algorithm>
#include <functional>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "simcore/error.h"
#include "tests/support/config_error.h"
#include "tests/support/rail_fat_tree.h"

namespace dtsim::topologies {
namespace {

// Illustrative link parameters (test inputs, not datasheet values).
const LinkSpec kBuilderLink{"nvlink", 100e9, Time::ns(500)};

using test::config_error;

std::map<std::string, int> count_kinds(const Topology& t) {
  std::map<std::string, int> m;
  for (const Node& v : t.nodes()) ++m[std::string(to_string(v.kind))];
  return m;
}

bool linked(const Topology& t, std::string_view a, std::string_view b) {
  const uint32_t ia = *t.find_node(a), ib = *t.find_node(b);
  return std::any_of(t.links().begin(), t.links().end(), [&](const Link& l) {
    return (l.a == ia && l.b == ib) || (l.a == ib && l.b == ia);
  });
}

using test::rail_params;

TEST(BuildersTest, SwitchHasOneLinkPerEndpoint) {
  // n endpoints + 1 switch = 9 nodes; one link per endpoint = 8 links.
  Topology t = build_switch(8, kBuilderLink);
  EXPECT_EQ(t.nodes().size(), 9u);
  EXPECT_EQ(t.links().size(), 8u);
  EXPECT_EQ(t.rank_count(), 8);
  EXPECT_EQ(count_kinds(t), (std::map<std::string, int>{{"accelerator", 8}, {"switch", 1}}));
  EXPECT_EQ(t.nodes()[t.ranks()[3]].name, "gpu3");
  EXPECT_FALSE(t.nodes()[t.ranks()[3]].forwards);
  EXPECT_TRUE(linked(t, "gpu7", "sw"));
  const Link& l = t.links()[0];
  EXPECT_EQ(l.link_class, "nvlink");
  EXPECT_EQ(l.bw_ab_bytes_per_s, 100e9);
  EXPECT_EQ(l.bw_ba_bytes_per_s, 100e9);
  EXPECT_EQ(l.latency, Time::ns(500));
  EXPECT_TRUE(l.full_duplex);
}

TEST(BuildersTest, RingHasNLinksAndForwards) {
  // Link i <-> (i+1) mod n for i < n: n links.
  Topology t = build_ring(6, kBuilderLink);
  EXPECT_EQ(t.nodes().size(), 6u);
  EXPECT_EQ(t.links().size(), 6u);
  EXPECT_TRUE(linked(t, "gpu5", "gpu0"));
  EXPECT_FALSE(linked(t, "gpu0", "gpu2"));
  for (const Node& v : t.nodes()) EXPECT_TRUE(v.forwards);
}

TEST(BuildersTest, RingOfTwoHasOneLink) {
  // 0 <-> 1 and 1 <-> 0 are the same pair: a single link.
  EXPECT_EQ(build_ring(2, kBuilderLink).links().size(), 1u);
}

TEST(BuildersTest, FullyConnectedHasAllPairs) {
  // n(n-1)/2 = 5*4/2 = 10 links; n = 1: none.
  Topology t = build_fully_connected(5, kBuilderLink);
  EXPECT_EQ(t.nodes().size(), 5u);
  EXPECT_EQ(t.links().size(), 10u);
  EXPECT_TRUE(linked(t, "gpu1", "gpu4"));
  EXPECT_FALSE(t.nodes()[0].forwards);
  EXPECT_EQ(build_fully_connected(1, kBuilderLink).links().size(), 0u);
}

TEST(BuildersTest, TorusLinkCounts) {
  // Per dimension of size k >= 3 one link per node; size 2: one per pair (N/2); size 1: none.
  // 4x4: 16 * 2 = 32. 3x4x5: 60 * 3 = 180. 2x3: 6/2 + 6 = 9. 1x4: 0 + 4 = 4. 2x2x2: 3 * 4 = 12.
  EXPECT_EQ(build_torus({4, 4}, kBuilderLink).links().size(), 32u);
  Topology t345 = build_torus({3, 4, 5}, kBuilderLink);
  EXPECT_EQ(t345.nodes().size(), 60u);
  EXPECT_EQ(t345.links().size(), 180u);
  EXPECT_EQ(build_torus({2, 3}, kBuilderLink).links().size(), 9u);
  EXPECT_EQ(build_torus({1, 4}, kBuilderLink).links().size(), 4u);
  EXPECT_EQ(build_torus({2, 2, 2}, kBuilderLink).links().size(), 12u);
}

TEST(BuildersTest, TorusIsRowMajorWithWraparound) {
  // 4x4, rank = 4x + y. gpu5 = (1,1): neighbours (0,1)=1, (2,1)=9, (1,0)=4, (1,2)=6.
  // gpu0 = (0,0) wraps to (3,0)=12 and (0,3)=3.
  Topology t = build_torus({4, 4}, kBuilderLink);
  for (const char* n : {"gpu1", "gpu9", "gpu4", "gpu6"}) EXPECT_TRUE(linked(t, "gpu5", n)) << n;
  EXPECT_TRUE(linked(t, "gpu0", "gpu12"));
  EXPECT_TRUE(linked(t, "gpu0", "gpu3"));
  EXPECT_FALSE(linked(t, "gpu0", "gpu5"));
  // 3D 2x3x4: rank = 12x + 4y + z. gpu17 = (1,1,1): z-neighbours 16, 18; y: 13, 21; x: 5.
  Topology t3 = build_torus({2, 3, 4}, kBuilderLink);
  for (const char* n : {"gpu16", "gpu18", "gpu13", "gpu21", "gpu5"})
    EXPECT_TRUE(linked(t3, "gpu17", n)) << n;
  for (const Node& v : t3.nodes()) EXPECT_TRUE(v.forwards);
}

TEST(BuildersTest, NvswitchNode) {
  // 8 GPUs + 1 logical switch = 9 nodes, one NVLink link per GPU = 8 links.
  Topology t = build_nvswitch_node({8, {"nvlink", 450e9, Time::ns(300)}});
  EXPECT_EQ(t.nodes().size(), 9u);
  EXPECT_EQ(t.links().size(), 8u);
  EXPECT_EQ(t.rank_count(), 8);
  EXPECT_TRUE(linked(t, "n0.gpu7", "n0.nvswitch"));
  for (const Node& v : t.nodes()) EXPECT_EQ(v.box, 0) << v.name;
  EXPECT_FALSE(t.nodes()[*t.find_node("n0.gpu0")].forwards);
}

TEST(BuildersTest, AddNvswitchBoxNumbersBoxes) {
  Topology t;
  NvswitchNodeParams p{4, {"nvlink", 450e9, Time::ns(300)}};
  add_nvswitch_box(t, 0, p);
  NvswitchBox b1 = add_nvswitch_box(t, 1, p);
  // Box 1's GPUs are ranks 4..7 (added after box 0's four).
  EXPECT_EQ(t.rank_count(), 8);
  EXPECT_EQ(t.ranks()[4], b1.gpus[0]);
  EXPECT_EQ(t.nodes()[b1.nvswitch].name, "n1.nvswitch");
  EXPECT_EQ(t.nodes()[b1.gpus[3]].box, 1);
}

TEST(BuildersTest, RailFatTreeTwoNodesCounts) {
  // N = 2, G = 8, one leaf group (L = 1), S = G = 8 spines.
  // Nodes: GPUs N*G = 16, NICs 16, NVSwitches 2, leaves G*L = 8, spines 8: 50 in all.
  // Links: NVLink N*G = 16, PCIe 16, NIC-leaf 16, leaf-spine G*L*S = 64: 112 in all.
  Topology t = build_rail_optimized_fat_tree(rail_params(2));
  EXPECT_EQ(count_kinds(t),
            (std::map<std::string, int>{{"accelerator", 16}, {"nic", 16}, {"switch", 18}}));
  EXPECT_EQ(t.nodes().size(), 50u);
  EXPECT_EQ(t.links().size(), 112u);
  int leaves = 0, spines = 0, nvswitches = 0;
  for (const Node& v : t.nodes()) {
    leaves += v.name.starts_with("leaf.");
    spines += v.name.starts_with("spine");
    nvswitches += v.name.ends_with(".nvswitch");
  }
  EXPECT_EQ(leaves, 8);
  EXPECT_EQ(spines, 8);
  EXPECT_EQ(nvswitches, 2);
  std::map<std::string, int> by_class;
  for (const Link& l : t.links()) ++by_class[l.link_class];
  // infiniband: 16 NIC-leaf + 64 leaf-spine = 80.
  EXPECT_EQ(by_class,
            (std::map<std::string, int>{{"infiniband", 80}, {"nvlink", 16}, {"pcie", 16}}));
}

TEST(BuildersTest, RailFatTreeStructure) {
  Topology t = build_rail_optimized_fat_tree(rail_params(2));
  // Rank order node-major: rank 9 = node 1, GPU 1.
  EXPECT_EQ(t.nodes()[t.ranks()[9]].name, "n1.gpu1");
  const Node& nic = t.nodes()[*t.find_node("n1.nic3")];
  EXPECT_EQ(nic.kind, NodeKind::kNic);
  EXPECT_EQ(nic.box, 1);
  EXPECT_EQ(t.nodes()[t.ranks()[9]].box, 1);
  EXPECT_FALSE(t.nodes()[t.ranks()[9]].forwards);
  EXPECT_TRUE(linked(t, "n1.gpu3", "n1.nic3"));
  EXPECT_TRUE(linked(t, "n1.nic3", "leaf.r3.g0"));
  EXPECT_TRUE(linked(t, "n0.nic3", "leaf.r3.g0"));
  EXPECT_FALSE(linked(t, "n1.nic3", "leaf.r2.g0"));
  EXPECT_TRUE(linked(t, "leaf.r3.g0", "spine7"));
  EXPECT_TRUE(linked(t, "n0.gpu5", "n0.nvswitch"));
}

TEST(BuildersTest, RailFatTreeUplinkBandwidth) {
  // 4 nodes, 2 per leaf, 4 spines, 2:1 oversubscribed, 50 GB/s NICs.
  // Leaf downlink = 2 * 50 GB/s = 100 GB/s; uplink = 100 / 2 = 50 GB/s; per spine 50 / 4 = 12.5.
  RailFatTreeParams p = rail_params(4);
  p.nodes_per_leaf = 2;
  p.spines = 4;
  p.oversubscription = 2.0;
  Topology t = build_rail_optimized_fat_tree(p);
  // Leaves G * L = 8 * 2 = 16, each to 4 spines: 64 leaf-spine links.
  int uplinks = 0;
  const uint32_t spine0 = *t.find_node("spine0");
  for (const Link& l : t.links()) {
    if (!t.nodes()[l.b].name.starts_with("spine")) continue;
    ++uplinks;
    EXPECT_EQ(l.bw_ab_bytes_per_s, 12.5e9);
    EXPECT_EQ(l.bw_ba_bytes_per_s, 12.5e9);
    EXPECT_EQ(l.latency, Time::ns(700));
    if (l.b == spine0) {
      EXPECT_TRUE(t.nodes()[l.a].name.starts_with("leaf."));
    }
  }
  EXPECT_EQ(uplinks, 64);
  EXPECT_TRUE(linked(t, "n2.nic0", "leaf.r0.g1"));
  EXPECT_TRUE(linked(t, "n3.nic7", "leaf.r7.g1"));
  EXPECT_FALSE(linked(t, "n2.nic0", "leaf.r0.g0"));
}

TEST(BuildersTest, RailFatTreeLeafPortsSizeTheUplinks) {
  // 2 nodes under leaves designed for 32: uplink = 32 x 50 GB/s / 1 (non-blocking) / 8 spines
  // = 200 GB/s per leaf-spine link; without leaf_ports, 2 x 50 / 8 = 12.5 GB/s.
  RailFatTreeParams p = rail_params(2);
  for (auto [ports, want] : {std::pair{32, 200e9}, std::pair{0, 12.5e9}}) {
    p.leaf_ports = ports;
    Topology t = build_rail_optimized_fat_tree(p);
    for (const Link& l : t.links()) {
      if (t.nodes()[l.b].name.starts_with("spine")) {
        EXPECT_EQ(l.bw_ab_bytes_per_s, want) << ports;
      }
    }
  }
  p.leaf_ports = 1;
  EXPECT_EQ(config_error([&] { build_rail_optimized_fat_tree(p); }),
            "rail_optimized_fat_tree: leaf_ports: expected 0 or at least the nodes under a leaf (2); "
            "got 1");
}

TEST(BuildersTest, EnormousProductsAreRefusedBeforeBuilding) {
  // Each key passes its own range; the products do not. Refused from the count formulas before
  // anything is allocated (the test would take minutes and gigabytes otherwise).
  // switch, 2^20 endpoints: 1,048,576 ranks, 1,048,577 nodes, 1,048,576 links.
  EXPECT_EQ(config_error([&] { build_switch(1 << 20, kBuilderLink); }),
            "switch: expected at most 262144 ranks, 1048576 nodes and 4194304 links; got 1048576 "
            "ranks, 1048577 nodes and 1048576 links");
  // fully_connected over 4096: n(n - 1)/2 = 8,386,560 links.
  EXPECT_EQ(config_error([&] { build_fully_connected(4096, kBuilderLink); }),
            "fully_connected: expected at most 262144 ranks, 1048576 nodes and 4194304 links; got "
            "4096 ranks, 4096 nodes and 8386560 links");
  // The rail fat tree of 65536 nodes of 1024 GPUs (dgx_superpod's keys each allow it):
  // 67,108,864 ranks.
  RailFatTreeParams p = rail_params(65536);
  p.gpus_per_node = 1024;
  p.nodes_per_leaf = 32;
  EXPECT_NE(config_error([&] { build_rail_optimized_fat_tree(p); })
                .find("got 67108864 ranks"),
            std::string::npos);
  // Within the caps still builds: 8 x 8 x 8 torus.
  EXPECT_EQ(build_torus({8, 8, 8}, kBuilderLink).rank_count(), 512);
}

TEST(BuildersTest, RailFatTreeSingleNodeStillHasSpines) {
  // 1 node: 8 leaves (one per rail) and 8 spines; cross-rail traffic without NVLink would cross
  // them. Nodes 2G+1 + G + S = 17 + 8 + 8 = 33.
  Topology t = build_rail_optimized_fat_tree(rail_params(1));
  EXPECT_EQ(t.nodes().size(), 33u);
  EXPECT_TRUE(t.find_node("spine7").has_value());
}

TEST(BuildersTest, RejectsBadParametersWithExactMessages) {
  LinkSpec zero_bw{"nvlink", 0, Time::ns(1)};
  LinkSpec negative_latency{"nvlink", 1e9, Time::ns(-5)};
  LinkSpec no_class{"", 1e9, Time::ns(1)};
  EXPECT_EQ(config_error([] { build_switch(0, kBuilderLink); }),
            "switch: endpoints: expected at least 1; got 0");
  EXPECT_EQ(config_error([] { build_ring(1, kBuilderLink); }), "ring: n: expected at least 2; got 1");
  EXPECT_EQ(config_error([] { build_fully_connected(0, kBuilderLink); }),
            "fully_connected: n: expected at least 1; got 0");
  EXPECT_EQ(config_error([&] { build_ring(4, zero_bw); }),
            "ring: link.bw_bytes_per_s: expected a positive finite bandwidth; got 0");
  EXPECT_EQ(config_error([&] { build_switch(4, negative_latency); }),
            "switch: link.latency: expected a non-negative latency; got -5.000 ns");
  EXPECT_EQ(config_error([&] { build_switch(4, no_class); }),
            "switch: link.link_class: expected a link class, e.g. \"nvlink\"; got \"\"");
  EXPECT_EQ(config_error([] { build_torus({4}, kBuilderLink); }),
            "torus: dims: expected 2 or 3 entries; got 1");
  EXPECT_EQ(config_error([] {
              build_torus({2, 2, 2, 2}, kBuilderLink);
            }),
            "torus: dims: expected 2 or 3 entries; got 4");
  EXPECT_EQ(config_error([] {
              build_torus({4, 0}, kBuilderLink);
            }),
            "torus: dims[1]: expected at least 1; got 0");
  EXPECT_EQ(config_error([] {
              build_nvswitch_node({0, kBuilderLink});
            }),
            "nvswitch_node: gpus: expected at least 1; got 0");

  RailFatTreeParams p = rail_params(0);
  EXPECT_EQ(config_error([&] { build_rail_optimized_fat_tree(p); }),
            "rail_optimized_fat_tree: nodes: expected at least 1; got 0");
  p = rail_params(4);
  p.nodes_per_leaf = 3;
  EXPECT_EQ(config_error([&] { build_rail_optimized_fat_tree(p); }),
            "rail_optimized_fat_tree: nodes_per_leaf: expected a divisor of nodes (4); got 3");
  p = rail_params(4);
  p.oversubscription = 0.5;
  EXPECT_EQ(config_error([&] { build_rail_optimized_fat_tree(p); }),
            "rail_optimized_fat_tree: oversubscription: expected a finite ratio >= 1; got 0.5");
  p = rail_params(4);
  p.spines = -1;
  EXPECT_EQ(config_error([&] { build_rail_optimized_fat_tree(p); }),
            "rail_optimized_fat_tree: spines: expected at least 0; got -1");
  p = rail_params(4);
  p.gpus_per_node = 0;
  EXPECT_EQ(config_error([&] { build_rail_optimized_fat_tree(p); }),
            "rail_optimized_fat_tree: gpus_per_node: expected at least 1; got 0");
  p = rail_params(4);
  p.nic.bw_bytes_per_s = -1;
  EXPECT_EQ(config_error([&] { build_rail_optimized_fat_tree(p); }),
            "rail_optimized_fat_tree: nic.bw_bytes_per_s: expected a positive finite bandwidth; "
            "got -1");
}

TEST(BuildersTest, ConfigErrorPrintsLikeACompiler) {
  // No source location at this layer: what() is "error: " + message.
  try {
    build_ring(1, kBuilderLink);
    FAIL() << "expected ConfigError";
  } catch (const simcore::ConfigError& e) {
    EXPECT_STREQ(e.what(), "error: ring: n: expected at least 2; got 1");
  }
}

}  // namespace
}  // namespace dtsim::topologies
