// Step times of the transformer workload replayed with fixed-cost fakes, against the closed forms
// of pipeline schedules (Narayanan et al., "Efficient Large-Scale Language Model Training on GPU
// Clusters Using Megatron-LM", SC21, section 2.2.1) and of tensor-parallel communication on the
// critical path.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "models/workloads/transformer_config.h"
#include "models/workloads/transformer_parallel.h"
#include "simcore/executor.h"
#include "simcore/interfaces.h"
#include "simcore/simulator.h"
#include "simcore/workload.h"

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

bool has(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

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
  std::string start_collective(const CollectiveCall&, std::function<void()> done) override {
    sim_.schedule_in(collective_time_, std::move(done));
    return "fixed";
  }
  void start_p2p(int, int, int64_t, std::function<void()> done) override {
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

}  // namespace
}  // namespace dtsim::workloads
