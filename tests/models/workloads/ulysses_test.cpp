// DeepSpeed-Ulysses in the transformer generator (Jacobs et al., arXiv 2309.14509): per layer
// and micro-batch an all-to-all of Q, K, V (3 N h / P values per rank) before attention and of
// its output (N h / P) after, forward and backward; compute per rank is 1/P of the layer's.
#include <gtest/gtest.h>

#include "models/workloads/transformer_parallel.h"
#include "simcore/error.h"

namespace dtsim::workloads {
namespace {

using simcore::CollectiveKind;
using simcore::OpKind;
using simcore::Workload;

TransformerParams base(int sp, int64_t seq) {
  TransformerParams p;
  p.model = {.name = "tiny",
             .layers = 2,
             .hidden = 64,
             .ffn_hidden = 256,
             .heads = 8,
             .kv_heads = 8,
             .vocab = 1000,
             .tied_embeddings = false,
             .mlp_matrices = 3,
             .moe = {}};
  p.sp = sp;
  p.seq_len = seq;
  p.micro_batch = 1;
  p.global_batch = 1;
  return p;
}

TEST(UlyssesTest, AllToAllVolumeIs4NhOverPAndConstantUnderProportionalScaling) {
  // N = 256, P = 4, h = 64: Q, K, V 3 x 256 x 64 / 4 = 12,288 values = 24,576 B; output 4,096
  // values = 8,192 B; per layer forward 4 N h / P = 16,384 values. Doubling N and P keeps them.
  for (auto [sp, seq] : {std::pair{4, int64_t{256}}, std::pair{8, int64_t{512}}}) {
    Workload w = make_transformer(base(sp, seq), nullptr);
    ASSERT_EQ(w.ranks.size(), static_cast<size_t>(sp));
    std::vector<int64_t> fwd;
    int a2a = 0;
    for (const auto& op : w.ranks[0].ops)
      if (op.kind == OpKind::kCollective && op.collective == CollectiveKind::kAllToAll) {
        ++a2a;
        EXPECT_EQ(w.groups[op.group].size(), static_cast<size_t>(sp));
        if (w.str(op.name).rfind("layer 0 attn fwd", 0) == 0) fwd.push_back(op.bytes);
      }
    EXPECT_EQ(fwd, (std::vector<int64_t>{24'576, 8'192})) << "sp " << sp;
    EXPECT_EQ(a2a, 2 /*layers*/ * 4 /*qkv, out; fwd and bwd*/);
  }
}

TEST(UlyssesTest, ComputePerRankIsOneOverPOfTheLayer) {
  // Attention projections on N/P tokens and scores of h/P heads over all N tokens: 1/P of the
  // P = 1 FLOPs (the sum over ranks is the model's FLOPs).
  auto flops = [](const Workload& w) {
    double f = 0;
    for (const auto& op : w.ranks[0].ops)
      if (op.kind == OpKind::kCompute && w.str(op.name) != "optimizer step") f += op.flops;
    return f;
  };
  double one = flops(make_transformer(base(1, 256), nullptr));
  double four = flops(make_transformer(base(4, 256), nullptr));
  EXPECT_DOUBLE_EQ(four * 4, one);
}

TEST(UlyssesTest, MisuseIsRejected) {
  TransformerParams p = base(3, 256);
  auto msg = [](const TransformerParams& q) {
    try {
      make_transformer(q, nullptr);
    } catch (const simcore::ConfigError& e) {
      return e.message();
    }
    return std::string("no error");
  };
  EXPECT_EQ(msg(p), "Ulysses: sp (3) must divide the heads (8) and seq_len (256)");
  p = base(2, 256);
  p.tp = 2;
  EXPECT_EQ(msg(p), "Ulysses sequence parallelism (sp 2) with tensor parallelism (tp 2) is not "
                    "modelled; use one of them");
}

}  // namespace
}  // namespace dtsim::workloads
