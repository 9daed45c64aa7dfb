// build_nvl72 and build_dgx_superpod: named presets over the general builders (presets.h).
#include "topologies/presets.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "simcore/error.h"
#include "topologies/analysis.h"
#include "topologies/routing.h"
#include "tests/support/config_error.h"

namespace dtsim::topologies {
namespace {

// The link figures of configs/topologies/gb200_nvl72.yaml and dgx_h100_superpod.yaml (test
// inputs here; their sources are in those files).
const LinkSpec kNvlink5{"nvlink", 900e9, Time::ns(500)};
const LinkSpec kNvlink4{"nvlink", 450e9, Time::ns(500)};
const LinkSpec kPcie{"pcie", 63e9, Time::ns(500)};
const LinkSpec kNic{"infiniband", 50e9, Time::ns(600)};  // 400 Gb/s
const LinkSpec kSpine{"infiniband", 0, Time::ns(300)};

Nvl72Params nvl72(int racks) {
  return {.racks = racks,
          .gpus_per_rack = 72,
          .nvlink = kNvlink5,
          .pcie = kPcie,
          .nic = kNic,
          .spine = kSpine};
}

DgxSuperpodParams superpod(int nodes) {
  return {.nodes = nodes,
          .gpus_per_node = 8,
          .scalable_unit = 32,
          .nvlink = kNvlink4,
          .pcie = kPcie,
          .nic = kNic,
          .spine = kSpine};
}

using test::config_error;

/** Hops of the route between ranks a and b. */
int hops(const Topology& t, const Router& r, int a, int b) {
  return static_cast<int>(r.route(t.ranks()[a], t.ranks()[b], 0).channels.size());
}

TEST(PresetsTest, Nvl72OneRackIsOneNvlinkDomain) {
  // 72 GPUs + 1 logical switch = 73 nodes, one link per GPU = 72 links; every pair 2 hops.
  // Bisection: ranks 0..35 each send at most 900 GB/s up their link: 36 x 900 GB/s = 32.4 TB/s.
  Topology t = build_nvl72(nvl72(1));
  EXPECT_EQ(t.rank_count(), 72);
  EXPECT_EQ(t.nodes().size(), 73u);
  EXPECT_EQ(t.links().size(), 72u);
  Router r(t);
  EXPECT_EQ(hops(t, r, 0, 71), 2);
  TopologySummary s = summarize(t, r);
  EXPECT_EQ(s.diameter_hops, 2);
  EXPECT_EQ(s.bisection_bytes_per_s, 36 * 900e9);
}

TEST(PresetsTest, Nvl72RacksJoinedByRails) {
  // R = 2 racks of G = 72, S = G = 72 spines (one per rail):
  // nodes R(2G + 1) + G + S = 290 + 72 + 72 = 434; links 3RG + G S = 432 + 5184 = 5616.
  Topology t = build_nvl72(nvl72(2));
  EXPECT_EQ(t.rank_count(), 144);
  EXPECT_EQ(t.nodes().size(), 434u);
  EXPECT_EQ(t.links().size(), 5616u);
  Router r(t);
  EXPECT_EQ(hops(t, r, 0, 5), 2);   // same rack: gpu - nvswitch - gpu
  EXPECT_EQ(hops(t, r, 0, 72), 4);  // rail 0 of both racks: gpu - nic - leaf - nic - gpu
  EXPECT_EQ(hops(t, r, 0, 73), 6);  // rail 0 to rail 1: through a spine
  // Bisection: rack 0 vs rack 1; a GPU leaves its rack only through its NIC (pcie 63 GB/s, then
  // 50 GB/s): 72 x 50 GB/s = 3.6 TB/s.
  EXPECT_EQ(summarize(t, r).bisection_bytes_per_s, 72 * 50e9);
}

TEST(PresetsTest, DgxSuperpodCountsAndRoutesAcrossScalableUnits) {
  // N = 64 nodes, G = 8, SU 32: L = 2 leaf groups, S = G = 8 spines.
  // nodes N(2G + 1) + G L + S = 1088 + 16 + 8 = 1112; links 3NG + G L S = 1536 + 128 = 1664.
  Topology t = build_dgx_superpod(superpod(64));
  EXPECT_EQ(t.rank_count(), 512);
  EXPECT_EQ(t.nodes().size(), 1112u);
  EXPECT_EQ(t.links().size(), 1664u);
  EXPECT_TRUE(t.find_node("leaf.r7.g1").has_value());
  EXPECT_FALSE(t.find_node("leaf.r0.g2").has_value());
  Router r(t);
  EXPECT_EQ(hops(t, r, 0, 1), 2);    // NVLink inside node 0
  EXPECT_EQ(hops(t, r, 0, 8), 4);    // node 1, same rail, same SU: one leaf
  EXPECT_EQ(hops(t, r, 0, 256), 6);  // node 32 (SU 1), same rail: leaf - spine - leaf
  EXPECT_EQ(hops(t, r, 0, 9), 6);    // node 1, rail 1: through a spine
  // Bisection: SU 0 vs SU 1, non-blocking: 32 nodes x 8 NICs x 50 GB/s = 12.8 TB/s; the SU's
  // 8 leaves have 32 x 50 GB/s of uplink each, the same.
  EXPECT_EQ(summarize(t, r).bisection_bytes_per_s, 32 * 8 * 50e9);
}

TEST(PresetsTest, DgxSuperpodOversubscriptionHalvesTheCrossSuBisection) {
  // As above with 2:1: each leaf's uplink is 32 x 50 / 2 = 800 GB/s; 8 leaves: 6.4 TB/s.
  DgxSuperpodParams p = superpod(64);
  p.oversubscription = 2;
  Topology t = build_dgx_superpod(p);
  Router r(t);
  EXPECT_EQ(summarize(t, r).bisection_bytes_per_s, 8 * 32 * 50e9 / 2);
}

TEST(PresetsTest, DgxSuperpodGivesEveryGpuItsNicRateWhateverTheNodeCount) {
  // A leaf is built for a whole SU (32 node ports), so its uplinks are 32 x 50 GB/s / 8 spines
  // = 200 GB/s each with 2 nodes as with 32 (sizing them from the nodes present gave
  // 2 x 50 / 8 = 12.5 GB/s on 2 nodes). The narrowest rank-to-rank route is then the NIC,
  // 50 GB/s (pcie 63 GB/s, nvlink 450 GB/s), on both; a cross-rail route crosses a spine link.
  for (int nodes : {2, 32}) {
    Topology t = build_dgx_superpod(superpod(nodes));
    Router r(t);
    EXPECT_EQ(summarize(t, r).min_rank_path_bottleneck_bytes_per_s, 50e9) << nodes;
    EXPECT_EQ(r.route(t.ranks()[0], t.ranks()[9], 0).bottleneck_bytes_per_s, 50e9) << nodes;
    for (const Link& l : t.links()) {
      if (t.nodes()[l.b].name.starts_with("spine")) {
        EXPECT_EQ(l.bw_ab_bytes_per_s, 200e9);
      }
    }
  }
}

TEST(PresetsTest, DgxSuperpodIsTheRailFatTree) {
  // Up to one SU all nodes share one leaf per rail: the general builder with nodes_per_leaf 0;
  // beyond, nodes_per_leaf = scalable_unit. Same nodes and links, in the same order.
  for (int nodes : {16, 96}) {
    RailFatTreeParams f{.nodes = nodes,
                        .gpus_per_node = 8,
                        .nvlink = kNvlink4,
                        .pcie = kPcie,
                        .nic = kNic,
                        .spine = kSpine,
                        .nodes_per_leaf = nodes > 32 ? 32 : 0,
                        .leaf_ports = 32};
    Topology want = build_rail_optimized_fat_tree(f);
    Topology got = build_dgx_superpod(superpod(nodes));
    ASSERT_EQ(got.nodes().size(), want.nodes().size()) << nodes;
    ASSERT_EQ(got.links().size(), want.links().size()) << nodes;
    for (size_t i = 0; i < want.nodes().size(); ++i)
      EXPECT_EQ(got.nodes()[i].name, want.nodes()[i].name);
    for (size_t i = 0; i < want.links().size(); ++i) {
      EXPECT_EQ(got.links()[i].a, want.links()[i].a);
      EXPECT_EQ(got.links()[i].b, want.links()[i].b);
      EXPECT_EQ(got.links()[i].bw_ab_bytes_per_s, want.links()[i].bw_ab_bytes_per_s);
    }
  }
}

TEST(PresetsTest, RejectsBadParametersWithExactMessages) {
  EXPECT_EQ(config_error([] { build_nvl72(nvl72(0)); }),
            "nvl72: racks: expected at least 1; got 0");
  Nvl72Params n = nvl72(1);
  n.gpus_per_rack = 0;
  EXPECT_EQ(config_error([&] { build_nvl72(n); }),
            "nvl72: gpus_per_rack: expected at least 1; got 0");
  n = nvl72(2);
  n.nic = {};
  EXPECT_EQ(config_error([&] { build_nvl72(n); }),
            "rail_optimized_fat_tree: nic.link_class: expected a link class, e.g. \"nvlink\"; "
            "got \"\"");
  EXPECT_EQ(config_error([] { build_dgx_superpod(superpod(0)); }),
            "dgx_superpod: nodes: expected at least 1; got 0");
  EXPECT_EQ(config_error([] { build_dgx_superpod(superpod(40)); }),
            "dgx_superpod: nodes: expected at most scalable_unit (32) or a multiple of it; got 40");
  DgxSuperpodParams p = superpod(8);
  p.scalable_unit = 0;
  EXPECT_EQ(config_error([&] { build_dgx_superpod(p); }),
            "dgx_superpod: scalable_unit: expected at least 1; got 0");
  p = superpod(8);
  p.gpus_per_node = 0;
  EXPECT_EQ(config_error([&] { build_dgx_superpod(p); }),
            "dgx_superpod: gpus_per_node: expected at least 1; got 0");
  p = superpod(8);
  p.oversubscription = 0.5;
  EXPECT_EQ(config_error([&] { build_dgx_superpod(p); }),
            "rail_optimized_fat_tree: oversubscription: expected a finite ratio >= 1; got 0.5");
}

}  // namespace
}  // namespace dtsim::topologies
