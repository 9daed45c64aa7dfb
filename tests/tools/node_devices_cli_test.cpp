// Heterogeneous clusters (`cluster.node_devices`) through the real binary: each rank priced on
// its own device, DiLoCo's replicas on different devices (the slowest gates the blocking outer
// sync), the memory check against the smallest device, decentralized nodes taking their ranks'
// devices, and the bad-input messages (exit 2, at the key's file:line:column).
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli_fixture.h"

namespace dtsim::cli::node_devices {
namespace {

using test::CliTest;
using test::Result;

const std::string kModel =
    "{name: tiny, layers: 2, hidden: 64, ffn_hidden: 256, heads: 4, vocab: 1000}";
// Two devices whose every rate differs by exactly 2x and that launch kernels for free: the
// roofline time of every compute op, max(F / P, B / W), is exactly twice as long on Slow (up to
// the rounding of each op up to a whole picosecond).
const std::string kFast =
    "{name: Fast, peak_flops: {bf16: 100TFLOPS, fp32: 50TFLOPS}, hbm_capacity: 80GiB, "
    "hbm_bandwidth: 1TB/s, launch_overhead: 0us, efficiency: {compute: 1, memory: 1}}";
const std::string kSlow =
    "{name: Slow, peak_flops: {bf16: 50TFLOPS, fp32: 25TFLOPS}, hbm_capacity: 80GiB, "
    "hbm_bandwidth: 0.5TB/s, launch_overhead: 0us, efficiency: {compute: 1, memory: 1}}";

/** A 2-rank switch (1 ms, 1 GB/s links, class wan) with cluster device `device` and, when
 *  `node_devices` is not empty, that list on line 5; then the workload from line 6 (kind). */
std::string scenario(const std::string& device, const std::string& node_devices,
                     const std::string& workload) {
  return "name: d\ncluster:\n  topology: {builder: switch, endpoints: 2, link: {class: wan, "
         "bandwidth: 1GB/s, latency: 1ms}}\n  device: " +
         device + "\n" + (node_devices.empty() ? "" : "  node_devices: " + node_devices + "\n") +
         "workload:\n" + workload;
}

std::string diloco(int inner_steps) {
  return "  kind: diloco\n  model: " + kModel +
         "\n  replicas: 2\n  parallelism: {dp: 1}\n  batch: {global_batch: 2, seq_len: 32}\n"
         "  inner_steps: " +
         std::to_string(inner_steps) + "\n";
}

/** run_ok and error (CliTest) on the scenarios above. */
using NodeDevicesTest = CliTest;

TEST_F(NodeDevicesTest, DilocoReplicasRunOnTheirOwnDevices) {
  // Replica 0 (rank 0) on Fast, replica 1 (rank 1) on Slow. A replica of one rank has no inner
  // communication, so its inner step is its compute alone: each replica's inner step equals the
  // same model's step on a uniform cluster of its device (independent runs), and Slow's is twice
  // Fast's (2x every rate). The blocking outer sync waits for the slowest replica:
  // outer step = H t_slow + sync; replica k's compute utilization H t_k / outer step.
  const int h = 5;
  auto fast = run_ok(scenario(kFast, "", diloco(h)))["diloco"];
  auto slow = run_ok(scenario(kSlow, "", diloco(h)))["diloco"];
  auto mixed = run_ok(scenario(kFast, "[{device: " + kFast + ", count: 1}, {device: " + kSlow +
                                          ", count: 1}]",
                               diloco(h)));
  auto d = mixed["diloco"];
  const double t_fast = fast["inner_step_time_s"].get<double>();
  const double t_slow = slow["inner_step_time_s"].get<double>();
  EXPECT_NEAR(t_slow, 2 * t_fast, 1e-6 * t_fast);
  ASSERT_EQ(d["replica_devices"].size(), 2u);
  EXPECT_EQ(d["replica_classes_simulated"].get<int>(), 2);
  EXPECT_EQ(d["replica_devices"][0]["devices"][0]["device"], "Fast");
  EXPECT_EQ(d["replica_devices"][1]["devices"][0]["device"], "Slow");
  EXPECT_EQ(d["replica_devices"][1]["devices"][0]["first_rank"].get<int>(), 1);
  EXPECT_EQ(d["replica_devices"][0]["inner_step_time_s"].get<double>(), t_fast);
  EXPECT_EQ(d["replica_devices"][1]["inner_step_time_s"].get<double>(), t_slow);
  EXPECT_EQ(d["inner_step_time_s"].get<double>(), t_slow);
  const double outer = d["outer_step_time_s"].get<double>();
  EXPECT_NEAR(outer, h * t_slow + d["sync_time_s"].get<double>(), 1e-12);
  EXPECT_NEAR(d["replica_devices"][0]["compute_utilization"].get<double>(), h * t_fast / outer,
              1e-12);
  EXPECT_NEAR(d["compute_utilization"].get<double>(), h * t_slow / outer, 1e-12);
  // The report says which device each rank ran on.
  ASSERT_EQ(mixed["node_devices"].size(), 2u);
  EXPECT_EQ(mixed["node_devices"][1]["device"], "Slow");
  EXPECT_EQ(mixed["node_devices"][1]["ranks"].get<int>(), 1);
  // A uniform cluster's report has neither entry (unchanged).
  EXPECT_FALSE(fast.contains("replica_devices"));
}

TEST_F(NodeDevicesTest, RanksPastTheListRunOnTheClusterDevice) {
  // node_devices covers rank 0 only (Slow); rank 1 runs on the cluster's device (Fast): the
  // same replica times as listing both.
  auto d = run_ok(scenario(kFast, "[{device: " + kSlow + ", count: 1}]", diloco(2)))["diloco"];
  auto slow = run_ok(scenario(kSlow, "", diloco(2)))["diloco"];
  EXPECT_EQ(d["replica_devices"][0]["devices"][0]["device"], "Slow");
  EXPECT_EQ(d["replica_devices"][1]["devices"][0]["device"], "Fast");
  EXPECT_EQ(d["inner_step_time_s"].get<double>(), slow["inner_step_time_s"].get<double>());
}

TEST_F(NodeDevicesTest, MemoryIsCheckedAgainstTheSmallestDevice) {
  const std::string tiny =
      "{name: Tiny, peak_flops: {bf16: 1TFLOPS}, hbm_capacity: 1MiB, hbm_bandwidth: 1TB/s, "
      "launch_overhead: 0us, efficiency: {compute: 1, memory: 1}}";
  std::string s;
  std::string err = error(scenario(kFast, "[{device: " + tiny + ", count: 1}]", diloco(2)), &s);
  EXPECT_NE(err.find(s + ":10:16: error: workload.parallelism: the most loaded rank needs"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("but 'Tiny' has 0.0 GiB"), std::string::npos) << err;
}

TEST_F(NodeDevicesTest, ACountBeyondTheRanksIsAnError) {
  std::string s;
  std::string err = error(scenario(kFast, "[{device: " + kSlow + ", count: 3}]", diloco(2)), &s);
  EXPECT_NE(err.find(s + ":5:"), std::string::npos) << err;
  EXPECT_NE(err.find("error: cluster.node_devices[0].count: "), std::string::npos) << err;
}

TEST_F(NodeDevicesTest, CountsAddingUpToMoreThanTheRanksAreAnError) {
  std::string s;
  std::string err = error(scenario(kFast, "[{device: " + kSlow + ", count: 2}, {device: " +
                                              kSlow + ", count: 1}]",
                                   diloco(2)),
                          &s);
  EXPECT_EQ(err, s + ":5:17: error: cluster.node_devices: the device counts add up to 3 ranks, "
                     "but there are 2 ranks\n");
}

TEST_F(NodeDevicesTest, AnUnknownEntryKeyIsAnError) {
  std::string s;
  std::string err = error(scenario(kFast, "[{device: " + kSlow + ", cont: 1}]", diloco(2)), &s);
  EXPECT_NE(err.find(s + ":5:"), std::string::npos) << err;
  EXPECT_NE(err.find("did you mean 'count'"), std::string::npos) << err;
}

std::string streaming(const std::string& overlap_steps) {
  return "  kind: streaming_diloco\n  model: " + kModel +
         "\n  replicas: 2\n  parallelism: {dp: 1}\n  batch: {global_batch: 2, seq_len: 32}\n"
         "  inner_steps: 4\n  fragments: 2\n  overlap_steps: " +
         overlap_steps + "\n";
}

// Streaming DiLoCo on the 2-layer tiny model, P = 2 strided fragments at 4 bits: fragment 0 =
// layer 0 + embedding = 65,664 + 64,000 = 129,664 parameters, S_0 = 64,832 B; fragment 1 =
// layer 1 + LM head + final norm = 65,664 + 64,000 + 64 = 129,728, S_1 = 64,864 B (one GPU per
// replica). Ring all-reduce over R = 2 on the switch (a path of two 1 ms links, 1 GB/s):
// 2 (R - 1) steps of 2a + (S/2)/B: sync_p = 4 ms + S_p / 1e9 s.
double fragment_sync(double s_bytes) { return 4e-3 + s_bytes / 1e9; }
constexpr double kS0 = 64832, kS1 = 64864;

TEST_F(NodeDevicesTest, StreamingDilocoBlockingSyncsWaitForTheSlowestReplica) {
  // τ = 0: each fragment's sync blocks every replica, and it can only run once the slowest
  // replica has sent: outer step = H t_slow + sync_0 + sync_1, H = 4; the fast replica's
  // utilization H t_fast / outer step. t_fast, t_slow: the same kind on uniform clusters.
  const int h = 4;
  auto fast = run_ok(scenario(kFast, "", streaming("0")))["streaming_diloco"];
  auto slow = run_ok(scenario(kSlow, "", streaming("0")))["streaming_diloco"];
  auto d = run_ok(scenario(kFast, "[{device: " + kFast + ", count: 1}, {device: " + kSlow +
                                      ", count: 1}]",
                           streaming("0")))["streaming_diloco"];
  const double t_fast = fast["inner_step_time_s"].get<double>();
  const double t_slow = slow["inner_step_time_s"].get<double>();
  EXPECT_NEAR(t_slow, 2 * t_fast, 1e-6 * t_fast);
  EXPECT_EQ(d["replica_classes_simulated"].get<int>(), 2);
  EXPECT_EQ(d["inner_step_time_s"].get<double>(), t_slow);
  const double outer = d["outer_step_time_s"].get<double>();
  EXPECT_NEAR(outer, h * t_slow + fragment_sync(kS0) + fragment_sync(kS1), 1e-9);
  EXPECT_NEAR(d["replica_devices"][0]["compute_utilization"].get<double>(), h * t_fast / outer,
              1e-12);
  EXPECT_NEAR(d["replica_devices"][1]["compute_utilization"].get<double>(), h * t_slow / outer,
              1e-12);
}

TEST_F(NodeDevicesTest, StreamingDilocoOverlapIsMeasuredAgainstTheSlowestReplica) {
  // τ = 1: each sync (about 4.06 ms) runs beside one inner step of every replica (microseconds
  // here), sharing nothing with it (one GPU per replica): the window is the sync, and its exposed
  // part is the sync minus the slowest replica's one step, sync_p - t_slow:
  //   outer step = H t_slow + (sync_0 - t_slow) + (sync_1 - t_slow).
  const int h = 4;
  auto slow = run_ok(scenario(kSlow, "", streaming("1")))["streaming_diloco"];
  auto d = run_ok(scenario(kFast, "[{device: " + kFast + ", count: 1}, {device: " + kSlow +
                                      ", count: 1}]",
                           streaming("1")))["streaming_diloco"];
  const double t_slow = slow["inner_step_time_s"].get<double>();
  ASSERT_LT(t_slow, fragment_sync(kS0));  // the premise of this case
  EXPECT_NEAR(d["outer_step_time_s"].get<double>(),
              h * t_slow + fragment_sync(kS0) + fragment_sync(kS1) - 2 * t_slow, 1e-9);
  EXPECT_NEAR(d["exposed_sync_time_s"].get<double>(),
              fragment_sync(kS0) + fragment_sync(kS1) - 2 * t_slow, 1e-9);
}

std::string decentralized(const std::string& extra = "") {
  return "  kind: decentralized\n  model: " + kModel +
         "\n  nodes: 2\n  parallelism: {dp: 1}\n  batch: {global_batch: 2, seq_len: 32}\n"
         "  graph: {topology: ring}\n" +
         extra;
}

TEST_F(NodeDevicesTest, DecentralizedNodesTakeTheirRanksDevices) {
  // The cluster's rank devices and the kind's own node_devices say the same thing: identical
  // per-class local steps; Slow's twice Fast's.
  auto a = run_ok(scenario(kFast, "[{device: " + kFast + ", count: 1}, {device: " + kSlow +
                                      ", count: 1}]",
                           decentralized()))["decentralized"];
  auto b = run_ok(scenario(kFast, "",
                           decentralized("  node_devices: [{device: " + kFast +
                                         ", count: 1}, {device: " + kSlow + ", count: 1}]\n")))
               ["decentralized"];
  ASSERT_EQ(a["node_devices"].size(), 2u);
  EXPECT_EQ(a["node_devices"], b["node_devices"]);
  const double t0 = a["node_devices"][0]["local_step_time_s"].get<double>();
  EXPECT_NEAR(a["node_devices"][1]["local_step_time_s"].get<double>(), 2 * t0, 1e-6 * t0);
}

TEST_F(NodeDevicesTest, DecentralizedNodeDevicesInTwoPlacesAreAnError) {
  std::string s;
  std::string err =
      error(scenario(kFast, "[{device: " + kSlow + ", count: 1}]",
                     decentralized("  node_devices: [{device: " + kSlow + ", count: 2}]\n")),
            &s);
  EXPECT_EQ(err, s + ":13:17: error: workload.node_devices: the cluster already gives each rank "
                     "its device (cluster.node_devices); give the nodes' devices in one place\n");
}

}  // namespace
}  // namespace dtsim::cli::node_devices
