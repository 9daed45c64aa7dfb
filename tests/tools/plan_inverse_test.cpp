// dtsim plan's inverse questions (tools/dtsim/plan/inverse.h) and the device file's price and
// power (tools/dtsim/device_economics.h): each expected value worked out by hand in the comment.
#include "tools/dtsim/plan/inverse.h"

#include <gtest/gtest.h>

#include "tests/support/config_error.h"
#include "tools/dtsim/config_loaders.h"
#include "tools/dtsim/device_economics.h"

namespace dtsim::cli::plan {
namespace {

using test::config_error_what;
using topologies::Link;
using topologies::NodeKind;
using topologies::Topology;

TEST(PlanCost, PriceAndPowerOfACluster) {
  // 64 GPUs at $2.49 per GPU-hour and 700 W, training 100,000 tokens/s:
  //   $/h = 64 x 2.49 = 159.36; $ per million tokens = 159.36 / (3600 x 1e5) x 1e6 = 0.442667;
  //   power = 64 x 700 W = 44.8 kW; energy per token = 44,800 W / 1e5 tokens/s = 0.448 J.
  const ClusterCost c = cluster_cost(DeviceEconomics{2.49, 700}, 64, 1e5);
  EXPECT_DOUBLE_EQ(c.usd_per_hour, 159.36);
  EXPECT_NEAR(c.usd_per_million_tokens, 159.36 / 3600 * 10, 1e-12);
  EXPECT_DOUBLE_EQ(c.power_kw, 44.8);
  EXPECT_DOUBLE_EQ(c.joules_per_token, 0.448);
  // No price or power in the device file: zeros, not guesses.
  const ClusterCost none = cluster_cost(DeviceEconomics{}, 64, 1e5);
  EXPECT_EQ(none.usd_per_hour, 0);
  EXPECT_EQ(none.joules_per_token, 0);
}

TEST(PlanTarget, SmallestAndCheapestDiffer) {
  // 64 GPUs: 1.0e5 tokens/s (64 / 1e5 = 6.40e-4 GPU-s per token); 128 GPUs: 2.1e5 (a layout
  // that no longer needs recomputation: 6.10e-4, cheaper per token); 256 GPUs: 3.5e5 (7.31e-4).
  const std::vector<Candidate> c{{64, 1.0e5, 0}, {128, 2.1e5, 1}, {256, 3.5e5, 2}};
  TargetChoice t = choose_for_target(c, 0.9e5);
  ASSERT_TRUE(t.smallest && t.cheapest);
  EXPECT_EQ(c[*t.smallest].gpus, 64);
  EXPECT_EQ(c[*t.cheapest].gpus, 128);
  EXPECT_EQ(c[t.best].gpus, 256);
  // 3e5 tokens/s: only 256 GPUs reach it, so it is both.
  t = choose_for_target(c, 3e5);
  EXPECT_EQ(c[*t.smallest].gpus, 256);
  EXPECT_EQ(c[*t.cheapest].gpus, 256);
  // Beyond every candidate: neither, and the best names what was found.
  t = choose_for_target(c, 4e5);
  EXPECT_FALSE(t.smallest);
  EXPECT_FALSE(t.cheapest);
  EXPECT_EQ(c[t.best].gpus, 256);
  // Equal GPU-hours per token (64 / 1e5 = 128 / 2e5): the fewer GPUs.
  const std::vector<Candidate> tie{{64, 1e5, 0}, {128, 2e5, 1}};
  EXPECT_EQ(tie[*choose_for_target(tie, 1).cheapest].gpus, 64);
}

/** Two boxes of two GPUs on an NVSwitch, each box's NIC on one leaf switch outside the boxes. */
Topology two_boxes() {
  Topology t;
  for (int b = 0; b < 2; ++b) {
    const uint32_t g0 = t.add_node("b" + std::to_string(b) + ".gpu0", NodeKind::kAccelerator, {}, b);
    const uint32_t g1 = t.add_node("b" + std::to_string(b) + ".gpu1", NodeKind::kAccelerator, {}, b);
    const uint32_t sw = t.add_node("b" + std::to_string(b) + ".nvswitch", NodeKind::kSwitch, {}, b);
    const uint32_t nic = t.add_node("b" + std::to_string(b) + ".nic", NodeKind::kNic, {}, b);
    for (uint32_t g : {g0, g1}) t.add_link(Link{g, sw, "nvlink", 450e9, 450e9, {}, true});
    t.add_link(Link{sw, nic, "pcie", 64e9, 64e9, {}, true});
  }
  const uint32_t leaf = t.add_node("leaf", NodeKind::kSwitch);
  t.add_link(Link{3, leaf, "nic", 50e9, 50e9, {}, true});
  t.add_link(Link{7, leaf, "nic", 50e9, 25e9, {}, true});
  return t;
}

TEST(PlanBandwidth, ScalesOnlyTheLinksBetweenNodes) {
  const Topology t = two_boxes();
  // The NIC-to-leaf links leave their box (the leaf has none); NVLink and PCIe stay inside.
  // Their distinct per-direction bandwidths: 50e9 and the second link's 25e9 back.
  EXPECT_EQ(inter_node_bandwidths(t),
            (std::map<std::string, std::vector<double>>{{"nic", {25e9, 50e9}}}));
  const Topology half = scale_inter_node_bandwidth(t, 0.5);
  ASSERT_EQ(half.links().size(), t.links().size());
  ASSERT_EQ(half.ranks(), t.ranks());
  for (size_t i = 0; i < t.links().size(); ++i) {
    const Link &a = t.links()[i], &b = half.links()[i];
    const double f = a.link_class == "nic" ? 0.5 : 1.0;
    EXPECT_EQ(b.bw_ab_bytes_per_s, f * a.bw_ab_bytes_per_s) << i;
    EXPECT_EQ(b.bw_ba_bytes_per_s, f * a.bw_ba_bytes_per_s) << i;  // 25e9 -> 12.5e9 as well
  }
}

TEST(PlanBandwidth, BisectionFindsTheClosedFormFactor) {
  // A step of a + b / f seconds per token (a: compute, b / f: communication at f times the
  // bandwidth), a = b = 1e-6: 1 / (a + b / f) tokens/s. The target 8e5 needs
  // a + b / f = 1.25e-6, f = b / 0.25e-6 = 4.
  int calls = 0;
  auto best = [&](double f) {
    ++calls;
    return 1 / (1e-6 + 1e-6 / f);
  };
  double reached = 0;
  const std::optional<double> f = least_bandwidth_factor(best, 8e5, 1.0 / 1024, 1024, 0.01, &reached);
  ASSERT_TRUE(f);
  // The upper end of a bracket narrower than 1%: at or just above 4, and it reaches the target.
  EXPECT_GE(*f, 4.0);
  EXPECT_LE(*f, 4.0 * 1.01);
  EXPECT_GE(reached, 8e5);
  // log2(1024 / (1/1024)) = 20 halvings of log2 f to get below log2(1.01) = 0.01436:
  // ceil(log2(20 / 0.01436)) = 11 bisections, plus the two ends.
  EXPECT_EQ(calls, 13);
  // Above 1 / a = 1e6 tokens/s no bandwidth is enough: at 1024 x, 1 / (1e-6 + 1e-6 / 1024) =
  // 999,024.4 tokens/s is the best, and it is reported.
  EXPECT_FALSE(least_bandwidth_factor(best, 1.1e6, 1.0 / 1024, 1024, 0.01, &reached));
  EXPECT_NEAR(reached, 1 / (1e-6 + 1e-6 / 1024), 1e-6);
  // Reached already at 1/1024 x: 1 / (1e-6 + 1024e-6) = 975.6 tokens/s >= 900.
  EXPECT_EQ(least_bandwidth_factor(best, 900, 1.0 / 1024, 1024, 0.01, &reached), 1.0 / 1024);
}

TEST(DeviceEconomics, ReadsPriceAndPowerWithUnits) {
  const auto e = load_device_economics(
      ConfigNode::load_string("price_per_gpu_hour: 2.49USD\npower: 0.7kW\n", "d.yaml"));
  EXPECT_DOUBLE_EQ(e.price_per_gpu_hour_usd, 2.49);
  EXPECT_DOUBLE_EQ(e.power_watts, 700);
  const auto none = load_device_economics(ConfigNode::load_string("name: x\n", "d.yaml"));
  EXPECT_EQ(none.price_per_gpu_hour_usd, 0);
  EXPECT_EQ(none.power_watts, 0);
}

TEST(DeviceEconomics, BadValuesAreErrorsAtTheKey) {
  auto err = [](const std::string& yaml) {
    return config_error_what(
        [&] { load_device_economics(ConfigNode::load_string(yaml, "d.yaml")); });
  };
  EXPECT_EQ(err("price_per_gpu_hour: 2.49\n"),
            "d.yaml:1:21: error: price_per_gpu_hour: expected a price per GPU-hour in US "
            "dollars, e.g. \"2.49USD\"; got \"2.49\"");
  EXPECT_EQ(err("price_per_gpu_hour: -1USD\n"),
            "d.yaml:1:21: error: price_per_gpu_hour: expected a non-negative price; got \"-1USD\"");
  EXPECT_EQ(err("power: 700\n"),
            "d.yaml:1:8: error: power: expected a power with a unit, e.g. \"700W\"; got \"700\"");
  EXPECT_EQ(err("power: -700W\n"),
            "d.yaml:1:8: error: power: expected a positive power; got \"-700W\"");
  // The device loader checks them too, and a misspelt key gets a suggestion.
  const std::string device =
      "name: d\npeak_flops: {bf16: 1TFLOPS}\nhbm_capacity: 1GiB\nhbm_bandwidth: 1GB/s\n"
      "launch_overhead: 1us\nefficiency: {compute: 0.5, memory: 0.5}\n";
  EXPECT_EQ(config_error_what([&] {
              load_device(ConfigNode::load_string(device + "power: 7\n", "d.yaml"));
            }),
            "d.yaml:7:8: error: power: expected a power with a unit, e.g. \"700W\"; got \"7\"");
  const std::string misspelt = config_error_what([&] {
    load_device(ConfigNode::load_string(device + "price_per_gpu_hours: 1USD\n", "d.yaml"));
  });
  EXPECT_NE(misspelt.find("d.yaml:7:1: error:"), std::string::npos) << misspelt;
  EXPECT_NE(misspelt.find("did you mean 'price_per_gpu_hour'"), std::string::npos) << misspelt;
}

}  // namespace
}  // namespace dtsim::cli::plan
