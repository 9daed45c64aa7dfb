// Bad input through the real binary (issue 11): special files, complex YAML keys, bytes that
// are not UTF-8. Each pins exit status 2, the one-line message and that no output was written.
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/cli_fixture.h"

namespace dtsim::cli::bad_input {
namespace {

using test::CliTest;
using test::kDevice;
using test::Result;

/** A collective sweep on a switch of 8 GPUs; `device` is the device line's value. */
std::string sweep_scenario(const std::string& topology, const std::string& device = kDevice) {
  return "name: s\n"
         "cluster:\n"
         "  topology: " + topology + "\n"
         "  device: " + device + "\n"
         "workload: {kind: collective_sweep, collective: all_reduce, algorithm: ring,\n"
         "           sizes: {min: 1MiB, max: 1MiB}}\n";
}

const std::string kSwitch = "{builder: switch, endpoints: 8, link: {class: nvlink, bandwidth: "
                            "450GB/s, latency: 1us}}";

TEST_F(CliTest, AFifoAsTheScenarioIsRefusedNotReadForever) {
  // Reading a FIFO blocks until a writer comes: it must be refused before it is opened.
  const std::string fifo = path("s.yaml");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Result r = dtsim("run '" + fifo + "' --report '" + path("r.json") + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, fifo + ": error: is not a regular file (a FIFO, device or socket): expected a "
                          "scenario file\n");
}

TEST_F(CliTest, ADeviceAsTheTopologyIsRefusedNotReadToTheEnd) {
  // /dev/zero never ends: reading it whole would exhaust memory.
  std::string s = file("s.yaml", sweep_scenario("/dev/zero"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":3:13: error: cluster.topology: '/dev/zero' is not a regular file (a "
                       "folder, FIFO, device or socket)\n");
}

TEST_F(CliTest, AComplexYamlKeyIsAnErrorAtTheKey) {
  // `? [a, b]` makes a list the key of a map entry (line 3 of the device file, column 5).
  std::string dev = file("d.yaml",
                         "name: gpu\n"
                         "peak_flops:\n"
                         "  ? [a, b]\n"
                         "  : 1TFLOPS\n"
                         "hbm_capacity: 80GiB\nhbm_bandwidth: 3TB/s\n");
  std::string s = file("s.yaml", sweep_scenario(kSwitch, dev));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, dev + ":3:5: error: peak_flops: expected a plain key (a name); got a list as "
                         "a key\n");
}

TEST_F(CliTest, ANameThatIsNotUtf8IsAnErrorAtTheName) {
  // "\xff" is never part of UTF-8; the report (JSON) could not hold it.
  std::string s = file("s.yaml", "name: bad\xff name\n" + sweep_scenario(kSwitch).substr(8));
  Result r = dtsim("run '" + s + "' --report '" + path("r.json") + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":1:7: error: name: expected UTF-8 text; got a byte that is not UTF-8 at "
                       "offset 3\n");
  EXPECT_FALSE(std::filesystem::exists(path("r.json")));
}

/** A 2-rank graph JSON: rank 0 waits `delay` then sends `bytes` to rank 1 (over 1 Gb/s). */
std::string delayed_send(const std::string& delay, const std::string& bytes) {
  return R"({"ranks": 2, "programs": [
  {"rank": 0, "ops": [{"id": "d", "kind": "delay", "duration": ")" + delay + R"("},
                      {"kind": "send", "peer": 1, "bytes": )" + bytes + R"(, "deps": ["d"]}]},
  {"rank": 1, "ops": [{"kind": "recv", "peer": 0, "bytes": )" + bytes + R"(}]}]})";
}

std::string graph_scenario(const std::string& json_file) {
  return "name: g\n"
         "cluster:\n"
         "  topology: {builder: switch, endpoints: 2, link: {class: eth, bandwidth: 1Gbps, "
         "latency: 1us}}\n"
         "  device: " + kDevice + "\n"
         "workload: {kind: graph_json, file: " + json_file + "}\n";
}

