// Faults through the real binary: bad input pinned to its message and position (exit 2, no
// report written), and runs of scenarios/fault_link_down.yaml under each policy.
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli_fixture.h"

namespace dtsim::cli::faults {
namespace {

using test::CliTest;
using test::kDevice;
using test::kSource;
using test::Result;

/** A 1 MiB ring all-reduce on two DGX H100-like nodes with `faults` (YAML lines, indented). */
std::string scenario(const std::string& policy, const std::string& event) {
  return "name: s\n"
         "cluster:\n"
         "  topology: " +
         kSource +
         "/configs/topologies/dgx_h100_2node.yaml\n"
         "  device: " +
         kDevice +
         "\n"
         "workload: {kind: collective_sweep, collective: all_reduce, algorithm: ring,\n"
         "           sizes: {min: 1MiB, max: 1MiB}}\n"
         "faults:\n"
         "  on_link_down: " +
         policy +
         "\n"
         "  events:\n"
         "    - " +
         event + "\n";
}

class FaultInput : public CliTest {
 protected:
  /** Runs the scenario; expects exit 2, no report, and returns stderr without the file name. */
  std::string error(const std::string& policy, const std::string& event) {
    std::string s = file("s.yaml", scenario(policy, event));
    Result r = dtsim("run '" + s + "' --report '" + path("r.json") + "'");
    EXPECT_EQ(r.status, 2);
    EXPECT_FALSE(std::filesystem::exists(path("r.json")));
    EXPECT_EQ(r.err.rfind(s, 0), 0u) << r.err;
    return r.err.substr(s.size());
  }
};

TEST_F(FaultInput, ANodeThatDoesNotExistSuggestsTheNearestName) {
  EXPECT_EQ(error("stall", "{at: 1ms, link: {a: n0.nick0, b: leaf.r0.g0}, down: true}"),
            ":10:27: error: faults.events[0].link.a: no node 'n0.nick0' in the topology; did you "
            "mean 'n0.nic0'?\n");
}

TEST_F(FaultInput, TwoNodesWithoutALinkBetweenThem) {
  EXPECT_EQ(error("stall", "{at: 1ms, link: {a: n0.nic0, b: leaf.r1.g0}, down: true}"),
            ":10:23: error: faults.events[0].link: no link joins 'n0.nic0' and 'leaf.r1.g0'\n");
}

TEST_F(FaultInput, ANegativeTime) {
  EXPECT_EQ(error("stall", "{at: -1ms, link: {a: n0.nic0, b: leaf.r0.g0}, down: true}"),
            ":10:12: error: faults.events[0].at: expected a non-negative time; got \"-1ms\"\n");
}

TEST_F(FaultInput, UntilBeforeAt) {
  EXPECT_EQ(
      error("stall", "{at: 2ms, link: {a: n0.nic0, b: leaf.r0.g0}, down: true, until: 1ms}"),
      ":10:71: error: faults.events[0].until: expected a time after `at` (0.002 s); got \"1ms\"\n");
}

TEST_F(FaultInput, ACapacityFractionOutsideZeroToOne) {
  EXPECT_EQ(error("stall", "{at: 1ms, link: {a: n0.nic0, b: leaf.r0.g0}, capacity: 150%}"),
            ":10:62: error: faults.events[0].capacity: expected a fraction in [0, 1], e.g. 0.5 or "
            "50%; got \"150%\"\n");
  EXPECT_EQ(error("stall", "{at: 1ms, link: {a: n0.nic0, b: leaf.r0.g0}, capacity: -0.5}"),
            ":10:62: error: faults.events[0].capacity: expected a fraction in [0, 1], e.g. 0.5 or "
            "50%; got \"-0.5\"\n");
}

TEST_F(FaultInput, AFaultThatChangesNothing) {
  EXPECT_EQ(error("stall", "{at: 1ms, link: {a: n0.nic0, b: leaf.r0.g0}}"),
            ":10:7: error: faults.events[0]: a fault that changes nothing: give `down: true`, "
            "`capacity` or `latency`\n");
}

TEST_F(FaultInput, AnUnknownPolicy) {
  EXPECT_EQ(error("stal", "{at: 1ms, link: {a: n0.nic0, b: leaf.r0.g0}, down: true}"),
            ":8:17: error: faults.on_link_down: expected one of reroute, stall, fail; did you "
            "mean 'stall'; got \"stal\"\n");
}

class FaultRun : public CliTest {
 protected:
  /** Runs the shipped scenario with `sets`; returns the report. */
  nlohmann::json run_shipped(Result& r, const std::string& sets) {
    const std::string out = path("r.json");
    r = dtsim("run '" + kSource + "/scenarios/fault_link_down.yaml' -q --reproducible --report '" +
              out + "' " + sets);
    return nlohmann::json::parse(test::slurp(out));
  }
};

// The shipped scenario's two faults, one at a time.
const std::string kNicOnly =
    "--set 'faults.events=[{at: 20ms, link: {a: n0.nic0, b: leaf.r0.g0}, down: true, until: "
    "25ms}]'";
const std::string kSpineOnly =
    "--set 'faults.events=[{at: 10ms, link: {a: leaf.r7.g0, b: spine1}, down: true, until: "
    "15ms}]'";

TEST_F(FaultRun, TheNicLinkAloneUnderStallAndReroute) {
  Result r;
  const auto none = run_shipped(r, "--set 'faults={events: []}'");
  ASSERT_EQ(r.status, 0) << r.err;
  // Stall: the ring's transfer n1.gpu7 -> n0.gpu0 (through n0.nic0) waits the 5 ms the link is
  // down (20 to 25 ms, mid-all-reduce) at rate 0 and then resumes at its full rate; every later
  // ring step waits for it, so the all-reduce ends exactly 5 ms later.
  const auto stall = run_shipped(r, kNicOnly + " --set faults.on_link_down=stall");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NEAR(stall["step_time_s"].get<double>() - none["step_time_s"].get<double>(), 5e-3, 1e-9);
  EXPECT_EQ(stall["faults"][0]["stalled"], 1);
  EXPECT_EQ(stall["faults"][0]["flows_hit"], 1);
  EXPECT_TRUE(stall["failed_transfers"].empty());
  // Reroute: n0.gpu0 reaches the fabric only through n0.nic0 (GPUs do not forward), so there is
  // no other path: the same as stall.
  const auto reroute = run_shipped(r, kNicOnly + " --set faults.on_link_down=reroute");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(reroute["step_time_s"], stall["step_time_s"]);
  EXPECT_EQ(reroute["faults"][0]["rerouted"], 0);
  // The spine link alone under reroute: the flow n0.gpu7 -> n1.gpu0 moves to another spine and
  // pays its path's latency again: 0.5 (PCIe) + 0.6 (NIC) + 0.3 + 0.3 (spine hops) + 0.6 + 0.5
  // = 2.8 us, on the ring's critical inter-node chain: the all-reduce ends 2.8 us later.
  const auto spine = run_shipped(r, kSpineOnly + " --set faults.on_link_down=reroute");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(spine["faults"][0]["rerouted"], 1);
  EXPECT_NEAR(spine["step_time_s"].get<double>() - none["step_time_s"].get<double>(), 2.8e-6, 1e-9);
}

TEST_F(FaultRun, TheShippedScenarioUnderFail) {
  // The spine link goes down at 10 ms under n0.gpu7 -> n1.gpu0: it fails then, the all-reduce
  // with it: exit 0, no step time, the transfer listed, the collective failed on all 16 ranks.
  Result r;
  const auto fail = run_shipped(r, "--set faults.on_link_down=fail");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fail["step_time_s"].is_null());
  ASSERT_GE(fail["failed_transfers"].size(), 1u);
  EXPECT_EQ(fail["failed_transfers"][0]["src"], "n0.gpu7");
  EXPECT_EQ(fail["failed_transfers"][0]["dst"], "n1.gpu0");
  EXPECT_EQ(fail["failed_transfers"][0]["at_s"], 0.01);
  EXPECT_EQ(fail["failed_transfers"][0]["fault"], 0);
  EXPECT_EQ(fail["failed_ops"].size(), 16u);
  EXPECT_EQ(fail["collectives"][0]["failed"], 1);  // of the class's instances
  EXPECT_TRUE(fail["sweep"][0]["time_s"].is_null());
}

TEST_F(FaultRun, ALinkDownForGoodIsReportedNotHung) {
  // The only way out of n0.gpu0's node for its ring transfer goes down at 1 us and never
  // returns: the run ends (exit 0), the transfer is listed, the step has no time.
  std::string s = file("s.yaml", scenario("reroute",
                                          "{at: 1us, link: {a: n0.nic0, b: leaf.r0.g0}, down: "
                                          "true}"));
  Result r = dtsim("run '" + s + "' -q --report '" + path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(test::slurp(path("r.json")));
  EXPECT_TRUE(j["step_time_s"].is_null());
  ASSERT_GE(j["failed_transfers"].size(), 1u);
  EXPECT_EQ(j["failed_transfers"][0]["why"],
            "link n0.nic0<->leaf.r0.g0 went down for good at 1e-06 s and no other path exists");
}

TEST_F(FaultRun, ADataParallelStepWithAFailedTransferHasNoStepTimeNorThroughput) {
  // The default Llama-3 8B DP 16 step; n0.nic0 goes down for good at 100 ms under fail, during
  // the backward pass: the first gradient all-reduce that needs it fails, every op after it does
  // not run; exit 0, step time null, throughput 0.
  Result r = dtsim("run '" + kSource + "/scenarios/llama3_8b_dp16_dgx_h100.yaml' -q --report '" +
                   path("r.json") +
                   "' --set 'faults={on_link_down: fail, events: [{at: 100ms, link: {a: n0.nic0, "
                   "b: leaf.r0.g0}, down: true}]}'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(test::slurp(path("r.json")));
  EXPECT_TRUE(j["step_time_s"].is_null());
  EXPECT_GE(j["failed_transfers"].size(), 1u);
  EXPECT_EQ(j["failed_ops"].size(), 16u);  // one all-reduce, on every rank
  EXPECT_GT(j["ops_not_run"]["count"].get<uint64_t>(), 0u);
  EXPECT_EQ(j["model"]["tokens_per_s"], 0.0);
  EXPECT_EQ(j["faults"][0]["link"], "n0.nic0<->leaf.r0.g0");
}

}  // namespace
}  // namespace dtsim::cli::faults
