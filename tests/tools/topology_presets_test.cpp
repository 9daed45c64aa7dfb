// `builder: nvl72` and `builder: dgx_superpod` in YAML: keys over the built-in defaults (the
// ready-made files in configs/topologies/, topology_presets.h), and their errors.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "simcore/error.h"
#include "tools/dtsim/config_loaders.h"
#include "topologies/routing.h"

namespace dtsim::cli {
namespace {

using topologies::Topology;

const std::string kSource = DTSIM_SOURCE_DIR;

Topology load(const std::string& yaml) {
  return load_topology(ConfigNode::load_string(yaml, "t.yaml"));
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const simcore::ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}

/** The links whose class is `cls`. */
std::vector<topologies::Link> links_of(const Topology& t, const std::string& cls) {
  std::vector<topologies::Link> out;
  for (const auto& l : t.links())
    if (l.link_class == cls) out.push_back(l);
  return out;
}

TEST(TopologyPresetsTest, DefaultsAreTheReadyMadeFiles) {
  // {builder: dgx_superpod, nodes: 2} takes every other key from dgx_h100_superpod.yaml, whose
  // figures dgx_h100_2node.yaml repeats: the same topology.
  Topology preset = load("{builder: dgx_superpod, nodes: 2}");
  Topology file =
      load_topology(ConfigNode::load_file(kSource + "/configs/topologies/dgx_h100_2node.yaml"));
  ASSERT_EQ(preset.links().size(), file.links().size());
  ASSERT_EQ(preset.nodes().size(), file.nodes().size());
  for (size_t i = 0; i < file.links().size(); ++i) {
    EXPECT_EQ(preset.links()[i].link_class, file.links()[i].link_class);
    EXPECT_EQ(preset.links()[i].bw_ab_bytes_per_s, file.links()[i].bw_ab_bytes_per_s);
    EXPECT_EQ(preset.links()[i].latency, file.links()[i].latency);
  }
  // {builder: nvl72}: one rack, 72 GPUs on 900 GB/s NVLink (gb200_nvl72.yaml).
  Topology rack = load("{builder: nvl72}");
  EXPECT_EQ(rack.rank_count(), 72);
  ASSERT_EQ(rack.links().size(), 72u);
  EXPECT_EQ(rack.links()[0].bw_ab_bytes_per_s, 900e9);
}

TEST(TopologyPresetsTest, PresetLinksCarryTheirAchievableFraction) {
  // dgx_h100_superpod.yaml: NVLink 450 GB/s x 0.835 (p2pBandwidthLatencyTest, nccl issue 1264),
  // NDR 400 Gb/s x 0.98 (IB header overhead), PCIe 63 GB/s x 0.87 (host-to-device copy).
  Topology t = load("{builder: dgx_superpod, nodes: 2}");
  EXPECT_DOUBLE_EQ(links_of(t, "nvlink").at(0).bw_ab_bytes_per_s, 450e9 * 0.835);
  EXPECT_DOUBLE_EQ(links_of(t, "pcie").at(0).bw_ab_bytes_per_s, 63e9 * 0.87);
  // The NIC links (GPU side) and the leaf-spine links are both class infiniband: the NIC's is
  // the first.
  EXPECT_DOUBLE_EQ(links_of(t, "infiniband").at(0).bw_ab_bytes_per_s, 50e9 * 0.98);
  // A link that sets its own bandwidth keeps efficiency 1 unless it sets one too; one that
  // sets only its latency keeps the preset's bandwidth and efficiency.
  EXPECT_DOUBLE_EQ(links_of(load("{builder: dgx_superpod, nodes: 2, nvlink: {bandwidth: 450GB/s}}"),
                            "nvlink")
                       .at(0)
                       .bw_ab_bytes_per_s,
                   450e9);
  EXPECT_DOUBLE_EQ(
      links_of(load("{builder: dgx_superpod, nodes: 2, nvlink: {bandwidth: 450GB/s, efficiency: "
                    "0.5}}"),
               "nvlink")
          .at(0)
          .bw_ab_bytes_per_s,
      225e9);
  EXPECT_DOUBLE_EQ(
      links_of(load("{builder: dgx_superpod, nodes: 2, nvlink: {latency: 1us}}"), "nvlink")
          .at(0)
          .bw_ab_bytes_per_s,
      450e9 * 0.835);
  EXPECT_EQ(error_of([] { load("builder: dgx_superpod\nnodes: 2\nnvlink: {efficiency: 1.5}\n"); }),
            "t.yaml:3:22: error: nvlink.efficiency: expected an efficiency in (0, 1]; got \"1.5\"");
}

TEST(TopologyPresetsTest, ALinkGivenInPartKeepsTheOtherFields) {
  // nic: {bandwidth: 800Gbps} (a ConnectX-8) keeps class infiniband and latency 0.6 us.
  Topology t = load("{builder: nvl72, racks: 2, nic: {bandwidth: 800Gbps}}");
  EXPECT_EQ(t.rank_count(), 144);
  auto ib = links_of(t, "infiniband");
  // 144 NIC-leaf links, then 72 leaves x 72 spines.
  ASSERT_EQ(ib.size(), 144u + 72u * 72u);
  EXPECT_EQ(ib[0].bw_ab_bytes_per_s, 100e9);
  EXPECT_EQ(ib[0].latency, simcore::Time::ns(600));
}

TEST(TopologyPresetsTest, H800ClusterInspectFigures) {
  // configs/topologies/h800_cluster_2048.yaml: N = 256 nodes of G = 8, SU 32 (L = 8 leaf
  // groups), S = 8 spines: nodes N(2G + 1) + G L + S = 4352 + 64 + 8 = 4424; links
  // 3NG + G L S = 6144 + 512 = 6656; NVLink at 200 GB/s per direction.
  Topology t =
      load_topology(ConfigNode::load_file(kSource + "/configs/topologies/h800_cluster_2048.yaml"));
  EXPECT_EQ(t.rank_count(), 2048);
  EXPECT_EQ(t.nodes().size(), 4424u);
  EXPECT_EQ(t.links().size(), 6656u);
  EXPECT_EQ(links_of(t, "nvlink").at(0).bw_ab_bytes_per_s, 200e9);
  // Rank 0 to rank 2040 (node 255, GPU 0, last SU): gpu-nic-leaf-spine-leaf-nic-gpu.
  topologies::Router r(t);
  EXPECT_EQ(r.hops(t.ranks()[0], t.ranks()[2040]), 6);
}

TEST(TopologyPresetsTest, ErrorsPointAtTheKey) {
  EXPECT_EQ(error_of([] { load("builder: dgx_superpod\nnodez: 4\n"); }),
            "t.yaml:2:1: error: nodez: unknown key 'nodez'; did you mean 'nodes'?");
  EXPECT_EQ(error_of([] { load("builder: nvl72\nracks: 2\nnic: {bandwith: 800Gbps}\n"); }),
            "t.yaml:3:7: error: nic.bandwith: unknown key 'bandwith'; did you mean 'bandwidth'?");
  EXPECT_EQ(error_of([] { load("builder: nvl72\nracks: 0\n"); }),
            "t.yaml:2:8: error: racks: expected an integer in [1, 4096]; got \"0\"");
  EXPECT_EQ(error_of([] { load("builder: dgx_superpod\nnodes: 40\n"); }),
            "t.yaml:1:1: error: dgx_superpod: nodes: expected at most scalable_unit (32) or a "
            "multiple of it; got 40");
  EXPECT_EQ(error_of([] { load("builder: dgx_superpod\nnic: {bandwidth: 400}\n"); }),
            "t.yaml:2:18: error: nic.bandwidth: expected a rate with a unit, e.g. \"400Gbps\"; "
            "got \"400\"");
  EXPECT_EQ(
      error_of([] { load("builder: dgx_superpd\n"); }).rfind("t.yaml:1:10: error: builder: ", 0),
      0u);
}

}  // namespace
}  // namespace dtsim::cli
