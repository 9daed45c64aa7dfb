#include "models/workloads/transformer_parallel.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "models/workloads/memory_model.h"
#include "models/workloads/transformer_config.h"
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

// A tiny GQA transformer so every count is worked by hand (test input, not a real model): the
// model of data_parallel_test.cpp with 4 layers instead of 2, so pp = 2 and 4 divide them.
//   L = 4 layers, h = 64, ffn = 128, 4 heads (head_dim 16), 2 KV heads (K, V width 32),
//   vocab V = 1000, untied LM head, SwiGLU.
// Per layer: Q, O 2h^2 = 8,192; K, V 2 x h x 32 = 4,096; MLP 3 x h x ffn = 24,576;
//   norms 2h = 128                                             -> 36,992
// Total: 4 x 36,992 + embedding V h + LM head V h + final norm h
//   = 147,968 + 64,000 + 64,000 + 64                             = 276,032
TransformerConfig tiny4() {
  TransformerConfig m;
  m.name = "tiny4";
  m.layers = 4;
  m.hidden = 64;
  m.ffn_hidden = 128;
  m.heads = 4;
  m.kv_heads = 2;
  m.vocab = 1000;
  m.tied_embeddings = false;
  return m;
}
constexpr int64_t kLayerParams = 36'992;
constexpr int64_t kTotalParams = 276'032;
// One b x s x h 16-bit activation tensor at s = 32, b = 1: 32 x 64 x 2 = 4,096 B.
constexpr int64_t kActBytes = 4'096;

/** dp x tp x pp ranks, `m` micro-batches of one sequence of 32 tokens per DP replica. */
TransformerParams params(int dp, int tp, int pp, int m) {
  TransformerParams p;
  p.model = tiny4();
  p.dp = dp;
  p.tp = tp;
  p.pp = pp;
  p.seq_len = 32;
  p.micro_batch = 1;
  p.global_batch = static_cast<int64_t>(dp) * m;
  p.grad_bytes = 4;          // fp32 gradients
  p.bucket_bytes = 102'400;  // 100 KiB
  return p;
}

struct Counts {
  int compute = 0, collective = 0, send = 0, recv = 0;
};

using test::has;

/** Memory-bound kernels (layer elementwise ops, unfused softmax) have no FLOPs and are not what
 *  these structure tests count. */
bool memory_bound_kernel(const std::string& name) {
  return has(name, " elementwise ") || has(name, " softmax ");
}

/** Ops of rank `r` by kind; `compute` counts the FLOP-bearing compute ops (embedding, attention,
 *  MLP, LM head, optimizer), not memory_bound_kernel ones. */
Counts count(const Workload& w, int r) {
  Counts c;
  for (const Op& op : w.ranks[r].ops) {
    if (op.kind == OpKind::kCompute && !memory_bound_kernel(w.str(op.name))) ++c.compute;
    if (op.kind == OpKind::kCollective) ++c.collective;
    if (op.kind == OpKind::kSend) ++c.send;
    if (op.kind == OpKind::kRecv) ++c.recv;
  }
  return c;
}

/** The ops of rank `r` of kind `kind` whose name contains `part`. */
std::vector<const Op*> ops(const Workload& w, int r, OpKind kind, const std::string& part = "") {
  std::vector<const Op*> out;
  for (const Op& op : w.ranks[r].ops)
    if (op.kind == kind && has(w.str(op.name), part)) out.push_back(&op);
  return out;
}

/** The collectives of rank `r` of collective kind `kind` whose name contains `part`. */
std::vector<const Op*> collectives(const Workload& w, int r, CollectiveKind kind,
                                   const std::string& part = "") {
  std::vector<const Op*> out;
  for (const Op* op : ops(w, r, OpKind::kCollective, part))
    if (op->collective == kind) out.push_back(op);
  return out;
}

/** Index on rank `r` of the op named exactly `name`, or -1. */
int index_of(const Workload& w, int r, const std::string& name) {
  const auto& v = w.ranks[r].ops;
  for (size_t i = 0; i < v.size(); ++i)
    if (w.str(v[i].name) == name) return static_cast<int>(i);
  return -1;
}

/** The order of the compute stream of rank `r` by micro-batch: "F0 F1 B0 ..." from the compute
 *  op names ("layer 3 attn fwd mb2" -> F2), consecutive repeats collapsed. */
std::string schedule_of(const Workload& w, int r) {
  std::string out, prev;
  for (const Op* op : ops(w, r, OpKind::kCompute)) {
    const std::string& n = w.str(op->name);
    size_t mb = n.rfind(" mb");
    if (mb == std::string::npos) continue;  // the optimizer step
    std::string tok(has(n, " fwd") ? "F" : "B");
    tok.append(n, mb + 3);
    if (tok == prev) continue;
    if (!out.empty()) out += ' ';
    out += tok;
    prev = tok;
  }
  return out;
}

TEST(TransformerParallelTest, SingleRankOpCounts) {
  // tp = dp = pp = 1, m = 2 micro-batches. Per micro-batch: forward embedding + 4 x (attn, mlp)
  // + LM head = 10 compute ops, backward the same 10; x 2 = 40; + the optimizer step = 41.
  // Nothing to communicate.
  TransformerInfo info;
  Workload w = make_transformer(params(1, 1, 1, 2), &info);
  ASSERT_EQ(w.ranks.size(), 1u);
  Counts c = count(w, 0);
  EXPECT_EQ(c.compute, 41);
  EXPECT_EQ(c.collective, 0);
  EXPECT_EQ(c.send, 0);
  EXPECT_EQ(c.recv, 0);
  EXPECT_EQ(info.params, kTotalParams);
  EXPECT_EQ(info.micro_batches, 2);
  EXPECT_EQ(info.tokens, 64.0);  // global batch 2 x seq 32
}

