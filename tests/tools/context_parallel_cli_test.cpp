// `parallelism.cp` end to end: a context-parallel step runs on both back-ends, its K/V ring shows
// in the report's collectives, and a bad combination is an error at the workload (exit 2).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/cli_fixture.h"

namespace dtsim::test {
namespace {

/** A 4-layer model (h 1024, 8 heads) on two DGX H100-like nodes, dp 2 x tp 2 x cp 4 = 16. */
std::string cp_scenario(const std::string& parallelism, const std::string& network) {
  return "name: cp-tiny\n"
         "cluster:\n"
         "  topology: {builder: dgx_superpod, nodes: 2}\n"
         "  device: " +
         kDevice +
         "\n"
         "workload:\n"
         "  kind: transformer\n"
         "  model: {name: tiny, layers: 4, hidden: 1024, ffn_hidden: 4096, heads: 8, kv_heads: "
         "8, vocab: 4096}\n"
         "  parallelism: " +
         parallelism +
         "\n"
         "  batch: {global_batch: 16, micro_batch: 1, seq_len: 512}\n"
         "network: {model: " +
         network + "}\n";
}

TEST_F(CliTest, ContextParallelStepRunsItsKeyValueRing) {
  const std::string par = "{dp: 2, tp: 2, pp: 1, cp: 4}";
  const auto flow = run_ok(cp_scenario(par, "flow"));
  const auto analytical = run_ok(cp_scenario(par, "analytical"));
  EXPECT_EQ(flow["ranks"], 16);
  // The ring is one collective per layer and pass: rank-local seq 512 / 4 = 128 tokens, one
  // b s h tensor 128 x 1024 x 2 B = 262,144 B, K and V over TP 2 x (8/8) x 262,144 / 2 =
  // 262,144 B a rank; the ring all-gather's size 4 x 262,144 = 1,048,576 B forward and twice
  // that backward (dK, dV too). Each runs 4 layers x 8 micro-batches on each of the 4 CP groups.
  std::map<int64_t, int64_t> ring;  // bytes -> count
  for (const auto& c : flow["collectives"])
    if (c["communicator"] == "cp") {
      EXPECT_EQ(c["kind"], "all_gather");
      EXPECT_EQ(c["ranks"], 4);
      ring[c["bytes"].get<int64_t>()] += c["count"].get<int64_t>();
    }
  EXPECT_EQ(ring, (std::map<int64_t, int64_t>{{1'048'576, 128}, {2'097'152, 128}}));
  // The two back-ends agree within the analytical model's congestion-free margin.
  constexpr double kBackEndTolerance = 0.02;
  EXPECT_NEAR(analytical["step_time_s"].get<double>() / flow["step_time_s"].get<double>(), 1.0,
              kBackEndTolerance);
  // Context and Ulysses sequence parallelism together: exit 2 at the workload.
  const std::string bad = file("bad.yaml", cp_scenario("{dp: 1, tp: 1, pp: 1, cp: 2, sp: 2}", "flow"));
  Result r = dtsim("run -q '" + bad + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("bad.yaml:6:3: error: workload: context parallelism (cp 2) with Ulysses "
                       "sequence parallelism (sp 2) is not modelled; use one of them"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace dtsim::test
