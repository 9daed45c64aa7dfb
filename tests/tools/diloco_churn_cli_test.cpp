// DiLoCo's outer all-reduce under PCCL's peer churn (`faults.peers` with outer_algorithm
// pccl_ring; models/collectives/peer_churn.h) through the real binary: a peer is a replica, a
// drop during the sync restarts it over the survivors, a drop during the inner steps only
// removes the replica from the sync, a join waits for the next outer step. The sync times are
// the ring's closed form over the replicas present; the inner phase W (H inner steps) is read
// from the churn-free run's report (its own closed form is not the point here).
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli_fixture.h"

namespace dtsim::cli::diloco_churn {
namespace {

using test::CliTest;
using test::kDevice;

// 4 replicas of one GPU on a switch (gpu0..gpu3), each link 1 ms and 1 GB/s per direction
// (class wan, no TCP model): a ring step crosses two links, a = 2 ms, one flow per link
// direction at B = 1 GB/s. The tiny model's parameters (h = 64, f = 256, 4 heads = 4 KV heads,
// V = 1000, 2 layers, untied): per layer 4 h^2 + 3 h f + 2 h = 16,384 + 49,152 + 128 = 65,664;
// 2 layers 131,328; embedding and LM head 2 V h = 128,000; final norm 64: P = 259,392. fp32
// pseudo-gradients: S = 4 P = 1,037,568 B per replica. A ring all-reduce over n replicas:
//   T(n) = 2 (n - 1) (a + S / (n B)):
//   T(4) = 6 (0.002 + 259,392e-9) = 0.013556352 s, T(3) = 4 (0.002 + 345,856e-9) = 0.009383424 s.
constexpr double kT4 = 0.013556352, kT3 = 0.009383424;

/** Lines: 6 kind, ..., 12 outer_algorithm, 13 outer_steps, 14 compare_ddp, 15 faults, 16 peers. */
std::string scenario(const std::string& peers, const std::string& algorithm = "pccl_ring") {
  std::string s =
      "name: d\ncluster:\n  topology: {builder: switch, endpoints: 4, link: {class: wan, "
      "bandwidth: 1GB/s, latency: 1ms}}\n  device: " +
      kDevice +
      "\nworkload:\n  kind: diloco\n  model: {name: tiny, layers: 2, hidden: 64, ffn_hidden: 256, "
      "heads: 4, vocab: 1000}\n  replicas: 4\n  parallelism: {dp: 1}\n  batch: {global_batch: 2, "
      "seq_len: 32}\n  inner_steps: 3\n  outer_algorithm: " +
      algorithm + "\n  outer_steps: 2\n  compare_ddp: false\n";
  if (!peers.empty()) s += "faults:\n  peers: " + peers + "\n";
  return s;
}

class DilocoChurnTest : public CliTest {
 protected:
  /** W: the inner phase (H inner steps), and the churn-free sync, checked against T(4). */
  double inner_phase() {
    auto j = run_ok(scenario(""));
    EXPECT_NEAR(j["diloco"]["sync_time_s"].get<double>(), kT4, 1e-9);
    return j["diloco"]["inner_time_s"].get<double>();
  }
  static std::string at(double seconds) { return fmt::format("{:.12f}s", seconds); }
};

TEST_F(DilocoChurnTest, AReplicaDroppingMidSyncRestartsItWithTheSurvivors) {
  // gpu3 drops 5 ms into outer step 0's sync ([W, W + T(4))): 5 ms lost, the sync restarts over
  // 3 replicas at W + 0.005 and ends at W + 0.005 + T(3); outer step 1: W more, then T(3).
  const double w = inner_phase();
  auto j = run_ok(scenario("[{peer: gpu3, leaves_at: " + at(w + 0.005) + "}]"));
  const auto& c = j["pccl_churn"];
  EXPECT_EQ(c["restarts"].get<int>(), 1);
  const auto& op0 = c["per_operation"][0];
  ASSERT_EQ(op0["restarts"].size(), 1u);
  EXPECT_EQ(op0["restarts"][0]["dropped"], "gpu3");
  EXPECT_NEAR(op0["restarts"][0]["wasted_s"].get<double>(), 0.005, 1e-9);
  EXPECT_NEAR(op0["end_s"].get<double>(), w + 0.005 + kT3, 1e-9);
  EXPECT_EQ(op0["peers"], nlohmann::json::array({"gpu0", "gpu1", "gpu2"}));
  EXPECT_NEAR(c["total_time_s"].get<double>(), 2 * w + 0.005 + 2 * kT3, 1e-9);
  EXPECT_NEAR(j["step_time_s"].get<double>(), 2 * w + 0.005 + 2 * kT3, 1e-9);
  EXPECT_NEAR(c["compute_utilization"].get<double>(), 2 * w / (2 * w + 0.005 + 2 * kT3), 1e-9);
}

TEST_F(DilocoChurnTest, AReplicaDroppingDuringTheInnerStepsIsNoRestart) {
  // gpu3 drops halfway through outer step 0's inner steps: the sync runs over 3 from the start,
  // nothing lost: W + T(3), then W + T(3) again.
  const double w = inner_phase();
  auto j = run_ok(scenario("[{peer: gpu3, leaves_at: " + at(w / 2) + "}]"));
  const auto& c = j["pccl_churn"];
  EXPECT_EQ(c["restarts"].get<int>(), 0);
  EXPECT_NEAR(c["per_operation"][0]["start_s"].get<double>(), w, 1e-9);
  EXPECT_NEAR(c["per_operation"][0]["time_s"].get<double>(), kT3, 1e-9);
  EXPECT_NEAR(c["total_time_s"].get<double>(), 2 * (w + kT3), 1e-9);
}

TEST_F(DilocoChurnTest, AJoiningReplicaEntersAtTheNextOuterStep) {
  // gpu3 starts outside and asks to join during outer step 0's inner steps: step 0's sync is
  // over 3 replicas (T(3)), step 1's over 4 (T(4)): 2 W + T(3) + T(4).
  const double w = inner_phase();
  auto j = run_ok(scenario("[{peer: gpu3, joins_at: " + at(w / 2) + "}]"));
  const auto& c = j["pccl_churn"];
  EXPECT_EQ(c["per_operation"][0]["peers"].size(), 3u);
  EXPECT_EQ(c["per_operation"][1]["peers"].size(), 4u);
  EXPECT_NEAR(c["per_operation"][1]["inner_start_s"].get<double>(), w + kT3, 1e-9);
  EXPECT_NEAR(c["total_time_s"].get<double>(), 2 * w + kT3 + kT4, 1e-9);
}

TEST_F(DilocoChurnTest, ChurnWithoutPcclRingIsAnError) {
  std::string s;
  std::string err = error(scenario("[{peer: gpu3, leaves_at: 1s}]", "ring"), &s);
  EXPECT_EQ(err, s + ":12:20: error: workload.outer_algorithm: faults.peers leave and join a PCCL "
                     "run: expected outer_algorithm pccl_ring; got ring\n");
}

TEST_F(DilocoChurnTest, TwoNodesOfOneReplicaAreAnError) {
  // 2 replicas of 2 GPUs: gpu0 and gpu1 are both replica 0; the error points at gpu1 (line 16,
  // column 47: the second event's `peer` value).
  std::string text = scenario("[{peer: gpu0, leaves_at: 1s}, {peer: gpu1, leaves_at: 2s}]");
  text.replace(text.find("replicas: 4"), 11, "replicas: 2");
  text.replace(text.find("{dp: 1}"), 7, "{dp: 2}");
  std::string s;
  std::string err = error(text, &s);
  EXPECT_EQ(err, s + ":16:47: error: faults.peers: 'gpu0' and 'gpu1' are both in replica 0 (a "
                     "peer is a replica: name it by one node)\n");
}

TEST_F(DilocoChurnTest, AKindWithoutPcclOperationsRefusesPeers) {
  // Anything but collective_sweep and diloco would ignore the peers: an error, not a silence.
  std::string text = scenario("[{peer: gpu3, leaves_at: 1s}]");
  text.replace(text.find("kind: diloco"), 12, "kind: noloco");
  std::string s;
  std::string err = error(text, &s);
  EXPECT_EQ(err, s + ":16:10: error: faults.peers: PCCL peers leave and join the kinds that run "
                     "PCCL operations (collective_sweep, diloco); workload kind noloco runs "
                     "none\n");
}

}  // namespace
}  // namespace dtsim::cli::diloco_churn