TEST_F(CliTest, ASweepPointThatFailsInsideIsARowAndTheSweepGoesOn) {
  // bad.json: 2400 h of delay, then 1e14 B at 125 MB/s = 800,000 s: past Time's range (about
  // 106 days). Whatever error that point gives, it is its row's error, and ok.json still runs
  // (1 MB at 125 MB/s + 2 x 1 us = 8.002 ms): the sweep does not abort (it used to, on any
  // error but a ConfigError).
  file("ok.json", delayed_send("0us", "1000000"));
  file("bad.json", delayed_send("2400h", "100000000000000"));
  std::string s = file("s.yaml", graph_scenario("ok.json"));
  Result r = dtsim("sweep '" + s + "' --grid workload.file=ok.json,bad.json -j 1 -q --out '" +
                   path("sw") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto rows = nlohmann::json::parse(test::slurp(path("sw.json")))["rows"];
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["error"], "");
  EXPECT_NEAR(rows[0]["step_time_s"].get<double>(), 8.002e-3, 1e-12);
  EXPECT_NE(rows[1]["error"].get<std::string>(), "");
}

TEST_F(CliTest, TimeBeyondTheRangeIsAnErrorOnBothBackEnds) {
  // 2400 h (8.64e18 ps) of delay, then 1e14 B at 125 MB/s = 8e5 s (8e17 ps): the sum passes
  // INT64_MAX ps (about 106.75 days). The flow back-end added picoseconds unchecked ("event
  // scheduled in the past", an internal error); both back-ends must say the range is exceeded.
  file("bad.json", delayed_send("2400h", "100000000000000"));
  std::string s = file("s.yaml", graph_scenario("bad.json"));
  for (const char* model : {"flow", "analytical"}) {
    Result r = dtsim("run '" + s + "' -q --set network.model=" + model);
    EXPECT_EQ(r.status, 2) << model;
    // The analytical back-end prices the send when it starts (bad.json line 3, column 23) and
    // says so there; the flow fabric finds it later, in an event that knows no op (the scenario).
    const std::string at = std::string(model) == "analytical" ? path("bad.json") + ":3:23" : s;
    EXPECT_EQ(r.err, at + ": error: simulated time beyond the range of Time (about +-106 days at "
                          "1 ps): addition overflowed\n")
        << model;
  }
}

TEST_F(CliTest, SweepJobsMustBePositive) {
  std::string s = file("s.yaml", sweep_scenario(kSwitch));
  for (const char* j : {"0", "-3"}) {
    Result r = dtsim("sweep '" + s + "' -j " + j + " --out '" + path("sw") + "'");
    EXPECT_EQ(r.status, 2) << j;
    EXPECT_NE(r.err.find("-j"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(path("sw.csv")));
  }
}

TEST_F(CliTest, ReportOnStandardOutput) {
  // `--report -`: the JSON report is the whole of stdout (no summary mixed in).
  std::string s = file("s.yaml", sweep_scenario(kSwitch));
  Result r = dtsim("run '" + s + "' --report -");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["ranks"], 8);
  Result both = dtsim("run '" + s + "' --report - --trace -");
  EXPECT_EQ(both.status, 2);
  EXPECT_EQ(both.err, "error: two outputs would be written to standard output ('-')\n");
}

TEST_F(CliTest, ASpecialFileIsNotReplacedAndASymlinkIsWrittenThrough) {
  std::string s = file("s.yaml", sweep_scenario(kSwitch));
  // A FIFO (or a device such as /dev/null) must not be replaced by a regular file.
  const std::string fifo = path("r.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Result r = dtsim("run '" + s + "' -q --report '" + fifo + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: cannot write the report to '" + fifo +
                       "': it is a special file (a device, FIFO or socket), not a regular file; "
                       "'-' writes to standard output\n");
  struct stat st {};
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  // A symbolic link keeps being a link; its target gets the report.
  std::filesystem::create_symlink(path("real.json"), path("link.json"));
  Result ok = dtsim("run '" + s + "' -q --report '" + path("link.json") + "'");
  ASSERT_EQ(ok.status, 0) << ok.err;
  EXPECT_TRUE(std::filesystem::is_symlink(path("link.json")));
  EXPECT_EQ(nlohmann::json::parse(test::slurp(path("real.json")))["ranks"], 8);
}

