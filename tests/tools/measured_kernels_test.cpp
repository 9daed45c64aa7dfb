// The fused-attention kernel model (models/compute/kernel_cost.h) on the H200 SXM spec against
// kernel times measured on an H200 (validation/data/h200_pytorch_kernels.yaml: PyTorch's
// scaled_dot_product_attention on cuDNN's fused kernel, measured independently of dtsim).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <string>
#include <vector>

#include "models/compute/kernel_cost.h"
#include "tests/support/cli_fixture.h"
#include "tools/calibrate/measure.h"
#include "tools/dtsim/config_loaders.h"
#include "tools/dtsim/config_node.h"

namespace dtsim::test {
namespace {

using calibrate::median;

TEST(MeasuredKernels, FusedAttentionModelAgainstCudnnOnAnH200) {
  compute::DeviceSpec h200 = cli::load_device(cli::ConfigNode::load_string(
      "d: " + kSource + "/configs/devices/h200_sxm.yaml", "ref.yaml")["d"]);
  YAML::Node data = YAML::LoadFile(kSource + "/validation/data/h200_pytorch_kernels.yaml");
  std::vector<double> fwd_err, bwd_err;
  for (const YAML::Node& row : data["attention"]) {
    if (row[5].as<std::string>() != "cudnn_attention") continue;
    simcore::AttentionShape a;
    a.batch_heads = row[0].as<int64_t>() * row[1].as<int64_t>();
    a.seq_q = a.seq_kv = row[2].as<int64_t>();
    a.head_dim = row[3].as<int64_t>();
    a.causal = row[4].as<bool>();
    const double fwd = row[6].as<double>() * 1e-6, both = row[7].as<double>() * 1e-6;
    auto model = [&](bool backward) {
      simcore::AttentionShape s = a;
      s.backward = backward;
      return compute::attention_kernel_seconds(h200, h200.peak_flops_per_s.at("bf16"), 2, s) +
             h200.launch_overhead.seconds();
    };
    fwd_err.push_back(std::abs(model(false) - fwd) / fwd);
    bwd_err.push_back(std::abs(model(true) - (both - fwd)) / (both - fwd));
  }
  ASSERT_EQ(fwd_err.size(), 14u);  // 7 shapes, causal and not
  // Forward: within 10% at the median (measured 8.4%, worst 21.7%); the spec's attention
  // efficiency 0.60 comes from FlashAttention-3's paper, not from these rows.
  EXPECT_LE(median(fwd_err), 0.10);
  // Backward: the model is too fast (median 17.3%, worst 48.9% at head_dim 192): one efficiency
  // for both directions, where cuDNN's backward runs at a lower fraction of peak than its
  // forward. A known gap, bounded here so that it cannot grow unseen.
  EXPECT_LE(median(bwd_err), 0.20);
}

TEST(MeasuredKernels, ShapeAwareRooflineAgainstTheH200HeldOutGemms) {
  // The roofline without a calibration file (tile and wave quantisation, kernel_cost.h) against
  // the bf16 GEMMs the harness measured off its grid on the H200 (configs/calibration/
  // nvidia_h200.yaml, held_out.bf16: Llama-3 8B projections at TP 1-8, DeepSeek-V3 experts with
  // 24-384 tokens, six generic shapes). Measured: median 5.1%; the worst are the experts' gate+up
  // GEMMs with 24-96 tokens (k = 7168), 45-57% slow: cuBLAS splits their k across the idle SMs.
  compute::DeviceSpec h200 = cli::load_device(cli::ConfigNode::load_string(
      "d: " + kSource + "/configs/devices/h200_sxm.yaml", "ref.yaml")["d"]);
  YAML::Node cal = YAML::LoadFile(kSource + "/configs/calibration/nvidia_h200.yaml");
  auto us = [](const YAML::Node& x) {
    std::string s = x.as<std::string>();
    return std::stod(s.substr(0, s.size() - 2)) * 1e-6;  // "12.5us"
  };
  std::vector<double> err;
  for (const YAML::Node& row : cal["held_out"]["bf16"]["rows"]) {
    simcore::GemmShape g{.m = row[0].as<int64_t>(), .n = row[1].as<int64_t>(),
                         .k = row[2].as<int64_t>(), .count = 1};
    double model = compute::gemm_kernel_seconds(h200, h200.peak_flops_per_s.at("bf16"), 2, g) +
                   h200.launch_overhead.seconds();
    double measured = us(row[3]);
    err.push_back(std::abs(model - measured) / measured);
  }
  ASSERT_EQ(err.size(), 27u);
  EXPECT_LE(median(err), 0.10);
}

}  // namespace
}  // namespace dtsim::test
