// Shape-aware device keys and cost-model goldens (validation/cost_models) through the real
// binary: bad device keys exit 2 at the key; a moved golden prints old, new and the relative
// change and exits 1; --regenerate rewrites it and it passes again.
#include <string>

#include "tests/support/cli_fixture.h"

namespace dtsim::cli::cost_models {
namespace {

using test::CliTest;
using test::Result;

const std::string kDeviceHead =
    "name: gpu\npeak_flops: {bf16: 1000TFLOPS}\nhbm_capacity: 80GiB\nhbm_bandwidth: 1TB/s\n"
    "launch_overhead: 0us\nefficiency: {compute: 0.5, memory: 0.5}\n";

/** A golden on an inline device (line 2) with one op value (line 6), of 1000 TFLOPS x 0.5. */
std::string golden(const std::string& gemm8192) {
  return "golden: cost_models\n"
         "device: {name: gpu, peak_flops: {bf16: 1000TFLOPS}, hbm_capacity: 80GiB, "
         "hbm_bandwidth: 1TB/s, launch_overhead: 0us, efficiency: {compute: 0.5, memory: 0.5}}\n"
         "dtype: bf16\n"
         "tolerance: {relative: 1.0e-9}\n"
         "ops:\n"
         "  \"gemm 8192x8192x8192\": " + gemm8192 + "\n";
}

TEST_F(CliTest, AGemmTileWithoutSmsIsAnErrorAtTheDevice) {
  std::string dev = file("d.yaml", kDeviceHead + "gemm_tile: [128, 128]\n");
  std::string s = file("s.yaml", test::ring_scenario());
  Result r = dtsim("run '" + s + "' --set 'cluster.device=" + dev + "'");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("gemm_tile and attention_tile need sms"), std::string::npos) << r.err;
}

TEST_F(CliTest, AGemmTileOfThreeSizesIsAnErrorAtTheTile) {
  std::string dev = file("d.yaml", kDeviceHead + "sms: 10\ngemm_tile: [128, 128, 64]\n");
  std::string s = file("s.yaml", test::ring_scenario());
  Result r = dtsim("run '" + s + "' --set 'cluster.device=" + dev + "'");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find(dev + ":8:12: error: gemm_tile: expected a list [tile_m, tile_n]"),
            std::string::npos)
      << r.err;
}

TEST_F(CliTest, AMovedGoldenFailsWithOldNewAndChangeThenRegenerates) {
  // 8192^3 bf16 on a device without SMs: 2 x 8192^3 / (1e15 x 0.5) = 2.19902325555 ms (written
  // with 12 significant digits); the file says 2 ms: a +9.951e-02 change.
  std::string g = file("g.yaml", golden("0.002"));
  Result r = dtsim("validate '" + g + "'");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("gemm 8192x8192x8192: old 0.002 new 0.002199023256 relative change "
                       "+9.951e-02"),
            std::string::npos)
      << r.out;
  Result regen = dtsim("validate --regenerate '" + g + "'");
  EXPECT_EQ(regen.status, 0) << regen.out << regen.err;
  EXPECT_NE(test::slurp(g).find("\"gemm 8192x8192x8192\": 0.002199023256\n"), std::string::npos)
      << test::slurp(g);
  Result again = dtsim("validate '" + g + "'");
  EXPECT_EQ(again.status, 0) << again.out << again.err;
}

}  // namespace
}  // namespace dtsim::cli::cost_models
