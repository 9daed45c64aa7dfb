#include "models/compute/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "models/compute/calibrated_model.h"
#include "simcore/error.h"
#include "simcore/workload.h"

namespace dtsim::compute {
namespace {

using simcore::ConfigError;

// A device whose GEMM runs at exactly 1e12 FLOP/s at every shape: t = 2 m n k / 1e12. Then
// log t = log(2e-12) + log m + log n + log k is linear in the log sizes, so trilinear
// interpolation in log space must reproduce it exactly at every point inside the grid.
double exact_gemm(double m, double n, double k) { return 2 * m * n * k / 1e12; }

CalibrationData power_law_table(std::vector<int64_t> axis = {16, 64, 256}) {
  CalibrationData d;
  d.file = "test.yaml";
  d.device = {"Test CPU", "Test CPU sku", 16e9, "cpu"};
  d.launch_overhead_s = 50e-9;
  for (int64_t m : axis)
    for (int64_t n : axis)
      for (int64_t k : axis) d.gemm["fp32"].push_back({m, n, k, exact_gemm(m, n, k), {}});
  // Memory-bound kernel at 1e10 B/s above 1 MB; a 1 us floor below: t = max(1e-6, bytes / 1e10).
  for (double b : {1e3, 1e4, 1e6, 1e8}) d.memory.push_back({b, std::max(1e-6, b / 1e10), {}});
  d.memory_kernel = "triad";
  return d;
}

TEST(CalibrationTableTest, LogTrilinearIsExactForAPowerLaw) {
  CalibrationTable t(power_law_table());
  for (auto [m, n, k] : std::vector<std::array<double, 3>>{
           {16, 16, 16}, {32, 100, 200}, {20, 250, 17}, {256, 256, 256}, {128, 64, 40}})
    EXPECT_NEAR(t.gemm_seconds("fp32", m, n, k) / exact_gemm(m, n, k), 1.0, 1e-12)
        << m << " " << n << " " << k;
}

TEST(CalibrationTableTest, BelowTheGridClampsAboveScalesByFlops) {
  CalibrationTable t(power_law_table());
  // Below: the smallest measured size holds (8 -> 16 on every axis).
  EXPECT_NEAR(t.gemm_seconds("fp32", 8, 8, 8), exact_gemm(16, 16, 16), 1e-20);
  // Above: t(256, 256, 256) * (1024 / 256) on m alone.
  EXPECT_NEAR(t.gemm_seconds("fp32", 1024, 256, 256) / (exact_gemm(256, 256, 256) * 4), 1, 1e-12);
}

TEST(CalibrationTableTest, MemoryTimeIsLogLinearBetweenRowsClampedBelowScaledAbove) {
  CalibrationTable t(power_law_table());
  // Between 1e6 (1e-4 s) and 1e8 (1e-2 s), both at 1e10 B/s: the geometric interpolation is
  // bytes / 1e10 exactly.
  EXPECT_NEAR(t.memory_seconds(1e7) / 1e-3, 1, 1e-12);
  // Between 1e3 and 1e4, both at the 1 us floor.
  EXPECT_NEAR(t.memory_seconds(3e3) / 1e-6, 1, 1e-12);
  EXPECT_DOUBLE_EQ(t.memory_seconds(10), 1e-6);  // below: the smallest row's time
  EXPECT_NEAR(t.memory_seconds(1e9) / 0.1, 1, 1e-12);  // above: 1e-2 s * 10
  EXPECT_EQ(t.memory_seconds(0), 0);
}

TEST(CalibrationTableTest, ASingleValueAxisIsNotInterpolated) {
  CalibrationData d = power_law_table({64});
  CalibrationTable t(std::move(d));
  EXPECT_NEAR(t.gemm_seconds("fp32", 64, 64, 64), exact_gemm(64, 64, 64), 1e-20);
  EXPECT_NEAR(t.gemm_seconds("fp32", 32, 64, 64), exact_gemm(64, 64, 64), 1e-20);  // clamped
}

std::string error_of(CalibrationData d) {
  try {
    CalibrationTable t(std::move(d));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(CalibrationTableTest, BadTablesAreErrorsNamingTheRow) {
  {
    CalibrationData d = power_law_table();
    d.gemm["fp32"][5].seconds = 0;
    EXPECT_NE(error_of(d).find("gemm.fp32 row 5 (m 16, n 64, k 256): expected a positive time"),
              std::string::npos)
        << error_of(d);
  }
  {
    CalibrationData d = power_law_table();
    std::swap(d.gemm["fp32"][3], d.gemm["fp32"][4]);
    EXPECT_NE(error_of(d).find("gemm.fp32 row 4 (m 16, n 64, k 16): rows must be in strictly "
                               "ascending (m, n, k) order"),
              std::string::npos)
        << error_of(d);
  }
  {
    CalibrationData d = power_law_table();
    d.gemm["fp32"].erase(d.gemm["fp32"].begin() + 7);  // (16, 256, 64)
    EXPECT_NE(error_of(d).find("lacks the point (m 16, n 256, k 64)"), std::string::npos)
        << error_of(d);
  }
  {
    CalibrationData d = power_law_table();
    d.gemm["fp4"] = d.gemm["fp32"];
    EXPECT_NE(error_of(d).find("unknown dtype 'fp4'"), std::string::npos) << error_of(d);
  }
  {
    CalibrationData d = power_law_table();
    d.memory[2].bytes = 1e3;
    EXPECT_NE(error_of(d).find("memory_bound row 2 (bytes 1000): sizes must increase strictly"),
              std::string::npos)
        << error_of(d);
  }
  {
    CalibrationData d = power_law_table();
    d.gemm["fp32"][0].where = {"cal.yaml", 12, 7};
    d.gemm["fp32"][0].seconds = -1;
    EXPECT_EQ(error_of(d).rfind("cal.yaml:12:7: error: gemm.fp32 row 0", 0), 0u) << error_of(d);
  }
}

simcore::Op compute_op(simcore::Workload& w, double flops, double bytes, std::string_view dtype) {
  simcore::Op op;
  op.kind = simcore::OpKind::kCompute;
  op.flops = flops;
  op.mem_bytes = bytes;
  op.dtype = w.intern(dtype);
  return op;
}

TEST(CalibratedModelTest, PricesByTheEquivalentSquareGemmAndFallsBackToTheRoofline) {
  DeviceSpec spec{.name = "Test CPU",
                  .sku = "",
                  .peak_flops_per_s = {{"fp32", 1e11}, {"bf16", 1e11}},
                  .hbm_capacity_bytes = 16e9,
                  .hbm_bw_bytes_per_s = 1e10,
                  .launch_overhead = simcore::Time::zero(),
                  .compute_efficiency = 1,
                  .memory_efficiency = 1};
  CalibratedModel model(spec, std::make_shared<const CalibrationTable>(power_law_table()));
  simcore::Workload w;
  // 2 * 100^3 FLOPs: the square GEMM of side 100, at 1e12 FLOP/s: 2e6 / 1e12 = 2 us. Its 1e4
  // bytes take the 1 us floor of the memory table, less than the GEMM: 2 us.
  auto c = model.cost(w, compute_op(w, 2e6, 1e4, "fp32"), 0);
  EXPECT_EQ(c.model, "calibrated");
  EXPECT_EQ(c.time, simcore::Time::from_seconds_ceil(2e-6));
  // Memory-heavy: 1e8 bytes at 1e10 B/s = 10 ms > 2 us.
  EXPECT_EQ(model.cost(w, compute_op(w, 2e6, 1e8, "fp32"), 0).time, simcore::Time::ms(10));
  // A memory-bound op (no FLOPs): 1e7 bytes / 1e10 B/s = 1 ms.
  auto mem = model.cost(w, compute_op(w, 0, 1e7, "fp32"), 0);
  EXPECT_EQ(mem.model, "calibrated");
  EXPECT_EQ(mem.time, simcore::Time::ms(1));
  // bf16 has no table: the roofline, 2e6 / 1e11 = 20 us.
  auto r = model.cost(w, compute_op(w, 2e6, 0, "bf16"), 0);
  EXPECT_EQ(r.model, "roofline");
  EXPECT_EQ(r.time, simcore::Time::us(20));
}

}  // namespace
}  // namespace dtsim::compute