TEST_F(CliTest, ASizeMustBeAWholeNumberOfBytes) {
  // "0.5B" used to become 0 bytes silently; "0.5KiB" is 512 B and fine.
  std::string text = sweep_scenario(kSwitch);
  text.replace(text.find("min: 1MiB"), 9, "min: 0.5B");
  std::string s = file("s.yaml", text);
  Result r = dtsim("run '" + s + "' -q");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":6:25: error: workload.sizes.min: expected a whole number of bytes; got "
                       "\"0.5B\"\n");
}

TEST_F(CliTest, AValidationToleranceMustNotBeNegative) {
  std::string c = file("c.yaml",
                       "name: c\nscenario: s.yaml\npointer: /step_time_s\nexpected: 1\n"
                       "tolerance: {relative: -1}\nsource: none\n");
  Result r = dtsim("validate '" + c + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(c + ":5:23: error: tolerance.relative: expected a tolerance >= 0; got "
                           "\"-1\""),
            std::string::npos)
      << r.err;
}

TEST_F(CliTest, ModelDimensionsAreCappedBeforeTheirProductsOverflow) {
  // ffn_hidden 9e18 used to overflow the FLOP count ("internal error: negative flop count").
  std::string m = file("m.yaml",
                       "name: huge\nlayers: 90000\nhidden: 4096\nffn_hidden: 9000000000000000000\n"
                       "heads: 32\nvocab: 128256\n");
  std::string s = test::kSource + "/scenarios/llama3_8b_dp16_dgx_h100.yaml";
  Result r = dtsim("run '" + s + "' -q --set workload.model='" + m + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, m + ":4:13: error: ffn_hidden: expected an integer in [1, 16777216]; got "
                       "\"9000000000000000000\"\n");
  // Each dimension within its cap, the whole too large: 90000 layers x (4 h^2 + 3 h x 16e6)
  // with h = 4096 is about 1.77e16 parameters.
  std::string big = file("big.yaml",
                         "name: huge\nlayers: 90000\nhidden: 4096\nffn_hidden: 16000000\n"
                         "heads: 32\nvocab: 128256\nmlp: swiglu\n");
  Result rb = dtsim("run '" + s + "' -q --set workload.model='" + big + "'");
  EXPECT_EQ(rb.status, 2);
  EXPECT_EQ(rb.err, big + ":1:1: error: the model has about 1.77e+16 parameters, more than the "
                          "1e+15 dtsim accepts (its counts are 64-bit integers)\n");
}

TEST_F(CliTest, LinkModelBadInputIsAnErrorAtTheKey) {
  // validation/scenarios/wan_tcp_transfer.yaml: a WAN link of class `wan` with a wan_tcp model.
  const std::string s = test::kSource + "/validation/scenarios/wan_tcp_transfer.yaml";
  struct Case {
    std::string set, err;
  };
  const std::vector<Case> cases = {
      {"network.links.wan.loss=1",
       "<--set network.links.wan.loss=1>: error: network.links.wan.loss: expected a probability "
       "in [0, 1); got \"1\""},
      {"network.links.wan.streams=0",
       "<--set network.links.wan.streams=0>: error: network.links.wan.streams: expected an "
       "integer in [1, 65536]; got \"0\""},
      {"network.links={wna: {model: wan_tcp}}",
       "<--set network.links={wna: {model: wan_tcp}}>: error: network.links.wna: no link of the "
       "topology has class 'wna'; did you mean 'wan'?"},
      {"network.links.wan.model=wan_tpc",
       "<--set network.links.wan.model=wan_tpc>: error: network.links.wan.model: expected one of "
       "wan_tcp, 5g, wifi, ethernet; did you mean 'wan_tcp'; got \"wan_tpc\""},
      {"network.links.wan={model: wan_tcp, congestion_control: bbr, loss: 0.2}",
       "<--set network.links.wan={model: wan_tcp, congestion_control: bbr, loss: 0.2}>: error: "
       "network.links.wan: loss: BBR's model (rate = capacity x (1 - p)) holds below 15% loss; "
       "got 0.2"},
  };
  for (const auto& c : cases) {
    Result r = dtsim("run '" + s + "' -q --set '" + c.set + "'");
    EXPECT_EQ(r.status, 2) << c.set;
    EXPECT_EQ(r.err, c.err + "\n") << c.set;
  }
}

