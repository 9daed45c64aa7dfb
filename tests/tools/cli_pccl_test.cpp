// The shipped scenario scenarios/pccl_wan_allreduce.yaml through the real binary.
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli_fixture.h"

namespace dtsim::cli {
namespace {

using test::CliTest;
using test::kSource;
using test::Result;

class PcclRun : public CliTest {
 protected:
  /** Runs the shipped scenario with `sets`; returns the report. */
  nlohmann::json run_shipped(const std::string& sets) {
    const std::string out = path("r.json");
    Result r = dtsim("run '" + kSource + "/scenarios/pccl_wan_allreduce.yaml' -q --reproducible " +
                     "--report '" + out + "' " + sets);
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(test::slurp(out));
  }
};

TEST_F(PcclRun, TheShippedScenarioRunsPcclRingAndDoublingThePoolNearlyHalvesTheTime) {
  // T(k) = 6 alpha + 6 (S/4) / (k r) + slow start (a few RTTs): the bandwidth term halves from
  // k = 16 to 32 while the latency terms (6 x at most 44 ms, plus slow start) stay, so the ratio
  // T(16) / T(32) lies below 2 and, for 1 GiB, well above 1.9.
  const auto k16 = run_shipped("");
  const auto k32 = run_shipped("--set network.connections=32");
  EXPECT_EQ(k16["collectives"][0]["algorithm"], "pccl_ring");
  const double ratio = k16["step_time_s"].get<double>() / k32["step_time_s"].get<double>();
  EXPECT_GT(ratio, 1.9);
  EXPECT_LT(ratio, 2.0);
}

}  // namespace
}  // namespace dtsim::cli
