// Step times of the transformer workload replayed with fixed-cost fakes, against the closed forms
// of pipeline schedules (Narayanan et al., "Efficient Large-Scale Language Model Training on GPU
// Clusters Using Megatron-LM", SC21, section 2.2.1) and of tensor-parallel communication on the
// critical path.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "models/workloads/transformer_config.h"
#include "models/workloads/transformer_parallel.h"
#include "simcore/executor.h"
#include "simcore/interfaces.h"
#include "simcore/simulator.h"
#include "simcore/workload.h"
#include "tests/support/strings.h"

namespace dtsim::workloads {
namespace {

using simcore::CollectiveCall;
using simcore::ComputeCost;
using simcore::ComputeModel;
using simcore::CommModel;
using simcore::Executor;
using simcore::ExecutionResult;
using simcore::Op;
using simcore::Simulator;
using simcore::Time;
using simcore::Workload;

// The unit of compute time: every attention or MLP forward op of a layer takes kA, every
// backward op 2 kA (backward costs twice the forward); embedding, LM head and memory-bound
// kernels (elementwise, softmax) take 0, so all pipeline stages are equal; the optimizer step
// takes kOpt.
const Time kA = Time::us(1);
const Time kOpt = Time::us(1);

using test::has;

class FixedCompute : public ComputeModel {
 public:
  ComputeCost cost(const Workload& w, const Op& op, int) const override {
    const std::string& n = w.str(op.name);
    if (n == "optimizer step") return {kOpt, "fixed"};
    if (has(n, " attn fwd mb") || has(n, " mlp fwd mb")) return {kA, "fixed"};
    if (has(n, " attn bwd mb") || has(n, " mlp bwd mb")) return {kA * 2, "fixed"};
    return {Time::zero(), "fixed"};  // embedding, LM head, memory-bound kernels
  }
};

/** Every collective takes `collective_time`, every point-to-point transfer `p2p_time`. */
class FixedComm : public CommModel {
 public:
  FixedComm(Simulator& sim, Time collective_time, Time p2p_time)
      : sim_(sim), collective_time_(collective_time), p2p_time_(p2p_time) {}
  std::string start_collective(const CollectiveCall&, std::function<void()> done,
                               simcore::FailFn = {}) override {
    sim_.schedule_in(collective_time_, std::move(done));
    return "fixed";
  }
  void start_p2p(int, int, int64_t, std::function<void()> done,
                               simcore::FailFn = {}) override {
    sim_.schedule_in(p2p_time_, std::move(done));
  }
  std::vector<simcore::LinkClassUsage> link_usage() const override { return {}; }

