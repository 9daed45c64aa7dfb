// End-to-end tests of the dtsim command line: they run the real binary (DTSIM_BINARY) on
// scenario files written into a fresh temporary folder and pin its exit status, its one-line
// compiler-style error messages and its output files.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cli_fixture.h"

namespace dtsim::cli::end_to_end {
namespace {

using test::CliTest;
using test::Result;
using test::slurp;
using test::write;
using test::csv_rows;
using test::ring_scenario;
namespace fs = std::filesystem;
using test::kDevice;
using test::kSource;


/** A scenario on a switch of `ranks` GPUs whose workload is the graph JSON file `json`. */
std::string graph_scenario(const std::string& json, int ranks = 2) {
  return "name: graph\n"
         "cluster:\n"
         "  topology:\n"
         "    builder: switch\n"
         "    endpoints: " +
         std::to_string(ranks) +
         "\n"
         "    link: {class: nvlink, bandwidth: 450GB/s, latency: 1us}\n"
         "  device: " +
         kDevice +
         "\n"
         "workload:\n"
         "  kind: graph_json\n"
         "  file: " +
         json + "\n";
}

TEST_F(CliTest, ClosedFormScenarioRuns) {
  // 14 x (2 us + 2^27 B / 450e9 B/s) = 4.203662649 ms (see the scenario's comment); the report
  // holds it within 1 ns.
  std::string s = file("s.yaml", ring_scenario());
  Result r = dtsim("run '" + s + "' --report '" + path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  auto j = nlohmann::json::parse(slurp(path("r.json")));
  EXPECT_NEAR(j["step_time_s"].get<double>(), 4.203662649e-3, 1e-9);
  EXPECT_EQ(j["seed"], 1);
  EXPECT_EQ(j["ranks"], 8);
  // A collective sweep's makespan is its sizes one after another: "sweep time", not a step.
  EXPECT_NE(r.out.find("sweep time    4.203663 ms"), std::string::npos) << r.out;
}

TEST_F(CliTest, QuantityWithoutAUnit) {
  std::string s = file("s.yaml", ring_scenario("400"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":6:38: error: cluster.topology.link.bandwidth: expected a rate with a "
                       "unit, e.g. \"400Gbps\"; got \"400\"\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(CliTest, UnknownKeyWithDidYouMean) {
  std::string text = ring_scenario();
  text.replace(text.find("workload:"), 9, "workloadd:");
  std::string s = file("s.yaml", text);
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            s + ":8:1: error: workloadd: unknown key 'workloadd'; did you mean 'workload'?\n");
}

TEST_F(CliTest, ZeroBandwidth) {
  std::string s = file("s.yaml", ring_scenario("0GB/s"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":6:38: error: cluster.topology.link.bandwidth: expected a positive rate; "
                       "got \"0GB/s\"\n");
}

TEST_F(CliTest, NegativeBandwidth) {
  std::string s = file("s.yaml", ring_scenario("-5GB/s"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":6:38: error: cluster.topology.link.bandwidth: expected a positive rate; "
                       "got \"-5GB/s\"\n");
}

TEST_F(CliTest, LinkToAnUndefinedNode) {
  // Line 10 is the second link; `      - {a: gpu1, b: ` is 21 characters: 'swx' is column 22.
  std::string s =
      file("s.yaml",
           "name: undefined-node\n"
           "cluster:\n"
           "  topology:\n"
           "    nodes:\n"
           "      - {name: gpu0, kind: accelerator}\n"
           "      - {name: gpu1, kind: accelerator}\n"
           "      - {name: sw, kind: switch}\n"
           "    links:\n"
           "      - {a: gpu0, b: sw, class: nvlink, bandwidth: 450GB/s, latency: 1us}\n"
           "      - {a: gpu1, b: swx, class: nvlink, bandwidth: 450GB/s, latency: 1us}\n"
           "  device: " +
               kDevice +
               "\n"
               "workload:\n"
               "  kind: collective_sweep\n"
               "  collective: all_reduce\n"
               "  sizes: {min: 1MiB}\n");
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":10:22: error: cluster.topology.links[1].b: link to undefined node 'swx'; "
                       "did you mean 'sw'?\n");
}

TEST_F(CliTest, CollectiveOverMoreRanksThanTheCluster) {
  // `ranks: 9` goes in as line 12, after `algorithm: ring`; the value is column 10.
  std::string text = ring_scenario();
  text.replace(text.find("  sizes:"), 0, "  ranks: 9\n");
  std::string s = file("s.yaml", text);
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(
      r.err,
      s + ":12:10: error: workload.ranks: a collective over 9 ranks, but the cluster has only "
          "8\n");
}

TEST_F(CliTest, GraphWithMoreRanksThanTheCluster) {
  std::string g = file("g.json",
                       "{\"ranks\": 3, \"programs\": [\n"
                       " {\"rank\": 0, \"ops\": []}, {\"rank\": 1, \"ops\": []}, {\"rank\": 2, "
                       "\"ops\": []}]}\n");
  std::string s = file("s.yaml", graph_scenario("g.json"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            g + ":1:11: error: ranks: the workload has 3 ranks but the cluster has only 2\n");
}

TEST_F(CliTest, UnreadableScenario) {
  std::string missing = path("missing.yaml");
  Result r = dtsim("run '" + missing + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, missing + ": error: cannot read scenario file (does it exist?)\n");
}

TEST_F(CliTest, UnwritableReportPathFailsBeforeRunningAndLeavesNothing) {
  std::string s = file("s.yaml", ring_scenario());
  Result r = dtsim("run '" + s + "' --report /nonexistent/dir/r.json");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "error: cannot write the report to '/nonexistent/dir/r.json': folder "
            "'/nonexistent/dir' does not exist\n");
  EXPECT_EQ(r.out, "");  // it failed before simulating: no summary
  EXPECT_FALSE(fs::exists("/nonexistent/dir/r.json"));
  EXPECT_EQ(listing(), (std::vector<std::string>{"s.yaml"}));
}

TEST_F(CliTest, FailedRunLeavesNoPartialReportOrTrace) {
  // The run fails after the output paths were checked (a recv no send answers): neither the
  // report nor the trace, nor a temporary file, may be left in the output folder.
  fs::create_directories(dir_ / "out");
  file("g.json",
       "{\"ranks\": 2, \"programs\": [\n"
       " {\"rank\": 0, \"ops\": [{\"kind\": \"recv\", \"peer\": 1, \"bytes\": 1024}]},\n"
       " {\"rank\": 1, \"ops\": []}]}\n");
  std::string s = file("s.yaml", graph_scenario("g.json"));
  Result r = dtsim("run '" + s + "' --report '" + path("out/r.json") + "' --trace '" +
                   path("out/t.json") + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            s + ": error: deadlock: the workload ended with ops that can never run: rank 0 op 0 "
                "('recv', recv) has no matching send (peer 1, tag 0)\n");
  EXPECT_TRUE(listing("out").empty());
}

TEST_F(CliTest, DelayBeyondTheRangeOfTime) {
  // 3000 h = 1.08e7 s > INT64_MAX ps = 9.22e6 s (about 2562 h). There is no 'd' unit.
  // On line 2, ` {"rank": 0, "ops": [{"kind": "delay", "duration": ` is 51 characters.
  std::string g =
      file("g.json",
           "{\"ranks\": 2, \"programs\": [\n"
           " {\"rank\": 0, \"ops\": [{\"kind\": \"delay\", \"duration\": \"3000h\"}]},\n"
           " {\"rank\": 1, \"ops\": []}]}\n");
  std::string s = file("s.yaml", graph_scenario("g.json"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, g + ":2:52: error: programs[0].ops[0].duration: simulated time beyond the range "
                       "of Time (about +-106 days at 1 ps): 10800000 s\n");
}

TEST_F(CliTest, DelaysThatAddUpBeyondTheRangeOfTime) {
  // Each 1500 h delay fits; their sum, 3000 h, does not: the engine's addition overflows during
  // the run, a user error (exit 2), never a wrapped time.
  file("g.json",
       "{\"ranks\": 2, \"programs\": [\n"
       " {\"rank\": 0, \"ops\": [{\"kind\": \"delay\", \"duration\": \"1500h\"},\n"
       "                     {\"kind\": \"delay\", \"duration\": \"1500h\"}]},\n"
       " {\"rank\": 1, \"ops\": []}]}\n");
  std::string s = file("s.yaml", graph_scenario("g.json"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  // The overflow happens inside the engine, when the second delay (line 3, column 22) is
  // scheduled: the error is at that op.
  EXPECT_EQ(r.err, path("g.json") + ":3:22: error: simulated time beyond the range of Time "
                                    "(about +-106 days at 1 ps): addition overflowed\n");
}

/** Two disconnected switches: gpu0, gpu1 on swa and gpu2, gpu3 on swb. */
std::string split_cluster_scenario(const std::string& json) {
  return "name: no-route\n"
         "cluster:\n"
         "  topology:\n"
         "    nodes:\n"
         "      - {name: gpu0, kind: accelerator}\n"
         "      - {name: gpu1, kind: accelerator}\n"
         "      - {name: gpu2, kind: accelerator}\n"
         "      - {name: gpu3, kind: accelerator}\n"
         "      - {name: swa, kind: switch}\n"
         "      - {name: swb, kind: switch}\n"
         "    links:\n"
         "      - {a: gpu0, b: swa, class: nvlink, bandwidth: 450GB/s, latency: 1us}\n"
         "      - {a: gpu1, b: swa, class: nvlink, bandwidth: 450GB/s, latency: 1us}\n"
         "      - {a: gpu2, b: swb, class: nvlink, bandwidth: 450GB/s, latency: 1us}\n"
         "      - {a: gpu3, b: swb, class: nvlink, bandwidth: 450GB/s, latency: 1us}\n"
         "  device: " +
         kDevice +
         "\n"
         "workload:\n"
         "  kind: graph_json\n"
         "  file: " +
         json + "\n";
}

TEST_F(CliTest, RankWithNoRouteToItsPeer) {
  file("g.json",
       "{\"ranks\": 4, \"programs\": [\n"
       " {\"rank\": 0, \"ops\": [{\"kind\": \"send\", \"peer\": 2, \"bytes\": 1024}]},\n"
       " {\"rank\": 1, \"ops\": []},\n"
       " {\"rank\": 2, \"ops\": [{\"kind\": \"recv\", \"peer\": 0, \"bytes\": 1024}]},\n"
       " {\"rank\": 3, \"ops\": []}]}\n");
  std::string s = file("s.yaml", split_cluster_scenario("g.json"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  // The route is found at run time, when the recv (line 4, column 22) meets the send: the
  // error is at that op.
  EXPECT_EQ(r.err, path("g.json") + ":4:22: error: rank 0 has no route to its peer rank 2: no route from 'gpu0' to "
                       "'gpu2' (accelerators and hosts carry transit traffic only with "
                       "forwards: true)\n");
  // The analytical back-end says the same.
  std::string a =
      file("a.yaml", split_cluster_scenario("g.json") + "network: {model: analytical}\n");
  Result ra = dtsim("run '" + a + "'");
  EXPECT_EQ(ra.status, 2);
  EXPECT_EQ(ra.err, path("g.json") + ":4:22: error: rank 0 has no route to its peer rank 2: no route from 'gpu0' to "
                        "'gpu2' (accelerators and hosts carry transit traffic only with "
                        "forwards: true)\n");
}

TEST_F(CliTest, MismatchedCollectiveSizesInAGraph) {
  file("g.json",
       "{\"ranks\": 2, \"programs\": [\n"
       " {\"rank\": 0, \"ops\": [{\"id\": \"ar\", \"kind\": \"collective\", \"collective\": "
       "\"all_reduce\", \"bytes\": 1024}]},\n"
       " {\"rank\": 1, \"ops\": [{\"id\": \"ar\", \"kind\": \"collective\", \"collective\": "
       "\"all_reduce\", \"bytes\": 2048}]}]}\n");
  std::string s = file("s.yaml", graph_scenario("g.json"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  // Found when rank 1's op joins (rank 0's joined first): the error is at that op in g.json,
  // line 3, column 22 (its opening brace), not at the scenario.
  EXPECT_EQ(r.err, path("g.json") +
                       ":3:22: error: collective #0 on group [0, 1] disagrees between ranks: "
                       "rank 0 op 0 ('ar') is all_reduce of 1024 bytes (root 0), rank 1 op 0 "
                       "('ar') is all_reduce of 2048 bytes (root 0)\n");
}

TEST_F(CliTest, ZeroByteCollectiveIsAllowedAndCostsLatencyOnly) {
  // 2(n-1) = 14 ring steps, each a 0-byte flow over 2 hops of 1 us: 28 us; no hang, exit 0.
  std::string s = file("s.yaml", ring_scenario("450GB/s", "0B"));
  Result r = dtsim("run '" + s + "' -q --report '" + path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");  // --quiet
  auto j = nlohmann::json::parse(slurp(path("r.json")));
  EXPECT_DOUBLE_EQ(j["step_time_s"].get<double>(), 28e-6);
  ASSERT_EQ(j["collectives"].size(), 1u);
  EXPECT_EQ(j["collectives"][0]["bytes"], 0);
  EXPECT_EQ(j["links"]["nvlink"]["bytes"], 0.0);
}

TEST_F(CliTest, SetOverridesAKey) {
  std::string s = file("s.yaml", ring_scenario("450GB/s", "1MiB"));
  Result r = dtsim("run '" + s + "' -q --set run.seed=2 --report '" + path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(slurp(path("r.json")))["seed"], 2);
  // Overrides reach any key, e.g. the link bandwidth: halving it doubles the bandwidth term.
  Result half =
      dtsim("run '" + s + "' -q --set cluster.topology.link.bandwidth=225GB/s --report '" +
            path("h.json") + "'");
  ASSERT_EQ(half.status, 0) << half.err;
  double t450 = nlohmann::json::parse(slurp(path("r.json")))["step_time_s"].get<double>();
  double t225 = nlohmann::json::parse(slurp(path("h.json")))["step_time_s"].get<double>();
  // 14 x (2 us + 2^17 B / B): at 450e9, 14 x 2.291271 us; at 225e9, 14 x 2.582542 us.
  EXPECT_NEAR(t450, 14 * (2e-6 + 131072 / 450e9), 1e-9);
  EXPECT_NEAR(t225, 14 * (2e-6 + 131072 / 225e9), 1e-9);
}

TEST_F(CliTest, SetWithAnUnknownKey) {
  std::string s = file("s.yaml", ring_scenario());
  Result r = dtsim("run '" + s + "' --set run.sed=2");
  EXPECT_EQ(r.status, 2);
  // The substance is pinned; the position is not (see the DISABLED test below).
  const std::string tail = "error: run.sed: unknown key 'sed'; did you mean 'seed'?\n";
  ASSERT_GE(r.err.size(), tail.size());
  EXPECT_EQ(r.err.substr(r.err.size() - tail.size()), tail) << r.err;
}

// POOR MESSAGE: an unknown key that came from --set is reported at the scenario file without a
// line ("s.yaml: error: run.sed: unknown key ..."), pointing the user at a file that does not
// contain the typo. Other --set errors name the override ("<--set run.seed=abc>: error: ...").
// Fix: in ConfigNode::check_keys, look the key's path up in overrides_ (as location() does) and
// report SourceLocation{"<--set run.sed=2>", 0, 0} when it came from --set.
TEST_F(CliTest, SetWithAnUnknownKeyNamesTheOverride) {
  std::string s = file("s.yaml", ring_scenario());
  Result r = dtsim("run '" + s + "' --set run.sed=2");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "<--set run.sed=2>: error: run.sed: unknown key 'sed'; did you mean 'seed'?\n");
}

TEST_F(CliTest, SetWithABadValueOrForm) {
  std::string s = file("s.yaml", ring_scenario());
  Result bad_value = dtsim("run '" + s + "' --set run.seed=abc");
  EXPECT_EQ(bad_value.status, 2);
  EXPECT_EQ(bad_value.err,
            "<--set run.seed=abc>: error: run.seed: expected an integer; got \"abc\"\n");
  Result no_equals = dtsim("run '" + s + "' --set run.seed");
  EXPECT_EQ(no_equals.status, 2);
  EXPECT_EQ(no_equals.err, "<--set run.seed>: error: expected key.path=value; got \"run.seed\"\n");
}

TEST_F(CliTest, ReproducibleRunsAreByteIdentical) {
  // DESIGN.md: same scenario + same seed => byte-identical report and trace.
  std::string s = file("s.yaml", ring_scenario("450GB/s", "64MiB"));
  for (const char* k : {"1", "2"}) {
    Result r = dtsim("run '" + s + "' -q --reproducible --report '" +
                     path(std::string("r") + k + ".json") + "' --trace '" +
                     path(std::string("t") + k + ".json") + "'");
    ASSERT_EQ(r.status, 0) << r.err;
  }
  std::string r1 = slurp(path("r1.json")), r2 = slurp(path("r2.json"));
  std::string t1 = slurp(path("t1.json")), t2 = slurp(path("t2.json"));
  ASSERT_FALSE(r1.empty());
  ASSERT_FALSE(t1.empty());
  EXPECT_EQ(r1, r2);
  EXPECT_EQ(t1, t2);
  EXPECT_TRUE(nlohmann::json::parse(r1)["wall_time_s"].is_null());
}

TEST_F(CliTest, TraceIsChromeTraceEventJson) {
  // One all-reduce over 8 ranks on the comm stream: 8 complete ("X") events, one per rank, each
  // as long as the collective; metadata names each rank's process and its "comm" thread.
  std::string s = file("s.yaml", ring_scenario("450GB/s", "1MiB"));
  Result r = dtsim("run '" + s + "' -q --trace '" + path("t.json") + "' --report '" +
                   path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json t = nlohmann::json::parse(slurp(path("t.json")));  // throws if not JSON
  ASSERT_TRUE(t.contains("traceEvents"));
  ASSERT_TRUE(t["traceEvents"].is_array());
  double step_us = nlohmann::json::parse(slurp(path("r.json")))["step_time_s"].get<double>() * 1e6;
  int complete = 0, process_names = 0;
  for (const auto& e : t["traceEvents"]) {
    ASSERT_TRUE(e.contains("ph"));
    if (e["ph"] == "X") {
      ++complete;
      EXPECT_EQ(e["tid"], 1);  // the comm stream
      EXPECT_EQ(e["cat"], "collective");
      EXPECT_EQ(e["name"], "all_reduce 1048576B");
      EXPECT_DOUBLE_EQ(e["ts"].get<double>(), 0.0);
      EXPECT_NEAR(e["dur"].get<double>(), step_us, 1e-6);  // 6 decimals of us = 1 ps
    }
    if (e["ph"] == "M" && e["name"] == "process_name") ++process_names;
  }
  EXPECT_EQ(complete, 8);
  EXPECT_EQ(process_names, 8);
}

TEST_F(CliTest, TraceSlicesCarryArgsSendsArrowToTheirReceivesAndRanksFilter) {
  // 3 ranks: rank 0 sends 450,000 B to rank 2 (tag 7); rank 1 idles 5 us. On the switch (2 hops
  // of 1 us, 450 GB/s) the transfer takes 2 us + 450000 / 450e9 s = 3 us. The trace, gzipped
  // (`.gz`) and limited to ranks 0 and 2, has the send's args, one arrow ("s" at the send's start,
  // "f" at the middle of the receive: 1.5 us) and no track of rank 1.
  file("g.json", R"({"ranks": 3, "programs": [
    {"rank": 0, "ops": [{"kind": "send", "peer": 2, "bytes": 450000, "tag": 7}]},
    {"rank": 1, "ops": [{"kind": "delay", "duration": "5us"}]},
    {"rank": 2, "ops": [{"kind": "recv", "peer": 0, "bytes": 450000, "tag": 7}]}]})");
  std::string s = file("s.yaml", graph_scenario("g.json", 3));
  Result r = dtsim("run '" + s + "' -q --trace '" + path("t.json.gz") + "' --trace-ranks 0,2");
  ASSERT_EQ(r.status, 0) << r.err;
  Result gunzip = shell("gzip -dc '" + path("t.json.gz") + "' > '" + path("t.json") + "'");
  ASSERT_EQ(gunzip.status, 0) << gunzip.err;
  nlohmann::json t = nlohmann::json::parse(slurp(path("t.json")));
  int sends = 0, starts = 0, finishes = 0;
  for (const auto& e : t["traceEvents"]) {
    EXPECT_NE(e["pid"], 1) << e;
    if (e["ph"] == "X" && e["cat"] == "send") {
      ++sends;
      EXPECT_EQ(e["args"]["to"], 2);
      EXPECT_EQ(e["args"]["bytes"], 450000);
      EXPECT_EQ(e["args"]["tag"], 7);
      EXPECT_NEAR(e["dur"].get<double>(), 3.0, 1e-6);
    }
    if (e["ph"] == "s") {
      ++starts;
      EXPECT_EQ(e["pid"], 0);
      EXPECT_DOUBLE_EQ(e["ts"].get<double>(), 0.0);
    }
    if (e["ph"] == "f") {
      ++finishes;
      EXPECT_EQ(e["pid"], 2);
      EXPECT_NEAR(e["ts"].get<double>(), 1.5, 1e-6);
    }
  }
  EXPECT_EQ(sends, 1);
  EXPECT_EQ(starts, 1);
  EXPECT_EQ(finishes, 1);
  Result bad = dtsim("run '" + s + "' -q --trace '" + path("u.json") + "' --trace-ranks 2-1");
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(bad.err, "<--trace-ranks 2-1>: error: expected ranks like 0-7,12 (numbers and "
                     "ascending ranges); got \"2-1\"\n");
  EXPECT_FALSE(fs::exists(path("u.json")));
}

TEST_F(CliTest, InspectTopologyPrintsCounts) {
  // configs/topologies/hgx_h100_node.yaml: 8 GPUs and one logical NVSwitch, 8 NVLink links of
  // 450 GB/s x 0.835 (achievable) = 375.75 GB/s per direction: 8 x 2 x 375.75 = 6012 GB/s in all
  // directions.
  Result r = dtsim("inspect topology '" + kSource + "/configs/topologies/hgx_h100_node.yaml'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("ranks         8\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nodes         accelerator  8\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nodes         switch       1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("links         nvlink            8   capacity 6012.0 GB/s (all "
                       "directions)\n"),
            std::string::npos)
      << r.out;
  // A scenario file is inspected through its cluster.topology.
  std::string s = file("s.yaml", ring_scenario());
  Result rs = dtsim("inspect topology '" + s + "'");
  ASSERT_EQ(rs.status, 0) << rs.err;
  EXPECT_NE(rs.out.find("ranks         8\n"), std::string::npos) << rs.out;
  EXPECT_NE(rs.out.find("diameter      2 hops (max rank-to-rank path latency 2.000000 us)\n"),
            std::string::npos)
      << rs.out;
  EXPECT_NE(rs.out.find("narrowest     450.0 GB/s (lowest bottleneck of a rank-to-rank route)\n"),
            std::string::npos)
      << rs.out;
}

TEST_F(CliTest, InspectTopologyAboveThePairLimitSaysTheDiameterWasNotComputed) {
  // 4097 endpoints on one switch: more than topologies::kSummaryMaxPairRanks (4096) ranks, so
  // the ranks^2 route metrics are skipped and said to be, never printed as "-1 hops".
  std::string t = file("big.yaml",
                       "builder: switch\nendpoints: 4097\n"
                       "link: {class: eth, bandwidth: 100Gbps, latency: 1us}\n");
  Result r = dtsim("inspect topology '" + t + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("diameter      not computed: more than 4096 ranks (it costs ranks^2 "
                       "routes)\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("-1"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("narrowest"), std::string::npos) << r.out;
}

TEST_F(CliTest, InspectTopologyWritesDot) {
  Result r = dtsim("inspect topology '" + kSource +
                   "/configs/topologies/hgx_h100_node.yaml' --dot '" + path("t.dot") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  std::string dot = slurp(path("t.dot"));
  EXPECT_EQ(dot.rfind("graph topology {\n", 0), 0u) << dot;  // undirected Graphviz graph
}

TEST_F(CliTest, ValidatePassesOnAValidationCase) {
  // The whole folder runs as its own ctest entry (`validate`, tests/CMakeLists.txt); here one
  // fast case checks the command's exit status and summary.
  Result r = dtsim("validate '" + kSource + "/validation/cases/ring_allreduce.yaml'");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("1 cases, 1 passed, 0 failed, 0 with bad input, "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("ERROR"), std::string::npos) << r.out;
}

TEST_F(CliTest, ValidateOnAMissingFolder) {
  Result r = dtsim("validate '" + path("nope") + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, path("nope") + ": error: no such validation case file or folder\n");
}

TEST_F(CliTest, ValidateOnAnEmptyFolderIsBadInput) {
  std::string dir = path("empty");
  std::filesystem::create_directories(dir);
  Result r = dtsim("validate '" + dir + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, dir + ": error: no validation cases (*.yaml) in this folder\n");
}

TEST_F(CliTest, DuplicateKeysAreRejected) {
  std::string s = file("s.yaml", ring_scenario() + "run: {seed: 2}\n");
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(": error: run: duplicate key 'run'\n"), std::string::npos) << r.err;
}

TEST_F(CliTest, OutputsMayNotOverwriteTheScenarioOrEachOther) {
  std::string s = file("s.yaml", ring_scenario());
  Result self = dtsim("run '" + s + "' --report '" + s + "'");
  EXPECT_EQ(self.status, 2);
  EXPECT_EQ(self.err, "error: refusing to write over the input scenario '" + s + "'\n");
  std::string x = path("x.json");
  Result same = dtsim("run '" + s + "' --report '" + x + "' --trace '" + x + "'");
  EXPECT_EQ(same.status, 2);
  EXPECT_EQ(same.err, "error: two outputs would be written to the same file '" + x + "'\n");
  EXPECT_FALSE(std::filesystem::exists(x));
}

TEST_F(CliTest, ErrorsInsideASetMapNameTheOverride) {
  std::string s = file("s.yaml", ring_scenario());
  Result r = dtsim("run '" + s + "' --set 'network={model: flow, chunkz: 2}'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "<--set network={model: flow, chunkz: 2}>: error: network.chunkz: unknown key "
                   "'chunkz'; did you mean 'chunks'?\n");
}

TEST_F(CliTest, BadCommandLineExitsTwo) {
  EXPECT_EQ(dtsim("frobnicate").status, 2);
  EXPECT_EQ(dtsim("run").status, 2);  // the scenario is required
}

}  // namespace
}  // namespace dtsim::cli::end_to_end

namespace dtsim::cli::end_to_end {
namespace {

const std::string kTraces = kSource + "/../shared/data/chakra/astra-sim-microbenchmarks";

std::string chakra_scenario(const std::string& extra) {
  return "cluster:\n"
         "  topology: {builder: switch, endpoints: 8, link: {class: nvlink, bandwidth: 450GB/s, "
         "latency: 1us}}\n"
         "  device: " + kDevice + "\n"
         "workload:\n"
         "  kind: chakra\n"
         "  trace: " + kTraces + "/all_reduce/4npus_1MB/all_reduce\n" + extra;
}

TEST_F(CliTest, ChakraTraceWithFewerRanksNeedsAPlacement) {
  if (!fs::exists(kTraces)) GTEST_SKIP() << "no shared trace data at " << kTraces;
  std::string s = file("s.yaml", chakra_scenario(""));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":6:10: error: workload.trace: the trace has 4 ranks and the cluster 8; "
                       "give workload.ranks: a list of 4 cluster ranks to run the trace's ranks on\n");
  // Placed on ranks 1, 3, 5, 7 of the switch: the 4-rank ring all-reduce of 1 MiB,
  // 6 x (2 us + ceil(2^20 / 4 / 450e9 s)) = 6 x (2,000,000 + 582,543) ps = 15,495,258 ps.
  std::string placed = file("p.yaml", chakra_scenario("  ranks: [1, 3, 5, 7]\n"));
  Result ok = dtsim("run '" + placed + "' -q --report '" + path("r.json") + "'");
  ASSERT_EQ(ok.status, 0) << ok.err;
  auto j = nlohmann::json::parse(slurp(path("r.json")));
  EXPECT_NEAR(j["step_time_s"].get<double>(), 15'495'258e-12, 1e-15);
  EXPECT_EQ(j["rank_finish_s"][0].get<double>(), 0.0);  // rank 0 runs nothing
}

/** A 2-rank feeder-JSON trace whose nodes keep edges to nodes filtered out of it (99, 42), as
 *  Chakra's converter leaves them; `extra` is appended to the workload block. */
class ChakraFilteredTrace : public CliTest {
 protected:
  std::string scenario(const std::string& extra) {
    file("tr.0.json", R"({"workload_graph": [
      {"Id": 1, "Name": "a", "NodeType": 4, "runtime": 5},
      {"Id": 2, "Name": "b", "NodeType": 4, "runtime": 3, "data_deps": [1], "ctrl_deps": [99]}]})");
    file("tr.1.json", R"({"workload_graph": [
      {"Id": 1, "Name": "c", "NodeType": 4, "runtime": 2, "data_deps": [42]}]})");
    return file("s.yaml",
                "cluster:\n"
                "  topology: {builder: switch, endpoints: 2, link: {class: nvlink, bandwidth: "
                "450GB/s, latency: 1us}}\n"
                "  device: " + kDevice + "\n"
                "workload:\n"
                "  kind: chakra\n"
                "  trace: tr\n" + extra);
  }
};

TEST_F(ChakraFilteredTrace, ANumberTooLargeForADoubleIsAnErrorAtIt) {
  // Found by loader_fuzz (chakra_json): 400 digits overflow every JSON number type; nlohmann's
  // out_of_range (406) escaped as an uncaught exception. Now exit 2 at the token (line 2,
  // column 28 of tr.1.json: after `      {"Id": 1, "runtime": `).
  std::string s = scenario("");
  file("tr.1.json", "{\"workload_graph\": [\n      {\"Id\": 1, \"runtime\": " +
                        std::string(400, '1') + "}]}");
  Result r = dtsim("run '" + s + "' -q");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, path("tr.1.json") + ":2:28: error: invalid JSON: a number too large for a "
                                       "double (400 characters starting '1111111111111111')\n");
}

TEST_F(ChakraFilteredTrace, DependencyOnAFilteredNodeIsSatisfiedWithAWarning) {
  // Rank 0: a (5 us) then b (3 us; its control edge to 99 dropped): 8 us. Rank 1: c (2 us; its
  // only edge, to 42, dropped, so it starts at 0). Step = 8 us; 1 data + 1 control edge counted.
  std::string s = scenario("");
  Result r = dtsim("run '" + s + "' -q --report '" + path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, s + ":6:10: warning: workload.trace: 2 dependencies on nodes not in the trace "
                       "(1 data, 1 control) were treated as satisfied, e.g. " + path("tr.0.json") +
                       ": node 2 ('b') -> node 99 (control); set workload.strict: true to refuse "
                       "them\n");
  auto j = nlohmann::json::parse(slurp(path("r.json")));
  EXPECT_NEAR(j["step_time_s"].get<double>(), 8e-6, 1e-15);
  EXPECT_NEAR(j["rank_finish_s"][1].get<double>(), 2e-6, 1e-15);
  EXPECT_EQ(j["chakra"]["missing_dependencies"]["data"].get<int>(), 1);
  EXPECT_EQ(j["chakra"]["missing_dependencies"]["control"].get<int>(), 1);
}

TEST_F(ChakraFilteredTrace, StrictRefusesADependencyOnAFilteredNode) {
  std::string s = scenario("  strict: true\n");
  Result r = dtsim("run '" + s + "' --report '" + path("r.json") + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, path("tr.0.json") + ": error: node 2 ('b'): control dependency on node 99, "
                                       "which is not in the trace (strict import; without strict "
                                       "it would be treated as satisfied)\n");
  EXPECT_FALSE(fs::exists(path("r.json")));
}

}  // namespace
}  // namespace dtsim::cli::end_to_end

namespace dtsim::cli::end_to_end {
namespace {

/** Sum of `bytes` over the report's collective instances (--collective-instances) whose name
 *  starts with `prefix`, and their count. */
std::pair<double, int> collective_bytes(const nlohmann::json& report, const std::string& prefix) {
  double bytes = 0;
  int n = 0;
  for (const auto& c : report["collective_instances"])
    if (c["name"].get<std::string>().rfind(prefix, 0) == 0) {
      bytes += c["bytes"].get<double>();
      ++n;
    }
  return {bytes, n};
}

TEST_F(CliTest, UlyssesVsMegatronSequenceParallelism) {
  // scenarios/ulysses_vs_megatron_sp.yaml: Llama-3 8B (h = 4096, 32 layers), N = 65536 tokens,
  // one sequence, P = 8, 16, 32 for each family. Every point runs (heads 32 divisible, fits).
  const std::string s = kSource + "/scenarios/ulysses_vs_megatron_sp.yaml";
  Result sw = dtsim("sweep '" + s + "' -q -j 2 --out '" + path("sw") + "'");
  ASSERT_EQ(sw.status, 0) << sw.err;
  auto rows = csv_rows(slurp(path("sw.csv")));
  ASSERT_EQ(rows.size(), 7u);
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].back(), "") << "point " << i - 1 << " could not run";
    EXPECT_GT(std::stod(rows[i][4]), 0.0);
  }

  // Per layer and forward pass, at P = 8, in the nccl-tests size convention of the report:
  //  - Ulysses: an all-to-all of Q, K, V (send buffer (1 + 2 x 8/32) N h / P values: Llama-3 8B
  //    has 8 KV heads of 32, GQA) and one of the output (N h / P), 2 bytes each:
  //    2.5 N h / P x 2 = 2.5 x 65536 x 4096 / 8 x 2 = 167,772,160 B (the paper's 4 N h / P is
  //    for MHA). A rank keeps 1/P of its buffer: it sends (P - 1)/P of it, 146,800,640 B.
  //  - Megatron-SP: an all-gather (output N h values) before and a reduce-scatter (input N h)
  //    after attention and the MLP: 4 x N h x 2 = 2,147,483,648 B; a ring sends (P - 1)/P of
  //    each per rank: 4 (P - 1)/P N h x 2 = 1,879,048,192 B, 4 P / 2.5 = 12.8 times Ulysses'.
  // With full recomputation both repeat the forward's collectives before the backward, and the
  // backward has as many again: 6 per layer (Ulysses) and 12 (Megatron) in 32 layers.
  constexpr double N = 65536, h = 4096, P = 8;
  Result u = dtsim("run '" + s + "' -q --collective-instances --report '" + path("u.json") + "'");
  ASSERT_EQ(u.status, 0) << u.err;
  auto ju = nlohmann::json::parse(slurp(path("u.json")));
  auto [u_bytes, u_count] = collective_bytes(ju, "layer 0 attn fwd ");
  EXPECT_EQ(u_count, 2);
  EXPECT_EQ(u_bytes, 2.5 * N * h / P * 2);
  EXPECT_EQ(u_bytes * (P - 1) / P, 146'800'640.0);
  int all_to_all = 0;
  for (const auto& c : ju["collective_instances"]) all_to_all += c["kind"] == "all_to_all";
  EXPECT_EQ(all_to_all, 6 * 32);

  Result m = dtsim("run '" + s + "' -q --collective-instances --set workload.parallelism.sp=1 --set "
                   "workload.parallelism.tp=8 --set workload.parallelism.sequence_parallel=true "
                   "--report '" + path("m.json") + "'");
  ASSERT_EQ(m.status, 0) << m.err;
  auto jm = nlohmann::json::parse(slurp(path("m.json")));
  auto [m_attn, n_attn] = collective_bytes(jm, "layer 0 attn fwd ");
  auto [m_mlp, n_mlp] = collective_bytes(jm, "layer 0 mlp fwd ");
  EXPECT_EQ(n_attn + n_mlp, 4);
  EXPECT_EQ(m_attn + m_mlp, 4 * N * h * 2);
  EXPECT_EQ((m_attn + m_mlp) * (P - 1) / P, 1'879'048'192.0);
  EXPECT_EQ((m_attn + m_mlp) * (P - 1) / P / (u_bytes * (P - 1) / P), 4 * P / 2.5);
  EXPECT_EQ(jm["collective_instances"].size(), 12u * 32u);
  // The TP group is one node (NVLink 450 GB/s x 0.835 achievable = 375.75 GB/s per direction,
  // 2 x 0.5 us per GPU-GPU path) and nothing else runs beside it: a ring all-gather of
  // S = N h x 2 B takes (P - 1)(1 us + S / (P x 375.75e9)) = 7 x (1e-6 + 536870912 / 3.006e12)
  // = 1.257198e-3 s.
  for (const auto& c : jm["collective_instances"]) {
    if (c["name"] == "layer 0 attn fwd all_gather") {
      EXPECT_NEAR(c["time_s"].get<double>(), 7 * (1e-6 + 536870912 / 3.006e12), 1e-9);
    }
  }
}

/**
 * A tiny MoE scenario on a switch of 8 GPUs: 8 routed experts of width 64, top-`top_k`, EP
 * `ep` over dp 8; `moe_block` (line 20) is appended to the workload. Line numbers, for the
 * positions below: 16 top_k, 18 parallelism, 20 the workload's moe block.
 */
std::string moe_scenario(int ep, int top_k, const std::string& moe_block = "") {
  return "name: moe\n"                                                         // 1
         "cluster:\n"                                                          // 2
         "  topology: {builder: switch, endpoints: 8, link: {class: nvlink, bandwidth: 450GB/s, "
         "latency: 1us}}\n"                                                    // 3
         "  device: " + kDevice + "\n"                                          // 4
         "workload:\n"                                                         // 5
         "  kind: transformer\n"                                               // 6
         "  model:\n"                                                          // 7
         "    name: tiny-moe\n"                                                // 8
         "    layers: 2\n"                                                     // 9
         "    hidden: 64\n"                                                    // 10
         "    ffn_hidden: 128\n"                                               // 11
         "    heads: 4\n    vocab: 1000\n    moe:\n"                          // 12-14
         "      routed_experts: 8\n"                                           // 15
         "      top_k: " + std::to_string(top_k) + "\n"                          // 16
         "      expert_ffn_hidden: 64\n"                                       // 17
         "  parallelism: {dp: 8, ep: " + std::to_string(ep) + "}\n"             // 18
         "  batch: {global_batch: 8, micro_batch: 1, seq_len: 32}\n" +          // 19
         moe_block +                                                          // 20...
         "network: {model: flow}\n"
         "run: {seed: 1}\n";
}

TEST_F(CliTest, MoeScenarioRunsAndReportsTheDispatch) {
  // ep 8, one expert per rank, top-2, uniform: each rank sends 32 x 2 x 7/8 tokens of 64 x 2 B
  // to the others per layer and micro-batch: 56 x 128 = 7,168 B.
  std::string s = file("s.yaml", moe_scenario(8, 2));
  Result r = dtsim("run '" + s + "' -q --report '" + path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(slurp(path("r.json")));
  EXPECT_DOUBLE_EQ(j["model"]["moe"]["dispatch_bytes_per_rank_mean"].get<double>(), 7168.0);
  EXPECT_EQ(j["model"]["moe"]["moe_layers"].get<int>(), 2);
}

TEST_F(CliTest, MoeBadInputNamesTheKeyAndTheNumbers) {
  // Each check pins the file:line:column of its key, exits 2 and writes nothing. The histogram
  // list starts at column 55 of line 20 ("  moe: {routing: {distribution: histogram, " is 43
  // characters, "histogram: " 11 more).
  std::string s = file("a.yaml", moe_scenario(3, 2));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":18:28: error: workload.parallelism.ep: ep (3) must divide dp (8): expert "
                       "parallelism splits the data-parallel ranks\n");
  s = file("b.yaml", moe_scenario(8, 9));
  r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":16:14: error: workload.model.moe.top_k: top_k (9) must not exceed "
                       "routed_experts (8)\n");
  s = file("c.yaml", moe_scenario(8, 2, "  moe: {routing: {distribution: histogram, histogram: [1, 2, 3]}}\n"));
  r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":20:55: error: workload.moe.routing.histogram: the routing histogram has 3 "
                       "counts but the model has 8 routed experts\n");
  // Two MoE layers: one histogram row for all, or two; three is an error at the list.
  s = file("d.yaml", moe_scenario(8, 2, "  moe: {routing: {distribution: histogram, histogram: "
                                        "[[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1], "
                                        "[1, 1, 1, 1, 1, 1, 1, 1]]}}\n"));
  r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":20:55: error: workload.moe.routing.histogram: the routing histogram has 3 "
                       "rows; give one row for every MoE layer or one per MoE layer (2)\n");
  EXPECT_EQ(listing(), (std::vector<std::string>{"a.yaml", "b.yaml", "c.yaml", "d.yaml"}));
}

}  // namespace
}  // namespace dtsim::cli::end_to_end

