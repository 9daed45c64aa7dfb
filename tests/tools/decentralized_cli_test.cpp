// `workload.kind: decentralized` through the real binary: D-PSGD's exchange over ring, torus and
// exponential graphs, MoDeST's round and the final merge against closed forms, bytes per node
// per round, and its bad-input messages (exit 2, at the key's file:line:column).
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli_fixture.h"

namespace dtsim::cli::decentralized {
namespace {

using test::CliTest;
using test::kDevice;
using test::Result;

// P = 259,392 parameters (tests/tools/noloco_cli_test.cpp works it out); fp32 on the wire:
// S = 4 P = 1,037,568 B per node.
const std::string kModel =
    "{name: tiny, layers: 2, hidden: 64, ffn_hidden: 256, heads: 4, vocab: 1000}";
constexpr double kS = 4 * 259392.0;
constexpr double kA = 0.002;  // two links of 1 ms between two nodes
constexpr double kB = 1e9;    // 1 GB/s per link direction

/** A decentralized scenario on a switch of `nodes` GPUs (each link 1 ms, 1 GB/s, class wan);
 *  lines: 6 kind, 7 model, 8 nodes, 9 parallelism, 10 batch, 11 rounds, then `extra`. */
std::string scenario(int nodes, const std::string& extra) {
  return "name: g\n"
         "cluster:\n"
         "  topology: {builder: switch, endpoints: " +
         std::to_string(nodes) +
         ", link: {class: wan, bandwidth: 1GB/s, latency: 1ms}}\n"
         "  device: " +
         kDevice + "\nworkload:\n  kind: decentralized\n  model: " + kModel +
         "\n  nodes: " + std::to_string(nodes) +
         "\n  parallelism: {dp: 1}\n  batch: {global_batch: 2, seq_len: 32}\n  rounds: 2\n" + extra;
}

class DecentralizedTest : public CliTest {
 protected:
  /** The report's `decentralized` section (CliTest::run_ok). */
  nlohmann::json run_ok(const std::string& text) { return CliTest::run_ok(text)["decentralized"]; }
};

TEST_F(DecentralizedTest, RingGossipSendsToTwoNeighbours) {
  // Ring of 4: every node sends S to its 2 neighbours and receives from 2; its uplink and its
  // downlink each carry 2 flows: exchange = a + 2 S/B. Sent per node per round 2S; WAN bytes:
  // 8 transfers of S over two links each: 16 S. Final merge: ring all-reduce of S over 4,
  // 6 steps of a + S/(4B). Round = H t + exchange with H = 3.
  auto d = run_ok(scenario(4, "  local_steps: 3\n  graph: {topology: ring}\n"));
  const double ex = kA + 2 * kS / kB;
  EXPECT_NEAR(d["exchange_time_s"].get<double>(), ex, 1e-11);
  EXPECT_NEAR(d["round_time_s"].get<double>(), 3 * d["local_step_time_s"].get<double>() + ex,
              1e-11);
  EXPECT_EQ(d["bytes_per_node_per_round"]["sent_mean"].get<double>(), 2 * kS);
  EXPECT_EQ(d["bytes_per_node_per_round"]["received_max"].get<double>(), 2 * kS);
  EXPECT_NEAR(d["wan_bytes_per_round"].get<double>(), 16 * kS, 1e-6);
  const double merge = 6 * (kA + kS / 4 / kB);
  EXPECT_NEAR(d["final_merge"]["time_s"].get<double>(), merge, 1e-11);
  EXPECT_NEAR(d["total_time_s"].get<double>(), 2 * d["round_time_s"].get<double>() + merge, 1e-10);
  EXPECT_EQ(d["graph"]["out_degree_max"].get<int>(), 2);
  EXPECT_TRUE(d["graph"]["connected"].get<bool>());
}

TEST_F(DecentralizedTest, TorusAndExponentialGraphsFollowTheirDegrees) {
  // Torus 3 x 3: degree 4, exchange a + 4 S/B. Exponential over 8: out-degree log2 8 = 3 and
  // in-degree 3, exchange a + 3 S/B, 3S sent per node.
  auto t = run_ok(scenario(9, "  graph: {topology: torus, dims: [3, 3]}\n"));
  EXPECT_NEAR(t["exchange_time_s"].get<double>(), kA + 4 * kS / kB, 1e-11);
  EXPECT_EQ(t["bytes_per_node_per_round"]["sent_mean"].get<double>(), 4 * kS);
  auto e = run_ok(scenario(8, "  graph: {topology: exponential}\n  final_merge: false\n"));
  EXPECT_NEAR(e["exchange_time_s"].get<double>(), kA + 3 * kS / kB, 1e-11);
  EXPECT_EQ(e["bytes_per_node_per_round"]["sent_mean"].get<double>(), 3 * kS);
  EXPECT_TRUE(e["final_merge"].is_null());
}

TEST_F(DecentralizedTest, ModestRoundWithEveryNodeTrainingAndOneAggregator) {
  // s = N = 4 trainers, a = 1 aggregator. Downlink: the previous aggregator P (a trainer too)
  // sends to the 3 others: its uplink carries 3 flows: a + 3 S/B. Uplink: the 3 trainers other
  // than the aggregator send to it: its downlink carries 3 flows: a + 3 S/B. Round = both + H t.
  // Bytes: 6 transfers of S per round whoever P and A are: 6S / 4 nodes = 1.5 S per node.
  auto d = run_ok(scenario(4, "  protocol: modest\n  sample_fraction: 1\n  aggregators: 1\n"));
  const double phase = kA + 3 * kS / kB;
  EXPECT_NEAR(d["exchange_time_s"].get<double>(), 2 * phase, 1e-11);
  EXPECT_NEAR(d["round_time_s"].get<double>(), 2 * phase + d["training_time_s"].get<double>(),
              1e-11);
  EXPECT_NEAR(d["bytes_per_node_per_round"]["sent_mean"].get<double>(), 1.5 * kS, 1e-6);
  EXPECT_EQ(d["sampling"]["trainers"].get<int>(), 4);
  ASSERT_EQ(d["per_round"].size(), 2u);
  EXPECT_NEAR(d["per_round"][1]["uplink_time_s"].get<double>(), phase, 1e-11);
}

TEST_F(DecentralizedTest, ModestSampleIsTheCeilingOfTheFraction) {
  // ceil(0.25 x 10) = 3 trainers; the run is deterministic for a seed.
  const std::string text =
      scenario(10, "  protocol: modest\n  sample_fraction: 0.25\n  aggregators: 2\n");
  auto a = run_ok(text);
  EXPECT_EQ(a["sampling"]["trainers"].get<int>(), 3);
  EXPECT_EQ(run_ok(text).dump(), a.dump());
}

TEST_F(DecentralizedTest, DisconnectedGraphIsAnErrorOrAWarning) {
  // A random 1-regular graph is a perfect matching: 5 components over 10 nodes.
  std::string s;
  std::string err = error(scenario(10, "  graph: {topology: random_regular, degree: 1}\n"), &s);
  EXPECT_EQ(err, s + ":12:10: error: workload.graph: the random_regular graph over 10 nodes is "
                     "disconnected (5 components): gossip never mixes the models of different "
                     "components; use another graph, or set graph.on_disconnected: warn\n");
  auto d = run_ok(
      scenario(10, "  graph: {topology: random_regular, degree: 1, on_disconnected: warn}\n"));
  EXPECT_FALSE(d["graph"]["connected"].get<bool>());
  EXPECT_EQ(d["graph"]["components"].get<int>(), 5);
}

TEST_F(DecentralizedTest, DegreeNotBelowTheNodesIsAnError) {
  std::string s;
  std::string err = error(scenario(4, "  graph: {topology: random_regular, degree: 4}\n"), &s);
  EXPECT_EQ(err, s + ":12:45: error: workload.graph.degree: random_regular: expected 1 <= d < n; "
                     "got d = 4, n = 4\n");
}

TEST_F(DecentralizedTest, OddNodesTimesDegreeIsAnError) {
  std::string s;
  std::string err = error(scenario(5, "  graph: {topology: random_regular, degree: 3}\n"), &s);
  EXPECT_EQ(err, s + ":12:45: error: workload.graph.degree: random_regular: n x d = 5 x 3 = 15 "
                     "is odd: a d-regular graph needs an even number of edge ends\n");
}

TEST_F(DecentralizedTest, SampleFractionOutsideZeroOneIsAnError) {
  for (const char* f : {"0", "1.5", "-0.1"}) {
    std::string s;
    std::string err =
        error(scenario(4, std::string("  protocol: modest\n  sample_fraction: ") + f + "\n"), &s);
    EXPECT_EQ(err, s +
                       ":13:20: error: workload.sample_fraction: expected a sample fraction in "
                       "(0, 1]; got \"" +
                       f + "\"\n");
  }
}

TEST_F(DecentralizedTest, ZeroLocalStepsIsAnError) {
  std::string s;
  std::string err = error(scenario(4, "  local_steps: 0\n  graph: {topology: ring}\n"), &s);
  EXPECT_EQ(err, s + ":12:16: error: workload.local_steps: H must be at least 1 local step; "
                     "got 0\n");
}

TEST_F(DecentralizedTest, KeysOfTheOtherProtocolAreErrors) {
  std::string s;
  std::string err = error(scenario(4, "  protocol: modest\n  graph: {topology: ring}\n"), &s);
  EXPECT_EQ(err, s + ":13:10: error: workload.graph: applies to protocol dpsgd, not modest\n");
}

TEST_F(DecentralizedTest, TooManyNodesIsAnErrorBeforeAnythingIsBuilt) {
  std::string s;
  std::string big = scenario(4, "  graph: {topology: ring}\n");
  big.replace(big.find("nodes: 4"), 8, "nodes: 2000000");
  std::string err = error(big, &s);
  EXPECT_NE(err.find(s + ":8:10: error: workload.nodes: expected an integer in [2, 1048576]"),
            std::string::npos)
      << err;
}

TEST_F(DecentralizedTest, TorusDimsMustCoverTheNodes) {
  std::string s;
  std::string err = error(scenario(8, "  graph: {topology: torus, dims: [3, 3]}\n"), &s);
  EXPECT_EQ(err, s + ":12:34: error: workload.graph.dims: a torus of 3 x 3 = 9 nodes, but there "
                     "are 8 nodes\n");
}

TEST_F(DecentralizedTest, TooManyModestTransfersAreRefusedBeforeSimulating) {
  // 1000 trainers x (1000 aggregators + 1) = 1,001,000 transfers per round x 2^20 rounds > 2^30.
  std::string text = scenario(1000, "  protocol: modest\n  aggregators: 1000\n");
  text.replace(text.find("rounds: 2"), 9, "rounds: 1048576");
  std::string s;
  std::string err = error(text, &s);
  EXPECT_EQ(err, s + ":11:11: error: workload.rounds: 1048576 rounds of up to 1001000 transfers "
                     "each would have about 1.05e+12 transfers to simulate, more than the limit "
                     "of 1.07e+09 (minutes of simulation; --force runs it anyway): use fewer "
                     "rounds\n");
}

TEST_F(DecentralizedTest, HeterogeneousNodesWaitForTheSlowestDevice) {
  // 2 H100 and 2 A100 nodes in a ring (node_devices, in order). A D-PSGD round waits for its
  // slowest node: training = H x the A100's local step, which an all-A100 cluster gives; the
  // H100 class's local step is the all-H100 cluster's.
  const std::string a100 = test::kSource + "/configs/devices/a100_sxm_80gb.yaml";
  const std::string h100 = test::kSource + "/configs/devices/h100_sxm.yaml";
  const std::string ring = "  local_steps: 2\n  graph: {topology: ring}\n";
  auto mixed = run_ok(scenario(4, ring + "  node_devices: [{device: " + h100 +
                                      ", count: 2}, {device: " + a100 + ", count: 2}]\n"));
  std::string all_a100 = scenario(4, ring);
  all_a100.replace(all_a100.find(kDevice), kDevice.size(), a100);
  auto slow = run_ok(all_a100);
  std::string all_h100 = scenario(4, ring);
  all_h100.replace(all_h100.find(kDevice), kDevice.size(), h100);
  auto fast = run_ok(all_h100);
  ASSERT_EQ(mixed["node_devices"].size(), 2u);
  EXPECT_EQ(mixed["node_devices"][0]["local_step_time_s"].get<double>(),
            fast["local_step_time_s"].get<double>());
  EXPECT_EQ(mixed["node_devices"][1]["local_step_time_s"].get<double>(),
            slow["local_step_time_s"].get<double>());
  EXPECT_GT(slow["local_step_time_s"].get<double>(), fast["local_step_time_s"].get<double>());
  EXPECT_NEAR(mixed["training_time_s"].get<double>(), 2 * slow["local_step_time_s"].get<double>(),
              1e-12);
}

TEST_F(DecentralizedTest, NodeDeviceCountsMustAddUpToTheNodes) {
  std::string s;
  std::string err =
      error(scenario(4, "  graph: {topology: ring}\n  node_devices: [{device: " + kDevice +
                            ", count: 3}]\n"),
            &s);
  EXPECT_EQ(err, s + ":13:17: error: workload.node_devices: the device counts add up to 3 nodes, "
                     "but there are 4 nodes\n");
}

}  // namespace
}  // namespace dtsim::cli::decentralized
