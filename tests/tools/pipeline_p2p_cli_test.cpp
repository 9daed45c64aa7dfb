// parallelism.pipeline_p2p: blocking pipeline transfers (Megatron-LM 2021) against overlapped
// ones, read off the trace of a two-stage pipeline whose transfers are long.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/cli_fixture.h"

namespace dtsim::test {
namespace {

// Two stages of one layer each, 1024 tokens of hidden 1024 (bf16): each pipeline transfer is
// 1024 x 1024 x 2 = 2,097,152 B, over a 1 GB/s link without latency 2097.152 us, far longer than
// a micro-batch's compute.
std::string pipeline(const std::string& p2p) {
  return "name: pp\n"
         "cluster:\n"
         "  topology: {builder: switch, endpoints: 2, link: {class: nic, bandwidth: 1GB/s, "
         "latency: 0us}}\n"
         "  device: {name: \"Test GPU\", peak_flops: {bf16: 1PFLOPS}, hbm_capacity: 80GB, "
         "hbm_bandwidth: 1TB/s, launch_overhead: 0us, efficiency: {compute: 1, memory: 1}}\n"
         "workload:\n"
         "  kind: transformer\n"
         "  model: {name: tiny, layers: 2, hidden: 1024, ffn_hidden: 4096, heads: 8, vocab: 1024}\n"
         "  parallelism: {dp: 1, tp: 1, pp: 2, pipeline_p2p: " + p2p + "}\n"
         "  batch: {global_batch: 4, micro_batch: 1, seq_len: 1024}\n"
         "  dtype: bf16\n"
         "network: {model: analytical}\n";
}

/** Start and end (us) of the first slice named `name` on process `pid` of a trace. */
std::pair<double, double> slice(const nlohmann::json& trace, const std::string& name, int pid) {
  for (const auto& e : trace["traceEvents"])
    if (e.value("ph", "") == "X" && e["name"] == name && e["pid"] == pid)
      return {e["ts"].get<double>(), e["ts"].get<double>() + e["dur"].get<double>()};
  ADD_FAILURE() << "no slice " << name;
  return {0, 0};
}

TEST_F(CliTest, BlockingPipelineTransfersHoldTheNextComputeUntilTheSendEnds) {
  const double transfer_us = 1024.0 * 1024 * 2 / 1e9 * 1e6;  // 2097.152
  for (const std::string mode : {"overlapped", "blocking"}) {
    Result r = dtsim("run '" + file("s.yaml", pipeline(mode)) + "' -q --trace '" +
                     path("t.json") + "'");
    ASSERT_EQ(r.status, 0) << r.err;
    nlohmann::json t = nlohmann::json::parse(slurp(path("t.json")));
    // Stage 0 (rank 0): micro-batch 0's forward ends, its activations leave, micro-batch 1's
    // forward begins: at once when overlapped, after the send when blocking.
    const double mb0_end = slice(t, "layer 0 elementwise fwd mb0", 0).second;
    const auto send = slice(t, "send activations mb0", 0);
    EXPECT_NEAR(send.first, mb0_end, 1e-6) << mode;
    EXPECT_NEAR(send.second - send.first, transfer_us, 1e-3) << mode;
    const double mb1_start = slice(t, "embedding fwd mb1", 0).first;
    EXPECT_NEAR(mb1_start, mode == "blocking" ? mb0_end + transfer_us : mb0_end, 1e-3) << mode;
  }
  std::string interleaved = pipeline("blocking");
  interleaved.replace(interleaved.find("pp: 2,"), 6, "pp: 2, virtual_stages: 2,");
  interleaved.replace(interleaved.find("layers: 2,"), 10, "layers: 4,");
  Result v = dtsim("run '" + file("s.yaml", interleaved) + "' -q");
  EXPECT_EQ(v.status, 2);
  EXPECT_NE(v.err.find("pipeline_p2p: blocking is modelled for plain 1F1B and GPipe "
                       "(virtual_stages is 2"),
            std::string::npos)
      << v.err;
  Result bad = dtsim("run '" + file("s.yaml", pipeline("async")) + "' -q");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("pipeline_p2p"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace dtsim::test
