// `dtsim plan` end to end: a small model on a 16-GPU cluster, its output file, and the bad
// inputs (exit 2, a clear message, no file left behind).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <map>
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

TEST_F(CliTest, PlanFindsTheSmallestAndCheapestClusterForATarget) {
  const std::string s = file("s.yaml", plan_scenario());
  // The plan's own fastest layout per GPU count (1, 2, 4, 8, 16), then a target between the
  // 1-GPU and the 2-GPU throughput: 2 GPUs is the smallest cluster reaching it, and the cheapest
  // is the count with the fewest GPU-hours per token (gpus / tokens/s) among those reaching it.
  ASSERT_EQ(dtsim("plan " + s + " --gpus 1-16 --no-rerun -q --out " + path("all.json")).status, 0);
  const auto all = nlohmann::json::parse(slurp(path("all.json")))["best"];
  ASSERT_EQ(all.size(), 5u);
  std::map<int, double> tps;
  for (const auto& b : all) tps[b["gpus"].get<int>()] = b["tokens_per_s"].get<double>();
  ASSERT_GT(tps[2], tps[1]);
  const double target = (tps[1] + tps[2]) / 2;
  int cheapest = 0;
  for (const auto& [g, t] : tps)
    if (t >= target && (cheapest == 0 || g / t < cheapest / tps[cheapest])) cheapest = g;
  Result r = dtsim(fmt::format("plan {} --gpus 1-16 --no-rerun --target-tokens-per-s {:.17g} "
                               "--train-tokens 1e12 --out {}",
                               s, target, path("t.json")));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("smallest"), std::string::npos) << r.out;
  const auto t = nlohmann::json::parse(slurp(path("t.json")))["target"];
  EXPECT_EQ(t["smallest"]["gpus"], 2);
  EXPECT_EQ(t["cheapest"]["gpus"], cheapest);
  // configs/devices/h100_sxm.yaml: $2.49 per GPU-hour and 700 W. 1e12 tokens at the 2-GPU
  // throughput take 1e12 / tps / 86,400 days and cost 2 x 2.49 x 1e12 / tps / 3600 dollars.
  const auto& sm = t["smallest"];
  EXPECT_NEAR(sm["usd_per_hour"].get<double>(), 2 * 2.49, 1e-12);
  EXPECT_NEAR(sm["power_kW"].get<double>(), 1.4, 1e-12);
  EXPECT_NEAR(sm["train_days"].get<double>(), 1e12 / tps[2] / 86400, 1e-9 * 1e12 / tps[2]);
  EXPECT_NEAR(sm["train_cost_usd"].get<double>(), 4.98 * 1e12 / tps[2] / 3600,
              1e-9 * 1e12 / tps[2]);
}

