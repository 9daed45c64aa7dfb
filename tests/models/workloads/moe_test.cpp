// Mixture of experts: routing in expectation (moe_routing), the per-layer plan and the
// transformer generator's MoE ops, against counts worked out by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "models/workloads/moe_plan.h"
#include "models/workloads/moe_routing.h"
#include "models/workloads/transformer_parallel.h"
#include "simcore/error.h"
#include "tests/support/config_error.h"
#include "tests/support/strings.h"

namespace dtsim::workloads {
namespace {

using simcore::CollectiveKind;
using simcore::ConfigError;
using simcore::Op;
using simcore::OpKind;
using simcore::Workload;

using test::config_error;

using test::has;

TEST(MoeRouting, DeepSeekV3DispatchBytesPerRank) {
  // DeepSeek-V3 (arXiv 2412.19437): hidden 7168, top-8 of 256 routed experts; 4096 tokens per
  // GPU in bf16 and EP 256 (one expert per rank). Uniform routing: each rank sends
  // 4096 x 8 / 256 tokens to every rank, so (255/256) x 4096 x 8 x 7168 x 2 B = 467,927,040 B
  // leave it (about 468 MB); the combine returns as much.
  RoutingSpec uniform;
  EpTrafficParams t;
  t.ep = 256;
  t.tokens_per_rank = 4096;
  t.top_k = 8;
  t.bytes_per_token = 7168 * 2;
  EpTraffic x = ep_traffic(expert_load(uniform, 256, 0), t);
  EXPECT_DOUBLE_EQ(x.sent_mean, 255.0 / 256 * 4096 * 8 * 7168 * 2);
  EXPECT_DOUBLE_EQ(x.sent_max, 467'927'040.0);
  EXPECT_DOUBLE_EQ(x.dispatch[0 * 256 + 1], 4096.0 * 8 / 256 * 7168 * 2);
  // Each rank's expert processes 256 x 4096 x 8 / 256 = 32,768 assignments.
  for (double tokens : x.expert_tokens) EXPECT_DOUBLE_EQ(tokens, 32'768.0);
  EXPECT_DOUBLE_EQ(x.dropped_fraction, 0.0);
}

TEST(MoeRouting, ZipfSharesFollowThePowerLaw) {
  // E = 4, s = 1: the shares, sorted, are (1, 1/2, 1/3, 1/4) / H_4 with H_4 = 25/12.
  RoutingSpec z;
  z.distribution = RoutingDistribution::kZipf;
  z.zipf_exponent = 1.0;
  for (int layer : {0, 1, 2}) {
    std::vector<double> load = expert_load(z, 4, layer);
    std::sort(load.rbegin(), load.rend());
    const double h4 = 25.0 / 12;
    EXPECT_NEAR(load[0], 1.0 / h4, 1e-15);
    EXPECT_NEAR(load[1], 0.5 / h4, 1e-15);
    EXPECT_NEAR(load[2], 1.0 / 3 / h4, 1e-15);
    EXPECT_NEAR(load[3], 0.25 / h4, 1e-15);
  }
  // Exponent 0 is uniform; the same seed gives the same placement.
  z.zipf_exponent = 0;
  for (double share : expert_load(z, 8, 3)) EXPECT_DOUBLE_EQ(share, 1.0 / 8);
  z.zipf_exponent = 1.2;
  EXPECT_EQ(expert_load(z, 64, 5), expert_load(z, 64, 5));
  // The hot expert moves between layers (seeded shuffle per layer): over 8 layers of 64 experts
  // it is not always the same one.
  std::vector<int> hottest;
  for (int layer = 0; layer < 8; ++layer) {
    auto l = expert_load(z, 64, layer);
    hottest.push_back(static_cast<int>(std::max_element(l.begin(), l.end()) - l.begin()));
  }
  EXPECT_GT(std::count(hottest.begin(), hottest.end(), hottest[0]), 0);
  EXPECT_LT(std::count(hottest.begin(), hottest.end(), hottest[0]), 8);
}

TEST(MoeRouting, HugeHistogramCountsKeepTheirShares) {
  // Counts (1e308, 1e308, 5e307): their sum overflows a double (max about 1.8e308), which used
  // to make every share 0. The shares are 1e308 / 2.5e308 = 0.4, 0.4 and 0.2.
  RoutingSpec h;
  h.distribution = RoutingDistribution::kHistogram;
  h.histogram = {{1e308, 1e308, 5e307}};
  std::vector<double> w = expert_load(h, 3, 0);
  EXPECT_DOUBLE_EQ(w[0], 0.4);
  EXPECT_DOUBLE_EQ(w[1], 0.4);
  EXPECT_DOUBLE_EQ(w[2], 0.2);
}

TEST(MoeRouting, CapacityFactorDropsTheOverflow) {
  // Histogram (4, 2, 1, 1) / 8 over E = 4 experts, capacity factor 1: each expert keeps at most
  // 1/E = 0.25 of the assignments: kept (0.25, 0.25, 0.125, 0.125), dropped 1 - 0.75 = 0.25.
  RoutingSpec h;
  h.distribution = RoutingDistribution::kHistogram;
  h.histogram = {{4, 2, 1, 1}};
  EpTrafficParams t;
  t.ep = 4;
  t.tokens_per_rank = 100;
  t.top_k = 2;
  t.bytes_per_token = 1;
  t.capacity_factor = 1.0;
  EpTraffic x = ep_traffic(expert_load(h, 4, 0), t);
  EXPECT_DOUBLE_EQ(x.dropped_fraction, 0.25);
  // Expert tokens: ep T k x kept = 4 x 100 x 2 x (0.25, 0.25, 0.125, 0.125).
  EXPECT_EQ(x.expert_tokens, (std::vector<double>{200, 200, 100, 100}));
  // Dropless: the busiest rank gets 800 x 0.5 = 400.
  t.capacity_factor = 0;
  EXPECT_DOUBLE_EQ(ep_traffic(expert_load(h, 4, 0), t).expert_tokens[0], 400.0);
}

TEST(MoeRouting, NodeLimitedDispatchCrossesEachNodeOnce) {
  // EP 64 over G = 8 nodes of R = 8, uniform routing, M = 4, T tokens of b bytes, top-8.
  // Phase 1: a token selects each other node with probability M/G = 1/2 and crosses once, to
  // the rail peer: T/2 x b to each of the 7 peers -> 3.5 T b sent.
  // Phase 2: rank (n, l) forwards its G rail peers' tokens (its own included) to each of the
  // 8 ranks of its node: G x T x k / ep = 8 T 8 / 64 = T tokens each; 7 T b leave the rank.
  // Each rank receives 8 x T = 8 T tokens in phase 2 (its own included) = T k: all assignments.
  const double T = 1000, b = 7168;
  EpTrafficParams t;
  t.ep = 64;
  t.tokens_per_rank = T;
  t.top_k = 8;
  t.bytes_per_token = b;
  t.node_limit = 4;
  t.ranks_per_node = 8;
  EpTraffic x = ep_traffic(expert_load(RoutingSpec{}, 256, 0), t);
  ASSERT_TRUE(x.dispatch.empty());
  EXPECT_DOUBLE_EQ(x.dispatch_inter[0 * 64 + 8], T / 2 * b);  // rank (0,0) -> rank (1,0)
  EXPECT_DOUBLE_EQ(x.dispatch_inter[0 * 64 + 9], 0.0);        // not a rail peer
  EXPECT_DOUBLE_EQ(x.dispatch_inter[0 * 64 + 1], 0.0);        // same node: phase 2
  EXPECT_DOUBLE_EQ(x.dispatch_intra[0 * 64 + 1], T * b);
  EXPECT_DOUBLE_EQ(x.dispatch_intra[0 * 64 + 8], 0.0);
  EXPECT_DOUBLE_EQ(x.sent_mean, 3.5 * T * b + 7 * T * b);
  double received = 0;
  for (int i = 0; i < 64; ++i) received += x.dispatch_intra[i * 64 + 5];
  EXPECT_DOUBLE_EQ(received, T * 8 * b);
  // Without the limit the flat dispatch sends (63/64) T k b = 7.875 T b, all of it on the network.
  t.node_limit = 0;
  EXPECT_DOUBLE_EQ(ep_traffic(expert_load(RoutingSpec{}, 256, 0), t).sent_mean, 63.0 / 64 * T * 8 * b);
}

TEST(MoeRouting, RedundantExpertsEvenOutASkewedLoad) {
  // Loads (4, 2, 1, 1) / 8 over E = 4 experts, R = 4 copies, ep = 4 (2 slots per rank). Greedy
  // copies: expert 0 (0.5 -> 0.25 per copy), expert 0 (tie 0.25 with expert 1: lower id; ->
  // 1/6), expert 1 (0.25 -> 0.125), expert 0 (1/6 -> 0.125). Slots [0 1 2 3 0 0 1 0] each carry
  // 0.125, so every rank gets 0.25: 4 x 10 x 1 x 0.25 = 10 assignments each, perfectly even,
  // against 20 on the busiest rank without the copies.
  RoutingSpec h;
  h.distribution = RoutingDistribution::kHistogram;
  h.histogram = {{4, 2, 1, 1}};
  EpTrafficParams t;
  t.ep = 4;
  t.tokens_per_rank = 10;
  t.top_k = 1;
  t.bytes_per_token = 1;
  t.redundant_experts = 4;
  EXPECT_EQ(ep_traffic(expert_load(h, 4, 0), t).expert_tokens, (std::vector<double>{10, 10, 10, 10}));
  t.redundant_experts = 0;
  EXPECT_EQ(ep_traffic(expert_load(h, 4, 0), t).expert_tokens, (std::vector<double>{20, 10, 5, 5}));
  t.redundant_experts = 2;  // 6 slots over 4 ranks
  EXPECT_EQ(config_error([&] { ep_traffic(expert_load(h, 4, 0), t); }),
            "the routed experts (4) plus redundant copies (2) = 6 must be a multiple of ep (4)");
}

TEST(MoeRouting, BadInputNamesTheNumbers) {
  RoutingSpec h;
  h.distribution = RoutingDistribution::kHistogram;
  h.histogram = {{1, 2, 3}};
  EXPECT_EQ(config_error([&] { expert_load(h, 4, 0); }),
            "routing: a histogram row has 3 counts but the model has 4 routed experts");
  EpTrafficParams t;
  t.ep = 3;
  t.top_k = 2;
  EXPECT_EQ(config_error([&] { ep_traffic(std::vector<double>(8, 0.125), t); }),
            "the routed experts (8) must be a multiple of ep (3)");
  t.ep = 4;
  t.top_k = 9;
  EXPECT_EQ(config_error([&] { ep_traffic(std::vector<double>(8, 0.125), t); }),
            "top_k (9) must be between 1 and the routed experts (8)");
  RoutingSpec z;
  z.distribution = RoutingDistribution::kZipf;
  z.zipf_exponent = -1;
  EXPECT_EQ(config_error([&] { expert_load(z, 4, 0); }),
            "routing: the Zipf exponent must be a finite number >= 0; got -1");
}

// A tiny MoE transformer (test input): the dense layer of transformer_parallel_test.cpp's
// tiny4 (h = 64, ffn 128, 4 heads, 2 KV heads, vocab 1000, SwiGLU), 4 layers, the first dense,
// then E = 4 routed experts of width 32, top-2, one shared expert.
//   expert: 3 x 64 x 32 = 6,144; router: 64 x 4 = 256; attention 12,288; norms 128.
//   MoE layer: 12,288 + 256 + 6,144 (shared) + 4 x 6,144 (routed) + 128 = 43,392.
//   dense layer: 36,992. Total: 36,992 + 3 x 43,392 + 64,000 + 64,000 + 64 = 295,232.
//   Active per MoE layer: 12,288 + 256 + 6,144 + 2 x 6,144 + 128 = 31,104.
TransformerConfig tiny_moe() {
  TransformerConfig m;
  m.name = "tiny-moe";
  m.layers = 4;
  m.hidden = 64;
  m.ffn_hidden = 128;
  m.heads = 4;
  m.kv_heads = 2;
  m.vocab = 1000;
  m.moe.routed_experts = 4;
  m.moe.shared_experts = 1;
  m.moe.top_k = 2;
  m.moe.expert_ffn_hidden = 32;
  m.moe.first_dense_layers = 1;
  return m;
}

TEST(MoeModel, ParameterCounts) {
  TransformerConfig m = tiny_moe();
  EXPECT_EQ(m.layer_params(0), 36'992);
  EXPECT_EQ(m.layer_params(1), 43'392);
  EXPECT_EQ(m.total_params(), 295'232);
  EXPECT_EQ(m.layer_active_params(2), 31'104);
  EXPECT_EQ(m.routed_expert_params(0), 0);
  EXPECT_EQ(m.routed_expert_params(3), 24'576);
}

/** dp = ep ranks (tp = pp = 1), one micro-batch of one 32-token sequence per rank. */
TransformerParams moe_params(int dp, int ep) {
  TransformerParams p;
  p.model = tiny_moe();
  p.dp = dp;
  p.ep = ep;
  p.seq_len = 32;
  p.micro_batch = 1;
  p.global_batch = dp;
  p.grad_bytes = 4;
  p.bucket_bytes = 1 << 30;  // one bucket per group
  return p;
}

TEST(MoeGenerator, DispatchAndCombineAreAllToAllVOverTheEpGroup) {
  // ep = 4 over 4 ranks, T = 32 tokens per rank, uniform routing: each pair carries
  // 32 x 2 / 4 tokens x 64 x 2 B = 2,048 B; a rank's row sums to 4 x 2,048 = 8,192 B.
  // 3 MoE layers x (dispatch + combine) x (forward + backward) = 12 all-to-all-v per rank.
  Workload w = make_transformer(moe_params(4, 4), nullptr);
  for (int r = 0; r < 4; ++r) {
    int a2a = 0;
    for (const Op& op : w.ranks[r].ops) {
      if (op.kind != OpKind::kCollective || op.collective != CollectiveKind::kAllToAll) continue;
      ++a2a;
      ASSERT_GE(op.matrix, 0);
      EXPECT_EQ(w.groups[op.group], (std::vector<int>{0, 1, 2, 3}));
      EXPECT_EQ(op.bytes, 8'192);
      for (double b : w.matrices[op.matrix]) EXPECT_DOUBLE_EQ(b, 2'048.0);
    }
    EXPECT_EQ(a2a, 12);
  }
  // Uniform routing: the three MoE layers share one dispatch and one combine matrix.
  EXPECT_EQ(w.matrices.size(), 2u);
}

TEST(MoeGenerator, DeepEpNormalSendsOneCopyPerRank) {
  // ep = 2 in one node, 2 experts per rank, top-2 of 4, T = 32: a token reaches the other rank
  // with probability 1 - C(2,2)/C(4,2) = 5/6, so each pair carries 32 x 5/6 x 64 x 2 B =
  // 3,413.33 B (the all-to-all's copy per expert: 32 x 2 x 2/4 x 128 B = 4,096 B). One phase per
  // dispatch and combine: 12 all-to-all-v per rank, as without DeepEP.
  TransformerParams p = moe_params(2, 2);
  p.moe.kernel = EpKernel::kDeepEpNormal;
  p.moe.ranks_per_node = 2;
  Workload w = make_transformer(p, nullptr);
  int a2a = 0;
  for (const Op& op : w.ranks[0].ops) {
    if (op.kind != OpKind::kCollective || op.collective != CollectiveKind::kAllToAll) continue;
    ++a2a;
    EXPECT_NEAR(w.matrices[op.matrix][0 * 2 + 1], 32 * 5.0 / 6 * 128, 1e-9);
  }
  EXPECT_EQ(a2a, 12);
  p.moe.kernel = EpKernel::kAllToAll;
  Workload flat = make_transformer(p, nullptr);
  EXPECT_DOUBLE_EQ(flat.matrices[0][0 * 2 + 1], 4'096.0);
}

TEST(MoeGenerator, ExpertComputeFollowsTheLoad) {
  // Each rank holds one expert. Uniform: 4 x 32 x 2 / 4 = 64 assignments, forward FLOPs
  // 2 x 6,144 x 64 = 786,432 per MoE layer on every rank.
  // Zipf s = 1: the busiest rank processes 256 / H_4 = 256 x 12/25 = 122.88 assignments:
  // 2 x 6,144 x 122.88 = 1,509,949.44 FLOPs.
  auto expert_flops = [](const Workload& w, int r) {
    for (const Op& op : w.ranks[r].ops)
      if (has(w.str(op.name), "layer 1 moe experts fwd")) return op.flops;
    return -1.0;
  };
  Workload u = make_transformer(moe_params(4, 4), nullptr);
  for (int r = 0; r < 4; ++r) EXPECT_DOUBLE_EQ(expert_flops(u, r), 786'432.0);
  TransformerParams zp = moe_params(4, 4);
  zp.moe.routing.distribution = RoutingDistribution::kZipf;
  zp.moe.routing.zipf_exponent = 1.0;
  TransformerInfo info;
  Workload z = make_transformer(zp, &info);
  double busiest = 0, total = 0;
  for (int r = 0; r < 4; ++r) {
    busiest = std::max(busiest, expert_flops(z, r));
    total += expert_flops(z, r);
  }
  EXPECT_NEAR(busiest, 1'509'949.44, 1e-6);
  EXPECT_NEAR(total, 4 * 786'432.0, 1e-6);  // the same work, unevenly spread
  EXPECT_NEAR(info.moe.imbalance, 122.88 / 64, 1e-12);
}

TEST(MoeGenerator, ExpertGradientsReduceOverTheExpertDataParallelGroup) {
  // dp 4, ep 2: ranks {0, 1} and {2, 3} are EP groups; ranks {0, 2} and {1, 3} hold the same
  // experts. Each rank holds 4 / 2 = 2 experts of 6,144 in each of the 3 MoE layers:
  // 36,864 parameters x 4 B = 147,456 B of expert gradients, all-reduced over {0, 2}. The dense
  // rest, 295,232 - 3 x 24,576 = 221,504 parameters x 4 B = 886,016 B, over all four.
  Workload w = make_transformer(moe_params(4, 2), nullptr);
  double expert_bytes = 0, dense_bytes = 0;
  for (const Op& op : w.ranks[0].ops) {
    if (op.kind != OpKind::kCollective || op.collective != CollectiveKind::kAllReduce) continue;
    if (w.groups[op.group] == std::vector<int>{0, 2}) expert_bytes += op.bytes;
    if (w.groups[op.group] == std::vector<int>{0, 1, 2, 3}) dense_bytes += op.bytes;
  }
  EXPECT_EQ(expert_bytes, 147'456);
  EXPECT_EQ(dense_bytes, 886'016);
}

TEST(MoeGenerator, DroppedTokensAreNotCountedAsModelFlops) {
  // Histogram (4, 2, 1, 1) / 8 with capacity factor 1 drops 1/4 of the assignments (see
  // MoeRouting.CapacityFactorDropsTheOverflow). Per token and MoE layer that is 1/4 x top-2 x
  // 2 x 6,144 = 6,144 forward FLOPs not done; x 3 (forward + backward) x 128 tokens (4
  // sequences of 32) x 3 MoE layers = 7,077,888 FLOPs fewer in the step's model FLOPs.
  TransformerParams p = moe_params(4, 4);
  p.moe.routing.distribution = RoutingDistribution::kHistogram;
  p.moe.routing.histogram = {{4, 2, 1, 1}};
  TransformerInfo dropless, capped;
  make_transformer(p, &dropless);
  p.model.moe.capacity_factor = 1.0;
  make_transformer(p, &capped);
  EXPECT_DOUBLE_EQ(capped.moe.dropped_fraction, 0.25);
  EXPECT_DOUBLE_EQ(dropless.model_flops - capped.model_flops, 7'077'888.0);
}

TEST(MoeGenerator, BigMacCommunicatesAtTheReducedDimension) {
  // bigmac_dim r = 16: the pairs carry 32 x 2 / 4 x 16 x 2 B = 512 B (a quarter of 2,048), and
  // the down projection costs 2 x h x r x T = 2 x 64 x 16 x 32 = 65,536 FLOPs.
  TransformerParams p = moe_params(4, 4);
  p.model.moe.bigmac_dim = 16;
  Workload w = make_transformer(p, nullptr);
  ASSERT_FALSE(w.matrices.empty());
  EXPECT_DOUBLE_EQ(w.matrices[0][1], 512.0);
  bool found = false;
  for (const Op& op : w.ranks[0].ops)
    if (has(w.str(op.name), "layer 1 moe down_proj fwd")) {
      EXPECT_DOUBLE_EQ(op.flops, 65'536.0);
      found = true;
    }
  EXPECT_TRUE(found);
}

TEST(MoeGenerator, WithoutExpertParallelismNothingIsDispatched) {
  // ep = 1: every rank holds all 4 experts and computes T k = 64 assignments itself.
  Workload w = make_transformer(moe_params(2, 1), nullptr);
  for (const Op& op : w.ranks[0].ops) EXPECT_FALSE(op.collective == CollectiveKind::kAllToAll &&
                                                   op.kind == OpKind::kCollective);
  EXPECT_TRUE(w.matrices.empty());
}

TEST(MoeGenerator, RejectsBadDegrees) {
  TransformerParams p = moe_params(4, 3);
  EXPECT_EQ(config_error([&] { make_transformer(p, nullptr); }),
            "ep (3) must divide dp (4): expert parallelism splits the data-parallel ranks");
  p = moe_params(8, 8);
  EXPECT_EQ(config_error([&] { make_transformer(p, nullptr); }),
            "the routed experts (4) must be a multiple of ep (8)");
  p = moe_params(4, 4);
  p.model.moe.top_k = 5;
  EXPECT_EQ(config_error([&] { make_transformer(p, nullptr); }),
            "top_k (5) must be between 1 and the routed experts (4)");
  p = moe_params(4, 2);
  p.tp = 2;
  p.global_batch = 4;
  EXPECT_EQ(config_error([&] { make_transformer(p, nullptr); }),
            "expert parallelism (ep 2) with tensor parallelism (tp 2) is not modelled; use ep with "
            "tp = 1, or tp with ep = 1");
}

}  // namespace
}  // namespace dtsim::workloads