namespace dtsim::cli::end_to_end {
namespace {

TEST_F(CliTest, VersionAndTheEffectiveConfigurationAreRecorded) {
  Result v = dtsim("--version");
  ASSERT_EQ(v.status, 0) << v.err;
  EXPECT_EQ(v.out.rfind("dtsim 0.1.0 (commit ", 0), 0u) << v.out;
  // The report records the version, the commit and the document after --set: the override's
  // value, as text, in place of the file's.
  std::string s = file("s.yaml", ring_scenario());
  Result r = dtsim("run '" + s + "' -q --set network.chunks=4 --report '" + path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(slurp(path("r.json")));
  EXPECT_EQ(j["dtsim"]["version"], "0.1.0");
  EXPECT_EQ(v.out, "dtsim 0.1.0 (commit " + j["dtsim"]["commit"].get<std::string>() + ")\n");
  EXPECT_EQ(j["config"]["network"]["chunks"], "4");
  EXPECT_EQ(j["config"]["network"]["model"], "flow");
  EXPECT_EQ(j["config"]["workload"]["sizes"]["min"], "1GiB");
}

}  // namespace
}  // namespace dtsim::cli::end_to_end

namespace dtsim::cli::end_to_end {
namespace {

/** `kind: moe_dispatch` on one NVSwitch node of 8 GPUs (100 GB/s, 1 us per link): 1000 tokens
 *  of hidden 64 in BF16 (128 B); `extra` adds workload keys (kExperts: top-4 of 16 experts, 2 per
 *  rank). */
const std::string kExperts = ", experts: 16, top_k: 4";
std::string moe_dispatch_scenario(const std::string& extra) {
  return "cluster:\n"
         "  topology: {builder: nvswitch_node, gpus: 8, nvlink: {class: nvlink, bandwidth: "
         "100GB/s, latency: 1us}}\n"
         "  device: " + kDevice + "\n"
         "workload: {kind: moe_dispatch, tokens: 1000, hidden: 64" + extra + "}\n";
}

TEST_F(CliTest, MoeDispatchDeepEpSendsOneCopyPerRank) {
  // DeepEP normal inside a node: a token reaches a rank holding 2 of the 16 experts with
  // probability 1 - C(14,4)/C(16,4) = 1 - 1001/1820 = 0.45, so each rank sends 450 tokens x 128 B
  // = 57,600 B to each of the 7 others at once. Each GPU's link carries 7 such flows each way:
  // 2 us (two links) + 7 x 57,600 B / 100 GB/s = 2 + 4.032 = 6.032 us. DeepEP's NVLink figure:
  // received tokens (own included) 8 x 450 x 128 B / 6.032 us = 76.39 GB/s.
  std::string s = file("s.yaml", moe_dispatch_scenario(kExperts));
  Result r = dtsim("run '" + s + "' -q --report '" + path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(slurp(path("r.json")));
  EXPECT_NEAR(j["moe_dispatch"]["dispatch"]["time_us"].get<double>(), 6.032, 1e-6);
  EXPECT_NEAR(j["moe_dispatch"]["dispatch"]["nvlink_GB_per_s"].get<double>(),
              8 * 450 * 128 / 6.032e-6 / 1e9, 1e-6);
  // The combine returns as much (BF16 both ways).
  EXPECT_NEAR(j["moe_dispatch"]["combine"]["time_us"].get<double>(), 6.032, 1e-6);
  // A copy per expert (the all-to-all, or DeepEP's low-latency kernels): 1000 x 4 x 2/16 = 500
  // tokens per pair, 2 + 7 x 64,000 B / 100 GB/s = 6.48 us; the low-latency dispatch adds a
  // 16 B header to each message: 2 + 7 x 500 x 144 B / 100 GB/s = 7.04 us.
  for (const auto& [kernel, us] :
       std::vector<std::pair<std::string, double>>{{"all_to_all", 6.48}, {"deepep_low_latency", 7.04}}) {
    std::string k = file(kernel + ".yaml", moe_dispatch_scenario(kExperts + ", kernel: " + kernel));
    Result rk = dtsim("run '" + k + "' -q --report '" + path(kernel + ".json") + "'");
    ASSERT_EQ(rk.status, 0) << rk.err;
    auto jk = nlohmann::json::parse(slurp(path(kernel + ".json")));
    EXPECT_NEAR(jk["moe_dispatch"]["dispatch"]["time_us"].get<double>(), us, 1e-6) << kernel;
  }
}

TEST_F(CliTest, MoeDispatchBadInput) {
  std::string s = file("s.yaml", moe_dispatch_scenario(", experts: 12, top_k: 4"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("error: workload.experts: the experts (12) must be a multiple of the ranks "
                       "(8)"),
            std::string::npos)
      << r.err;
  std::string t = file("t.yaml", moe_dispatch_scenario(", experts: 16, top_k: 17"));
  Result rt = dtsim("run '" + t + "'");
  EXPECT_EQ(rt.status, 2);
  EXPECT_NE(rt.err.find("error: workload.top_k: top_k (17) is above the experts (16)"),
            std::string::npos)
      << rt.err;
}

}  // namespace
}  // namespace dtsim::cli::end_to_end

namespace dtsim::cli::end_to_end {
namespace {

TEST_F(CliTest, MoeDispatchDeepEpNormalNeedsNodes) {
  // A plain switch has no nodes to forward through.
  std::string s = file("s.yaml",
                       "cluster:\n"
                       "  topology: {builder: switch, endpoints: 8, link: {class: nvlink, "
                       "bandwidth: 100GB/s, latency: 1us}}\n"
                       "  device: " + kDevice + "\n"
                       "workload: {kind: moe_dispatch, tokens: 10, hidden: 64, experts: 8, top_k: 2}\n");
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":4:11: error: workload: this kernel needs a cluster of equal nodes numbered "
                       "contiguously (ranks 0..R-1 on the first node, and so on)\n");
  // 12 ranks of 2 nodes of 8: not whole nodes.
  std::string t = file("t.yaml",
                       "cluster:\n"
                       "  topology: {builder: dgx_superpod, nodes: 2}\n"
                       "  device: " + kDevice + "\n"
                       "workload: {kind: moe_dispatch, ranks: 12, tokens: 10, hidden: 64, experts: 24, "
                       "top_k: 2}\n");
  Result rt = dtsim("run '" + t + "'");
  EXPECT_EQ(rt.status, 2);
  EXPECT_EQ(rt.err, t + ":4:39: error: workload.ranks: the ranks (12) must be a multiple of the "
                        "ranks per node (8) or divide it\n");
}

TEST_F(CliTest, TransformerDeepEpNormalNeedsConsecutiveEpRanks) {
  Result r = dtsim("run '" + kSource + "/scenarios/mixtral_8x7b_ep8.yaml' --set "
                   "workload.moe.dispatch=deepep_normal --set workload.parallelism.order=tp-pp-dp");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("error: workload.parallelism.order: the deepep_normal dispatch needs each EP "
                       "group on consecutive ranks"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace dtsim::cli::end_to_end