TEST_F(CliTest, ReuseTimingsIsTrueOrFalse) {
  const std::string s = test::kSource + "/scenarios/ring_allreduce_closed_form.yaml";
  Result r = dtsim("run '" + s + "' -q --set network.reuse_timings=maybe");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "<--set network.reuse_timings=maybe>: error: network.reuse_timings: expected "
                   "true or false; got \"maybe\"\n");
  EXPECT_EQ(dtsim("run '" + s + "' -q --set network.reuse_timings=false").status, 0);
}

TEST_F(CliTest, ACollectiveSweepThatWouldRunForHoursIsRefusedWithItsCount) {
  // 8 B to 8 GiB by a factor of 1.0000001: floor(20.7944154 / 9.9999995e-8) + 1 = 207,944,165
  // sizes (ln(1 + x) = x - x^2/2 for the factor), x 8 ranks = 1.66e9 ops: 332 GB at 200 B each,
  // above any default memory limit here (half of this machine's memory), even with --force;
  // and one size x 1,048,576 iterations x 8 ranks = 8,388,608 ops (1.6 GiB): above the work cap
  // of 1e6 (it runs with --force, not tried here: minutes).
  const std::string s = test::kSource + "/scenarios/nccl_allreduce_dgx_h100.yaml";
  Result f = dtsim("run '" + s + "' -q --force --set 'workload.sizes={min: 8B, max: 8GiB, factor: "
                   "1.0000001}'");
  EXPECT_EQ(f.status, 2);
  EXPECT_NE(f.err.find("error: workload: the sweep of 207944165 sizes x 1 iterations x 8 ranks "
                       "would need about 1.66e+09 collective ops (about 310 GiB), more than the "
                       "memory limit of"),
            std::string::npos)
      << f.err;
  Result i = dtsim("run '" + s + "' -q --set workload.iterations=1048576 --set "
                   "'workload.sizes={min: 1MiB, max: 1MiB}'");
  EXPECT_EQ(i.status, 2);
  EXPECT_NE(i.err.find("error: workload: the sweep of 1 sizes x 1048576 iterations x 8 ranks "
                       "would have about 8.39e+06 collective ops, more than the limit of 1e+06 "
                       "(minutes of simulation; --force runs it anyway): use fewer sizes (a "
                       "larger factor) or fewer iterations"),
            std::string::npos)
      << i.err;
  // A memory limit given on the command line: 2 sizes x 1 iteration x 8 ranks = 16 ops, 3200 B.
  Result m = dtsim("run '" + s + "' -q --max-memory 3000B --set "
                   "'workload.sizes={min: 1MiB, max: 2MiB}'");
  EXPECT_EQ(m.status, 2);
  EXPECT_NE(m.err.find("would need about 16 collective ops (about 2.98e-06 GiB), more than the "
                       "memory limit of 2.79e-06 GiB"),
            std::string::npos)
      << m.err;
  Result bad = dtsim("run '" + s + "' -q --max-memory 8");
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(bad.err, "<--max-memory 8>: error: expected a positive size with its unit, like 8GiB "
                     "or 500MB; got \"8\"\n");
}

TEST_F(CliTest, AFlowReplayTooLargeToRunIsRefusedWithItsTransferCount) {
  // A 1 GiB ring all-reduce over a 4096-endpoint switch in c chunks: 2 (n - 1) ring steps, in
  // each of which all n positions send one transfer per chunk: 2 (n - 1) n c transfers =
  // 2 x 4095 x 4096 x 64 = 2.15e9, above the work cap of 1e9 transfers (about 9 minutes at
  // 0.5 us each); refused before any schedule is built.
  const std::string s = test::kSource + "/scenarios/ring_allreduce_closed_form.yaml";
  const std::string big = " --set cluster.topology.endpoints=4096 --set network.chunks=64";
  Result r = dtsim("run '" + s + "' -q" + big);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("ring_allreduce_closed_form.yaml: error: the flow replay would have about "
                       "2.15e+09 transfers, more than the limit of 1e+09 (minutes of simulation; "
                       "--force runs it anyway)"),
            std::string::npos)
      << r.err;
  // With --force, its one collective's schedule (2.15e9 transfers x 96 B = 192 GiB) passes the
  // memory limit (--max-memory 16GiB here): refused, not an out-of-memory death.
  Result f = dtsim("run '" + s + "' -q --force --max-memory 16GiB" + big);
  EXPECT_EQ(f.status, 2);
  EXPECT_NE(f.err.find("error: the flow replay's largest collective would need about 2.15e+09 "
                       "transfers (about 192 GiB), more than the memory limit of 16 GiB"),
            std::string::npos)
      << f.err;
  // The analytical back-end prices the same step in closed form: no transfers to count.
  EXPECT_EQ(dtsim("run '" + s + "' -q" + big + " --set network.model=analytical").status, 0);
}

