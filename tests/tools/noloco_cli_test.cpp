// `workload.kind: noloco` through the real binary: the pair sync and its bytes against closed
// forms, outer steps with their own pairs, and its bad-input messages (exit 2, at the key's
// file:line:column).
#include <nlohmann/json.hpp>
#include <string>

#include "models/workloads/gossip.h"
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
         kDevice + "\nworkload:\n  kind: noloco\n  model: " + kModel + "\n  replicas: " + replicas +
         "\n  parallelism: " + parallelism +
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
  std::string s = file(
      "s.yaml", scenario(4, "4", "{dp: 1}", "3", "  group_size: 4\n  compare_allreduce: []\n"));
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

TEST_F(CliTest, NolocoHalvingDoublingComparisonNeedsAPowerOfTwo) {
  std::string s = file("s.yaml", scenario(6, "6", "{dp: 1}", "2",
                                          "  compare_allreduce: [ring, halving_doubling]\n"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":12:29: error: workload.compare_allreduce[1]: halving_doubling needs a "
                       "power-of-two number of replicas; got 6\n");
}

TEST_F(CliTest, NolocoOneReplicaIsAnErrorThatNamesNoLoCo) {
  // kinds/outer_step's replica keys, with NoLoCo named in place of DiLoCo.
  std::string s = file("s.yaml", scenario(4, "1", "{dp: 1}", "2"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            s + ":8:13: error: workload.replicas: NoLoCo needs at least 2 replicas; got 1\n");
}

TEST_F(CliTest, NolocoGroupOfOneIsAnError) {
  std::string s = file("s.yaml", scenario(4, "4", "{dp: 1}", "2", "  group_size: 1\n"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            s + ":12:15: error: workload.group_size: a group needs at least 2 replicas; got 1\n");
}

TEST_F(CliTest, NolocoRoutedPipelinesOnASymmetricSwitchKeepThePipelineStep) {
  // 4 replicas of pp 2 on one switch (every pair of GPUs 2 ms and 1 GB/s apart). Random routing
  // sends micro-batch m of replica d to replica pi_m(d) of the next stage, pi_m a permutation:
  // every stage copy still gets one micro-batch per slot of the 1F1B schedule, over a path like
  // its own replica's, so the co-simulated inner step is one replica's pipeline step without its
  // optimizer step (the routed inner step has none): the `transformer` step of the replica less
  // its optimizer op (from its trace).
  std::string n = file("n.yaml", scenario(8, "4", "{pp: 2}", "3", "  compare_allreduce: []\n"));
  std::string t = file("t.yaml",
                       "name: t\ncluster:\n  topology: {builder: switch, endpoints: 2, link: "
                       "{class: wan, bandwidth: 1GB/s, latency: 1ms}}\n  device: " +
                           kDevice + "\nworkload:\n  kind: transformer\n  model: " + kModel +
                           "\n  parallelism: {pp: 2}\n  batch: {global_batch: 2, seq_len: 32}\n");
  Result rn = dtsim("run -q --reproducible '" + n + "' --report '" + path("n.json") + "'");
  Result rt = dtsim("run -q --reproducible '" + t + "' --report '" + path("t.json") +
                    "' --trace '" + path("t.trace.json") + "'");
  ASSERT_EQ(rn.status, 0) << rn.err;
  ASSERT_EQ(rt.status, 0) << rt.err;
  auto jn = nlohmann::json::parse(test::slurp(path("n.json")));
  auto jt = nlohmann::json::parse(test::slurp(path("t.json")));
  auto trace = nlohmann::json::parse(test::slurp(path("t.trace.json")));
  double optimizer_end_us = 0, optimizer_us = 0;
  for (const auto& e : trace["traceEvents"])
    if (e.value("name", "") == "optimizer step") {
      const double end = e["ts"].get<double>() + e["dur"].get<double>();
      if (end > optimizer_end_us) {
        optimizer_end_us = end;
        optimizer_us = e["dur"].get<double>();
      }
    }
  ASSERT_GT(optimizer_us, 0);
  EXPECT_TRUE(jn["noloco"]["routed_pipelines"].get<bool>());
  EXPECT_NEAR(jn["noloco"]["inner_step_time_s"].get<double>(),
              jt["step_time_s"].get<double>() - optimizer_us * 1e-6, 1e-11);
}

TEST_F(CliTest, NolocoRoutedActivationsCrossTheWanWhenAMicroBatchChangesReplica) {
  // Two sites, each holding one replica of pp 2 (site A: ranks 0, 1 = stages 0, 1 of replica 0;
  // site B: ranks 2, 3 of replica 1) on `lan` links, the sites joined by one `wan` link. With
  // R = 2 the routing of micro-batch m is the identity or the swap: on a swap both replicas'
  // activations (forward) and activation gradients (backward) cross the WAN: 4 transfers of
  // b s h x 2 B = 1 x 32 x 64 x 2 = 4096 B. 4 micro-batches per replica (global batch 4 of
  // micro-batch 1). WAN bytes of an outer step: H x swaps x 4 x 4096 for the inner steps, plus
  // the sync: the pair (0, 1) exchanges each stage's shard, 2 ranks x 2 directions x shard.
  const std::string topo =
      "{nodes: [{name: a0, kind: accelerator}, {name: a1, kind: accelerator}, {name: b0, kind: "
      "accelerator}, {name: b1, kind: accelerator}, {name: swa, kind: switch}, {name: swb, kind: "
      "switch}], links: [{a: a0, b: swa, class: lan, bandwidth: 10GB/s, latency: 1us}, {a: a1, b: "
      "swa, class: lan, bandwidth: 10GB/s, latency: 1us}, {a: b0, b: swb, class: lan, bandwidth: "
      "10GB/s, latency: 1us}, {a: b1, b: swb, class: lan, bandwidth: 10GB/s, latency: 1us}, {a: "
      "swa, b: swb, class: wan, bandwidth: 1GB/s, latency: 10ms}]}";
  std::string text = scenario(4, "2", "{pp: 2}", "3", "  compare_allreduce: []\n");
  const size_t at = text.find("{builder: switch");
  text.replace(at, text.find('\n', at) - at, topo);
  text.replace(text.find("global_batch: 2"), 15, "global_batch: 4");
  std::string s = file("s.yaml", text);
  Result r = dtsim("run -q --reproducible '" + s + "' --report '" + path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(test::slurp(path("r.json")));
  int swaps = 0;
  for (int64_t m = 0; m < 4; ++m) {  // run.seed 1; boundary 0, micro-batch m: draw m
    std::mt19937_64 g = workloads::round_generator(1, "noloco.routing", m);
    if (workloads::random_permutation(2, g)[0] != 0) ++swaps;
  }
  const double shard = j["noloco"]["bytes_sent_per_rank"].get<double>();
  EXPECT_NEAR(j["links"]["wan"]["bytes"].get<double>(), 3.0 * swaps * 4 * 4096 + 4 * shard, 1e-6)
      << swaps << " swaps";
  EXPECT_GT(swaps, 0);  // this seed routes some micro-batches across the sites
  EXPECT_NEAR(j["noloco"]["inner_wan_bytes"].get<double>(), 3.0 * swaps * 4 * 4096, 1e-6);
}

TEST_F(CliTest, NolocoRoutedPipelinesNeedOneDataParallelRankPerStage) {
  std::string s = file("s.yaml", scenario(8, "2", "{pp: 2, dp: 2}", "2"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":9:16: error: workload.parallelism: NoLoCo's random routing of "
                       "activations between pipelined replicas (pp = 2) is modelled for replicas "
                       "of dp 1, sp 1 and one model chunk per stage; got dp 2, sp 1, "
                       "virtual_stages 1\n");
}

TEST_F(CliTest, NolocoWithTooManyOuterStepsIsRefusedBeforeSimulating) {
  // 4 replicas x 1 transfer each per outer step x 2^30 outer steps > 2^30 transfers.
  std::string s = file("s.yaml", scenario(4, "4", "{dp: 1}", "2", "  outer_steps: 1073741824\n"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":12:16: error: workload.outer_steps: 1073741824 outer steps of 4 "
                       "transfers each would have about 4.29e+09 transfers to simulate, more than "
                       "the limit of 1.07e+09 (minutes of simulation; --force runs it anyway): use "
                       "fewer outer steps\n");
}

}  // namespace
}  // namespace dtsim::cli::noloco
