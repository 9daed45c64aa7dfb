// PCCL's peers leaving and joining (`faults.peers`, models/collectives/peer_churn.h) through the
// real binary: a collective_sweep of all-reduces with algorithm pccl_ring on a switch, each
// operation's time the ring's closed form over the peers that take part, restarts counted and
// named; and the bad-input messages (exit 2, at the key's file:line:column).
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli_fixture.h"

namespace dtsim::cli::pccl_churn {
namespace {

using test::CliTest;
using test::kDevice;
using test::Result;

// A switch of 4 GPUs (gpu0..gpu3), each link 1 ms and 1 GB/s per direction (class wan, no TCP
// model): a ring step crosses two links, a = 2 ms, and every uplink and downlink carries one
// flow at B = 1 GB/s. A ring all-reduce of S per peer over n peers:
//   T(n) = 2 (n - 1) (a + S / (n B)).
// S = 120 MB: T(4) = 6 (0.002 + 0.030) = 0.192 s, T(3) = 4 (0.002 + 0.040) = 0.168 s.
constexpr double kT4 = 0.192, kT3 = 0.168;

/** Lines: 6 kind, 7 collective, 8 algorithm, 9 sizes, 10 iterations, 11 faults, 12 peers. */
std::string scenario(const std::string& peers, const std::string& algorithm = "pccl_ring") {
  return "name: c\ncluster:\n  topology: {builder: switch, endpoints: 4, link: {class: wan, "
         "bandwidth: 1GB/s, latency: 1ms}}\n  device: " +
         kDevice +
         "\nworkload:\n  kind: collective_sweep\n  collective: all_reduce\n  algorithm: " +
         algorithm +
         "\n  sizes: {min: 120MB}\n  iterations: 3\nfaults:\n  peers: " + peers + "\n";
}

/** run_ok and error (CliTest) on the scenarios above. */
using PcclChurnTest = CliTest;

TEST_F(PcclChurnTest, APeerDroppingMidOperationRestartsItWithTheSurvivors) {
  // gpu3 drops at 0.1 s, inside operation 0 ([0, 0.192)): 0.1 s lost, restart over 3 peers at
  // 0.1: ends 0.1 + T(3) = 0.268; operations 1 and 2 over 3 peers: 0.436, 0.604 s.
  auto j = run_ok(scenario("[{peer: gpu3, leaves_at: 100ms}]"));
  const auto& c = j["pccl_churn"];
  EXPECT_EQ(c["restarts"].get<int>(), 1);
  ASSERT_EQ(c["per_operation"][0]["restarts"].size(), 1u);
  EXPECT_EQ(c["per_operation"][0]["restarts"][0]["dropped"], "gpu3");
  EXPECT_NEAR(c["per_operation"][0]["restarts"][0]["wasted_s"].get<double>(), 0.1, 1e-12);
  EXPECT_NEAR(c["per_operation"][0]["end_s"].get<double>(), 0.1 + kT3, 1e-9);
  EXPECT_EQ(c["per_operation"][0]["peers"].size(), 3u);
  EXPECT_NEAR(j["step_time_s"].get<double>(), 0.1 + 3 * kT3, 1e-9);
  EXPECT_EQ(c["final_peers"], nlohmann::json::array({"gpu0", "gpu1", "gpu2"}));
  // The sweep row counts the lost attempt as failed; its time is the completing attempts' mean.
  EXPECT_EQ(j["sweep"][0]["failed"].get<int>(), 1);
  EXPECT_NEAR(j["sweep"][0]["time_s"].get<double>(), kT3, 1e-9);
}

TEST_F(PcclChurnTest, AJoiningPeerIsAcceptedAtTheNextOperation) {
  // gpu3 asks to join at 50 ms: operation 0 runs over 3 peers [0, 0.168); operations 1 and 2
  // over 4: 0.168 + 2 T(4) = 0.552 s. No restart.
  auto j = run_ok(scenario("[{peer: gpu3, joins_at: 50ms}]"));
  const auto& c = j["pccl_churn"];
  EXPECT_EQ(c["restarts"].get<int>(), 0);
  EXPECT_EQ(c["per_operation"][0]["peers"].size(), 3u);
  EXPECT_EQ(c["per_operation"][1]["peers"].size(), 4u);
  EXPECT_NEAR(j["step_time_s"].get<double>(), kT3 + 2 * kT4, 1e-9);
}

TEST_F(PcclChurnTest, NonPcclAlgorithmIsAnError) {
  std::string s;
  std::string err = error(scenario("[{peer: gpu3, leaves_at: 1s}]", "ring"), &s);
  EXPECT_EQ(err, s + ":8:14: error: workload.algorithm: faults.peers leave and join a PCCL run: "
                     "expected algorithm pccl_ring; got ring\n");
}

TEST_F(PcclChurnTest, UnknownPeerIsAnErrorWithASuggestion) {
  std::string s;
  std::string err = error(scenario("[{peer: gpu33, leaves_at: 1s}]"), &s);
  EXPECT_EQ(err, s + ":12:18: error: faults.peers[0].peer: no node 'gpu33' in the topology; did "
                     "you mean 'gpu3'?\n");
}

TEST_F(PcclChurnTest, LeavesAndJoinsTogetherIsAnError) {
  std::string s;
  std::string err = error(scenario("[{peer: gpu3, leaves_at: 1s, joins_at: 2s}]"), &s);
  EXPECT_EQ(err, s + ":12:11: error: faults.peers[0]: a peer event has one of `leaves_at` (the "
                     "peer drops) or `joins_at` (it asks to join)\n");
}

TEST_F(PcclChurnTest, JoiningTwiceIsAnError) {
  std::string s;
  std::string err = error(scenario("[{peer: gpu3, joins_at: 1s}, {peer: gpu3, joins_at: 2s}]"), &s);
  EXPECT_EQ(err, s + ":12:39: error: faults.peers[1]: peer 'gpu3' joins at 2 s, but it takes part "
                     "already\n");
}

TEST_F(PcclChurnTest, APeerThatIsNotAnAcceleratorIsAnError) {
  std::string s;
  std::string err = error(scenario("[{peer: sw, leaves_at: 1s}]"), &s);
  EXPECT_EQ(err, s + ":12:18: error: faults.peers[0].peer: 'sw' is not an accelerator (a peer is "
                     "a rank)\n");
}

TEST_F(PcclChurnTest, ANegativeTimeIsAnError) {
  std::string s;
  std::string err = error(scenario("[{peer: gpu1, leaves_at: -1s}]"), &s);
  EXPECT_EQ(err, s + ":12:35: error: faults.peers[0].leaves_at: expected a non-negative time; got "
                     "\"-1s\"\n");
}

TEST_F(PcclChurnTest, FaultsWithNeitherEventsNorPeersAreAnError) {
  std::string text = scenario("[]");
  text.replace(text.find("  peers: []"), 11, "  on_link_down: stall");
  std::string s;
  std::string err = error(text, &s);
  EXPECT_EQ(err, s + ":12:3: error: faults: expected `events` (link faults) or `peers` (peers "
                     "leaving or joining)\n");
}

}  // namespace
}  // namespace dtsim::cli::pccl_churn
