// The shape-aware roofline (kernel_cost.h) against closed forms worked out by hand, and its use
// by the roofline and calibrated models for ops that carry kernel shapes.
#include "models/compute/kernel_cost.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "models/compute/calibrated_model.h"
#include "models/compute/roofline.h"
#include "simcore/program_builder.h"

namespace dtsim::compute {
namespace {

using simcore::GemmShape;
using simcore::KernelShapes;
using simcore::Time;

// Round numbers: 100 SMs, 128 x 128 tiles; bf16 peak 1e15 FLOP/s at efficiency 0.5; 1e13 B/s
// at 0.5 (ridge 5e14 / 5e12 = 100 FLOP/B); attention at 0.25 over 128-row query tiles.
DeviceSpec gpu() {
  return DeviceSpec{.name = "Test GPU",
                    .sku = "",
                    .peak_flops_per_s = {{"bf16", 1e15}},
                    .hbm_capacity_bytes = 80e9,
                    .hbm_bw_bytes_per_s = 1e13,
                    .launch_overhead = Time::us(4),
                    .compute_efficiency = 0.5,
                    .memory_efficiency = 0.5,
                    .sm_count = 100,
                    .gemm_tile_m = 128,
                    .gemm_tile_n = 128,
                    .attention_efficiency = 0.25,
                    .attention_tile_q = 128};
}

TEST(KernelCostTest, WaveQuantisationPadsTheLastWave) {
  // 1280 x 1280 x 4096: 10 x 10 = 100 tiles = one full wave: no padding.
  //   t = 2 x 1280^2 x 4096 / 5e14 = 26.8435456 us
  // 1408 x 1280: 11 x 10 = 110 tiles -> 2 waves of 100, each tile 2 x 128^2 x 4096 FLOPs:
  //   t = 2 x 100 x 2 x 16384 x 4096 / 5e14 = 53.6870912 us (the 10-tile wave costs a whole one)
  EXPECT_NEAR(gemm_kernel_seconds(gpu(), 1e15, 2, {1280, 1280, 4096}), 26.8435456e-6, 1e-15);
  EXPECT_NEAR(gemm_kernel_seconds(gpu(), 1e15, 2, {1408, 1280, 4096}), 53.6870912e-6, 1e-15);
}

TEST(KernelCostTest, SmallMPaysAWholeTile) {
  // (16, 12800, 8192): ceil(16 / 128) x 12800 / 128 = 100 tiles, one wave, each a whole
  // 128 x 128 tile: math = 100 x 2 x 128^2 x 8192 / 5e14 = 53.6870912 us (8x the 6.71 us of
  // its own FLOPs); memory = 2 B x (16 x 8192 + 8192 x 12800 + 16 x 12800) / 5e12 = 42.08 us.
  EXPECT_NEAR(gemm_kernel_seconds(gpu(), 1e15, 2, {16, 12800, 8192}), 53.6870912e-6, 1e-15);
  // Small k, (16, 12800, 16): math = 100 x 2 x 16384 x 16 / 5e14 = 0.1048576 us; memory =
  // 2 x (256 + 204800 + 204800) / 5e12 = 0.1639424 us: memory-bound (the output is written
  // whatever k is).
  EXPECT_NEAR(gemm_kernel_seconds(gpu(), 1e15, 2, {16, 12800, 16}), 0.1639424e-6, 1e-15);
}

TEST(KernelCostTest, NoSmsNoQuantisation) {
  // A CPU (no SMs): t = max(2 m n k / (peak eff), bytes / (bw eff)) for (1408, 1280, 4096):
  //   2 x 1408 x 1280 x 4096 / 5e14 = 29.52790016 us.
  DeviceSpec cpu = gpu();
  cpu.sm_count = 0;
  cpu.gemm_tile_m = cpu.gemm_tile_n = 0;
  EXPECT_NEAR(gemm_kernel_seconds(cpu, 1e15, 2, {1408, 1280, 4096}), 29.52790016e-6, 1e-15);
}

TEST(KernelCostTest, AttentionAtItsOwnEfficiency) {
  // 100 heads x 4096 queries, head dim 128, causal, forward: FLOPs = 2 products x 2 x 4096^2 x
  // 128 x 100 / 2 = 4.294967296e11; tiles = 100 x 32 = 3200 = 32 full waves;
  //   t = 4.294967296e11 / (1e15 x 0.25) = 1.7179869184 ms.
  simcore::AttentionShape a{100, 4096, 4096, 128, true, false};
  EXPECT_NEAR(attention_kernel_seconds(gpu(), 1e15, 2, a), 1.7179869184e-3, 1e-12);
  // Backward: 5 products: 2.5x the forward.
  a.backward = true;
  EXPECT_NEAR(attention_kernel_seconds(gpu(), 1e15, 2, a), 2.5 * 1.7179869184e-3, 1e-12);
}

simcore::ComputeCost price(const simcore::ComputeModel& m, const KernelShapes& s) {
  simcore::Workload w;
  w.ranks.resize(1);
  simcore::ProgramBuilder b(w);
  const uint32_t i = b.shaped_compute(0, "op", simcore::kernel_flops(s), 0, "bf16", b.shape(s));
  return m.cost(w, w.ranks[0].ops[i], 0);
}

TEST(KernelCostTest, RooflinePricesEachKernelAndLaunchesEach) {
  // Two GEMMs of one full wave each (26,843,545.6 ps), summed then rounded up to the next
  // picosecond: 53,687,092 ps, + 2 launches of 4 us = 61,687,092 ps.
  KernelShapes s;
  s.gemms.push_back({1280, 1280, 4096});
  s.gemms.push_back({1280, 1280, 4096});
  const simcore::ComputeCost c = price(RooflineModel(gpu()), s);
  EXPECT_EQ(c.time, Time::ps(61687092));
  EXPECT_EQ(c.model, "roofline");
}

TEST(KernelCostTest, CalibratedPricesEachGemmAtItsShape) {
  // A one-point-per-axis table is flat below its sizes: every GEMM no larger than 64^3 takes
  // 10 us. An op of (16, 64, 64) x 4 grouped and (64, 64, 64) once: 4 x 10 + 10 = 50 us,
  // where the FLOP-equivalent square GEMM would cost one call (10 us).
  CalibrationData d;
  d.device.name = "Test GPU";
  d.gemm["bf16"] = {{64, 64, 64, 10e-6, {}}};
  auto table = std::make_shared<const CalibrationTable>(std::move(d));
  KernelShapes s;
  s.gemms.push_back({16, 64, 64, 4});
  s.gemms.push_back({64, 64, 64, 1});
  const simcore::ComputeCost c = price(CalibratedModel(gpu(), table), s);
  EXPECT_EQ(c.time, Time::us(50));
  EXPECT_EQ(c.model, "calibrated");
}

}  // namespace
}  // namespace dtsim::compute