TEST_F(CliTest, ATransformerStepTooLargeToBuildIsRefusedWithItsEstimate) {
  // DeepSeek-V3 at global batch 65536 (PP 16, DP 128): 512 micro-batches per replica, about
  // 1.2e8 ops (21 x the shipped batch of 3072, which builds about 5.5 M): refused from the
  // first rank of each stage at 16 and 32 micro-batches, extrapolated, before the step is built.
  // At 160 B per op that is about 17 GiB: run under `ulimit -v` of 4 GiB, the default memory
  // limit is 3/4 of it, and even --force is refused, without running out of memory.
  const std::string s = test::kSource + "/scenarios/deepseek_v3_ep64_pp16.yaml";
  // With memory to spare (--max-memory 1TB), the work cap refuses it.
  Result r = dtsim("run '" + s + "' -q --max-memory 1TB --set workload.batch.global_batch=65536");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(":26:3: error: workload: the step would have about 1.16e+08 ops, more "
                       "than the limit of 6.4e+07 (minutes of simulation; --force runs it anyway)"),
            std::string::npos)
      << r.err;
  Result limited = dtsim_limited("run '" + s + "' -q --force --set workload.batch.global_batch=65536",
                                 4 << 20);
  EXPECT_EQ(limited.status, 2);
  EXPECT_NE(limited.err.find(":26:3: error: workload: the step would need about 1.16e+08 ops "
                             "(about 17.3 GiB), more than the memory limit of 3 GiB"),
            std::string::npos)
      << limited.err;
}

TEST_F(CliTest, TheAnalyticalBackEndRefusesLinkModelsItDoesNotPrice) {
  // It prices wan_tcp's steady bound (validation/cases/wan_tcp_*.yaml agree on both back-ends);
  // a radio cell's share depends on the other transfers: refused at the model's key, not ignored.
  const std::string s = test::kSource + "/validation/scenarios/edge_cell_4_clients.yaml";
  Result r = dtsim("run '" + s + "' -q --set network.model=analytical");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("error: network.links.radio: the analytical back-end does not price the "
                       "'5g' link model (only wan_tcp's steady bound); use network.model: flow"),
            std::string::npos)
      << r.err;
}

