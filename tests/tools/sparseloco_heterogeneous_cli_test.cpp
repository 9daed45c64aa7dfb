// Heterogeneous SparseLoCo (`pipeline_replicas`, arXiv 2601.02360) through the real binary: the
// compressed inter-stage bytes against their closed form, the blocking sync gated by the slowest
// replica, the shipped scenario, and the bad-input messages (exit 2, at file:line:column).
#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli_fixture.h"

namespace dtsim::cli::sparseloco_heterogeneous {
namespace {

using test::CliTest;
using test::kDevice;
using test::kSource;
using test::Result;

/** Four GPUs: g0-g1 (replica 0, full: dp 2) joined by NVLink, g2-g3 (replica 1, a pipeline of 2
 *  stages) joined by one `wan_edge` link of 1 GB/s and 1 ms; every GPU also reaches a switch
 *  over `wan` (1 GB/s, 1 ms) for the outer all-gather (g0 with g2, g1 with g3: never over
 *  wan_edge). Lines: 13 kind ... 20 density, 21 pipeline_replicas. */
std::string scenario(const std::string& pipeline_replicas, int inner_steps = 3) {
  return "name: h\ncluster:\n  topology:\n    nodes: [{name: g0, kind: accelerator}, {name: g1, "
         "kind: accelerator}, {name: g2, kind: accelerator}, {name: g3, kind: accelerator}, "
         "{name: sw, kind: switch}]\n    links:\n"
         "      - {a: g0, b: g1, class: nvlink, bandwidth: 100GB/s, latency: 1us}\n"
         "      - {a: g2, b: g3, class: wan_edge, bandwidth: 1GB/s, latency: 1ms}\n"
         "      - {a: g0, b: sw, class: wan, bandwidth: 1GB/s, latency: 1ms}\n"
         "      - {a: g1, b: sw, class: wan, bandwidth: 1GB/s, latency: 1ms}\n"
         "      - {a: g2, b: sw, class: wan, bandwidth: 1GB/s, latency: 1ms}\n"
         "      - {a: g3, b: sw, class: wan, bandwidth: 1GB/s, latency: 1ms}\n"
         "  device: " +
         kDevice +
         "\nworkload:\n  kind: sparseloco\n  model: {name: tiny, layers: 2, hidden: 64, "
         "ffn_hidden: 256, heads: 4, vocab: 1000}\n  replicas: 2\n  parallelism: {dp: 2}\n"
         "  batch: {global_batch: 2, micro_batch: 1, seq_len: 32}\n  inner_steps: " +
         std::to_string(inner_steps) + "\n  density: 0.05\n  pipeline_replicas: " +
         pipeline_replicas + "\n";
}

/** run_ok and error (CliTest) on the scenarios above. */
using HeterogeneousTest = CliTest;

TEST_F(HeterogeneousTest, CompressedStageTrafficMatchesItsClosedForm) {
  // The pipeline replica (g2, g3) trains the full replica's batch: m = 2 / 1 = 2 micro-batches of
  // b s h x 2 B = 1 x 32 x 64 x 2 = 4096 B of activations each, compressed c = 4: 1024 B cross
  // the boundary forward and 1024 B of gradients backward per micro-batch:
  //   per inner step 2 x 2 x 4096 / 4 = 4096 B, all on the one wan_edge link;
  // over H = 3 inner steps 12,288 B (the outer all-gather never crosses wan_edge).
  auto j = run_ok(scenario("{count: 1, activation_compression: 4}"));
  const auto& h = j["sparseloco"]["heterogeneous"];
  EXPECT_EQ(h["boundary_bytes_per_inner_step"].get<double>(), 4096.0);
  EXPECT_EQ(h["stages"].get<int>(), 2);
  EXPECT_EQ(h["full_replicas"].get<int>(), 1);
  EXPECT_DOUBLE_EQ(j["links"]["wan_edge"]["bytes"].get<double>(), 3 * 4096.0);
  // Uncompressed: 4x the bytes.
  auto u = run_ok(scenario("{count: 1}"));
  EXPECT_DOUBLE_EQ(u["links"]["wan_edge"]["bytes"].get<double>(), 3 * 4 * 4096.0);
  EXPECT_GT(u["sparseloco"]["heterogeneous"]["pipeline_replica_inner_step_time_s"].get<double>(),
            h["pipeline_replica_inner_step_time_s"].get<double>());
}

TEST_F(HeterogeneousTest, TheBlockingSyncWaitsForTheSlowestReplica) {
  // outer step = H max(t_full, t_pipeline) + sync; each replica's compute utilization is
  // H t_k / outer step.
  auto j = run_ok(scenario("{count: 1, activation_compression: 4}"));
  const auto& d = j["sparseloco"];
  const auto& h = d["heterogeneous"];
  const double tf = h["full_replica_inner_step_time_s"].get<double>();
  const double tp = h["pipeline_replica_inner_step_time_s"].get<double>();
  const double outer = d["outer_step_time_s"].get<double>();
  EXPECT_NEAR(outer, 3 * std::max(tf, tp) + d["sync_time_s"].get<double>(), 1e-12);
  ASSERT_EQ(h["replicas"].size(), 2u);
  EXPECT_EQ(h["replicas"][0]["kind"], "full");
  EXPECT_EQ(h["replicas"][1]["kind"], "pipeline");
  EXPECT_EQ(h["replicas"][1]["devices"][0]["first_rank"].get<int>(), 2);
  EXPECT_NEAR(h["replicas"][0]["compute_utilization"].get<double>(), 3 * tf / outer, 1e-12);
  EXPECT_NEAR(h["replicas"][1]["compute_utilization"].get<double>(), 3 * tp / outer, 1e-12);
}

TEST_F(HeterogeneousTest, TheShippedScenarioRuns) {
  // scenarios/sparseloco_heterogeneous.yaml: its header works out a pipeline boundary's bytes per
  // inner step, 2 x 8 x (2048 x 4096 x 2) / 100 = 2,684,354.56 B, and that the A100 pipelines
  // (>= 1 s per inner step) gate the blocking sync, not the H100 full replicas.
  const std::string out = path("r.json");
  Result r = dtsim("run '" + kSource + "/scenarios/sparseloco_heterogeneous.yaml' -q " +
                   "--reproducible --report '" + out + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(test::slurp(out));
  const auto& h = j["sparseloco"]["heterogeneous"];
  EXPECT_NEAR(h["boundary_bytes_per_inner_step"].get<double>(), 2.0 * 8 * 2048 * 4096 * 2 / 100,
              1e-3);
  EXPECT_GT(h["pipeline_replica_inner_step_time_s"].get<double>(), 1.0);
  EXPECT_GT(h["pipeline_replica_inner_step_time_s"].get<double>(),
            h["full_replica_inner_step_time_s"].get<double>());
  EXPECT_EQ(h["replicas"][0]["devices"][0]["device"], "NVIDIA H100 SXM5 80GB");
  EXPECT_EQ(h["replicas"][3]["devices"][0]["device"], "NVIDIA A100 SXM4 80GB");
}

TEST_F(HeterogeneousTest, MorePipelinesThanReplicasIsAnError) {
  std::string s;
  std::string err = error(scenario("{count: 3}"), &s);
  EXPECT_EQ(err, s + ":21:30: error: workload.pipeline_replicas.count: 3 pipeline replicas, but "
                     "there are only 2 replicas\n");
}

TEST_F(HeterogeneousTest, ACompressionBelowOneIsAnError) {
  std::string s;
  std::string err = error(scenario("{count: 1, activation_compression: 0.5}"), &s);
  EXPECT_EQ(err, s + ":21:57: error: workload.pipeline_replicas.activation_compression: a "
                     "compression ratio divides the bytes sent: expected a ratio in [1, 1e9]; "
                     "got 0.5\n");
}

TEST_F(HeterogeneousTest, AStageSplitThatDoesNotDivideTheLayersIsAnError) {
  // A 3-layer model over a pipeline of 2 stages: no even split.
  std::string text = scenario("{count: 1}");
  const std::string from = "layers: 2,";
  text.replace(text.find(from), from.size(), "layers: 3,");
  std::string s;
  std::string err = error(text, &s);
  EXPECT_NE(err.find(s + ":21:22: error: workload.pipeline_replicas: a pipeline replica of 2 "
                         "stages (one per rank of a replica):"),
            std::string::npos)
      << err;
}

}  // namespace
}  // namespace dtsim::cli::sparseloco_heterogeneous
