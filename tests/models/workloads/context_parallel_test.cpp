// Context parallelism in the transformer generator (Megatron-LM with Transformer Engine's ring
// attention): each rank holds seq/cp tokens; per layer and micro-batch the K and V shards go
// around the CP ring beside the attention (forward), K, V, dK and dV backward; CP ranks reduce
// their gradients together. Expected values worked out in the comments.
#include <gtest/gtest.h>

#include "models/workloads/transformer_memory.h"
#include "models/workloads/transformer_parallel.h"
#include "simcore/error.h"

namespace dtsim::workloads {
namespace {

using simcore::CollectiveKind;
using simcore::OpKind;
using simcore::Workload;

TransformerParams base(int tp, int cp, int kv_heads = 8) {
  TransformerParams p;
  p.model = {.name = "tiny",
             .layers = 2,
             .hidden = 64,
             .ffn_hidden = 256,
             .heads = 8,
             .kv_heads = kv_heads,
             .vocab = 1000,
             .tied_embeddings = false,
             .mlp_matrices = 3,
             .moe = {}};
  p.tp = tp;
  p.cp = cp;
  p.seq_len = 256;
  p.micro_batch = 1;
  p.global_batch = 1;
  return p;
}

TEST(ContextParallelTest, RingCarriesTheKeyValueShards) {
  // tp 2, cp 4, seq 256, h 64: a rank holds 64 tokens; one b s h tensor is 64 x 64 x 2 B =
  // 8,192 B; its K and V over TP: 2 x (8 / 8) x 8,192 / 2 = 8,192 B. The ring all-gather's size
  // is every rank's shard: 4 x 8,192 = 32,768 B forward, twice that backward (dK, dV too).
  // With GQA (2 kv heads of 8): 2 x (2 / 8) x 8,192 / 2 = 2,048 B a rank, 8,192 B the ring.
  for (auto [kv, fwd_bytes] : {std::pair{8, int64_t{32'768}}, std::pair{2, int64_t{8'192}}}) {
    const Workload w = make_transformer(base(2, 4, kv), nullptr);
    ASSERT_EQ(w.ranks.size(), 8u);  // tp 2 x cp 4
    std::vector<int64_t> ring;
    for (const auto& op : w.ranks[0].ops)
      if (op.kind == OpKind::kCollective && w.str(op.name).find("kv ring") != std::string::npos) {
        EXPECT_EQ(op.collective, CollectiveKind::kAllGather);
        // Rank 0's CP group: the ranks of TP rank 0, t = 0 + 2 c (placement tp-cp-dp-pp).
        EXPECT_EQ(w.groups[op.group], (std::vector<int>{0, 2, 4, 6}));
        ring.push_back(op.bytes);
      }
    // Per layer: forward, then (after the other layer) backward: 2 layers.
    EXPECT_EQ(ring, (std::vector<int64_t>{fwd_bytes, fwd_bytes, 2 * fwd_bytes, 2 * fwd_bytes}))
        << "kv_heads " << kv;
  }
}

TEST(ContextParallelTest, TensorGroupsStayInsideACpRankAndGradientsSpanCp) {
  const Workload w = make_transformer(base(2, 4), nullptr);
  bool tp_seen = false, dp_seen = false;
  for (const auto& op : w.ranks[2].ops) {  // rank 2: TP rank 0 of CP rank 1
    if (op.kind != OpKind::kCollective) continue;
    const std::string name = w.str(op.name);
    if (name.find("all_reduce") != std::string::npos && name.find("layer") == 0 &&
        name.find("kv ring") == std::string::npos) {
      EXPECT_EQ(w.groups[op.group], (std::vector<int>{2, 3})) << name;  // its TP pair
      tp_seen = true;
    }
  }
  // dp 1, yet the gradients are reduced over the 4 CP ranks of TP rank 0 (Megatron's
  // data-parallel-with-CP group): rank 0's gradient all-reduce spans {0, 2, 4, 6}.
  for (const auto& op : w.ranks[0].ops)
    if (op.kind == OpKind::kCollective && op.collective == CollectiveKind::kAllReduce &&
        w.str(op.name).find("layer") != 0) {
      EXPECT_EQ(w.groups[op.group], (std::vector<int>{0, 2, 4, 6})) << w.str(op.name);
      dp_seen = true;
    }
  EXPECT_TRUE(tp_seen);
  EXPECT_TRUE(dp_seen);
}

TEST(ContextParallelTest, ComputeAndActivationsPerRankAreOneOverCp) {
  // Every per-token cost (projections, MLP, LM head) scales with the rank's seq/cp tokens, and
  // its queries meet all seq keys with half masked on average: the attention scores are 1/cp of
  // the causal total too. So the rank's compute is exactly 1/cp of cp 1's.
  auto flops = [](const Workload& w) {
    double f = 0;
    for (const auto& op : w.ranks[0].ops)
      if (op.kind == OpKind::kCompute && w.str(op.name) != "optimizer step") f += op.flops;
    return f;
  };
  const double one = flops(make_transformer(base(2, 1), nullptr));
  const double four = flops(make_transformer(base(2, 4), nullptr));
  EXPECT_DOUBLE_EQ(four * 4, one);
  // Flash attention keeps no score matrix, so every activation term is linear in the tokens:
  // cp 4 holds a quarter of cp 1's.
  const TransformerInfo a = transformer_info(base(2, 1), {}, {});
  const TransformerInfo b = transformer_info(base(2, 4), {}, {});
  EXPECT_DOUBLE_EQ(b.memory_first_stage.activations * 4, a.memory_first_stage.activations);
}

TEST(ContextParallelTest, MisuseIsRejected) {
  auto msg = [](const TransformerParams& q) {
    try {
      make_transformer(q, nullptr);
    } catch (const simcore::ConfigError& e) {
      return e.message();
    }
    return std::string("no error");
  };
  TransformerParams p = base(1, 2);
  p.sp = 2;
  EXPECT_EQ(msg(p), "context parallelism (cp 2) with Ulysses sequence parallelism (sp 2) is not "
                    "modelled; use one of them");
  p = base(1, 3);  // 256 % 6 != 0
  EXPECT_EQ(msg(p), "context parallelism: seq_len (256) must be a multiple of 2 x cp (6): each "
                    "rank holds two of the 2 cp chunks");
  p = base(1, 2);
  p.attention = AttentionKernel::kUnfused;
  EXPECT_EQ(msg(p), "context parallelism (cp 2) needs flash attention (ring attention is a "
                    "FlashAttention kernel per block)");
  p = base(1, 0);
  EXPECT_EQ(msg(p), "parallel degrees must be >= 1; got cp 0");
}

}  // namespace
}  // namespace dtsim::workloads