TEST_F(CliTest, EdgeCellBadInputIsAnErrorAtTheKey) {
  // validation/scenarios/edge_cell_4_clients.yaml: an edge_cell topology (cell `cell0`, access
  // class `radio` with a 5g model); validation/scenarios/wan_tcp_transfer.yaml: class `wan`
  // joins two accelerators.
  const std::string s = test::kSource + "/validation/scenarios/edge_cell_4_clients.yaml";
  const std::string w = test::kSource + "/validation/scenarios/wan_tcp_transfer.yaml";
  struct Case {
    std::string scenario, set, err;
  };
  const std::vector<Case> cases = {
      {s, "cluster.topology.clients=[{cell: cel0, rate: 100Mbps}]",
       "<--set cluster.topology.clients=[{cell: cel0, rate: 100Mbps}]>: error: "
       "cluster.topology.clients[0].cell: the client is attached to no cell: no cell is named "
       "'cel0'; did you mean 'cell0'?"},
      {s, "cluster.topology.clients=[{cell: gnb7, rate: 100Mbps}]",
       "<--set cluster.topology.clients=[{cell: gnb7, rate: 100Mbps}]>: error: "
       "cluster.topology.clients[0].cell: the client is attached to no cell: no cell is named "
       "'gnb7' (cells: cell0)"},
      {s, "cluster.topology.clients=[{cell: cell0, rate: 0Mbps}]",
       "<--set cluster.topology.clients=[{cell: cell0, rate: 0Mbps}]>: error: "
       "cluster.topology.clients[0].rate: expected a positive rate; got \"0Mbps\""},
      {s, "network.links.radio={model: 5g, duplex: tdd, tdd_pattern: DDDSD}",
       "<--set network.links.radio={model: 5g, duplex: tdd, tdd_pattern: DDDSD}>: error: "
       "network.links.radio.tdd_pattern: \"DDDSD\" has no U slot: the uplink would get no "
       "airtime"},
      {s, "network.links.radio={model: 5g, tdd_pattern: DDDSU}",
       "<--set network.links.radio={model: 5g, tdd_pattern: DDDSU}>: error: "
       "network.links.radio.tdd_pattern: needs duplex: tdd (FDD has no slot pattern)"},
      {s, "network.links.radio={model: ethernet, mtu: 40B}",
       "<--set network.links.radio={model: ethernet, mtu: 40B}>: error: "
       "network.links.radio.mtu: expected more than 68 B and at most 9216 B; got 40 B"},
      {w, "network.links.wan={model: wifi}",
       "<--set network.links.wan={model: wifi}>: error: network.links.wan: link class 'wan' "
       "(model wifi): link site_a - site_b must join a client (an accelerator) to a cell (a "
       "base station or access point, not an accelerator)"},
  };
  for (const auto& c : cases) {
    Result r = dtsim("run '" + c.scenario + "' -q --set '" + c.set + "'");
    EXPECT_EQ(r.status, 2) << c.set;
    EXPECT_EQ(r.err, c.err + "\n") << c.set;
  }
}

TEST_F(CliTest, RateTraceBadInputIsAnErrorAtItsRow) {
  // validation/scenarios/edge_cell_4_clients.yaml with a wifi model whose rate trace is bad.
  const std::string s = test::kSource + "/validation/scenarios/edge_cell_4_clients.yaml";
  struct Case {
    std::string text, err;  // err after "<trace>:"
  };
  const std::vector<Case> cases = {
      {"0s 100Mbps\n2s 50Mbps\n1s 10Mbps\n",
       "3:1: error: times must increase: \"1s\" is not after the row before"},
      {"0s 100Mbps\n1s -5Mbps\n", "2:4: error: expected a rate >= 0; got \"-5Mbps\""},
      {"# a comment\n  0s   fast\n",
       "2:8: error: expected a rate with a unit, e.g. \"100Mbps\"; got \"fast\""},
      {"-1s 100Mbps\n", "1:1: error: expected a time >= 0; got \"-1s\""},
  };
  for (const auto& c : cases) {
    const std::string trace = path("rates.trace");
    test::write(trace, c.text);
    Result r = dtsim("run '" + s +
                     "' -q --set 'network.links.radio={model: wifi, rate_trace: " + trace + "}'");
    EXPECT_EQ(r.status, 2) << c.text;
    EXPECT_EQ(r.err, trace + ":" + c.err + "\n") << c.text;
  }
  // Empty (comments only): at the key.
  const std::string empty = path("empty.trace");
  test::write(empty, "# nothing yet\n\n");
  const std::string set = "network.links.radio={model: 5g, rate_trace: " + empty + "}";
  Result r = dtsim("run '" + s + "' -q --set '" + set + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "<--set " + set + ">: error: network.links.radio.rate_trace: '" + empty +
                       "' has no (time, rate) rows\n");
  // A Markov chain whose row does not sum to 1: at the key.
  const std::string m =
      "network.links.radio={model: 5g, markov: {states: [1, 0.5], transitions: [[0.5, 0.4], [1, "
      "0]], dwell: 100ms}}";
  r = dtsim("run '" + s + "' -q --set '" + m + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "<--set " + m +
                       ">: error: network.links.radio.markov: "
                       "transitions[0]: expected probabilities summing to 1; got 0.9\n");
}

TEST_F(CliTest, PcclConnectionCountsOutsideOneTo1024AreErrorsAtTheKey) {
  // network.connections: PCCL's pool of TCP connections per peer pair; 0 would open none, and
  // above the cap (1024) is refused before anything is allocated.
  const std::string s = file("s.yaml", sweep_scenario(kSwitch));
  for (const char* k : {"0", "1025"}) {
    Result r = dtsim("run '" + s + "' -q --set network.connections=" + k);
    EXPECT_EQ(r.status, 2) << k;
    EXPECT_EQ(r.err, std::string("<--set network.connections=") + k +
                         ">: error: network.connections: expected an integer in [1, 1024]; got \"" +
                         k + "\"\n");
  }
}

