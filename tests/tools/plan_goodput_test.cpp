// Goodput of a long run (tools/dtsim/plan/goodput.h): the first-order waste model and Young's
// period, worked out by hand in the comments, and the Llama 3 failure file against its paper.
#include "tools/dtsim/plan/goodput.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/cli_fixture.h"
#include "tests/support/config_error.h"

namespace dtsim::cli::plan {
namespace {

using test::config_error_what;

ReliabilitySpec spec(std::optional<double> period = {}) {
  ReliabilitySpec r;
  r.name = "test";
  r.failures = {{"gpu", false, 1e6 * 3600}, {"node", true, 5e5 * 3600}};
  r.checkpoint_bytes_per_param = 14;
  r.write_bytes_per_s = 1e10;
  r.read_bytes_per_s = 1e10;
  r.restart_s = 600;
  r.period_s = period;
  return r;
}

TEST(PlanGoodput, YoungPeriodAndFirstOrderWaste) {
  // 1000 GPUs, 8 a node: 125 nodes. Failures per hour: 1000 / 1e6 + 125 / 5e5 = 1e-3 + 2.5e-4
  // = 1.25e-3, so M = 800 h = 2.88e6 s. A 1e12-byte checkpoint at 1e10 B/s: C = R = 100 s.
  // Young: T = sqrt(2 C M) = sqrt(2 x 100 x 2.88e6) = sqrt(5.76e8) = 24,000 s.
  // goodput = (1 - 100 / 24,000) (1 - (600 + 100 + 12,000) / 2.88e6)
  //         = 0.99583333 x 0.99559028 = 0.99144198.
  const Goodput g = goodput(spec(), 1000, 8, 1e12);
  EXPECT_DOUBLE_EQ(g.mtbf_s, 2.88e6);
  EXPECT_DOUBLE_EQ(g.checkpoint_s, 100);
  EXPECT_DOUBLE_EQ(g.recovery_s, 100);
  EXPECT_DOUBLE_EQ(g.period_s, 24000);
  EXPECT_NEAR(g.goodput, (1 - 100.0 / 24000) * (1 - 12700.0 / 2.88e6), 1e-15);
  EXPECT_NEAR(g.goodput, 0.99144198, 1e-8);
  EXPECT_TRUE(g.first_order_valid);
  // Young's period is where the first-order goodput peaks: 10% either side is worse.
  EXPECT_GT(g.goodput, goodput_at(100, 600, 100, 2.88e6, 0.9 * 24000));
  EXPECT_GT(g.goodput, goodput_at(100, 600, 100, 2.88e6, 1.1 * 24000));
  // A fixed hourly period: (1 - 100 / 3600) (1 - (600 + 100 + 1800) / 2.88e6) = 0.97137828.
  EXPECT_NEAR(goodput(spec(3600), 1000, 8, 1e12).goodput, 0.97137828, 1e-8);
}

TEST(PlanGoodput, MoreGpusFailMoreOften) {
  // Twice the GPUs and nodes: twice the failure rate, M halves to 1.44e6 s, T falls by sqrt 2
  // to 16,970.56 s, and the goodput drops: (1 - 100 / 16,970.56) (1 - (700 + 8,485.28) / 1.44e6)
  // = 0.98776636.
  const Goodput g = goodput(spec(), 2000, 8, 1e12);
  EXPECT_DOUBLE_EQ(g.mtbf_s, 1.44e6);
  EXPECT_NEAR(g.period_s, 24000 / std::sqrt(2.0), 1e-9);
  EXPECT_NEAR(g.goodput, 0.98776636, 1e-8);
  // A partial node counts as a node: 1001 GPUs are 126 nodes.
  EXPECT_NEAR(1 / goodput(spec(), 1001, 8, 1e12).mtbf_s, (1001 / 1e6 + 126 / 5e5) / 3600, 1e-18);
}

TEST(PlanGoodput, NothingProgressesWhenFailuresOutpaceRestarts) {
  // M = 800 h with a 1000-hour restart: D / M > 1, the run never gets anywhere.
  ReliabilitySpec r = spec();
  r.restart_s = 1000 * 3600;
  EXPECT_EQ(goodput(r, 1000, 8, 1e12).goodput, 0);
  // A checkpoint longer than M / 2 (C = 2e6 s > 1.44e6 s): outside the first-order model.
  EXPECT_FALSE(goodput(spec(), 1000, 8, 2e16).first_order_valid);
  // Nothing fails: everything is useful.
  ReliabilitySpec none = spec();
  none.failures.clear();
  EXPECT_EQ(goodput(none, 1000, 8, 1e12).goodput, 1);
}

TEST(PlanGoodput, LlamaThreeFileMatchesItsPaper) {
  const ReliabilitySpec r = load_reliability(
      ConfigNode::load_file(test::kSource + "/configs/reliability/llama3_405b_h100.yaml"));
  // [L3] 419 unexpected interruptions in 54 days (1,296 h) on 16,384 GPUs in 2,048 nodes:
  // M = 1,296 / 419 = 3.0931 h; the file's rounded MTBFs give it within 0.01%.
  const double c = 405e9 * 14;  // Llama 3 405B's checkpoint: 5.67 TB
  const Goodput g = goodput(r, 16384, 8, c);
  EXPECT_NEAR(g.mtbf_s / 3600, 1296.0 / 419, 1296.0 / 419 * 1e-4);
  // C = 5.67e12 / 2e12 = 2.835 s; T = sqrt(2 x 2.835 x 11,135) = 251 s; goodput =
  // (1 - 2.835 / 251) (1 - (600 + 2.835 + 125.6) / 11,135) = 0.924. [L3] reports "higher than
  // 90% effective training time"; the 10-minute restart is our assumption, not theirs.
  EXPECT_NEAR(g.checkpoint_s, 2.835, 1e-12);
  EXPECT_GT(g.goodput, 0.90);
  EXPECT_LT(g.goodput, 0.95);
}

TEST(PlanGoodput, BadFilesAreErrorsAtTheKey) {
  auto err = [](const std::string& yaml) {
    return config_error_what([&] { load_reliability(ConfigNode::load_string(yaml, "r.yaml")); });
  };
  const std::string tail =
      "checkpoint: {bytes_per_parameter: 14B, write_bandwidth: 1TB/s}\nrestart: 5min\n";
  EXPECT_EQ(err("name: x\nfailures:\n  - {name: g, per: gpu, mtbf: -5h}\n" + tail),
            "r.yaml:3:31: error: failures[0].mtbf: expected a non-negative time; got \"-5h\"");
  EXPECT_EQ(err("name: x\nfailures:\n  - {name: g, per: gpu, mtbf: 0h}\n" + tail),
            "r.yaml:3:31: error: failures[0].mtbf: expected a positive mean time between "
            "failures; got \"0h\"");
  EXPECT_NE(err("name: x\nfailures:\n  - {name: g, per: rack, mtbf: 5h}\n" + tail)
                .find("r.yaml:3:20: error: failures[0].per:"),
            std::string::npos);
  const std::string unknown =
      err("name: x\nfailures: []\n" + tail + "restrat: 5min\n");
  EXPECT_NE(unknown.find("r.yaml:5:1: error:"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("did you mean 'restart'"), std::string::npos) << unknown;
  EXPECT_EQ(err("name: x\nfailures: []\ncheckpoint: {bytes_per_parameter: 14B, write_bandwidth: "
                "1TB}\nrestart: 5min\n"),
            "r.yaml:3:57: error: checkpoint.write_bandwidth: expected a rate with a unit, e.g. "
            "\"400Gbps\"; got \"1TB\"");
}

}  // namespace
}  // namespace dtsim::cli::plan