 private:
  Simulator& sim_;
  Time collective_time_, p2p_time_;
};

ExecutionResult replay(const Workload& w, Time collective_time = Time::zero(),
                       Time p2p_time = Time::zero()) {
  Simulator sim;
  FixedCompute compute;
  FixedComm comm(sim, collective_time, p2p_time);
  Executor exec(sim, w, compute, comm, /*record_ops=*/false);
  exec.start();
  sim.run();
  return exec.finish();
}

// Test input, not a real model: 4 layers so that pp = 4 puts one layer on each stage.
TransformerConfig four_layers() {
  TransformerConfig m;
  m.name = "four-layers";
  m.layers = 4;
  m.hidden = 64;
  m.ffn_hidden = 128;
  m.heads = 4;
  m.kv_heads = 4;
  m.vocab = 1000;
  return m;
}

TransformerParams pipeline(int pp, int m, PipelineSchedule schedule) {
  TransformerParams p;
  p.model = four_layers();
  p.pp = pp;
  p.seq_len = 32;
  p.micro_batch = 1;
  p.global_batch = m;
  p.schedule = schedule;
  return p;
}

// One stage (one layer: attention + MLP) per micro-batch: t_f = 2 kA = 2 us forward,
// t_b = 2 x 2 kA = 4 us backward.
const Time kTf = kA * 2;
const Time kTb = kA * 4;

// Closed form, pp = p equal stages, m micro-batches, free communication. GPipe: stage s starts
// forward i at (s + i) t_f; the last stage ends its forwards at (p - 1 + m) t_f and runs its m
// backwards back to back; stage s ends backward i at (p - 1 + m) t_f + (i + 1) t_b +
// (p - 1 - s) t_b. 1F1B: the last stage runs F0 from (p - 1) t_f and then alternates without a
// stall (stage p - 2 delivers F(i+1) exactly when the last stage ends B(i)), ending B(m-1) at
// (p - 1) t_f + m (t_f + t_b); the drain adds t_b per stage upstream. Both schedules give, for
// stage s, its last backward at
//   (p - 1) t_f + m (t_f + t_b) + (p - 1 - s) t_b,
// so stage 0 is last and the step is
//   T = (m + p - 1)(t_f + t_b) + t_opt,
// i.e. the ideal m (t_f + t_b) plus a bubble of (p - 1)(t_f + t_b): a fraction (p - 1)/m of the
// ideal time (Narayanan et al. SC21, section 2.2.1).
Time closed_form_stage(int p, int m, int s) {
  return kTf * (p - 1) + (kTf + kTb) * m + kTb * (p - 1 - s) + kOpt;
}

TEST(TransformerPipelineTest, GpipeStepIsIdealPlusBubble) {
  for (int m : {1, 2, 4, 8, 13}) {
    ExecutionResult r = replay(make_transformer(pipeline(4, m, PipelineSchedule::kGpipe), nullptr));
    // (m + 3) x 6 us + 1 us; m = 8: 66 us + 1 us = 67 us.
    EXPECT_EQ(r.makespan, (kTf + kTb) * (m + 3) + kOpt) << "m " << m;
    ASSERT_EQ(r.rank_finish.size(), 4u);
    for (int s = 0; s < 4; ++s)
      EXPECT_EQ(r.rank_finish[s], closed_form_stage(4, m, s)) << "m " << m << " stage " << s;
  }
}

TEST(TransformerPipelineTest, OneFOneBStepIsIdealPlusBubble) {
  for (int m : {1, 2, 4, 8, 13}) {
    ExecutionResult r =
        replay(make_transformer(pipeline(4, m, PipelineSchedule::kOneFOneB), nullptr));
    EXPECT_EQ(r.makespan, (kTf + kTb) * (m + 3) + kOpt) << "m " << m;
    for (int s = 0; s < 4; ++s)
      EXPECT_EQ(r.rank_finish[s], closed_form_stage(4, m, s)) << "m " << m << " stage " << s;
  }
}

TEST(TransformerPipelineTest, BubbleFractionIsPpMinusOneOverM) {
  // m = 8, pp = 4: ideal m (t_f + t_b) = 48 us; bubble (pp - 1)(t_f + t_b) = 18 us = 3/8 of it.
  ExecutionResult r = replay(make_transformer(pipeline(4, 8, PipelineSchedule::kOneFOneB), nullptr));
  const Time ideal = (kTf + kTb) * 8;
  EXPECT_EQ(ideal, Time::us(48));
  EXPECT_EQ(r.makespan - kOpt - ideal, Time::us(18));
  EXPECT_EQ((r.makespan - kOpt - ideal).count_ps() * 8, ideal.count_ps() * 3);
}

TEST(TransformerPipelineTest, NoPipelineHasNoBubble) {
  // pp = 1: one stage of 4 layers, t_f = 8 us, t_b = 16 us; m = 3: 3 x 24 + 1 = 73 us.
  ExecutionResult r = replay(make_transformer(pipeline(1, 3, PipelineSchedule::kOneFOneB), nullptr));
  EXPECT_EQ(r.makespan, Time::us(73));
}

TEST(TransformerPipelineTest, TensorParallelAllReducesAreOnTheCriticalPath) {
  // tp = 2, pp = 1, m = 1, every all-reduce takes c = 300 ns. Per layer: forward
  // attn + AR + mlp + AR = 2 kA + 2c, backward mlp + AR + attn + AR = 4 kA + 2c; 4 layers:
  // 24 kA + 16 c = 24 us + 4.8 us; + optimizer 1 us = 29.8 us.
  TransformerParams p = pipeline(1, 1, PipelineSchedule::kOneFOneB);
  p.tp = 2;
  ExecutionResult r = replay(make_transformer(p, nullptr), Time::ns(300));
  EXPECT_EQ(r.makespan, Time::ns(29'800));
}

TEST(TransformerPipelineTest, DataParallelReductionWithOneBucketIsExposed) {
  // dp = 2, tp = pp = 1, m = 1, ZeRO-0, one gradient bucket (bucket larger than all gradients):
  // its all-reduce waits for the embedding backward (the end of the backward, 24 us) and the
  // optimizer waits for it: 24 us + c + 1 us with c = 500 ns: 25.5 us.
  TransformerParams p = pipeline(1, 1, PipelineSchedule::kOneFOneB);
  p.dp = 2;
  p.global_batch = 2;
  p.bucket_bytes = 1e9;
  ExecutionResult r = replay(make_transformer(p, nullptr), Time::ns(500));
  EXPECT_EQ(r.makespan, Time::ns(25'500));
}

// Interleaved 1F1B (Narayanan et al. SC21, section 2.2.2): pp x v model chunks of one layer
// each (pp = 4, v = 1: four stages of two layers). A chunk's forward takes f = 2 kA = 2 us, its
// backward b = 4 kA = 4 us.
TransformerParams interleaved(int pp, int v, int m) {
  TransformerParams p = pipeline(pp, m, PipelineSchedule::kOneFOneB);
  p.model.layers = pp * std::max(v, 2);
  p.virtual_stages = v;
  return p;
}
const Time kChunkF = kA * 2, kChunkB = kA * 4;

// Closed form: with v chunks per rank, a stage's forward and backward take t_f = v f and
// t_b = v b, and the bubble shrinks from (p - 1)(t_f + t_b) to (p - 1)(t_f + t_b)/v =
// (p - 1)(f + b) (paper, section 2.2.2); each rank computes m v (f + b), so
//   T = (m v + p - 1)(f + b) + t_opt.
// Worked for m = p (every chunk forward in the warm-up): number the virtual stages c = j p + s
// (chunk j of rank s); F(c, i) ends at (c + i + 1) f, since both its input F(c - 1, i) and the
// rank's previous op (F(c, i - 1), or F(c - p, p - 1) when i = 0) end at (c + i) f. The last
// forward, F(p v - 1, p - 1), ends at E = (p v + p - 1) f; mirrored, B(c, i) ends at
// E + (p v - c + i) b, so B(0, p - 1) on rank 0 ends at E + (p v + p - 1) b: T - t_opt =
// (p v + p - 1)(f + b) = (m v + p - 1)(f + b). For m > p the 1F1B steady state adds its
// (m - p) v (f + b) without a stall; an independent list-scheduling replay of Megatron-LM's op
// order (schedules.py, free communication) gives the same makespans for every case below.
TEST(TransformerPipelineTest, InterleavedBubbleIsPpMinusOneOverMv) {
  struct Case {
    int pp, v, m;
  };
  for (Case c : {Case{4, 2, 8}, Case{4, 2, 4}, Case{2, 4, 4}, Case{2, 2, 4}, Case{4, 2, 12}}) {
    ExecutionResult r = replay(make_transformer(interleaved(c.pp, c.v, c.m), nullptr));
    EXPECT_EQ(r.makespan, (kChunkF + kChunkB) * (c.m * c.v + c.pp - 1) + kOpt)
        << "pp " << c.pp << " v " << c.v << " m " << c.m;
  }
  // pp = 4, v = 2, m = 8: ideal m v (f + b) = 96 us; bubble (pp - 1)(f + b) = 18 us, a fraction
  // (pp - 1)/(m v) = 3/16 of it; the same pipeline without interleaving (two layers per stage,
  // t_f = 4 us, t_b = 8 us) has a bubble of (pp - 1)(t_f + t_b) = 36 us = 3/8.
  const Time ideal = Time::us(96);
  Time interleaved_bubble = replay(make_transformer(interleaved(4, 2, 8), nullptr)).makespan - kOpt - ideal;
  Time plain_bubble = replay(make_transformer(interleaved(4, 1, 8), nullptr)).makespan - kOpt - ideal;
  EXPECT_EQ(interleaved_bubble, Time::us(18));
  EXPECT_EQ(interleaved_bubble.count_ps() * 16, ideal.count_ps() * 3);
  EXPECT_EQ(plain_bubble, Time::us(36));
}

TEST(TransformerPipelineTest, UnevenStagesPaceThePipelineByTheLargest) {
  // pp = 2, stage_layers {1, 3}, 1F1B, m = 4: stage 1 is three times slower (t_f = 6 us,
  // t_b = 12 us) and never idles once it starts at stage 0's first forward (2 us): it ends its
  // last backward at 2 + 4 x 18 = 74 us; stage 0 then runs the last backward of its layer,
  // 4 us: 78 us, + t_opt = 79 us.
  TransformerParams p = pipeline(2, 4, PipelineSchedule::kOneFOneB);
  p.stage_layers = {1, 3};
  EXPECT_EQ(replay(make_transformer(p, nullptr)).makespan, Time::us(79));
}

TEST(TransformerPipelineTest, GradientReductionAfterTheBackwardIsOneExposedCollective) {
  // dp = 2, tp = pp = 1, m = 1, overlap_grad_reduce = false with 1 KiB buckets (which it
  // ignores): one all-reduce of the whole gradient buffer starts after the embedding backward
  // (24 us) and takes c = 500 ns; then the optimizer, 1 us: 25.5 us.
  TransformerParams p = pipeline(1, 1, PipelineSchedule::kOneFOneB);
  p.dp = 2;
  p.global_batch = 2;
  p.bucket_bytes = 1024;
  p.overlap_grad_reduce = false;
  EXPECT_EQ(replay(make_transformer(p, nullptr), Time::ns(500)).makespan, Time::ns(25'500));
}

}  // namespace
}  // namespace dtsim::workloads
