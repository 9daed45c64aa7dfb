// `workload.kind: noloco` through the real binary: the pair sync and its bytes against closed
// forms, outer steps with their own pairs, and its bad-input messages (exit 2, at the key's
// file:line:column).
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli_fixture.h"

namespace dtsim::cli::noloco {
namespace {

using test::CliTest;
using test::kDevice;
using test::Result;

// P = per layer 4 h^2 (attention, kv heads = heads) + 3 h f (SwiGLU) + 2 h (norms)
//   = 16,384 + 49,152 + 128 = 65,664; 2 layers 131,328; embedding and LM head 2 V h = 128,000;
//   final norm h = 64: P = 259,392 parameters; fp32 on the wire: S = 4 P = 1,037,568 B.
const std::string kModel =
    "{name: tiny, layers: 2, hidden: 64, ffn_hidden: 256, heads: 4, vocab: 1000}";
constexpr double kParams = 259392;
constexpr double kS = 4 * kParams;

/** A NoLoCo scenario on a switch of `ranks` GPUs (each link a = 1 ms, B = 1 GB/s, class wan);
 *  lines: 6 kind, 7 model, 8 replicas, 9 parallelism, 10 batch, 11 inner_steps, then `extra`. */
std::string scenario(int ranks, const std::string& replicas, const std::string& parallelism,
                     const std::string& inner_steps, const std::string& extra = "") {
  return "name: n\n"
         "cluster:\n"
         "  topology: {builder: switch, endpoints: " +
         std::to_string(ranks) +
         ", link: {class: wan, bandwidth: 1GB/s, latency: 1ms}}\n"
         "  device: " +
         kDevice + "\nworkload:\n  kind: noloco\n  model: " + kModel + "\n  replicas: " +
         replicas + "\n  parallelism: " + parallelism +
         "\n  batch: {global_batch: 2, seq_len: 32}\n  inner_steps: " + inner_steps + "\n" + extra;
}

TEST_F(CliTest, NolocoPairSyncFollowsTheClosedForm) {
  // 4 replicas of one GPU each; a path crosses two links: latency 2a = 2 ms. The 2 pairs exchange
  // S both ways at once; every link direction carries one flow: sync = 2a + S/B
  // = 0.002 + 1,037,568 / 1e9 = 0.003037568 s. WAN bytes: 4 sends of S, each over two links: 8 S.
  // The tree all-reduce (R = 4, D = 2, pieces 1) to compare: see validation/cases/noloco_*.
  std::string s = file("s.yaml", scenario(4, "4", "{dp: 1}", "3", "  outer_steps: 3\n"));
  Result r = dtsim("run -q --reproducible '" + s + "' --report '" + path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(test::slurp(path("r.json")));
  const auto& n = j["noloco"];
  EXPECT_EQ(j["model"]["params"].get<double>(), kParams);
  EXPECT_EQ(n["bytes_sent_per_rank"].get<double>(), kS);
  EXPECT_NEAR(n["sync_time_s"].get<double>(), 0.003037568, 1e-11);
  EXPECT_NEAR(n["wan_bytes"].get<double>(), 8 * kS, 1e-6);
  // Every outer step has its own pairs, and on this symmetric cluster the same sync time.
  ASSERT_EQ(n["per_outer_step"].size(), 3u);
  for (const auto& k : n["per_outer_step"])
    EXPECT_NEAR(k["sync_time_s"].get<double>(), 0.003037568, 1e-11);
  const double inner = n["inner_time_s"].get<double>();
  EXPECT_NEAR(n["inner_time_s"].get<double>(), 3 * n["inner_step_time_s"].get<double>(), 1e-11);
  EXPECT_NEAR(n["total_time_s"].get<double>(), 3 * (inner + 0.003037568), 1e-10);
  EXPECT_NEAR(n["compute_utilization"].get<double>(), inner / (inner + 0.003037568), 1e-9);
  // Ring all-reduce of S over R = 4: 2(R-1) = 6 steps of 2a + S/(4B).
  EXPECT_NEAR(n["allreduce"]["ring"]["sync_time_s"].get<double>(), 6 * (0.002 + kS / 4 / 1e9),
              1e-11);
}

TEST_F(CliTest, NolocoGroupsOfFourSendThreeShards) {
  // group_size 4 over 4 replicas: each rank sends S to the 3 others at once; its uplink carries
  // 3 flows (and its downlink 3): sync = 2a + 3 S/B = 0.002 + 0.003112704 = 0.005112704 s;
  // WAN bytes: 12 sends of S, two links each: 24 S.
  std::string s =
      file("s.yaml", scenario(4, "4", "{dp: 1}", "3", "  group_size: 4\n  compare_allreduce: []\n"));
  Result r = dtsim("run -q --reproducible '" + s + "' --report '" + path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto n = nlohmann::json::parse(test::slurp(path("r.json")))["noloco"];
  EXPECT_EQ(n["bytes_sent_per_rank"].get<double>(), 3 * kS);
  EXPECT_NEAR(n["sync_time_s"].get<double>(), 0.005112704, 1e-11);
  EXPECT_NEAR(n["wan_bytes"].get<double>(), 24 * kS, 1e-6);
  EXPECT_TRUE(n["allreduce"].empty());
}

TEST_F(CliTest, NolocoTensorParallelReplicasExchangeTheirShards) {
  // 2 replicas of tp 2: the rank at position j exchanges its half (S/2) with position j of the
  // other replica; the 2 exchanges use different GPUs' links: sync = 2a + (S/2)/B.
  std::string s = file("s.yaml", scenario(4, "2", "{tp: 2}", "1", "  compare_allreduce: []\n"));
  Result r = dtsim("run -q --reproducible '" + s + "' --report '" + path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto n = nlohmann::json::parse(test::slurp(path("r.json")))["noloco"];
  EXPECT_EQ(n["bytes_sent_per_rank"].get<double>(), kS / 2);
  EXPECT_NEAR(n["sync_time_s"].get<double>(), 0.002 + kS / 2 / 1e9, 1e-11);
}

TEST_F(CliTest, NolocoIsDeterministic) {
  std::string s = file("s.yaml", scenario(8, "8", "{dp: 1}", "2", "  outer_steps: 4\n"));
  Result a = dtsim("run -q --reproducible '" + s + "' --report '" + path("a.json") + "'");
  Result b = dtsim("run -q --reproducible '" + s + "' --report '" + path("b.json") + "'");
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(test::slurp(path("a.json")), test::slurp(path("b.json")));
}

TEST_F(CliTest, NolocoWithZeroInnerStepsIsAnError) {
  std::string s = file("s.yaml", scenario(4, "4", "{dp: 1}", "0"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            s + ":11:16: error: workload.inner_steps: H must be at least 1 inner step; got 0\n");
}

TEST_F(CliTest, NolocoWithAnOddNumberOfReplicasIsAnError) {
  std::string s = file("s.yaml", scenario(3, "3", "{dp: 1}", "2"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":8:13: error: workload.replicas: NoLoCo pairs the replicas: an even "
                       "number of replicas is needed; got 3 (or set group_size)\n");
}

TEST_F(CliTest, NolocoGroupSizeThatDoesNotDivideTheReplicasIsAnError) {
  std::string s = file("s.yaml", scenario(6, "6", "{dp: 1}", "2", "  group_size: 4\n"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":12:15: error: workload.group_size: groups of 4 do not divide the 6 "
                       "replicas\n");
}

TEST_F(CliTest, NolocoGroupOfOneIsAnError) {
  std::string s = file("s.yaml", scenario(4, "4", "{dp: 1}", "2", "  group_size: 1\n"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            s + ":12:15: error: workload.group_size: a group needs at least 2 replicas; got 1\n");
}

TEST_F(CliTest, NolocoWithPipelinedReplicasIsRefused) {
  std::string s = file("s.yaml", scenario(4, "2", "{pp: 2}", "2"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":9:16: error: workload.parallelism: NoLoCo with pipelined replicas (pp = "
                       "2) routes activations at random between the replicas of the next stage, "
                       "which is not modelled; use pp: 1\n");
}

TEST_F(CliTest, NolocoWithTooManyOuterStepsIsRefusedBeforeSimulating) {
  // 4 replicas x 1 transfer each per outer step x 2^30 outer steps > 2^30 transfers.
  std::string s = file("s.yaml", scenario(4, "4", "{dp: 1}", "2", "  outer_steps: 1073741824\n"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":12:16: error: workload.outer_steps: 1073741824 outer steps of 4 "
                       "transfers each are more than 1073741824 transfers to simulate; use fewer "
                       "outer steps\n");
}

}  // namespace
}  // namespace dtsim::cli::noloco
