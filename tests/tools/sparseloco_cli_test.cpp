// `workload.kind: sparseloco` through the real binary: its bad-input messages (exit 2, at the
// key's file:line:column) and the compressed sync's time and bytes against closed forms.
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli_fixture.h"

namespace dtsim::cli::sparseloco {
namespace {

using test::CliTest;
using test::kDevice;
using test::Result;

/** Two replicas of one GPU on a switch; lines: 6 kind, 7 model, 8 replicas, 9 parallelism,
 *  10 batch, 11 inner_steps, 12 density, then `extra`. */
std::string scenario(const std::string& density, const std::string& extra = "") {
  return "name: d\ncluster:\n  topology: {builder: switch, endpoints: 2, link: {class: wan, "
         "bandwidth: 1GB/s, latency: 1ms}}\n  device: " +
         kDevice +
         "\nworkload:\n  kind: sparseloco\n  model: {name: tiny, layers: 2, hidden: 64, "
         "ffn_hidden: 256, heads: 4, vocab: 1000}\n  replicas: 2\n  parallelism: {dp: 1}\n"
         "  batch: {global_batch: 2, seq_len: 32}\n  inner_steps: 3\n  density: " +
         density + "\n" + extra;
}

TEST_F(CliTest, SparseLocoZeroDensityIsAnError) {
  std::string s = file("s.yaml", scenario("0"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":12:12: error: workload.density: a top-k density is a fraction in (0, 1]; "
                       "got 0\n");
}

TEST_F(CliTest, SparseLocoDensityAboveOneIsAnError) {
  std::string s = file("s.yaml", scenario("1.5"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":12:12: error: workload.density: a top-k density is a fraction in (0, 1]; "
                       "got 1.5\n");
}

TEST_F(CliTest, SparseLocoZeroBitsIsAnError) {
  std::string s = file("s.yaml", scenario("0.01", "  outer_bits: 0\n"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, s + ":13:15: error: workload.outer_bits: a quantisation of 0 bits sends "
                       "nothing; expected 1 to 32 bits per kept value; got 0\n");
}

TEST_F(CliTest, SparseLocoOneElementChunksAreAnError) {
  std::string s = file("s.yaml", scenario("0.01", "  chunk_elements: 1\n"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(s + ":13:19: error: workload.chunk_elements:"), std::string::npos) << r.err;
}

TEST_F(CliTest, SparseLocoAllReduceOnlyAlgorithmIsAnError) {
  std::string s = file("s.yaml", scenario("0.01", "  outer_algorithm: double_binary_tree\n"));
  Result r = dtsim("run '" + s + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(s + ":13:20: error: workload.outer_algorithm:"), std::string::npos) << r.err;
}

TEST_F(CliTest, SparseLocoSyncIsARingAllGatherOfThePayload) {
  // validation/scenarios/sparseloco_wan_bytes.yaml: payload 494,780 B per replica (worked in
  // validation/cases/sparseloco_wan_bytes.yaml). A ring all-gather over R = 4 GPUs, each hop
  // GPU-gateway (2 us), gateway-gateway (30 ms, 1.25e9 B/s), gateway-GPU (2 us), one flow per
  // WAN link direction: R - 1 = 3 steps of 30.004 ms + 494,780 / 1.25e9 s = 91.199472 ms.
  const std::string s = test::kSource + "/validation/scenarios/sparseloco_wan_bytes.yaml";
  Result r = dtsim("run -q --reproducible '" + s + "' --report '" + path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(test::slurp(path("r.json")));
  const auto& d = j["sparseloco"];
  EXPECT_EQ(d["pseudo_gradient_bytes_per_rank"].get<int64_t>(), 494'780);
  EXPECT_EQ(d["index_bits"].get<int>(), 12);
  EXPECT_NEAR(d["sync_time_s"].get<double>(), 3 * (30.004e-3 + 494'780 / 1.25e9), 1e-12);
  // Compression against the fp32 shard: 4 x 9,415,168 / 494,780.
  EXPECT_DOUBLE_EQ(d["compression_ratio"].get<double>(), 4.0 * 9'415'168 / 494'780);
  const double t = d["inner_step_time_s"].get<double>();
  EXPECT_NEAR(d["outer_step_time_s"].get<double>(), 10 * t + d["sync_time_s"].get<double>(), 1e-11);
}

}  // namespace
}  // namespace dtsim::cli::sparseloco
