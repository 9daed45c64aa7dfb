// `workload.kind: fedavg` through the real binary: a round's phases against closed forms, the
// deadline and over-selection semantics, determinism, and the bad-input messages (exit 2, at the
// key's file:line:column).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/cli_fixture.h"

namespace dtsim::cli::fedavg {
namespace {

using test::CliTest;
using test::Result;

/** A device of 1 GFLOP/s fp32 and 1 GB/s memory, efficiencies 1. */
const std::string kDeviceText =
    "name: slow\npeak_flops: {fp32: 1GFLOPS}\nhbm_capacity: 1GiB\nhbm_bandwidth: 1GB/s\n"
    "launch_overhead: 0us\nefficiency: {compute: 1, memory: 1}\n";

/** An edge_cell with one cell `c0` whose clients have plain access links (class acc, no link
 *  model); backhaul and cell uplink 1e12 B/s; every hop 1 ms (3 ms a way). */
const std::string kTopology =
    "{builder: edge_cell, backhaul: {class: bh, bandwidth: 8000Gbps, latency: 1ms}, "
    "cells: [{name: c0, uplink: {class: up, bandwidth: 8000Gbps, latency: 1ms}, "
    "access: {class: acc, latency: 1ms}}], clients: [{cell: c0, rate: 1Gbps}]}";

void expect_error(const Result& r, const std::string& message) {
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, message);
}

class FedAvgCliTest : public CliTest {
 protected:
  /** Lines: 3 topology, 4 device, 6 kind, 7 params (250000: 1e6 B fp32), 8 FLOPs per sample
   *  (1e6), 9 local_epochs, 10 `extra` (one line), 11 clients, 12 count, 13 classes (one: all
   *  clients at 1e8 B/s, 100 samples), then `more`. */
  std::string scenario(const std::string& epochs, const std::string& extra,
                       const std::string& count, const std::string& more = "") {
    const std::string dev = file("dev.yaml", kDeviceText);
    return file("s.yaml",
                "name: f\n"
                "cluster:\n"
                "  topology: " +
                    kTopology +
                    "\n"
                    "  device: " +
                    dev +
                    "\n"
                    "workload:\n"
                    "  kind: fedavg\n"
                    "  params: 250000\n"
                    "  train_flops_per_sample: 1e6\n"
                    "  local_epochs: " +
                    epochs +
                    "\n"
                    "  " +
                    extra +
                    "\n"
                    "  clients:\n"
                    "    count: " +
                    count +
                    "\n"
                    "    classes: [{name: a, share: 1, cell: c0, rate: 800Mbps, device: " +
                    dev + ", samples: 100}]\n" + more);
  }
  nlohmann::json run_report(const std::string& s, const std::string& sets = "") {
    Result r = dtsim("run '" + s + "' -q --reproducible --report '" + path("r.json") + "' " + sets);
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(test::slurp(path("r.json")));
  }
};

TEST_F(FedAvgCliTest, ARoundOfTwoClientsMatchesTheClosedForm) {
  // 2 clients, C = 1. Each on its own access link at B = 1e8 B/s; path latency L = 3 ms.
  //   downlink: L + S / B = 0.003 + 1e6 / 1e8 = 0.013 s
  //   training: E x samples x FLOPs / rate = 2 x 100 x 1e6 / 1e9 = 0.2 s
  //   uplink (fp32 update, 1e6 B): L + U / B = 0.013 s
  //   aggregation: 2 updates x 250000 x 4 B / 1e9 B/s = 2 ms (memory bound: 2 x 250000 x 2
  //   FLOPs / 1e9 = 1 ms)
  //   round: 0.013 + 0.2 + 0.013 + 0.002 = 0.228 s
  auto j = run_report(scenario("2", "rounds: 2", "2"));
  const auto& f = j["fedavg"];
  const auto& r0 = f["per_round"][0];
  EXPECT_EQ(r0["selected"], 2);
  EXPECT_EQ(r0["updates"], 2);
  EXPECT_NEAR(r0["phases_s"]["downlink"].get<double>(), 0.013, 1e-12);
  EXPECT_NEAR(r0["phases_s"]["training"].get<double>(), 0.2, 1e-12);
  EXPECT_NEAR(r0["phases_s"]["uplink"].get<double>(), 0.013, 1e-12);
  EXPECT_NEAR(r0["phases_s"]["aggregation"].get<double>(), 0.002, 1e-12);
  EXPECT_NEAR(r0["time_s"].get<double>(), 0.228, 1e-12);
  EXPECT_NEAR(j["step_time_s"].get<double>(), 0.228, 1e-12);
  // Round 1 starts when round 0 ends; the total is the sum.
  EXPECT_NEAR(f["per_round"][1]["start_s"].get<double>(), 0.228, 1e-12);
  EXPECT_NEAR(f["total_time_s"].get<double>(), 0.456, 1e-12);
  EXPECT_EQ(f["dropped_updates"], 0);
}

TEST_F(FedAvgCliTest, TheTraceShowsRoundZerosPhasesPerClient) {
  // The closed form above as slices (us): per client downlink [0, 13000], training [13000,
  // 213000], uplink [213000, 226000]; the server's aggregation [226000, 228000].
  const std::string s = scenario("2", "rounds: 2", "2");
  Result r = dtsim("run '" + s + "' -q --trace '" + path("t.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto t = nlohmann::json::parse(test::slurp(path("t.json")));
  std::vector<std::string> slices;
  for (const auto& e : t["traceEvents"])
    if (e["ph"] == "X")
      slices.push_back(std::to_string(e["pid"].get<int>()) + " " + e["name"].get<std::string>() +
                       " " + std::to_string(e["ts"].get<double>()) + " " +
                       std::to_string(e["dur"].get<double>()));
  EXPECT_EQ(slices,
            (std::vector<std::string>{
                "1 downlink 0.000000 13000.000000", "1 training 13000.000000 200000.000000",
                "1 uplink 213000.000000 13000.000000", "2 downlink 0.000000 13000.000000",
                "2 training 13000.000000 200000.000000", "2 uplink 213000.000000 13000.000000",
                "0 aggregation 226000.000000 2000.000000"}));
}

TEST_F(FedAvgCliTest, ADeadlineNoClientMeetsEndsTheRoundWithZeroUpdates) {
  // Every update arrives at 0.226 s; a 0.1 s deadline drops both: the round ends at the
  // deadline, no aggregation, and the report says so.
  auto j = run_report(scenario("2", "deadline: 100ms", "2"));
  const auto& r0 = j["fedavg"]["per_round"][0];
  EXPECT_EQ(r0["updates"], 0);
  EXPECT_EQ(r0["no_updates"], true);
  EXPECT_EQ(r0["dropped_updates"]["straggler"], 2);
  EXPECT_NEAR(r0["time_s"].get<double>(), 0.1, 1e-12);
  EXPECT_EQ(j["fedavg"]["rounds_without_updates"], 1);
}

TEST_F(FedAvgCliTest, OverSelectionClosesTheRoundAtTheTargetUpdate) {
  // 10 clients, C = 0.2: m = 2 updates wanted; o = 1.5: ceil(2 x 2.5) = 5 selected, all
  // alike, so all 5 arrive together at 0.226 s: 2 kept, 3 late; the round closes at 0.226 s
  // and aggregates 2 updates (2 ms).
  auto j = run_report(scenario("2", "sample_fraction: 0.2\n  over_selection: 1.5", "10"));
  EXPECT_EQ(j["fedavg"]["target_updates"], 2);
  EXPECT_EQ(j["fedavg"]["selected_per_round"], 5);
  const auto& r0 = j["fedavg"]["per_round"][0];
  EXPECT_EQ(r0["updates"], 2);
  EXPECT_EQ(r0["dropped_updates"]["late"], 3);
  EXPECT_NEAR(r0["collect_end_s"].get<double>(), 0.226, 1e-12);
  EXPECT_NEAR(r0["time_s"].get<double>(), 0.228, 1e-12);
}

TEST_F(FedAvgCliTest, TheServerWaitsForClientsToComeOnlineAndDropsThoseThatLeave) {
  // 4 clients, all offline until t = 100 s; clients 0-2 then stay online, client 3 only until
  // 100.1 s. Round 0 finds nobody online at t = 0: it waits 100 s, then selects all 4. Client
  // 3's model arrives (0.013 s) but it is gone (0.1 s) before its training ends (0.213 s): its
  // update is dropped (offline). The others arrive at 0.226 s (the closed form above);
  // aggregation of 3 updates: 3 x 1e6 B / 1e9 B/s = 3 ms. Round: 100 + 0.226 + 0.003 s.
  const std::string trace = file("avail.txt", "0 100 1000\n1 100 1000\n2 100 1000\n3 100 100.1\n");
  auto j = run_report(scenario("2", "rounds: 1", "4", "    availability: " + trace + "\n"));
  const auto& r0 = j["fedavg"]["per_round"][0];
  EXPECT_EQ(r0["start_s"], 0.0);
  EXPECT_EQ(r0["waited_for_clients_s"], 100.0);
  EXPECT_EQ(r0["selected"], 4);
  EXPECT_EQ(r0["updates"], 3);
  EXPECT_EQ(r0["dropped_updates"]["offline"], 1);
  EXPECT_NEAR(r0["time_s"].get<double>(), 100.229, 1e-9);
}

TEST_F(FedAvgCliTest, ARunLongerThanTheTimeRangeIsReportedRoundByRound) {
  // Training of 100 samples x 3.456e10 FLOPs / 1e9 FLOP/s x E = 1000 = 3,456,000 s = 40 days a
  // round (within half of Time's ~106.75 days); 3 rounds: 3 x (40 days + 0.013 + 0.013 +
  // 0.002 s) = 120 days, beyond the range of Time as a whole, reported in seconds as doubles.
  std::string text = test::slurp(scenario("1000", "rounds: 3", "2"));
  text.replace(text.find("train_flops_per_sample: 1e6"), 27, "train_flops_per_sample: 3.456e10");
  auto j = run_report(file("s.yaml", text));
  const auto& f = j["fedavg"];
  EXPECT_NEAR(f["per_round"][0]["time_s"].get<double>(), 3456000.028, 1e-6);
  EXPECT_NEAR(f["per_round"][2]["start_s"].get<double>(), 6912000.056, 1e-6);
  EXPECT_NEAR(f["total_time_s"].get<double>(), 10368000.084, 1e-6);
  EXPECT_NEAR(f["total_time_days"].get<double>(), 10368000.084 / 86400, 1e-9);
  // E = 2000 makes one round's training 80 days: an error at local_epochs.
  text.replace(text.find("local_epochs: 1000"), 18, "local_epochs: 2000");
  const std::string s = file("s.yaml", text);
  expect_error(dtsim("run '" + s + "'"),
               s + ":9:17: error: workload.local_epochs: client 0's local training takes "
                   "6.912e+06 s, beyond what one round may last (about 53 days, half the "
                   "simulated time range); use fewer epochs or samples per round\n");
}

TEST_F(FedAvgCliTest, SameSeedSameReportAnotherSeedOtherClients) {
  const std::string s = scenario("1", "sample_fraction: 0.01\n  rounds: 3", "100000");
  Result a = dtsim("run '" + s + "' -q --reproducible --report '" + path("a.json") + "'");
  Result b = dtsim("run '" + s + "' -q --reproducible --report '" + path("b.json") + "'");
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(test::slurp(path("a.json")), test::slurp(path("b.json")));
  Result c =
      dtsim("run '" + s + "' -q --reproducible --report '" + path("c.json") + "' --set run.seed=2");
  ASSERT_EQ(c.status, 0) << c.err;
  auto ja = nlohmann::json::parse(test::slurp(path("a.json")));
  auto jc = nlohmann::json::parse(test::slurp(path("c.json")));
  EXPECT_NE(ja["fedavg"]["per_round"][0]["clients"][0]["client"],
            jc["fedavg"]["per_round"][0]["clients"][0]["client"]);
  // 1000 selected of 100000 per round, at most 16 listed.
  EXPECT_EQ(ja["fedavg"]["per_round"][0]["selected"], 1000);
  EXPECT_EQ(ja["fedavg"]["per_round"][0]["clients"].size(), 16u);
}

TEST_F(FedAvgCliTest, ASampleFractionOutsideZeroOneIsAnError) {
  std::string s = scenario("1", "sample_fraction: 0", "4");
  expect_error(dtsim("run '" + s + "'"), s + ":10:20: error: workload.sample_fraction: expected "
                                             "a sample fraction in (0, 1]; got \"0\"\n");
  s = scenario("1", "sample_fraction: 1.5", "4");
  expect_error(dtsim("run '" + s + "'"), s + ":10:20: error: workload.sample_fraction: expected "
                                             "a sample fraction in (0, 1]; got \"1.5\"\n");
}

TEST_F(FedAvgCliTest, ZeroLocalEpochsIsAnError) {
  std::string s = scenario("0", "rounds: 1", "4");
  expect_error(dtsim("run '" + s + "'"),
               s + ":9:17: error: workload.local_epochs: E must be at least 1 local epoch; got "
                   "0\n");
}

TEST_F(FedAvgCliTest, AQuantisationOfZeroBitsIsAnError) {
  std::string s = scenario("1", "compression: {quantization: qsgd, bits: 0}", "4");
  expect_error(dtsim("run '" + s + "'"),
               s + ":10:43: error: workload.compression.bits: a quantisation needs at least 1 "
                   "bit per coordinate; got 0 bits\n");
}

TEST_F(FedAvgCliTest, ADensityOutsideZeroOneIsAnError) {
  std::string s = scenario("1", "compression: {density: 0}", "4");
  expect_error(dtsim("run '" + s + "'"), s + ":10:26: error: workload.compression.density: "
                                             "expected a density in (0, 1]; got \"0\"\n");
}

TEST_F(FedAvgCliTest, TooManyClientsIsAnErrorBeforeAllocation) {
  std::string s = scenario("1", "rounds: 1", "100000000");
  expect_error(dtsim("run '" + s + "'"),
               s + ":12:12: error: workload.clients.count: at most 16777216 registered clients "
                   "(a cap on memory); got 100000000\n");
}

TEST_F(FedAvgCliTest, TooManyClientsPerRoundIsAnError) {
  // C = 0.5 of 1,000,000 clients: 500,000 ranks in one round's topology, above the cap.
  std::string s = scenario("1", "sample_fraction: 0.5", "1000000");
  expect_error(dtsim("run '" + s + "'"),
               s + ":10:20: error: workload.sample_fraction: 500000 clients selected per round "
                   "(C = 0.5, over-selection 0, N = 1000000); at most 100000 per round (each is "
                   "a rank of the round's topology)\n");
}

TEST_F(FedAvgCliTest, OverlappingAvailabilityIntervalsAreAnErrorAtTheRow) {
  const std::string trace = file("avail.txt",
                                 "# client start_s end_s\n"
                                 "0 0 100\n"
                                 "1 0 50\n"
                                 "0 90 200\n");
  std::string s = scenario("1", "rounds: 1", "4", "    availability: " + trace + "\n");
  expect_error(dtsim("run '" + s + "'"),
               trace +
                   ":4:1: error: client 0's online intervals overlap: [90, 200) here and "
                   "[0, 100) on line 2\n");
}

TEST_F(FedAvgCliTest, ClassSharesThatDoNotAddUpToOneAreAnError) {
  std::string text = test::slurp(scenario("1", "rounds: 1", "4"));
  const std::string dev = path("dev.yaml");
  text.replace(text.find("samples: 100}]"), 14,
               "samples: 100}, {name: b, share: 0.5, cell: c0, rate: 1Gbps, device: " + dev +
                   ", samples: 1}]");
  const std::string s = file("s.yaml", text);
  expect_error(dtsim("run '" + s + "'"),
               s + ":13:14: error: workload.clients.classes: the classes' shares must add up to "
                   "1; they add up to 1.5\n");
}

TEST_F(FedAvgCliTest, AClassOnACellTheClusterLacksIsAnErrorWithASuggestion) {
  std::string text = test::slurp(scenario("1", "rounds: 1", "4"));
  text.replace(text.rfind("cell: c0"), 8, "cell: c1");
  const std::string s = file("s.yaml", text);
  expect_error(dtsim("run '" + s + "'"),
               s + ":13:41: error: workload.clients.classes[0].cell: the cluster has no cell "
                   "'c1'; did you mean 'c0'?\n");
}

TEST_F(FedAvgCliTest, BitsWithoutAQuantisationIsAnError) {
  std::string s = scenario("1", "compression: {bits: 4}", "4");
  expect_error(dtsim("run '" + s + "'"),
               s + ":10:23: error: workload.compression.bits: bits needs a quantization (qsgd "
                   "or rqm); the update is fp32 without one\n");
}

TEST_F(FedAvgCliTest, AClusterThatIsNotAnEdgeCellIsAnErrorAtTheKind) {
  std::string text = test::slurp(scenario("1", "rounds: 1", "4"));
  const size_t a = text.find("{builder: edge_cell");
  text.replace(a, text.find('\n', a) - a,
               "{builder: switch, endpoints: 2, link: {class: l, bandwidth: 1Gbps, latency: 1us}}");
  const std::string s = file("s.yaml", text);
  expect_error(dtsim("run '" + s + "'"),
               s + ":6:9: error: workload.kind: the cluster is not an edge_cell topology "
                   "(builder: edge_cell): it has no 'server' and 'core' nodes\n");
}

TEST_F(FedAvgCliTest, FaultsAreAnErrorAtTheKind) {
  // Faults name the cluster's links; a round's topology is built anew: refused, not ignored.
  std::string s = scenario("1", "rounds: 1", "2",
                           "faults:\n  events:\n    - {at: 1ms, link: {a: server, b: core}, "
                           "down: true}\n");
  expect_error(dtsim("run '" + s + "'"),
               s + ":6:9: error: workload.kind: fedavg does not take `faults:` (each round builds "
                   "its own topology of the selected clients, which the faults' links are not "
                   "part of); model unavailable clients with clients.availability\n");
}

TEST_F(FedAvgCliTest, AnAvailabilityRowForAnUnknownClientOrAnEmptyIntervalIsAnError) {
  std::string trace = file("avail.txt", "0 0 10\n4 0 10\n");
  std::string s = scenario("1", "rounds: 1", "4", "    availability: " + trace + "\n");
  expect_error(dtsim("run '" + s + "'"),
               trace + ":2:1: error: expected a client id in [0, 4); got 4\n");
  trace = file("avail.txt", "0 10 10\n");
  expect_error(dtsim("run '" + s + "'"),
               trace + ":1:1: error: an online interval needs start < end; got [10, 10)\n");
}

TEST_F(FedAvgCliTest, ASpeedTraceSetsAClientsTrainingRate) {
  // Client 0 at half speed: training 2 x 100 x 1e6 / (1e9 x 0.5) = 0.4 s; it arrives at
  // 0.013 + 0.4 + 0.013 = 0.426 s, the round ends at 0.428 s (aggregation 2 ms). Client 1 is not
  // listed: the class's rate (speed_spread 0: factor 1), 0.2 s.
  const std::string trace = file("speed.txt", "# client factor\n0 0.5\n");
  auto j = run_report(scenario("2", "rounds: 1", "2", "    speed_trace: " + trace + "\n"));
  const auto& r0 = j["fedavg"]["per_round"][0];
  EXPECT_NEAR(r0["time_s"].get<double>(), 0.428, 1e-12);
  EXPECT_NEAR(r0["max_s"]["training"].get<double>(), 0.4, 1e-12);
  EXPECT_NEAR(r0["phases_s"]["training"].get<double>(), 0.3, 1e-12);  // mean of 0.4 and 0.2
}

TEST_F(FedAvgCliTest, ASpeedFactorNotPositiveOrAClientListedTwiceIsAnError) {
  std::string trace = file("speed.txt", "0 1\n1 0\n");
  const std::string s = scenario("1", "rounds: 1", "2", "    speed_trace: " + trace + "\n");
  expect_error(dtsim("run '" + s + "'"),
               trace + ":2:3: error: expected a speed factor > 0; got 0\n");
  trace = file("speed.txt", "1 2\n0 1\n1 0.5\n");
  expect_error(dtsim("run '" + s + "'"),
               trace + ":3:1: error: client 1 is listed twice (also on line 1)\n");
  trace = file("speed.txt", "1 2 3\n");
  expect_error(dtsim("run '" + s + "'"),
               trace +
                   ":1:5: error: expected a row `<client> <factor>`, e.g. \"17 0.42\"; got "
                   "\"1 2 3\"\n");
}

TEST_F(FedAvgCliTest, AQuantisedUplinkIsSmallerAndFasterByTheClosedForm) {
  // QSGD, 8 bits, one norm: U = 250000 + 4 B. Uplink = L + U / B = 0.003 + 250004 / 1e8 =
  // 0.00550004 s; the downlink stays fp32 (0.013 s).
  auto j = run_report(scenario("2", "compression: {quantization: qsgd, bits: 8}", "2"));
  EXPECT_EQ(j["fedavg"]["uplink_bytes_per_client"], 250004);
  EXPECT_EQ(j["fedavg"]["downlink_bytes_per_client"], 1000000);
  const auto& ph = j["fedavg"]["per_round"][0]["phases_s"];
  EXPECT_NEAR(ph["uplink"].get<double>(), 0.00550004, 1e-12);
  EXPECT_NEAR(ph["downlink"].get<double>(), 0.013, 1e-12);
}

}  // namespace
}  // namespace dtsim::cli::fedavg

namespace dtsim::cli::fedavg {
namespace {

TEST_F(CliTest, TheTestbedScenarioRunsAndItsFiveGUplinkMatchesTheClosedForm) {
  // scenarios/fedavg_5g_wifi_ethernet.yaml: 4 Pis per link type, all alike, so the 4 on the 5G
  // cell upload at once. TDD DDDDDDDSUU gives the uplink 2/10 of the time, proportional fair
  // an equal share each: x = r x 0.2 / 4 with r = 181.9 Mb/s = 22,737,500 B/s: 1,136,875 B/s.
  // Update U = 4 x 740554 = 2,962,216 B; latency L = 10 ms + 0.1 ms + 0.1 ms.
  //   uplink = L + U / x = 0.0102 + 2.6055757... = 2.6157776 s
  //   training = 12500 x 54,890,688 / 16e9 (the Pi 4's fp32 rate) = 42.88335 s
  const std::string s = test::kSource + "/scenarios/fedavg_5g_wifi_ethernet.yaml";
  Result r = dtsim("run '" + s + "' -q --reproducible --report '" + path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(test::slurp(path("r.json")));
  const auto& g = j["fedavg"]["classes"][0];
  EXPECT_EQ(g["name"], "5g");
  EXPECT_EQ(g["clients"], 4);
  EXPECT_NEAR(g["mean_phases_s"]["uplink"].get<double>(), 0.0102 + 2962216.0 / 1136875.0, 1e-9);
  EXPECT_NEAR(g["mean_phases_s"]["training"].get<double>(), 42.88335, 1e-9);
  EXPECT_EQ(j["fedavg"]["dropped_updates"], 0);
}

}  // namespace
}  // namespace dtsim::cli::fedavg
