// dtsim plan's search space (tools/dtsim/plan/layouts.h): the --gpus syntax and the layouts
// enumerated for a small model, counted by hand.
#include "tools/dtsim/plan/layouts.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "simcore/error.h"
#include "tests/support/config_error.h"

namespace dtsim::cli::plan {
namespace {

using simcore::ConfigError;

TEST(PlanGpus, RangeStepsThroughPowersOfTwo) {
  EXPECT_EQ(parse_gpu_counts("64-4096"), (std::vector<int>{64, 128, 256, 512, 1024, 2048, 4096}));
  // Bounds need not be powers of two: the powers of two inside.
  EXPECT_EQ(parse_gpu_counts("100-1000"), (std::vector<int>{128, 256, 512}));
  EXPECT_EQ(parse_gpu_counts("512"), (std::vector<int>{512}));
  // Lists are sorted and repeats dropped.
  EXPECT_EQ(parse_gpu_counts("128,64,128"), (std::vector<int>{64, 128}));
}

std::string gpus_error(const std::string& text) {
  try {
    parse_gpu_counts(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(PlanGpus, BadSyntaxIsAnError) {
  EXPECT_EQ(gpus_error("4096-64"),
            "<--gpus 4096-64>: error: an empty range: 4096 is above 64 (write LOW-HIGH)");
  EXPECT_EQ(gpus_error("65-127"),
            "<--gpus 65-127>: error: the range 65-127 holds no power of two (a range steps "
            "through the powers of two; give a list for other counts)");
  EXPECT_EQ(gpus_error("abc"),
            "<--gpus abc>: error: expected a GPU count (a whole number >= 1), a list \"64,128\" "
            "or a range \"64-4096\"; got \"abc\"");
  EXPECT_EQ(gpus_error("64,"),
            "<--gpus 64,>: error: expected a GPU count (a whole number >= 1), a list \"64,128\" "
            "or a range \"64-4096\"; got \"\"");
  EXPECT_EQ(gpus_error("0"), "<--gpus 0>: error: a GPU count must be between 1 and 1048576; got 0");
  EXPECT_NE(gpus_error("-64").find("got \"\""), std::string::npos);
  EXPECT_EQ(gpus_error(""),
            "<--gpus >: error: expected a GPU count, a list \"64,128\" or a range \"64-4096\"; "
            "got nothing");
}

workloads::TransformerParams tiny() {
  workloads::TransformerParams p;
  p.model.name = "tiny";
  p.model.layers = 4;
  p.model.hidden = 256;
  p.model.ffn_hidden = 1024;
  p.model.heads = 4;
  p.model.kv_heads = 4;
  p.model.vocab = 1024;
  p.seq_len = 16;
  p.global_batch = 8;
  return p;
}

TEST(PlanLayouts, EnumeratesEveryBuildableLayout) {
  // 8 GPUs, 8 a node; 4 layers, 4 heads, global batch 8. tp in {1, 2, 4} (8 does not divide the
  // heads), pp in {1, 2, 4} with tp pp | 8 (tp 4, pp 4 does not), dp = 8 / (tp pp). Micro-batches
  // b in {1, 2, 4, 8} with dp b | 8; v = 2 only with pp 2 (layers / pp = 2) and m = 8 / (dp b)
  // even; ZeRO 0-3 when dp > 1 (else 0); 3 recomputation modes; sequence parallel on/off with
  // tp > 1. Per (tp, pp, dp): (b, v) pairs x zero x recompute x sp:
  //   tp1 pp1 dp8: b 1               = 1 x 4 x 3 x 1 = 12
  //   tp1 pp2 dp4: b 1 (v 1, 2), 2   = 3 x 12        = 36
  //   tp1 pp4 dp2: b 1, 2, 4         = 3 x 12        = 36
  //   tp2 pp1 dp4: b 1, 2            = 2 x 24        = 48
  //   tp2 pp2 dp2: b 1, 2 (v 1, 2), 4 = 5 x 24       = 120
  //   tp2 pp4 dp1: b 1, 2, 4, 8      = 4 x 1 x 3 x 2 = 24
  //   tp4 pp1 dp2: b 1, 2, 4         = 3 x 24        = 72
  //   tp4 pp2 dp1: b 1, 2, 4 (v 1, 2), 8 = 7 x 6     = 42      Megatron: 390
  // Ulysses (tp 1) over sp 2 or 4 ranks (8 does not divide the heads), dp = 8 / (sp pp), the same
  // (b, v) pairs as the tp case of equal (pp, dp), ZeRO 0-3 always (dp sp > 1), no Megatron SP:
  //   sp2 pp1 dp4: 2, sp2 pp2 dp2: 5, sp2 pp4 dp1: 4, sp4 pp1 dp2: 3, sp4 pp2 dp1: 7
  //   = 21 pairs x 4 x 3 = 252                                       642
  // Context parallelism cp in {2, 4, 8} (2 cp divides seq 16) with tp cp <= 8: the inner group
  // g = tp cp is 2 (tp1 cp2), 4 (tp1 cp4, tp2 cp2) or 8 (tp1 cp8, tp2 cp4, tp4 cp2), pp with
  // g pp | 8, dp = 8 / (g pp); the (b, v) pairs of (pp, dp) as above (pp1 dp1: b 1, 2, 4, 8 = 4);
  // ZeRO 0-3 always (dp cp > 1); Megatron SP with tp > 1:
  //   g 2: pp1 dp4 2 + pp2 dp2 5 + pp4 dp1 4 = 11;  g 4: pp1 dp2 3 + pp2 dp1 7 = 10;  g 8: 4
  //   tp1 cp2 11 x 12 = 132, tp1 cp4 10 x 12 = 120, tp1 cp8 4 x 12 = 48,
  //   tp2 cp2 10 x 24 = 240, tp2 cp4 4 x 24 = 96, tp4 cp2 4 x 24 = 96   = 732   total 1374
  const Enumeration e = enumerate_layouts(tiny(), {8}, 8);
  EXPECT_EQ(e.layouts.size(), 1374u);
  // Excluded: tp 8 (heads) and Ulysses sp 8 (heads); tp 4 pp 4 and sp 4 pp 4; dp b not dividing
  // 8: dp8 b 2,4,8 (3), dp4 b 4,8 three times (6), dp2 b 8 five times (5); v 2 with m odd:
  // (tp1 pp2 b2), (tp2 pp2 b4), (tp4 pp2 b8), (sp2 pp2 b4), (sp4 pp2 b8); ZeRO 1-3 with
  // dp sp = 1: (4 + 7) (b, v) pairs x 3 stages. With CP: g pp above 8 (g 4: pp 4, twice;
  // g 8: pp 2 and 4, three times: 8); dp b not dividing 8 (g 2: dp4 b 4, 8 and dp2 b 8; g 4: dp2
  // b 8, twice: 5); v 2 with m odd (g 2: pp2 dp2 b4; g 4: pp2 dp1 b8, twice: 3).
  EXPECT_EQ(e.excluded.at("heads % tp != 0"), 1);
  EXPECT_EQ(e.excluded.at("Ulysses: sp does not divide the heads and seq_len"), 1);
  EXPECT_EQ(e.excluded.at("gpus % (tp x sp x pp) != 0"), 2);
  EXPECT_EQ(e.excluded.at("gpus % (tp x cp x pp) != 0"), 8);
  EXPECT_EQ(e.excluded.at("global_batch % (dp x micro_batch) != 0"), 14 + 5);
  EXPECT_EQ(e.excluded.at("interleaved: micro-batches % pp != 0"), 5 + 3);
  EXPECT_EQ(e.excluded.at("ZeRO > 0 with dp 1 (the same as ZeRO-0)"), 33);
  for (const Layout& l : e.layouts) {
    EXPECT_EQ(l.dp * l.tp * l.sp * l.cp * l.pp, 8) << l.flags();
    EXPECT_TRUE(l.tp == 1 || l.sp == 1) << l.flags();
    EXPECT_TRUE(l.cp == 1 || l.sp == 1) << l.flags();
  }
}

TEST(PlanLayouts, TensorParallelismStaysInsideANode) {
  // 4 GPUs a node: tp 8 is excluded as above the node (heads 16 would allow it), and Ulysses
  // stays inside it too.
  workloads::TransformerParams p = tiny();
  p.model.heads = 16;
  p.model.kv_heads = 16;
  const Enumeration e = enumerate_layouts(p, {8}, 4);
  EXPECT_EQ(e.excluded.at("tp above the GPUs per node"), 1);
  for (const Layout& l : e.layouts) EXPECT_LE(l.tp * l.sp, 4);
}

TEST(PlanLayouts, ContextParallelismNeedsFlashAttentionAndTwoChunksPerRank) {
  // seq 24: 2 cp divides it for cp 2 and 4 (4, 8 | 24) but not cp 8 (16): cp 8 (with tp 1) is
  // excluded, once; cp 2 and 4 are searched.
  workloads::TransformerParams p = tiny();
  p.seq_len = 24;
  Enumeration e = enumerate_layouts(p, {8}, 8);
  EXPECT_EQ(e.excluded.at("context parallelism: seq_len % (2 cp) != 0 or attention not flash"), 1);
  int max_cp = 1;
  for (const Layout& l : e.layouts) max_cp = std::max(max_cp, l.cp);
  EXPECT_EQ(max_cp, 4);
  // Unfused attention: no context parallelism at all (tp1: cp 2, 4, 8; tp2: 2, 4; tp4: 2).
  p.seq_len = 16;
  p.attention = workloads::AttentionKernel::kUnfused;
  e = enumerate_layouts(p, {8}, 8);
  EXPECT_EQ(e.excluded.at("context parallelism: seq_len % (2 cp) != 0 or attention not flash"), 6);
  for (const Layout& l : e.layouts) EXPECT_EQ(l.cp, 1) << l.flags();
}

TEST(PlanLayouts, FlagsAndScenarioOverrides) {
  Layout l;
  l.gpus = 64;
  l.dp = 2;
  l.tp = 8;
  l.pp = 4;
  l.virtual_stages = 5;
  l.micro_batch = 1;
  l.zero = 1;
  l.recompute = workloads::Recompute::kSelective;
  l.sequence_parallel = true;
  EXPECT_EQ(l.flags(), "tp8 pp4 v5 dp2 mb1 zero1 recompute=selective sp");
  l.cp = 2;
  EXPECT_EQ(l.flags(), "tp8 cp2 pp4 v5 dp2 mb1 zero1 recompute=selective sp");
  EXPECT_EQ(l.scenario_sets(128, true),
            (std::vector<std::string>{
                "workload.parallelism={dp: 2, tp: 8, pp: 4, sp: 1, cp: 2, virtual_stages: 5, "
                "zero: 1, sequence_parallel: true, order: tp-dp-pp, overlap_grad_reduce: true}",
                "workload.batch.global_batch=128", "workload.batch.micro_batch=1",
                "workload.recompute=selective"}));
}

}  // namespace
}  // namespace dtsim::cli::plan
