// `workload.kind: diloco` through the real binary: its bad-input messages (exit 2, at the key's
// file:line:column) and its report against closed forms. The inner step's time comes from the
// same simulator (the `transformer` kind on the replica), the sync's from the ring closed form.
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli_fixture.h"

namespace dtsim::cli::diloco {
namespace {

using test::CliTest;
using test::kDevice;
using test::Result;

const std::string kModel =
    "{name: tiny, layers: 2, hidden: 64, ffn_hidden: 256, heads: 4, vocab: 1000}";

/** A DiLoCo scenario on a switch of `ranks` GPUs (link latency a = 1 ms, 1 GB/s); lines:
 *  6 kind, 7 model, 8 replicas, 9 parallelism, 10 batch, 11 inner_steps, then `extra`. */
std::string scenario(int ranks, const std::string& replicas, const std::string& parallelism,
                     const std::string& inner_steps, const std::string& extra = "") {
  return "name: d\n"
         "cluster:\n"
         "  topology: {builder: switch, endpoints: " +
         std::to_string(ranks) +
         ", link: {class: wan, bandwidth: 1GB/s, latency: 1ms}}\n"
         "  device: " +
         kDevice +
         "\n"
         "workload:\n"
         "  kind: diloco\n"
         "  model: " +
         kModel +
         "\n"
         "  replicas: " +
         replicas +
         "\n"
         "  parallelism: " +
         parallelism +
         "\n"
         "  batch: {global_batch: 2, seq_len: 32}\n"
         "  inner_steps: " +
         inner_steps + "\n" + extra;
}

TEST_F(CliTest, DilocoWithOneReplicaIsAnError) {
  std::string s = file("s.yaml", scenario(4, "1", "{dp: 2}", "3"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            s + ":8:13: error: workload.replicas: DiLoCo needs at least 2 replicas; got 1\n");
}

TEST_F(CliTest, DilocoWithZeroInnerStepsIsAnError) {
  std::string s = file("s.yaml", scenario(4, "2", "{dp: 2}", "0"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            s + ":11:16: error: workload.inner_steps: H must be at least 1 inner step; got 0\n");
}

TEST_F(CliTest, DilocoRanksThatDoNotSplitIntoReplicasAreAnError) {
  std::string s = file("s.yaml", scenario(6, "4", "{dp: 1}", "3"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":8:13: error: workload.replicas: the cluster's 6 ranks do not split into "
                       "4 equal replicas\n");
}

TEST_F(CliTest, DilocoReplicaSmallerThanItsSliceIsAnError) {
  // 8 ranks / 2 replicas = 4 per replica, but dp 2 spans 2.
  std::string s = file("s.yaml", scenario(8, "2", "{dp: 2}", "3"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":9:16: error: workload.parallelism: a replica spans dp x tp x pp x sp = "
                       "2 ranks, but each of the 2 replicas has 8 / 2 = 4 ranks of the cluster\n");
}

TEST_F(CliTest, DilocoReplicaLargerThanItsSliceIsAnError) {
  std::string s = file("s.yaml", scenario(4, "2", "{dp: 4}", "3"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":9:16: error: workload.parallelism: dp x tp x pp x sp = 4 x 1 x 1 x 1 = "
                       "4 ranks, but a replica (4 ranks / 2 replicas) has only 2\n");
}

TEST_F(CliTest, DilocoUnknownOuterDtypeIsAnError) {
  std::string s = file("s.yaml", scenario(4, "2", "{dp: 2}", "3", "  outer_dtype: int2\n"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(s + ":12:16: error: workload.outer_dtype:"), std::string::npos) << r.err;
}

TEST_F(CliTest, DilocoUtilizationAndSyncFollowTheClosedForms) {
  // Two replicas of one GPU each behind one switch (link a = 1 ms, B = 1e9 B/s; a path crosses
  // two links: latency 2a). H = 3, fp32 pseudo-gradients: S = 4 P bytes per rank.
  // Ring all-reduce over R = 2: 2(R-1) = 2 steps of 2a + (S/R)/B: sync = 4a + S/B.
  // Inner step t: the same replica as a `transformer` workload, from the same simulator.
  // Utilization = H t / (H t + sync); outer step = H t + sync.
  std::string d = file("d.yaml", scenario(2, "2", "{dp: 1}", "3"));
  std::string t = file("t.yaml",
                       "name: t\n"
                       "cluster:\n"
                       "  topology: {builder: switch, endpoints: 2, link: {class: wan, bandwidth: "
                       "1GB/s, latency: 1ms}}\n"
                       "  device: " +
                           kDevice +
                           "\n"
                           "workload:\n"
                           "  kind: transformer\n"
                           "  model: " +
                           kModel +
                           "\n"
                           "  parallelism: {dp: 1}\n"
                           "  batch: {global_batch: 2, seq_len: 32}\n");
  Result rd = dtsim("run -q --reproducible '" + d + "' --report '" + path("d.json") + "'");
  Result rt = dtsim("run -q --reproducible '" + t + "' --report '" + path("t.json") + "'");
  ASSERT_EQ(rd.status, 0) << rd.err;
  ASSERT_EQ(rt.status, 0) << rt.err;
  auto jd = nlohmann::json::parse(test::slurp(path("d.json")));
  auto jt = nlohmann::json::parse(test::slurp(path("t.json")));
  const double params = jt["model"]["params"].get<double>();
  const double step = jt["step_time_s"].get<double>();
  const double s_bytes = 4 * params;
  const double sync = 4 * 1e-3 + s_bytes / 1e9;
  const auto& dl = jd["diloco"];
  EXPECT_EQ(dl["pseudo_gradient_bytes_per_rank"].get<double>(), s_bytes);
  EXPECT_EQ(dl["inner_step_time_s"].get<double>(), step);
  EXPECT_NEAR(dl["sync_time_s"].get<double>(), sync, 1e-11);  // picosecond rounding per step
  EXPECT_NEAR(dl["outer_step_time_s"].get<double>(), 3 * step + sync, 1e-11);
  EXPECT_NEAR(jd["step_time_s"].get<double>(), 3 * step + sync, 1e-11);
  EXPECT_NEAR(dl["compute_utilization"].get<double>(), 3 * step / (3 * step + sync), 1e-9);
  // Every byte of the ring crosses two `wan` links (GPU-switch, switch-GPU): 2 x R x 2(R-1)/R S
  // = 4 S with R = 2.
  EXPECT_NEAR(dl["wan_bytes"].get<double>(), 4 * s_bytes, 1e-6);
  // DDP across the two GPUs: the same one-GPU replica with dp 2.
  EXPECT_GT(dl["ddp"]["step_time_s"].get<double>(), step);
}

TEST_F(CliTest, DilocoSummaryShowsBothMethods) {
  std::string d = file("d.yaml", scenario(2, "2", "{dp: 1}", "3"));
  Result r = dtsim("run --reproducible '" + d + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("diloco        2 replicas x 1 ranks, H = 3, outer fp32 (ring)\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("plain DDP     "), std::string::npos) << r.out;
}

TEST_F(CliTest, DilocoWithTheAnalyticalBackEndHasNoWanBytes) {
  // The analytical back-end tracks no links: the WAN bytes are null, not 0.
  std::string d =
      file("d.yaml", scenario(2, "2", "{dp: 1}", "3", "network: {model: analytical}\n"));
  Result r = dtsim("run -q --reproducible '" + d + "' --report '" + path("d.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(test::slurp(path("d.json")));
  EXPECT_TRUE(j["diloco"]["wan_bytes"].is_null());
  EXPECT_TRUE(j["diloco"]["ddp"]["wan_bytes"].is_null());
  EXPECT_TRUE(j["diloco"]["ddp_over_diloco_wan_bytes"].is_null());
}

TEST_F(CliTest, DilocoSweepRowsCarryTheComputeUtilization) {
  // The kind's sweep_columns: utilization = H t / (H t + sync), so it grows with H.
  std::string d = file("d.yaml", scenario(2, "2", "{dp: 1}", "3",
                                          "sweep: {product: {workload.inner_steps: [1, 100]}}\n"));
  Result r = dtsim("sweep -q -j 1 '" + d + "' --out '" + path("sw") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(test::slurp(path("sw.json")));
  ASSERT_EQ(j["rows"].size(), 2u);
  const auto& a = j["rows"][0];
  const auto& b = j["rows"][1];
  const double t = a["inner_step_time_s"].get<double>(), sync = a["sync_time_s"].get<double>();
  EXPECT_NEAR(a["compute_utilization"].get<double>(), t / (t + sync), 1e-12);
  EXPECT_NEAR(b["compute_utilization"].get<double>(), 100 * t / (100 * t + sync), 1e-12);
  EXPECT_NE(test::slurp(path("sw.csv"))
                .find(",compute_utilization,inner_step_time_s,sync_time_s,"
                      "ddp_time_s,error\n"),
            std::string::npos);
}

TEST_F(CliTest, DilocoWithoutTheDdpComparisonReportsNoDdp) {
  std::string d = file("d.yaml", scenario(2, "2", "{dp: 1}", "3", "  compare_ddp: false\n"));
  Result r = dtsim("run --reproducible '" + d + "' --report '" + path("d.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find("plain DDP"), std::string::npos) << r.out;
  auto j = nlohmann::json::parse(test::slurp(path("d.json")));
  EXPECT_TRUE(j["diloco"]["ddp"].is_null());
  EXPECT_TRUE(j["diloco"]["ddp_over_diloco_time"].is_null());
  EXPECT_GT(j["diloco"]["compute_utilization"].get<double>(), 0.0);
}

TEST_F(CliTest, DilocoLinkBytesAreTheReplicasInnerTrafficHTimesPlusTheSync) {
  // R = 2 replicas of dp 2 on a 4-GPU switch, H = 3. Replica i's inner step moves the bytes the
  // replica alone moves (the `transformer` kind on ranks 0-1, from the same simulator); the
  // outer step's link bytes are R x H of those plus the sync's (`diloco.wan_bytes`).
  std::string d = file("d.yaml", scenario(4, "2", "{dp: 2}", "3"));
  std::string t = file("t.yaml",
                       "name: t\n"
                       "cluster:\n"
                       "  topology: {builder: switch, endpoints: 4, link: {class: wan, bandwidth: "
                       "1GB/s, latency: 1ms}}\n"
                       "  device: " +
                           kDevice +
                           "\n"
                           "workload:\n"
                           "  kind: transformer\n"
                           "  model: " +
                           kModel +
                           "\n"
                           "  parallelism: {dp: 2}\n"
                           "  batch: {global_batch: 2, seq_len: 32}\n");
  Result rd = dtsim("run -q --reproducible '" + d + "' --report '" + path("d.json") + "'");
  Result rt = dtsim("run -q --reproducible '" + t + "' --report '" + path("t.json") + "'");
  ASSERT_EQ(rd.status, 0) << rd.err;
  ASSERT_EQ(rt.status, 0) << rt.err;
  auto jd = nlohmann::json::parse(test::slurp(path("d.json")));
  auto jt = nlohmann::json::parse(test::slurp(path("t.json")));
  const double inner = jt["links"]["wan"]["bytes"].get<double>();
  ASSERT_GT(inner, 0);
  EXPECT_DOUBLE_EQ(jd["links"]["wan"]["bytes"].get<double>(),
                   2 * 3 * inner + jd["diloco"]["wan_bytes"].get<double>());
  EXPECT_EQ(jd["diloco"]["inner_step_time_s"].get<double>(), jt["step_time_s"].get<double>());
}

TEST_F(CliTest, DilocoOuterStepBeyondTheTimeRangeIsAnErrorAtInnerSteps) {
  // About 40 ms per inner step (6 x ~27M params x 262,144 tokens on an H100): 2^30 of them is
  // about 500 days, beyond the picosecond range (about 106 days; half of it per outer step).
  std::string text = scenario(2, "2", "{dp: 1}", "1073741824");
  text.replace(text.find("hidden: 64"), 10, "hidden: 1024");
  text.replace(text.find("{global_batch: 2, seq_len: 32}"), 30,
               "{global_batch: 64, seq_len: 4096}");
  std::string d = file("d.yaml", text + "  compare_ddp: false\n  memory: {on_overflow: warn}\n");
  Result r = dtsim("run -q '" + d + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(d + ":11:16: error: H = 1073741824 inner steps of "), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("beyond the simulated time range"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace dtsim::cli::diloco
