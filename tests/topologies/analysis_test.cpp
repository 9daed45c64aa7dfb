#include "topologies/analysis.h"

#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "topologies/builders.h"
#include "tests/support/rail_fat_tree.h"

namespace dtsim::topologies {
namespace {

// Illustrative link parameters (test inputs, not datasheet values).
constexpr double kB = 100e9;  // bytes per second per direction
const LinkSpec kNvlink{"nvlink", kB, Time::ns(500)};

using test::rail_params;

TopologySummary summary_of(const Topology& t) {
  Router r(t);
  return summarize(t, r);
}

TEST(AnalysisTest, SwitchSummary) {
  // 8 GPUs on one switch, links of B per direction.
  // Diameter 2 (gpu-sw-gpu); max latency 2 * 500 ns; capacity 8 links * 2 directions * B;
  // bisection: ranks 0..3 each send at most B up their link: 4B = n/2 * B.
  TopologySummary s = summary_of(build_switch(8, kNvlink));
  EXPECT_EQ(s.nodes_by_kind, (std::map<std::string, int>{{"accelerator", 8}, {"switch", 1}}));
  EXPECT_EQ(s.links_by_class, (std::map<std::string, int>{{"nvlink", 8}}));
  EXPECT_EQ(s.capacity_by_class_bytes_per_s, (std::map<std::string, double>{{"nvlink", 16 * kB}}));
  EXPECT_EQ(s.ranks, 8);
  EXPECT_EQ(s.diameter_hops, 2);
  EXPECT_EQ(s.max_rank_path_latency, Time::ns(1000));
  EXPECT_EQ(s.unreachable_rank_pairs, 0);
  EXPECT_TRUE(s.pair_metrics_computed);
  EXPECT_EQ(s.bisection_bytes_per_s, 4 * kB);
}

TEST(AnalysisTest, SwitchOddRankCountBisection) {
  // 7 ranks: first half floor(7/2) = 3 ranks, so the flow is 3B.
  EXPECT_EQ(summary_of(build_switch(7, kNvlink)).bisection_bytes_per_s, 3 * kB);
}

TEST(AnalysisTest, RingDiameterIsHalfTheRing) {
  // Ring of n: diameter floor(n/2) hops. Bisection: the halves {0..n/2-1} and the rest are joined
  // by 2 links (n/2-1 <-> n/2 and n-1 <-> 0): 2B.
  for (int n : {3, 4, 7, 8, 16}) {
    TopologySummary s = summary_of(build_ring(n, kNvlink));
    EXPECT_EQ(s.diameter_hops, n / 2) << n;
    EXPECT_EQ(s.max_rank_path_latency, Time::ns(500) * (n / 2)) << n;
    EXPECT_EQ(s.bisection_bytes_per_s, 2 * kB) << n;
  }
  // n = 2: a single link, diameter 1, bisection B.
  TopologySummary s2 = summary_of(build_ring(2, kNvlink));
  EXPECT_EQ(s2.diameter_hops, 1);
  EXPECT_EQ(s2.bisection_bytes_per_s, kB);
}

TEST(AnalysisTest, TorusSummary) {
  // 4x4 torus: diameter = 2 + 2 = 4 hops (floor(4/2) per dimension).
  // Bisection: rows x = 0,1 vs x = 2,3; cut links 1<->2 and 3<->0 in each of 4 columns: 8B.
  TopologySummary s = summary_of(build_torus({4, 4}, kNvlink));
  EXPECT_EQ(s.diameter_hops, 4);
  EXPECT_EQ(s.max_rank_path_latency, Time::ns(2000));
  EXPECT_EQ(s.bisection_bytes_per_s, 8 * kB);
  // 4x4x4: diameter 2 + 2 + 2 = 6; bisection 2 * 16 links = 32B.
  TopologySummary s3 = summary_of(build_torus({4, 4, 4}, kNvlink));
  EXPECT_EQ(s3.diameter_hops, 6);
  EXPECT_EQ(s3.bisection_bytes_per_s, 32 * kB);
}

TEST(AnalysisTest, FullyConnectedSummary) {
  // n = 4: diameter 1; bisection = (n/2)^2 cross links = 4B (no 2-hop detours: GPUs do not
  // forward, and they would cross the same cut anyway).
  TopologySummary s = summary_of(build_fully_connected(4, kNvlink));
  EXPECT_EQ(s.diameter_hops, 1);
  EXPECT_EQ(s.bisection_bytes_per_s, 4 * kB);
}

TEST(AnalysisTest, RailFatTreeSummary) {
  // 2 nodes x 8 GPUs (see builders_test for the counts).
  // Diameter: across nodes and rails gpu-nic-leaf-spine-leaf-nic-gpu = 6 hops; its latency
  // 100 + 500 + 700 + 700 + 500 + 100 = 2600 ns is the largest.
  // Bisection: node 0's 8 GPUs vs node 1's; each GPU reaches the fabric only through its own
  // PCIe (64 GB/s) and NIC (50 GB/s), so 8 * min(64, 50) GB/s = 400 GB/s.
  // Capacity: infiniband = 16 NIC links * 2 * 50 GB/s + 64 spine links * 2 * 12.5 GB/s
  //         = 1600 + 1600 = 3200 GB/s; pcie = 16 * 2 * 64 = 2048 GB/s; nvlink 16 * 2 * 450.
  TopologySummary s = summary_of(build_rail_optimized_fat_tree(rail_params(2)));
  EXPECT_EQ(s.nodes_by_kind,
            (std::map<std::string, int>{{"accelerator", 16}, {"nic", 16}, {"switch", 18}}));
  EXPECT_EQ(s.ranks, 16);
  EXPECT_EQ(s.diameter_hops, 6);
  EXPECT_EQ(s.max_rank_path_latency, Time::ns(2600));
  EXPECT_EQ(s.bisection_bytes_per_s, 400e9);
  EXPECT_EQ(s.capacity_by_class_bytes_per_s,
            (std::map<std::string, double>{
                {"infiniband", 3200e9}, {"nvlink", 14400e9}, {"pcie", 2048e9}}));
}

TEST(AnalysisTest, OversubscribedFatTreeBisectionIsLimitedBySpines) {
  // 4 nodes, 1 node per leaf, 2:1 oversubscription, 8 spines, 50 GB/s NICs.
  // Each leaf (one node, one rail): downlink 50 GB/s, uplink 25 GB/s in all.
  // Nodes 0,1 vs 2,3: every cross flow leaves a first-half leaf through its uplinks:
  // 2 nodes * 8 rails * 25 GB/s = 400 GB/s (the NICs would allow 800 GB/s).
  RailFatTreeParams p = rail_params(4);
  p.nodes_per_leaf = 1;
  p.oversubscription = 2.0;
  TopologySummary s = summary_of(build_rail_optimized_fat_tree(p));
  EXPECT_EQ(s.bisection_bytes_per_s, 400e9);
}

TEST(AnalysisTest, NonForwardingNodeCarriesNoTransit) {
  // gpu0 - host - gpu1: the host does not forward. No rank pair is connected (2 ordered pairs
  // unreachable), so the diameter over connected pairs is 0 and the bisection flow is 0.
  Topology t;
  auto g0 = t.add_node("gpu0", NodeKind::kAccelerator);
  auto h = t.add_node("host", NodeKind::kHost);
  auto g1 = t.add_node("gpu1", NodeKind::kAccelerator);
  t.add_link({g0, h, "pcie", 8e9, 8e9, Time::ns(10), true});
  t.add_link({h, g1, "pcie", 8e9, 8e9, Time::ns(10), true});
  TopologySummary s = summary_of(t);
  EXPECT_EQ(s.unreachable_rank_pairs, 2);
  EXPECT_EQ(s.diameter_hops, 0);
  EXPECT_EQ(s.bisection_bytes_per_s, 0.0);
  // The same line with a forwarding host: one path of 8 GB/s.
  Topology t2;
  g0 = t2.add_node("gpu0", NodeKind::kAccelerator);
  h = t2.add_node("host", NodeKind::kHost, /*forwards=*/true);
  g1 = t2.add_node("gpu1", NodeKind::kAccelerator);
  t2.add_link({g0, h, "pcie", 8e9, 8e9, Time::ns(10), true});
  t2.add_link({h, g1, "pcie", 8e9, 8e9, Time::ns(10), true});
  TopologySummary s2 = summary_of(t2);
  EXPECT_EQ(s2.unreachable_rank_pairs, 0);
  EXPECT_EQ(s2.diameter_hops, 2);
  EXPECT_EQ(s2.bisection_bytes_per_s, 8e9);
}

TEST(AnalysisTest, HalfDuplexChannelIsSharedByBothDirections) {
  // Four GPUs on a switch with half-duplex links of 10 GB/s: one channel per link.
  // Capacity sums one channel per link: 4 * 10 = 40 GB/s. Bisection: 2 senders * 10 GB/s.
  // Asymmetric full-duplex link gpu0 -(ab 30, ba 5)- gpu1 as the only link: first half {gpu0}
  // sends a->b: 30 GB/s; capacity 35 GB/s.
  Topology t = build_switch(4, {"pcie", 10e9, Time::ns(10), /*full_duplex=*/false});
  TopologySummary s = summary_of(t);
  EXPECT_EQ(s.capacity_by_class_bytes_per_s, (std::map<std::string, double>{{"pcie", 40e9}}));
  EXPECT_EQ(s.bisection_bytes_per_s, 20e9);

  Topology a;
  auto g0 = a.add_node("gpu0", NodeKind::kAccelerator);
  auto g1 = a.add_node("gpu1", NodeKind::kAccelerator);
  a.add_link({g0, g1, "pcie", 30e9, 5e9, Time::ns(10), true});
  TopologySummary sa = summary_of(a);
  EXPECT_EQ(sa.capacity_by_class_bytes_per_s, (std::map<std::string, double>{{"pcie", 35e9}}));
  EXPECT_EQ(sa.bisection_bytes_per_s, 30e9);
}

TEST(AnalysisTest, SingleRankHasNoPairs) {
  TopologySummary s = summary_of(build_fully_connected(1, kNvlink));
  EXPECT_EQ(s.ranks, 1);
  EXPECT_EQ(s.diameter_hops, 0);
  EXPECT_EQ(s.max_rank_path_latency, Time::zero());
  EXPECT_EQ(s.bisection_bytes_per_s, 0.0);
}

TEST(AnalysisTest, WriteDot) {
  // Expected text written out by hand from the format documented in analysis.h.
  Topology t = build_switch(2, {"nvlink", 450e9, Time::ns(500)});
  auto g = t.add_node("gpu\"x", NodeKind::kNic);
  t.add_link({g, *t.find_node("sw"), "roce", 25e9, 12.5e9, Time::ns(1), true});
  t.add_link({g, *t.find_node("gpu0"), "pcie", 32e9, 32e9, Time::ns(1), false});
  std::ostringstream out;
  write_dot(out, t);
  EXPECT_EQ(out.str(),
            "graph topology {\n"
            "  n0 [label=\"gpu0\\naccelerator\", shape=ellipse];\n"
            "  n1 [label=\"gpu1\\naccelerator\", shape=ellipse];\n"
            "  n2 [label=\"sw\\nswitch\", shape=box];\n"
            "  n3 [label=\"gpu\\\"x\\nnic\", shape=diamond];\n"
            "  n0 -- n2 [label=\"nvlink\\n450 GB/s\"];\n"
            "  n1 -- n2 [label=\"nvlink\\n450 GB/s\"];\n"
            "  n3 -- n2 [label=\"roce\\n25/12.5 GB/s\"];\n"
            "  n3 -- n0 [label=\"pcie\\n32 GB/s, half duplex\"];\n"
            "}\n");
}

}  // namespace
}  // namespace dtsim::topologies