TEST_F(CliTest, PlanGoodputFollowsTheReliabilityFile) {
  const std::string s = file("s.yaml", plan_scenario());
  const std::string rel = file("r.yaml",
                               "name: test\n"
                               "failures:\n"
                               "  - {name: gpu, per: gpu, mtbf: 1000h}\n"
                               "  - {name: node, per: node, mtbf: 500h}\n"
                               "checkpoint: {bytes_per_parameter: 14B, write_bandwidth: 1GB/s}\n"
                               "restart: 10min\n");
  Result r = dtsim("plan " + s + " --gpus 8-16 --no-rerun --reliability " + rel + " --out " +
                   path("g.json"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("goodput       test"), std::string::npos) << r.out;
  for (const auto& b : nlohmann::json::parse(slurp(path("g.json")))["best"]) {
    // g GPUs in g / 8 nodes fail at g / 1000 + (g / 8) / 500 per hour: 8 GPUs -> M = 1 / 0.01 =
    // 100 h; 16 GPUs -> 50 h. The checkpoint: the model's parameters x 14 B at 1e9 B/s; Young's
    // period sqrt(2 C M); goodput (1 - C / T)(1 - (600 + C + T / 2) / M) (R = C: same bandwidth).
    const int g = b["gpus"].get<int>();
    const double m = 3600 / (g / 1000.0 + g / 8 / 500.0);
    EXPECT_NEAR(b["job_mtbf_h"].get<double>(), g == 8 ? 100 : 50, 1e-9) << b;
    const double c = b["checkpoint_s"].get<double>();
    EXPECT_GT(c, 0);
    const double period = std::sqrt(2 * c * m);
    EXPECT_NEAR(b["checkpoint_period_s"].get<double>(), period, 1e-9 * period);
    const double good = (1 - c / period) * (1 - (600 + c + period / 2) / m);
    EXPECT_NEAR(b["goodput"].get<double>(), good, 1e-12);
    EXPECT_NEAR(b["useful_tokens_per_s"].get<double>(), good * b["tokens_per_s"].get<double>(),
                1e-6);
  }
  // Bad reliability files are errors at their key, exit 2.
  const std::string bad = file("bad.yaml",
                               "name: test\nfailures:\n  - {name: gpu, per: gpu, mtbf: -1h}\n"
                               "checkpoint: {bytes_per_parameter: 14B, write_bandwidth: 1GB/s}\n"
                               "restart: 10min\n");
  r = dtsim("plan " + s + " --gpus 16 --no-rerun --reliability " + bad);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("bad.yaml:3:33: error: failures[0].mtbf: expected a non-negative time"),
            std::string::npos)
      << r.err;
}

TEST_F(CliTest, PlanFindsTheLeastInterNodeBandwidth) {
  // One layer, two heads and 4 sequences keep each of the 13 searches to a few hundred layouts.
  const std::string s = file("s.yaml", plan_scenario()) +
                        " --set workload.model.layers=1 --set workload.model.heads=2 "
                        "--set workload.model.kv_heads=2 --global-batch 4";
  ASSERT_EQ(dtsim("plan " + s + " --gpus 16 --no-rerun -q --out " + path("one.json")).status, 0);
  const double at_1x =
      nlohmann::json::parse(slurp(path("one.json")))["best"][0]["tokens_per_s"].get<double>();
  // The throughput the cluster reaches as built needs at most its bandwidth (factor <= 1), and
  // the answer reaches it.
  Result r = dtsim(fmt::format("plan {} --gpus 16 --no-rerun -j 2 --target-tokens-per-s {:.17g} "
                               "--least-inter-node-bandwidth --out {}",
                               s, at_1x, path("bw.json")));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto bw = nlohmann::json::parse(slurp(path("bw.json")))["least_inter_node_bandwidth"];
  EXPECT_LE(bw["factor"].get<double>(), 1.0);
  EXPECT_GE(bw["tokens_per_s"].get<double>(), at_1x);
  // The links between the two DGX nodes are InfiniBand (the NIC links and leaf trunks).
  ASSERT_TRUE(bw["link_classes"].contains("infiniband")) << bw;
  // A target beyond any bandwidth is an error naming the best found.
  r = dtsim("plan " + s + " --gpus 16 --no-rerun --target-tokens-per-s 1e12 "
            "--least-inter-node-bandwidth");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("<--target-tokens-per-s 1000000000000>: error: no layout on 16 GPUs "
                       "reaches 1e+12 tokens/s even with 1024 times the inter-node bandwidth; "
                       "the best found there is "),
            std::string::npos)
      << r.err;
  r = dtsim("plan " + s + " --gpus 16 --no-rerun --least-inter-node-bandwidth");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("<--least-inter-node-bandwidth>: error: needs a target: give "
                       "--target-tokens-per-s X"),
            std::string::npos)
      << r.err;
  r = dtsim("plan " + s + " --gpus 16 --no-rerun --train-tokens 1e12");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("needs a target: give --target-tokens-per-s X"), std::string::npos) << r.err;
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