TEST_F(CliTest, AMisspelledPcclRingIsAnErrorWithItsSuggestion) {
  const std::string s = file("s.yaml", sweep_scenario(kSwitch));
  Result r = dtsim("run '" + s + "' -q --set workload.algorithm=pccl_rign");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "<--set workload.algorithm=pccl_rign>: error: workload.algorithm: expected one of "
            "auto, ring, ring_bidirectional, direct, pairwise, halving_doubling, "
            "double_binary_tree, hierarchical, pccl_ring, nccl_ring, nccl_tree, nvls, nvls_tree, "
            "nccl; did you mean 'pccl_ring'; got "
            "\"pccl_rign\"\n");
}

TEST_F(CliTest, AnAlgorithmTheCollectiveLacksIsAGraphJsonLoadError) {
  // `direct` is an all-to-all algorithm: refused when the file loads, at the value (line 2,
  // column 86), not when the collective runs.
  file("g.json", R"({"ranks": 2, "programs": [
 {"rank": 0, "ops": [{"kind": "collective", "collective": "all_reduce", "algorithm": "direct", "bytes": 8}]},
 {"rank": 1, "ops": [{"kind": "collective", "collective": "all_reduce", "bytes": 8}]}]})");
  std::string s = file("s.yaml", graph_scenario("g.json"));
  Result r = dtsim("run '" + s + "' -q");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(r.err.starts_with(path("g.json") +
                                ":2:86: error: programs[0].ops[0].algorithm: expected one of "
                                "auto, ring"))
      << r.err;
  EXPECT_TRUE(r.err.ends_with("got \"direct\"\n")) << r.err;
}

TEST_F(CliTest, NvlsWithoutAnNvSwitchIsAnErrorNamingTheCause) {
  // NVLink SHARP reduces inside an NVSwitch: GPUs on a PCIe switch cannot run it.
  const std::string pcie = "{builder: switch, endpoints: 8, link: {class: pcie, bandwidth: "
                           "63GB/s, latency: 1us}}";
  const std::string s = file("s.yaml", sweep_scenario(pcie));
  Result r = dtsim("run '" + s + "' -q --set workload.algorithm=nvls");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("algorithm \"nvls\" cannot run all_reduce over 8 ranks on 1 node(s): "
                       "NVLink SHARP needs every node's GPUs on one NVSwitch"),
            std::string::npos)
      << r.err;
}

TEST_F(CliTest, NvlsOnAnAmpereNodeIsAnErrorNamingTheConfigKey) {
  // The A100's second-generation NVSwitch has no NVLink SHARP (configs/nccl/tuning.yaml:
  // architectures.ampere.nvls_efficiency is 0).
  const std::string s =
      file("s.yaml", sweep_scenario(kSwitch, test::kSource + "/configs/devices/a100_sxm_80gb.yaml"));
  Result r = dtsim("run '" + s + "' -q --set workload.algorithm=nvls");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("architectures.ampere.nvls_efficiency is 0"), std::string::npos) << r.err;
}

TEST_F(CliTest, APathTheSystemRefusesIsAnErrorAtTheKey) {
  // Found by loader_fuzz: a name longer than NAME_MAX made std::filesystem throw ("File name too
  // long"), an internal error; it is a file that cannot be read, at the key.
  const std::string name(300, 'x');
  std::string s = file("s.yaml", "name: t\ncluster:\n  topology: {builder: switch, endpoints: 2, "
                                 "link: {class: nvlink, bandwidth: 1GB/s, latency: 1us}}\n"
                                 "  device: " + name + "\n"
                                 "workload: {kind: collective_sweep, collective: all_reduce, "
                                 "sizes: {min: 8B}}\n");
  Result r = dtsim("run '" + s + "' -q");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(r.err.starts_with(s + ":4:11: error: cluster.device: cannot read file '")) << r.err;
}

}  // namespace
}  // namespace dtsim::cli::bad_input