TEST(TransformerParallelTest, TensorParallelAllReducesWithoutSequenceParallelism) {
  // tp = 2, m = 1: per layer an all-reduce after attention and one after the MLP, forward and
  // backward: 4 per layer, 16 for 4 layers, each of the b s h activation (4,096 B), over {0, 1}.
  // Ops per rank: 21 compute + 16 collectives = 37.
  Workload w = make_transformer(params(1, 2, 1, 1), nullptr);
  ASSERT_EQ(w.ranks.size(), 2u);
  for (int r = 0; r < 2; ++r) {
    Counts c = count(w, r);
    EXPECT_EQ(c.compute, 21);
    EXPECT_EQ(c.collective, 16);
    auto ar = collectives(w, r, CollectiveKind::kAllReduce);
    ASSERT_EQ(ar.size(), 16u);
    for (const Op* op : ar) {
      EXPECT_EQ(op->bytes, kActBytes);
      EXPECT_EQ(w.groups[op->group], (std::vector<int>{0, 1}));
      EXPECT_EQ(w.stream_names[op->stream], "tp_comm");
    }
    EXPECT_EQ(collectives(w, r, CollectiveKind::kAllReduce, " fwd ").size(), 8u);
    EXPECT_EQ(collectives(w, r, CollectiveKind::kAllReduce, " bwd ").size(), 8u);
    EXPECT_EQ(collectives(w, r, CollectiveKind::kAllReduce, "layer 2 attn fwd").size(), 1u);
    EXPECT_EQ(collectives(w, r, CollectiveKind::kAllReduce, "layer 2 mlp bwd").size(), 1u);
  }
  // The all-reduce sits on the critical chain: the MLP forward of layer 0 waits for it.
  int ar = index_of(w, 0, "layer 0 attn fwd all_reduce");
  int mlp = index_of(w, 0, "layer 0 mlp fwd mb0");
  ASSERT_GE(ar, 0);
  ASSERT_GE(mlp, 0);
  EXPECT_EQ(w.ranks[0].ops[mlp].deps, (std::vector<uint32_t>{static_cast<uint32_t>(ar)}));
}

TEST(TransformerParallelTest, SequenceParallelismSwapsAllReduceForAllGatherReduceScatterPairs) {
  // tp = 2 with sequence parallelism, m = 1: per layer and pass an all-gather before and a
  // reduce-scatter after attention and after the MLP: 2 AG + 2 RS forward, the same backward;
  // x 4 layers = 16 all-gathers + 16 reduce-scatters, no all-reduce.
  TransformerParams p = params(1, 2, 1, 1);
  p.sequence_parallel = true;
  Workload w = make_transformer(p, nullptr);
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(collectives(w, r, CollectiveKind::kAllReduce).size(), 0u);
    auto ag = collectives(w, r, CollectiveKind::kAllGather);
    auto rs = collectives(w, r, CollectiveKind::kReduceScatter);
    ASSERT_EQ(ag.size(), 16u);
    ASSERT_EQ(rs.size(), 16u);
    // nccl-tests sizes: the all-gather output and the reduce-scatter input are the full b s h.
    for (const Op* op : ag) EXPECT_EQ(op->bytes, kActBytes);
    for (const Op* op : rs) EXPECT_EQ(op->bytes, kActBytes);
  }
  // Order around one layer: AG, attn, RS, AG, mlp, RS.
  const auto& v = w.ranks[0].ops;
  int ag = index_of(w, 0, "layer 0 attn fwd all_gather");
  ASSERT_GE(ag, 0);
  std::vector<std::string> names;
  for (int i = ag; i < ag + 6; ++i) names.push_back(w.str(v[i].name));
  EXPECT_EQ(names, (std::vector<std::string>{
                       "layer 0 attn fwd all_gather", "layer 0 attn fwd mb0",
                       "layer 0 attn fwd reduce_scatter", "layer 0 mlp fwd all_gather",
                       "layer 0 mlp fwd mb0", "layer 0 mlp fwd reduce_scatter"}));
}

TEST(TransformerParallelTest, NoTensorParallelCollectivesAtTp1) {
  // tp = 1 (pp = 2, dp = 1): no TP communication at all, with or without sequence parallelism.
  for (bool sp : {false, true}) {
    TransformerParams p = params(1, 1, 2, 2);
    p.sequence_parallel = sp;
    Workload w = make_transformer(p, nullptr);
    for (int r = 0; r < 2; ++r) EXPECT_EQ(count(w, r).collective, 0) << "sp " << sp << " rank " << r;
  }
}

TEST(TransformerParallelTest, FullRecomputationRepeatsTheForwardAndItsCollectives) {
  // tp = 2, m = 1, full recomputation: the backward of each layer first reruns attention and
  // MLP forward, with their two all-reduces: + 8 compute ops and + 8 all-reduces per rank
  // (21 + 8 = 29 compute, 16 + 8 = 24 collectives).
  TransformerParams p = params(1, 2, 1, 1);
  p.recompute = Recompute::kFull;
  Workload w = make_transformer(p, nullptr);
  Counts c = count(w, 0);
  EXPECT_EQ(c.compute, 29);
  EXPECT_EQ(c.collective, 24);
  EXPECT_EQ(ops(w, 0, OpKind::kCompute, "attn recompute mb0").size(), 4u);
  EXPECT_EQ(ops(w, 0, OpKind::kCompute, "mlp recompute mb0").size(), 4u);
  EXPECT_EQ(collectives(w, 0, CollectiveKind::kAllReduce, "recompute all_reduce").size(), 8u);
  // The recomputed forward costs what the forward does.
  const Op* fwd = ops(w, 0, OpKind::kCompute, "layer 1 attn fwd mb0")[0];
  const Op* re = ops(w, 0, OpKind::kCompute, "layer 1 attn recompute mb0")[0];
  EXPECT_EQ(re->flops, fwd->flops);
}

