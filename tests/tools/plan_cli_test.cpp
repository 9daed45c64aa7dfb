// `dtsim plan` end to end: a small model on a 16-GPU cluster, its output file, and the bad
// inputs (exit 2, a clear message, no file left behind).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/cli_fixture.h"
#include "tools/dtsim/plot.h"

namespace dtsim::test {
namespace {

/** A 4-layer model on two DGX H100-like nodes (16 GPUs, 8 a node). */
std::string plan_scenario(const std::string& extra = "") {
  return "name: plan-tiny\n"
         "cluster:\n"
         "  topology: {builder: dgx_superpod, nodes: 2}\n"
         "  device: " +
         kDevice +
         "\n"
         "workload:\n"
         "  kind: transformer\n"
         "  model: {name: tiny, layers: 4, hidden: 1024, ffn_hidden: 4096, heads: 8, kv_heads: "
         "8, vocab: 4096}\n"
         "  parallelism: {dp: 1, tp: 1, pp: 1}\n"
         "  batch: {global_batch: 16, micro_batch: 1, seq_len: 512}\n" +
         extra + "network: {model: flow}\n";
}

TEST_F(CliTest, PlanSearchesPricesAndRerunsTheBest) {
  const std::string s = file("s.yaml", plan_scenario());
  Result r = dtsim("plan " + s + " --gpus 8-16 -j 2 --top 2 --out " + path("plan.json"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Pareto front"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(slurp(path("plan.json")));
  EXPECT_EQ(j["gpus"], nlohmann::json({8, 16}));
  // Two GPU counts, the best two of each, each re-run on both back-ends.
  ASSERT_EQ(j["best"].size(), 4u);
  for (const auto& b : j["best"]) {
    EXPECT_EQ(b["dp"].get<int>() * b["tp"].get<int>() * b["sp"].get<int>() * b["pp"].get<int>(),
              b["gpus"].get<int>());
    ASSERT_TRUE(b["analytical_step_time_s"].is_number()) << b;
    ASSERT_TRUE(b["flow_step_time_s"].is_number()) << b;
    // The estimate composes blocks the analytical back-end priced; the full simulation of the
    // same layout on that back-end is the independent check (pricer.h: within a few per cent).
    constexpr double kEstimateTolerance = 0.05;
    EXPECT_NEAR(b["step_time_s"].get<double>() / b["analytical_step_time_s"].get<double>(), 1.0,
                kEstimateTolerance)
        << b;
    // tokens/s is the global batch's tokens over the step: 16 x 512 / step.
    EXPECT_NEAR(b["tokens_per_s"].get<double>() * b["step_time_s"].get<double>(), 16 * 512, 1e-6);
  }
  // The front is sorted by GPUs with step time falling.
  const auto& f = j["pareto_front"];
  ASSERT_GE(f.size(), 1u);
  for (size_t i = 1; i < f.size(); ++i) {
    EXPECT_GT(f[i]["gpus"].get<int>(), f[i - 1]["gpus"].get<int>());
    EXPECT_LT(f[i]["step_time_s"].get<double>(), f[i - 1]["step_time_s"].get<double>());
  }
  // The same plan whatever the thread count (each thread keeps its own caches).
  ASSERT_EQ(dtsim("plan " + s + " --gpus 8-16 -j 1 --no-rerun -q --top 5 --out " + path("j1.json"))
                .status,
            0);
  ASSERT_EQ(dtsim("plan " + s + " --gpus 8-16 -j 2 --no-rerun -q --top 5 --out " + path("j2.json"))
                .status,
            0);
  EXPECT_EQ(slurp(path("j1.json")), slurp(path("j2.json")));
  // CSV: a header and one row per listed layout.
  r = dtsim("plan " + s + " --gpus 16 --no-rerun -q --out " + path("plan.csv"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  const auto rows = csv_rows(slurp(path("plan.csv")));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0], "gpus");
  EXPECT_EQ(rows[1][0], "16");
}

TEST_F(CliTest, PlanRejectsBadInput) {
  const std::string s = file("s.yaml", plan_scenario());
  const std::string out = " --out " + path("plan.json");
  auto expect_bad = [&](const std::string& args, const std::string& message) {
    Result r = dtsim("plan " + args + out);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << args << "\n" << r.err;
    EXPECT_FALSE(fs::exists(path("plan.json"))) << args;
  };
  expect_bad(s + " --gpus 16-8", "<--gpus 16-8>: error: an empty range: 16 is above 8");
  expect_bad(s + " --gpus 8x", "expected a GPU count (a whole number >= 1), a list");
  expect_bad(s + " --gpus 8-64",
             "<--gpus 8-64>: error: asks for up to 64 GPUs, but the cluster of " + s + " has 16");
  // A throughput no layout reaches: the error names the best found.
  expect_bad(s + " --gpus 8-16 --no-rerun --target-tokens-per-s 1e12",
             "error: no layout on 8-16 GPUs reaches 1e+12 tokens/s; the best found is ");
  // Not a transformer step.
  const std::string ring = file("ring.yaml", ring_scenario());
  expect_bad(ring,
             "ring.yaml:9:9: error: workload.kind: dtsim plan searches the layouts of a transformer step (kind: "
             "transformer); this scenario's workload is 'collective_sweep'");
  // A model no layout fits (states of 2 x 10^12 parameters would need ~2 TB on 16 GPUs).
  const std::string huge = file(
      "huge.yaml", plan_scenario().replace(plan_scenario().find("hidden: 1024, ffn_hidden: 4096"),
                                           30, "hidden: 262144, ffn_hidden: 1048576"));
  expect_bad(huge + " --gpus 16 --no-rerun", "no layout of 'tiny' on 16 GPUs fits the");
  Result r = dtsim("plan " + s + " --out " + path("plan.txt"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("<--out " + path("plan.txt") +
                       ">: error: expected a file name ending in .json or .csv"),
            std::string::npos)
      << r.err;
}

TEST_F(CliTest, PlanPlotsTheBestLayoutsAgainstGpus) {
  const std::string s = file("s.yaml", plan_scenario());
  // Without gnuplot on PATH: exit 2 before the search, naming the package.
  Result none = shell("PATH=/nonexistent '" + kBinary + "' plan " + s + " --gpus 16 --no-rerun -q "
                      "--plot '" + path("p.svg") + "'");
  EXPECT_EQ(none.status, 2);
  EXPECT_NE(none.err.find("error: gnuplot is not installed (no gnuplot on PATH): install the "
                          "Debian package gnuplot-nox"),
            std::string::npos)
      << none.err;
  EXPECT_FALSE(fs::exists(path("p.svg")));
  if (cli::plot::find_gnuplot().empty()) GTEST_SKIP() << "gnuplot is not installed (gnuplot-nox)";
  Result r = dtsim("plan " + s + " --gpus 8-16 --no-rerun -q --plot '" + path("p.svg") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string svg = slurp(path("p.svg"));
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("Pareto front"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace dtsim::test
