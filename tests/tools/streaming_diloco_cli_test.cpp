// `workload.kind: streaming_diloco` through the real binary: its bad-input messages (exit 2, at
// the key's file:line:column) and the overlap accounting against closed forms. The inner step's
// time t comes from the same simulator (the `transformer` kind on one replica); a fragment's
// sync from the ring closed form; the window of τ inner steps beside a sync takes max(τ t, sync)
// here, since the inner steps (one GPU, no communication) and the sync share nothing.
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli_fixture.h"

namespace dtsim::cli::streaming_diloco {
namespace {

using test::CliTest;
using test::kDevice;
using test::Result;

const std::string kModel =
    "{name: tiny, layers: 4, hidden: 64, ffn_hidden: 256, heads: 4, vocab: 1000}";
const std::string kTopology =
    "{builder: switch, endpoints: 2, link: {class: wan, bandwidth: 1GB/s, latency: 1ms}}";

/** Two replicas of one GPU on a switch (links a = 1 ms, 1 GB/s); lines: 6 kind, 7 model,
 *  8 replicas, 9 parallelism, 10 batch, 11 inner_steps, 12 fragments, then `extra`. */
std::string scenario(const std::string& inner_steps, const std::string& fragments,
                     const std::string& extra = "") {
  return "name: d\ncluster:\n  topology: " + kTopology + "\n  device: " + kDevice +
         "\nworkload:\n  kind: streaming_diloco\n  model: " + kModel +
         "\n  replicas: 2\n  parallelism: {dp: 1}\n  batch: {global_batch: 2, seq_len: 32}\n"
         "  inner_steps: " +
         inner_steps + "\n  fragments: " + fragments + "\n" + extra;
}

TEST_F(CliTest, StreamingDilocoMoreFragmentsThanLayersIsAnError) {
  std::string s = file("s.yaml", scenario("8", "5"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":12:14: error: workload.fragments: P = 5 fragments of whole layers, but "
                       "the model has only 4 layers: expected at most 4\n");
}

TEST_F(CliTest, StreamingDilocoZeroInnerStepsIsAnError) {
  std::string s = file("s.yaml", scenario("0", "2"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            s + ":11:16: error: workload.inner_steps: H must be at least 1 inner step; got 0\n");
}

TEST_F(CliTest, StreamingDilocoFewerInnerStepsThanFragmentsIsAnError) {
  std::string s = file("s.yaml", scenario("3", "4"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":11:16: error: workload.inner_steps: one fragment every H / P inner steps "
                       "needs H >= P; got H = 3 with P = 4 fragments\n");
}

TEST_F(CliTest, StreamingDilocoZeroBitsIsAnError) {
  std::string s = file("s.yaml", scenario("8", "2", "  outer_bits: 0\n"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":13:15: error: workload.outer_bits: a quantisation of 0 bits sends "
                       "nothing; expected 1 to 32 bits per pseudo-gradient element; got 0\n");
}

TEST_F(CliTest, StreamingDilocoOverlapOfAWholeFragmentGapIsAnError) {
  // H = 8, P = 2: a fragment every 4 steps; τ = 4 would send the next fragment before this one
  // is received.
  std::string s = file("s.yaml", scenario("8", "2", "  overlap_steps: 4\n"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":13:18: error: workload.overlap_steps: τ = 4 overlapped inner steps must "
                       "be fewer than floor(H / P) = floor(8 / 2) = 4, the steps between two "
                       "fragments' syncs (one fragment in flight at a time)\n");
}

TEST_F(CliTest, StreamingDilocoDefaultOverlapWithoutRoomIsAnErrorAtTheWorkload) {
  // H = 4, P = 4: a fragment every step, so even the default τ = 1 does not fit; the key is
  // absent, so the error is at the workload map (line 6, its first key), saying how to fix it.
  std::string s = file("s.yaml", scenario("4", "4"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":6:3: error: workload: τ = 1 overlapped inner steps must be fewer than "
                       "floor(H / P) = floor(4 / 4) = 1, the steps between two fragments' syncs "
                       "(one fragment in flight at a time); τ is 1 by default: set overlap_steps: "
                       "0 for blocking syncs\n");
}

TEST_F(CliTest, StreamingDilocoNegativeOverlapIsAnError) {
  std::string s = file("s.yaml", scenario("8", "2", "  overlap_steps: -1\n"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":13:18: error: workload.overlap_steps: τ counts inner steps, at least 0; "
                       "got -1\n");
}

class StreamingDilocoClosedForm : public CliTest {
 protected:
  /** The inner step t: the replica as a `transformer` workload on the same cluster. */
  double inner_step() {
    std::string t =
        file("t.yaml", "name: t\ncluster:\n  topology: " + kTopology + "\n  device: " + kDevice +
                           "\nworkload:\n  kind: transformer\n  model: " + kModel +
                           "\n  parallelism: {dp: 1}\n"
                           "  batch: {global_batch: 2, seq_len: 32}\n");
    Result rt = dtsim("run -q --reproducible '" + t + "' --report '" + path("t.json") + "'");
    EXPECT_EQ(rt.status, 0) << rt.err;
    return nlohmann::json::parse(test::slurp(path("t.json")))["step_time_s"].get<double>();
  }
  nlohmann::json run(const std::string& yaml) {
    std::string d = file("d.yaml", yaml);
    Result rd = dtsim("run -q --reproducible '" + d + "' --report '" + path("d.json") + "'");
    EXPECT_EQ(rd.status, 0) << rd.err;
    return nlohmann::json::parse(test::slurp(path("d.json")));
  }
};

// The tiny model: a layer is 4 h^2 + 3 h f + 2h = 16,384 + 49,152 + 128 = 65,664 parameters
// (SwiGLU); the embedding and the LM head V h = 64,000 each, the final norm h = 64. Strided, P = 2:
// fragment 0 = layers 0, 2 + embedding = 195,328; fragment 1 = layers 1, 3 + head + norm =
// 195,392. At q = 4 bits: S_0 = 97,664 B, S_1 = 97,696 B per rank (one GPU per replica).
// Ring all-reduce over R = 2, a path crossing two links (2a): 2(R-1) = 2 steps of 2a + (S/2)/B:
// sync_p = 4a + S_p / B = 4 ms + S_p / 1e9 s.
constexpr double kS0 = 97664, kS1 = 97696;
double sync_time(double s_bytes) { return 4e-3 + s_bytes / 1e9; }

TEST_F(StreamingDilocoClosedForm, ASyncThatFitsItsOverlapWindowCostsNothing) {
  // H = 200, P = 2, τ = 40: the window of 40 inner steps (40 t, about 9 ms) outlasts each sync
  // (about 4.1 ms): nothing is exposed, utilization is exactly 100%, the outer step H t.
  const double t = inner_step();
  ASSERT_GT(40 * t, sync_time(kS1));  // the premise of this case
  auto j = run(scenario("200", "2", "  overlap_steps: 40\n"));
  const auto& d = j["streaming_diloco"];
  EXPECT_EQ(d["exposed_sync_time_s"].get<double>(), 0.0);
  EXPECT_EQ(d["compute_utilization"].get<double>(), 1.0);
  EXPECT_NEAR(d["outer_step_time_s"].get<double>(), 200 * t, 1e-9);
  EXPECT_NEAR(d["fragment_syncs"][0]["sync_time_s"].get<double>(), sync_time(kS0), 1e-11);
  EXPECT_NEAR(d["fragment_syncs"][1]["sync_time_s"].get<double>(), sync_time(kS1), 1e-11);
  // Fragment 0 is sent after step H = 200, fragment 1 after t_1 = floor(200 / 2) = 100.
  EXPECT_EQ(d["fragment_syncs"][0]["sent_after_inner_step"].get<int>(), 200);
  EXPECT_EQ(d["fragment_syncs"][1]["sent_after_inner_step"].get<int>(), 100);
}

TEST_F(StreamingDilocoClosedForm, ASyncLongerThanItsWindowExposesTheRest) {
  // H = 8, P = 2, τ = 1 (default): each window is max(t, sync_p) = sync_p, of which t overlaps
  // compute: exposed_p = sync_p - t. Outer step = 8 t + (sync_0 - t) + (sync_1 - t)
  // = 6 t + sync_0 + sync_1; utilization = 8 t / outer step.
  const double t = inner_step();
  ASSERT_LT(t, sync_time(kS0));
  auto j = run(scenario("8", "2"));
  const auto& d = j["streaming_diloco"];
  const double outer = 6 * t + sync_time(kS0) + sync_time(kS1);
  EXPECT_NEAR(d["inner_step_time_s"].get<double>(), t, 1e-12);
  EXPECT_NEAR(d["fragment_syncs"][0]["exposed_time_s"].get<double>(), sync_time(kS0) - t, 1e-11);
  EXPECT_NEAR(d["fragment_syncs"][1]["exposed_time_s"].get<double>(), sync_time(kS1) - t, 1e-11);
  EXPECT_NEAR(d["outer_step_time_s"].get<double>(), outer, 1e-10);
  EXPECT_NEAR(j["step_time_s"].get<double>(), outer, 1e-10);
  EXPECT_NEAR(d["compute_utilization"].get<double>(), 8 * t / outer, 1e-9);
  // WAN bytes: every ring byte crosses two `wan` links, 2 x R x 2(R-1)/R S = 4 S with R = 2.
  EXPECT_DOUBLE_EQ(d["fragment_syncs"][0]["wan_bytes"].get<double>(), 4 * kS0);
  EXPECT_DOUBLE_EQ(d["wan_bytes"].get<double>(), 4 * (kS0 + kS1));
  EXPECT_DOUBLE_EQ(d["peak_sync_wan_bytes"].get<double>(), 4 * kS1);
  EXPECT_DOUBLE_EQ(d["peak_reduction_vs_full_sync"].get<double>(), (kS0 + kS1) / kS1);
  // Peak bandwidth: the largest sync's WAN bytes over its window of τ = 1 inner step.
  EXPECT_NEAR(d["peak_wan_bandwidth_bytes_per_s"].get<double>(), 4 * kS1 / t, 1e-6 * 4 * kS1 / t);
}

TEST_F(StreamingDilocoClosedForm, OneFragmentWithoutOverlapIsDiLoCo) {
  // P = 1, τ = 0, q = 32 is DiLoCo's blocking fp32 sync: the same outer step, utilization, bytes.
  auto j = run(scenario("3", "1", "  overlap_steps: 0\n  outer_bits: 32\n"));
  std::string dl = scenario("3", "1");
  dl.replace(dl.find("streaming_diloco"), 16, "diloco");
  dl.replace(dl.find("  fragments: 1\n"), 15, "  compare_ddp: false\n");
  auto k = run(dl);
  EXPECT_EQ(j["streaming_diloco"]["outer_step_time_s"], k["diloco"]["outer_step_time_s"]);
  EXPECT_EQ(j["streaming_diloco"]["compute_utilization"], k["diloco"]["compute_utilization"]);
  EXPECT_EQ(j["streaming_diloco"]["wan_bytes"], k["diloco"]["wan_bytes"]);
}

}  // namespace
}  // namespace dtsim::cli::streaming_diloco