TEST(TransformerParallelTest, ComputeFlopsPerLayerAndSelectiveRecomputation) {
  // tp = 2, s = 32, b = 1 (32 tokens). Attention forward per rank:
  //   (2 x attention weights + 2 s h) x tokens / tp = (2 x 12,288 + 2 x 32 x 64) x 32 / 2
  //   = (24,576 + 4,096) x 16 = 458,752 FLOPs;
  // MLP forward: 2 x 24,576 x 32 / 2 = 786,432. Backward twice each. Selective recomputation
  // adds the attention scores to the attention backward: 2 s h x tokens / tp = 65,536.
  TransformerParams p = params(1, 2, 1, 1);
  Workload w = make_transformer(p, nullptr);
  EXPECT_EQ(ops(w, 1, OpKind::kCompute, "layer 0 attn fwd mb0")[0]->flops, 458'752.0);
  EXPECT_EQ(ops(w, 1, OpKind::kCompute, "layer 0 mlp fwd mb0")[0]->flops, 786'432.0);
  EXPECT_EQ(ops(w, 1, OpKind::kCompute, "layer 0 attn bwd mb0")[0]->flops, 917'504.0);
  EXPECT_EQ(ops(w, 1, OpKind::kCompute, "layer 0 mlp bwd mb0")[0]->flops, 1'572'864.0);
  p.recompute = Recompute::kSelective;
  Workload sel = make_transformer(p, nullptr);
  EXPECT_EQ(ops(sel, 1, OpKind::kCompute, "layer 0 attn bwd mb0")[0]->flops, 983'040.0);
  EXPECT_EQ(ops(sel, 1, OpKind::kCompute, "layer 0 mlp bwd mb0")[0]->flops, 1'572'864.0);
}

TEST(TransformerParallelTest, StepFlopsMatchTheModelFlopCount) {
  // Summed over every rank, the layer and LM-head compute (no recomputation) is the step's
  // model FLOPs, 3 x tokens x (L x layer forward FLOPs per token + LM head per token):
  // tokens = dp 2 x m 2 x 32 = 128; per layer at s = 32: 2 x (36,992 - 128) + 2 x 32 x 64 =
  // 77,824; head 2 h V = 128,000: 3 x 128 x (4 x 77,824 + 128,000) = 168,689,664.
  TransformerInfo info;
  Workload w = make_transformer(params(2, 2, 2, 2), &info);
  EXPECT_EQ(info.model_flops, 168'689'664.0);
  double sum = 0;
  for (size_t r = 0; r < w.ranks.size(); ++r)
    for (const Op* op : ops(w, static_cast<int>(r), OpKind::kCompute))
      if (w.str(op->name) != "optimizer step") sum += op->flops;
  EXPECT_EQ(sum, info.model_flops);
}

TEST(TransformerParallelTest, PipelineSendsAndRecvsOnePerMicroBatchPerDirection) {
  // pp = 4, tp = dp = 1, m = 6: rank = stage. Each stage but the last sends m activations
  // forward (tag 0) and receives m gradients back (tag 1); each but the first receives m
  // activations and sends m gradients; each transfer is b s h / tp 16-bit values = 4,096 B.
  const int m = 6;
  Workload w = make_transformer(params(1, 1, 4, m), nullptr);
  ASSERT_EQ(w.ranks.size(), 4u);
  for (int s = 0; s < 4; ++s) {
    auto send_act = ops(w, s, OpKind::kSend, "send activations");
    auto recv_act = ops(w, s, OpKind::kRecv, "recv activations");
    auto send_grad = ops(w, s, OpKind::kSend, "send gradients");
    auto recv_grad = ops(w, s, OpKind::kRecv, "recv gradients");
    EXPECT_EQ(send_act.size(), s < 3 ? 6u : 0u) << s;
    EXPECT_EQ(recv_grad.size(), s < 3 ? 6u : 0u) << s;
    EXPECT_EQ(recv_act.size(), s > 0 ? 6u : 0u) << s;
    EXPECT_EQ(send_grad.size(), s > 0 ? 6u : 0u) << s;
    for (const Op* op : send_act) EXPECT_EQ(op->peer, s + 1);
    for (const Op* op : recv_grad) EXPECT_EQ(op->peer, s + 1);
    for (const Op* op : recv_act) EXPECT_EQ(op->peer, s - 1);
    for (const Op* op : send_grad) EXPECT_EQ(op->peer, s - 1);
    for (const auto* v : {&send_act, &recv_act})
      for (const Op* op : *v) {
        EXPECT_EQ(op->tag, 0);
        EXPECT_EQ(op->bytes, kActBytes);
      }
    for (const auto* v : {&send_grad, &recv_grad})
      for (const Op* op : *v) {
        EXPECT_EQ(op->tag, 1);
        EXPECT_EQ(op->bytes, kActBytes);
      }
    // Layers 4 / pp 4 = 1 per stage: stage s holds layer s.
    int layer_ops = 0;
    for (const Op* op : ops(w, s, OpKind::kCompute, fmt::format("layer {} ", s)))
      layer_ops += !memory_bound_kernel(w.str(op->name));
    EXPECT_EQ(layer_ops, 4 * m) << s;  // attn, mlp forward and backward per micro-batch
  }
  // Embedding on the first stage only, LM head on the last.
  EXPECT_EQ(ops(w, 0, OpKind::kCompute, "embedding").size(), 2u * m);
  EXPECT_EQ(ops(w, 3, OpKind::kCompute, "lm_head").size(), 2u * m);
  EXPECT_EQ(ops(w, 1, OpKind::kCompute, "embedding").size(), 0u);
  EXPECT_EQ(ops(w, 2, OpKind::kCompute, "lm_head").size(), 0u);
}

TEST(TransformerParallelTest, OneFOneBOrder) {
  // 1F1B (Narayanan et al. SC21, section 2.2.1; PipeDream-Flush): stage s runs pp - s - 1
  // warm-up forwards, then alternates one forward and one backward, then drains the remaining
  // backwards. pp = 4, m = 6.
  Workload w = make_transformer(params(1, 1, 4, 6), nullptr);
  EXPECT_EQ(schedule_of(w, 0), "F0 F1 F2 F3 B0 F4 B1 F5 B2 B3 B4 B5");  // 3 warm-up
  EXPECT_EQ(schedule_of(w, 1), "F0 F1 F2 B0 F3 B1 F4 B2 F5 B3 B4 B5");  // 2
  EXPECT_EQ(schedule_of(w, 2), "F0 F1 B0 F2 B1 F3 B2 F4 B3 F5 B4 B5");  // 1
  EXPECT_EQ(schedule_of(w, 3), "F0 B0 F1 B1 F2 B2 F3 B3 F4 B4 F5 B5");  // 0
}

TEST(TransformerParallelTest, OneFOneBWithFewerMicroBatchesThanStages) {
  // m = 2 < pp = 4: the warm-up is min(pp - s - 1, m) forwards, so stage 0 runs GPipe-like.
  Workload w = make_transformer(params(1, 1, 4, 2), nullptr);
  EXPECT_EQ(schedule_of(w, 0), "F0 F1 B0 B1");
  EXPECT_EQ(schedule_of(w, 2), "F0 F1 B0 B1");
  EXPECT_EQ(schedule_of(w, 3), "F0 B0 F1 B1");
}

TEST(TransformerParallelTest, GpipeOrder) {
  // GPipe (Huang et al. 2019): every stage runs all forwards, then all backwards.
  TransformerParams p = params(1, 1, 4, 4);
  p.schedule = PipelineSchedule::kGpipe;
  Workload w = make_transformer(p, nullptr);
  for (int s = 0; s < 4; ++s) EXPECT_EQ(schedule_of(w, s), "F0 F1 F2 F3 B0 B1 B2 B3") << s;
}

/** The compute order of rank `r` as "mb@layer" tokens ("F0@2": forward of micro-batch 0
 *  through layer 2), one per layer and pass, from the attention ops' names. */
std::string layer_schedule_of(const Workload& w, int r) {
  std::string out;
  for (const Op* op : ops(w, r, OpKind::kCompute, " attn ")) {
    const std::string& n = w.str(op->name);
    if (memory_bound_kernel(n)) continue;
    int layer = std::stoi(n.substr(6));  // "layer 12 attn fwd mb3"
    if (!out.empty()) out += ' ';
    out += fmt::format("{}{}@{}", has(n, " fwd") ? "F" : "B", n.substr(n.rfind(" mb") + 3), layer);
  }
  return out;
}

TEST(TransformerParallelTest, InterleavedOrder) {
  // pp = 2, v = 2, m = 4, one layer per chunk: rank 0 holds model chunks 0 and 2 (layers 0, 2),
  // rank 1 chunks 1 and 3 (layers 1, 3). Megatron-LM's order (schedules.py
  // forward_backward_pipelining_with_interleaving): forward k runs chunk (k mod 4) div 2 on
  // micro-batch (k div 4) 2 + k mod 2; backward k the chunks reversed. Warm-up 2 (pp - s - 1) +
  // (v - 1) pp: rank 0 four forwards, rank 1 two; then one forward one backward; then the rest.
  TransformerParams p = params(1, 1, 2, 4);
  p.virtual_stages = 2;
  Workload w = make_transformer(p, nullptr);
  EXPECT_EQ(layer_schedule_of(w, 0),
            "F0@0 F1@0 F0@2 F1@2 "                                  // warm-up
            "F2@0 B0@2 F3@0 B1@2 F2@2 B0@0 F3@2 B1@0 "              // steady state
            "B2@2 B3@2 B2@0 B3@0");                                 // cool-down
  EXPECT_EQ(layer_schedule_of(w, 1),
            "F0@1 F1@1 "
            "F0@3 B0@3 F1@3 B1@3 F2@1 B0@1 F3@1 B1@1 F2@3 B2@3 F3@3 B3@3 "
            "B2@1 B3@1");
  // The embedding runs on model chunk 0 only, the LM head on the last (rank 1's chunk 1).
  EXPECT_EQ(ops(w, 0, OpKind::kCompute, "embedding").size(), 8u);
  EXPECT_EQ(ops(w, 1, OpKind::kCompute, "lm_head").size(), 8u);
  EXPECT_EQ(ops(w, 0, OpKind::kCompute, "lm_head").size(), 0u);
}

TEST(TransformerParallelTest, InterleavedSendsWrapFromTheLastRankToTheFirst) {
  // pp = 4, v = 2, m = 4 on an 8-layer variant: rank s holds model chunks s and 4 + s. Rank 3
  // sends chunk 0's activations to rank 0 (its chunk 1) and receives their gradients from it;
  // every rank sends m activations per chunk that is not the last model chunk.
  TransformerParams p = params(1, 1, 4, 4);
  p.model.layers = 8;
  p.virtual_stages = 2;
  Workload w = make_transformer(p, nullptr);
  for (int s = 0; s < 4; ++s) {
    const size_t sends = s < 3 ? 8 : 4, recvs = s > 0 ? 8 : 4;
    auto send_act = ops(w, s, OpKind::kSend, "send activations");
    auto recv_act = ops(w, s, OpKind::kRecv, "recv activations");
    EXPECT_EQ(send_act.size(), sends) << s;
    EXPECT_EQ(recv_act.size(), recvs) << s;
    EXPECT_EQ(ops(w, s, OpKind::kRecv, "recv gradients").size(), sends) << s;
    EXPECT_EQ(ops(w, s, OpKind::kSend, "send gradients").size(), recvs) << s;
    for (const Op* op : send_act) EXPECT_EQ(op->peer, (s + 1) % 4) << s;
    for (const Op* op : recv_act) EXPECT_EQ(op->peer, (s + 3) % 4) << s;
    for (const Op* op : ops(w, s, OpKind::kSend, "send gradients")) EXPECT_EQ(op->peer, (s + 3) % 4);
  }
  // Rank 2 holds layers 2 and 6.
  EXPECT_EQ(layer_schedule_of(w, 2).substr(0, 19), "F0@2 F1@2 F2@2 F3@2");
  EXPECT_NE(layer_schedule_of(w, 2).find("@6"), std::string::npos);
  EXPECT_EQ(layer_schedule_of(w, 2).find("@3"), std::string::npos);
}

TEST(TransformerParallelTest, UnevenStageLayers) {
  // pp = 2, stage_layers {1, 3}: stage 0 holds layer 0 (and the embedding), stage 1 layers 1-3.
  TransformerParams p = params(1, 1, 2, 2);
  p.stage_layers = {1, 3};
  Workload w = make_transformer(p, nullptr);
  EXPECT_EQ(layer_schedule_of(w, 0), "F0@0 F1@0 B0@0 B1@0");
  EXPECT_EQ(layer_schedule_of(w, 1), "F0@1 F0@2 F0@3 B0@3 B0@2 B0@1 F1@1 F1@2 F1@3 B1@3 B1@2 B1@1");
}

TEST(TransformerParallelTest, GradientReductionAfterTheBackwardIsOneFlatBuffer) {
  // overlap_grad_reduce = false (Megatron-LM local DDP): dp = 4, pp = 1, m = 2: one all-reduce
  // of all 1,104,128 B of gradients (see DataParallelBuckets), after the last compute op of the
  // backward (the embedding backward of micro-batch 1).
  TransformerParams p = params(4, 1, 1, 2);
  p.overlap_grad_reduce = false;
  Workload w = make_transformer(p, nullptr);
  auto ar = collectives(w, 0, CollectiveKind::kAllReduce);
  ASSERT_EQ(ar.size(), 1u);
  EXPECT_EQ(w.str(ar[0]->name), "grad all_reduce flat buffer");
  EXPECT_EQ(ar[0]->bytes, 1'104'128);
  ASSERT_EQ(ar[0]->deps.size(), 1u);
  EXPECT_EQ(w.str(w.ranks[0].ops[ar[0]->deps[0]].name), "embedding bwd mb1");
  // pp = 2, dp = 2: stage 1 also waits for its last send (the gradients of micro-batch 1).
  TransformerParams q = params(2, 1, 2, 2);
  q.overlap_grad_reduce = false;
  q.zero_stage = 1;
  Workload w2 = make_transformer(q, nullptr);
  auto rs = collectives(w2, 2, CollectiveKind::kReduceScatter);  // rank 2: stage 1, replica 0
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(w2.str(rs[0]->name), "grad reduce_scatter flat buffer");
  EXPECT_EQ(rs[0]->bytes, (2 * kLayerParams + 64'064) * 4);  // layers 2-3, LM head, final norm
  ASSERT_EQ(rs[0]->deps.size(), 2u);
  EXPECT_EQ(w2.str(w2.ranks[2].ops[rs[0]->deps[1]].name), "send gradients mb1");
}

TEST(TransformerParallelTest, DataParallelBuckets) {
  // dp = 4, tp = pp = 1, ZeRO-0, m = 2. Gradients: 276,032 parameters x 4 B = 1,104,128 B; in
  // buckets of 102,400 B: 10 full buckets and one of 1,104,128 - 1,024,000 = 80,128 B: 11
  // all-reduces over {0, 1, 2, 3} on the comm stream. Ops per rank: 41 compute + 11 = 52.
  Workload w = make_transformer(params(4, 1, 1, 2), nullptr);
  for (int r = 0; r < 4; ++r) {
    Counts c = count(w, r);
    EXPECT_EQ(c.compute, 41);
    EXPECT_EQ(c.collective, 11);
    auto ar = collectives(w, r, CollectiveKind::kAllReduce, "grad all_reduce bucket");
    ASSERT_EQ(ar.size(), 11u);
    int64_t sum = 0;
    for (size_t k = 0; k < ar.size(); ++k) {
      EXPECT_EQ(ar[k]->bytes, k < 10 ? 102'400 : 80'128) << k;
      EXPECT_EQ(w.groups[ar[k]->group], (std::vector<int>{0, 1, 2, 3}));
      EXPECT_EQ(w.stream_names[ar[k]->stream], "comm");  // DP collectives: the comm stream
      sum += ar[k]->bytes;
    }
    EXPECT_EQ(sum, 1'104'128);
  }
  // Buckets fill in backward order: the LM head and final norm (64,064 x 4 = 256,256 B) fill the
  // first two buckets, which wait for the last micro-batch's LM head backward; the last bucket
  // holds the embedding and waits for the embedding backward.
  auto dep_name = [&](const std::string& bucket) {
    const Op& op = w.ranks[0].ops[index_of(w, 0, bucket)];
    EXPECT_EQ(op.deps.size(), 1u);
    return w.str(w.ranks[0].ops[op.deps[0]].name);
  };
  EXPECT_EQ(dep_name("grad all_reduce bucket 0"), "lm_head bwd mb1");
  EXPECT_EQ(dep_name("grad all_reduce bucket 1"), "lm_head bwd mb1");
  EXPECT_EQ(dep_name("grad all_reduce bucket 10"), "embedding bwd mb1");
  // The optimizer step waits for every bucket; it moves 30 B per parameter (not sharded) and is
  // priced by those bytes alone (no FLOPs on the op).
  const Op& opt = w.ranks[0].ops[index_of(w, 0, "optimizer step")];
  EXPECT_EQ(opt.deps.size(), 12u);  // 11 buckets + the last compute op
  EXPECT_EQ(opt.mem_bytes, 30.0 * kTotalParams);
  EXPECT_EQ(opt.flops, 0.0);
}

TEST(TransformerParallelTest, Zero1And2ReduceScatterThenGatherWeights) {
  // ZeRO-1/2, dp = 4: the same 11 buckets, reduce-scattered; the optimizer updates a quarter of
  // the parameters (30 x 276,032 / 4 = 2,070,240 B moved) and then one all-gather of the updated
  // 16-bit weights, 2 x 276,032 = 552,064 B, follows it.
  for (int stage : {1, 2}) {
    TransformerParams p = params(4, 1, 1, 2);
    p.zero_stage = stage;
    Workload w = make_transformer(p, nullptr);
    EXPECT_EQ(collectives(w, 0, CollectiveKind::kAllReduce).size(), 0u) << stage;
    EXPECT_EQ(collectives(w, 0, CollectiveKind::kReduceScatter, "grad reduce_scatter bucket").size(),
              11u)
        << stage;
    auto ag = collectives(w, 0, CollectiveKind::kAllGather);
    ASSERT_EQ(ag.size(), 1u);
    EXPECT_EQ(w.str(ag[0]->name), "weights all_gather");
    EXPECT_EQ(ag[0]->bytes, 552'064);
    int opt = index_of(w, 0, "optimizer step");
    EXPECT_EQ(w.ranks[0].ops[opt].mem_bytes, 2'070'240.0);
    EXPECT_EQ(ag[0]->deps, (std::vector<uint32_t>{static_cast<uint32_t>(opt)}));
  }
}

TEST(TransformerParallelTest, Zero3GathersWeightsPerLayerAndPass) {
  // ZeRO-3, dp = 4, m = 2, 4 layers, one stage: before each use of a weight block in every
  // micro-batch an all-gather of its 16-bit weights: per micro-batch the embedding (forward),
  // 4 layers forward, the LM head forward and backward, 4 layers backward = 11; x 2 = 22.
  // Layer gathers move 2 x 36,992 = 73,984 B. After each layer's backward a reduce-scatter of its
  // fp32 gradients (4 x 36,992 = 147,968 B): 4 x 2 = 8. The embedding and LM head (+ final norm)
  // gradients, (64,000 + 64,064) x 4 = 512,256 B, are reduce-scattered once after the last
  // micro-batch in buckets of 102,400 B: ceil(5.0025) = 6. No final weight gather.
  TransformerParams p = params(4, 1, 1, 2);
  p.zero_stage = 3;
  Workload w = make_transformer(p, nullptr);
  auto ag = collectives(w, 0, CollectiveKind::kAllGather);
  auto rs = collectives(w, 0, CollectiveKind::kReduceScatter);
  ASSERT_EQ(ag.size(), 22u);
  EXPECT_EQ(collectives(w, 0, CollectiveKind::kReduceScatter, "grads reduce_scatter").size(), 8u);
  EXPECT_EQ(collectives(w, 0, CollectiveKind::kReduceScatter, "bucket").size(), 6u);
  ASSERT_EQ(rs.size(), 14u);
  EXPECT_EQ(collectives(w, 0, CollectiveKind::kAllReduce).size(), 0u);
  EXPECT_EQ(collectives(w, 0, CollectiveKind::kAllGather, "layer").size(), 16u);
  EXPECT_EQ(collectives(w, 0, CollectiveKind::kAllGather, "lm_head").size(), 4u);
  EXPECT_EQ(collectives(w, 0, CollectiveKind::kAllGather, "embedding").size(), 2u);
  for (const Op* op : collectives(w, 0, CollectiveKind::kAllGather, "layer"))
    EXPECT_EQ(op->bytes, 2 * kLayerParams);
  for (const Op* op : collectives(w, 0, CollectiveKind::kReduceScatter, "grads reduce_scatter"))
    EXPECT_EQ(op->bytes, 4 * kLayerParams);
  EXPECT_EQ(index_of(w, 0, "weights all_gather"), -1);
  // The gathers are prefetched: each depends on the previous gather only.
  int first = index_of(w, 0, "embedding fwd weights all_gather");
  ASSERT_GE(first, 0);
  EXPECT_TRUE(w.ranks[0].ops[first].deps.empty());
  int g0 = index_of(w, 0, "layer 0 fwd weights all_gather");
  EXPECT_EQ(w.ranks[0].ops[g0].deps, std::vector<uint32_t>{static_cast<uint32_t>(first)});
  // The attention forward of layer 1 waits for layer 1's gather.
  int g1 = index_of(w, 0, "layer 1 fwd weights all_gather");
  int attn1 = index_of(w, 0, "layer 1 attn fwd mb0");
  const auto& d = w.ranks[0].ops[attn1].deps;
  EXPECT_NE(std::find(d.begin(), d.end(), static_cast<uint32_t>(g1)), d.end());
  // The optimizer step (30 x 276,032 / 4 = 2,070,240 B) waits for all 14 reduce-scatters.
  const Op& opt = w.ranks[0].ops[index_of(w, 0, "optimizer step")];
  EXPECT_EQ(opt.mem_bytes, 2'070'240.0);
  EXPECT_EQ(opt.deps.size(), 15u);  // 14 reduce-scatters + the last compute op
}

TEST(TransformerParallelTest, Zero3ReducesEveryGradientOverDataParallel) {
  // Reduce-scattered bytes of the last micro-batch = all parameters x 4 B = 1,104,128.
  TransformerParams p = params(4, 1, 1, 2);
  p.zero_stage = 3;
  Workload w = make_transformer(p, nullptr);
  int64_t last_mb = 0;
  for (const Op* op : collectives(w, 0, CollectiveKind::kReduceScatter))
    if (!has(w.str(op->name), "mb0")) last_mb += op->bytes;
  EXPECT_EQ(last_mb, 4 * kTotalParams);
}

TEST(TransformerParallelTest, RankPlacementTpInnermost) {
  // tp = dp = pp = 2: rank = t + tp (d + dp p). Rank 5 is t = 1, d = 0, p = 1: its TP group is
  // {4, 5}, its DP group {5, 7}, and its previous pipeline stage is rank 1 (t = 1, d = 0, p = 0).
  // Checked for every rank through the groups of its collectives and the peers of its p2p ops.
  const int tp = 2, dp = 2, pp = 2;
  Workload w = make_transformer(params(dp, tp, pp, 2), nullptr);
  ASSERT_EQ(w.ranks.size(), 8u);
  auto rank = [&](int t, int d, int p) { return t + tp * (d + dp * p); };
  for (int r = 0; r < 8; ++r) {
    const int t = r % tp, d = (r / tp) % dp, p = r / (tp * dp);
    std::vector<int> tp_group{rank(0, d, p), rank(1, d, p)};
    std::vector<int> dp_group{rank(t, 0, p), rank(t, 1, p)};
    auto tp_ops = collectives(w, r, CollectiveKind::kAllReduce, "layer ");
    auto dp_ops = collectives(w, r, CollectiveKind::kAllReduce, "grad ");
    ASSERT_FALSE(tp_ops.empty());
    ASSERT_FALSE(dp_ops.empty());
    for (const Op* op : tp_ops) EXPECT_EQ(w.groups[op->group], tp_group) << r;
    for (const Op* op : dp_ops) EXPECT_EQ(w.groups[op->group], dp_group) << r;
    const int peer = rank(t, d, 1 - p);
    for (const Op* op : ops(w, r, OpKind::kSend)) EXPECT_EQ(op->peer, peer) << r;
    for (const Op* op : ops(w, r, OpKind::kRecv)) EXPECT_EQ(op->peer, peer) << r;
  }
  EXPECT_EQ(w.groups[collectives(w, 5, CollectiveKind::kAllReduce, "layer ")[0]->group],
            (std::vector<int>{4, 5}));
  EXPECT_EQ(w.groups[collectives(w, 5, CollectiveKind::kAllReduce, "grad ")[0]->group],
            (std::vector<int>{5, 7}));
  EXPECT_EQ(ops(w, 5, OpKind::kRecv, "recv activations")[0]->peer, 1);
}

TEST(TransformerParallelTest, MemoryOfFirstStage) {
  // ZeRO-paper accounting (16-bit gradients) and the full Korthikanti activation formula
  // (unfused attention keeps the scores): see memory_model.h.
  auto zero_paper = [](TransformerParams q) {
    q.grad_bytes = 2;
    q.attention = AttentionKernel::kUnfused;
    return q;
  };
  // pp = 2, tp = 1, dp = 4, ZeRO-1, m = 2, no recomputation. Stage 0 holds layers 0-1 and the
  // embedding: 2 x 36,992 + 64,000 = 137,984 parameters; ZeRO-1 at N = 4: 4 + 12/4 = 7 B each
  // = 965,888 B (weights 2 x 137,984 = 275,968; gradients the same; optimizer 3 x 137,984).
  // Activations (Korthikanti Table 2, t = 1): s b h (34 + 5 a s / h) = 32 x 64 x (34 + 5 x 4 x
  // 32 / 64) = 2,048 x 44 = 90,112 B per layer and micro-batch; 2 layers; 1F1B keeps
  // min(pp, m) = 2 micro-batches in flight: 360,448 B.
  TransformerParams p = zero_paper(params(4, 1, 2, 2));
  p.zero_stage = 1;
  TransformerInfo info;
  make_transformer(p, &info);
  EXPECT_EQ(info.memory_first_stage.params, 275'968.0);
  EXPECT_EQ(info.memory_first_stage.grads, 275'968.0);
  EXPECT_EQ(info.memory_first_stage.optimizer, 413'952.0);
  EXPECT_EQ(info.activations_in_flight, 2.0);
  EXPECT_EQ(info.memory_first_stage.activations, 360'448.0);
  EXPECT_EQ(info.memory_first_stage.total(), 965'888.0 + 360'448.0);
  // GPipe keeps all m micro-batches: with m = 4 (global batch 16), 90,112 x 2 x 4 = 720,896 B.
  TransformerParams g = zero_paper(params(4, 1, 2, 4));
  g.schedule = PipelineSchedule::kGpipe;
  make_transformer(g, &info);
  EXPECT_EQ(info.activations_in_flight, 4.0);
  EXPECT_EQ(info.memory_first_stage.activations, 720'896.0);
}

TEST(TransformerParallelTest, MemoryOfFirstStageSplitsOverTensorParallel) {
  // ZeRO-paper accounting (16-bit gradients) and the full Korthikanti activation formula
  // (unfused attention keeps the scores): see memory_model.h.
  auto zero_paper = [](TransformerParams q) {
    q.grad_bytes = 2;
    q.attention = AttentionKernel::kUnfused;
    return q;
  };
  // tp = 2, pp = 2, dp = 1, ZeRO-0: stage 0 holds (2 x 36,992 + 64,000) / 2 = 68,992 parameters
  // per rank, 16 B each = 1,103,872 B.
  TransformerInfo info;
  make_transformer(zero_paper(params(1, 2, 2, 2)), &info);
  EXPECT_EQ(info.memory_first_stage.params + info.memory_first_stage.grads +
                info.memory_first_stage.optimizer,
            1'103'872.0);
}

// BUG (reported): with pp = 1 stage 0 holds the whole model, but TransformerInfo counts
// layers + embedding + LM head and leaves out the final norm (h = 64 parameters here), which
// Builder places on the last stage (`head = lm_head_params + hidden`). ZeRO-0 at pp = 1 should be
// 16 x 276,032 = 4,416,512 B; the report gives 16 x 275,968 = 4,415,488 B. Suggested fix in
// make_transformer: `(p.pp == 1 ? static_cast<double>(m.lm_head_params() + m.hidden) / p.tp : 0.0)`.
TEST(TransformerParallelTest, MemoryAtPp1CountsEveryParameter) {
  // ZeRO-paper accounting (16-bit gradients) and the full Korthikanti activation formula
  // (unfused attention keeps the scores): see memory_model.h.
  auto zero_paper = [](TransformerParams q) {
    q.grad_bytes = 2;
    q.attention = AttentionKernel::kUnfused;
    return q;
  };
  TransformerInfo info;
  make_transformer(zero_paper(params(1, 1, 1, 1)), &info);
  const auto& m = info.memory_first_stage;
  EXPECT_EQ(m.params + m.grads + m.optimizer, 16.0 * kTotalParams);
}

TEST(TransformerParallelTest, MemoryOfFirstStageInterleaved) {
  // pp = 2, v = 2, m = 4, ZeRO-0, 16-bit gradients, unfused attention: stage 0 holds layers 0
  // and 2 and the embedding (the same 137,984 parameters as without interleaving). It runs
  // 2 (pp - 1) + (v - 1) pp = 4 warm-up chunk forwards and holds one more at its peak: 5 chunks
  // of one layer, 5 x 90,112 = 450,560 B; (v pp + pp - 1)/v = 2.5 stage micro-batches, i.e.
  // 1 + (pp - 1)/(pp v) = 1.25 times the 2 of plain 1F1B (Korthikanti et al. section 4.2.3).
  TransformerParams p = params(1, 1, 2, 4);
  p.grad_bytes = 2;
  p.attention = AttentionKernel::kUnfused;
  p.virtual_stages = 2;
  TransformerInfo info;
  make_transformer(p, &info);
  EXPECT_EQ(info.activations_in_flight, 2.5);
  EXPECT_EQ(info.memory_first_stage.activations, 450'560.0);
  EXPECT_EQ(info.memory_first_stage.params, 2.0 * 137'984);
}

TEST(TransformerParallelTest, MemoryReportsTheMostLoadedStage) {
  // pp = 2, stage_layers {1, 3}, m = 2, ZeRO-0 (16 B per parameter), 16-bit gradients, unfused
  // attention (90,112 B per layer and micro-batch). Stage 0: 36,992 + 64,000 = 100,992
  // parameters = 1,615,872 B, + 2 micro-batches x 1 layer = 180,224 B: 1,796,096 B. Stage 1:
  // 3 x 36,992 + 64,064 = 175,040 parameters = 2,800,640 B, + 1 x 3 layers = 270,336 B:
  // 3,070,976 B, the larger: reported, with 1 micro-batch in flight.
  TransformerParams p = params(1, 1, 2, 2);
  p.grad_bytes = 2;
  p.attention = AttentionKernel::kUnfused;
  p.stage_layers = {1, 3};
  TransformerInfo info;
  make_transformer(p, &info);
  EXPECT_EQ(info.memory_first_stage.total(), 3'070'976.0);
  EXPECT_EQ(info.memory_first_stage.activations, 270'336.0);
  EXPECT_EQ(info.activations_in_flight, 1.0);
}

TransformerParams with(const std::function<void(TransformerParams&)>& edit) {
  TransformerParams p = params(1, 1, 1, 1);
  edit(p);
  return p;
}

std::string build_error(const TransformerParams& p) {
  return config_error([&] { make_transformer(p, nullptr); });
}

TEST(TransformerParallelTest, RejectsLayersNotDivisibleByPp) {
  EXPECT_EQ(build_error(with([](auto& p) { p.pp = 3; })), "layers (4) must be a multiple of pp (3)");
}

TEST(TransformerParallelTest, RejectsHeadsNotDivisibleByTp) {
  EXPECT_EQ(build_error(with([](auto& p) { p.tp = 3; })), "heads (4) must be a multiple of tp (3)");
}

TEST(TransformerParallelTest, RejectsGlobalBatchNotDivisibleByDpTimesMicroBatch) {
  EXPECT_EQ(build_error(with([](auto& p) {
              p.dp = 2;
              p.micro_batch = 2;
              p.global_batch = 6;
            })),
            "global_batch (6) must be a positive multiple of dp x micro_batch (2 x 2 = 4)");
  EXPECT_EQ(build_error(with([](auto& p) { p.global_batch = 0; })),
            "global_batch (0) must be a positive multiple of dp x micro_batch (1 x 1 = 1)");
}

TEST(TransformerParallelTest, PlacementOrderSetsTheGroups) {
  // dp 2, tp 2, pp 2 (8 ranks). Default tp-dp-pp: rank = t + 2 (d + 2 p): rank 0's TP group
  // {0, 1}, DP group {0, 2}, pipeline peer 4. dp-tp-pp: rank = d + 2 (t + 2 p): TP {0, 2},
  // DP {0, 1}, peer 4. tp-pp-dp: rank = t + 2 (p + 2 d): TP {0, 1}, DP {0, 4}, peer 2.
  struct Case {
    const char* order;
    std::vector<int> tp, dp;
    int peer;
  };
  for (const Case& c : {Case{"tp-dp-pp", {0, 1}, {0, 2}, 4}, Case{"dp-tp-pp", {0, 2}, {0, 1}, 4},
                        Case{"tp-pp-dp", {0, 1}, {0, 4}, 2}}) {
    TransformerParams p = params(2, 2, 2, 2);
    p.order = c.order;
    Workload w = make_transformer(p, nullptr);
    std::set<std::vector<int>> groups;
    int peer = -1;
    for (const Op& op : w.ranks[0].ops) {
      if (op.kind == OpKind::kCollective) groups.insert(w.groups[op.group]);
      if (op.kind == OpKind::kSend && peer < 0) peer = op.peer;
    }
    EXPECT_TRUE(groups.count(c.tp)) << c.order;
    EXPECT_TRUE(groups.count(c.dp)) << c.order;
    EXPECT_EQ(peer, c.peer) << c.order;
  }
  EXPECT_EQ(build_error(with([](auto& p) { p.order = "tp-tp-pp"; })),
            "placement order 'tp-tp-pp' must name tp, dp and pp once each, innermost first (e.g. "
            "tp-dp-pp)");
}

TEST(TransformerParallelTest, RejectsExpertParallelismOnADenseModel) {
  EXPECT_EQ(build_error(with([](auto& p) { p.ep = 2; })),
            "ep (2) needs a mixture-of-experts model; 'tiny4' is dense");
}

TEST(TransformerParallelTest, RejectsBadZeroStage) {
  EXPECT_EQ(build_error(with([](auto& p) { p.zero_stage = 4; })),
            "ZeRO stage must be 0, 1, 2 or 3; got 4");
  EXPECT_EQ(build_error(with([](auto& p) { p.zero_stage = -1; })),
            "ZeRO stage must be 0, 1, 2 or 3; got -1");
}

TEST(TransformerParallelTest, RejectsBadVirtualStages) {
  auto pp2 = [](TransformerParams& p) {
    p.pp = 2;
    p.global_batch = 4;
  };
  EXPECT_EQ(build_error(with([&](auto& p) {
              pp2(p);
              p.virtual_stages = 0;
            })),
            "virtual_stages must be >= 1; got 0");
  EXPECT_EQ(build_error(with([](auto& p) { p.virtual_stages = 2; })),
            "virtual_stages (2) > 1 needs pp >= 2; got pp 1");
  EXPECT_EQ(build_error(with([&](auto& p) {
              pp2(p);
              p.virtual_stages = 2;
              p.schedule = PipelineSchedule::kGpipe;
            })),
            "virtual_stages (2) > 1 needs the 1f1b schedule");
  EXPECT_EQ(build_error(with([&](auto& p) {
              pp2(p);
              p.virtual_stages = 3;
            })),
            "layers (4) must be a multiple of pp x virtual_stages (2 x 3 = 6)");
  EXPECT_EQ(build_error(with([&](auto& p) {
              pp2(p);
              p.virtual_stages = 2;
              p.global_batch = 3;
            })),
            "virtual_stages (2) > 1: the micro-batches per pipeline, global_batch / (dp x "
            "micro_batch) = 3 / (1 x 1) = 3, must be a multiple of pp (2)");
}

TEST(TransformerParallelTest, RejectsBadStageLayers) {
  auto pp2 = [](TransformerParams& p) { p.pp = 2; };
  EXPECT_EQ(build_error(with([&](auto& p) {
              pp2(p);
              p.stage_layers = {4};
            })),
            "stage_layers has 1 entries but pp is 2");
  EXPECT_EQ(build_error(with([&](auto& p) {
              pp2(p);
              p.stage_layers = {4, 0};
            })),
            "stage_layers[1] must be >= 1; got 0");
  EXPECT_EQ(build_error(with([&](auto& p) {
              pp2(p);
              p.stage_layers = {2, 3};
            })),
            "stage_layers sum to 5 but the model has 4 layers");
  EXPECT_EQ(build_error(with([&](auto& p) {
              pp2(p);
              p.global_batch = 2;
              p.stage_layers = {2, 2};
              p.virtual_stages = 2;
            })),
            "stage_layers with virtual_stages (2) > 1 is not modelled");
  // Without stage_layers the even split stays required; with them pp need not divide layers.
  EXPECT_EQ(build_error(with([](auto& p) { p.pp = 3; })), "layers (4) must be a multiple of pp (3)");
  EXPECT_EQ(build_error(with([](auto& p) {
              p.pp = 3;
              p.stage_layers = {1, 1, 2};
            })),
            "<no error>");
}

TEST(TransformerParallelTest, RejectsGradientReductionAfterBackwardWithZero3) {
  EXPECT_EQ(build_error(with([](auto& p) {
              p.zero_stage = 3;
              p.overlap_grad_reduce = false;
            })),
            "overlap_grad_reduce: false is modelled for ZeRO 0-2 (ZeRO-3 reduces each layer's "
            "gradients as its backward ends)");
}

TEST(TransformerParallelTest, RejectsOtherMisuse) {
  EXPECT_EQ(build_error(with([](auto& p) { p.dp = 0; })),
            "parallel degrees must be >= 1; got dp 0, tp 1, pp 1, sp 1, ep 1");
  EXPECT_EQ(build_error(with([](auto& p) {
              p.tp = 4;
              p.sequence_parallel = true;
              p.seq_len = 30;
            })),
            "sequence parallelism: seq_len (30) must be a multiple of tp (4)");
  EXPECT_EQ(build_error(with([](auto& p) { p.model.kv_heads = 3; })),
            "heads (4) must be a multiple of kv_heads (3)");
  EXPECT_EQ(build_error(with([](auto& p) { p.seq_len = 0; })), "seq_len and micro_batch must be >= 1");
  EXPECT_EQ(build_error(with([](auto& p) { p.bucket_bytes = 0; })), "bucket size must be positive");
}

}  // namespace
}  // namespace dtsim::workloads
