#include "tools/dtsim/plan/pricer.h"

#include <algorithm>
#include <cmath>

#include "models/workloads/transformer_memory.h"
#include "models/workloads/transformer_placement.h"
#include "simcore/error.h"
#include "simcore/program_builder.h"
#include "tools/dtsim/kinds/common.h"
#include "tools/dtsim/runner.h"

namespace dtsim::cli::plan {

using simcore::CollectiveKind;
using workloads::Recompute;

LayoutPricer::LayoutPricer(const Scenario& s, const workloads::TransformerParams& base)
    : s_(s),
      base_(base),
      peak_flops_(kinds::peak_flops_per_s(s)),
      router_(s.topology),
      comm_(sim_, s.topology, router_, collective_options(s), s.links),
      compute_(make_compute_model(s)) {
  DTSIM_ASSERT(s.network_model == "analytical", "LayoutPricer: the scenario must be analytical");
}

MemoryFit LayoutPricer::memory(const Layout& l) const {
  const workloads::TransformerParams p = with_layout(base_, l);
  const workloads::TransformerInfo info = workloads::transformer_info(p, {}, {});
  MemoryFit f;
  f.memory = info.memory_first_stage;
  const double cap = s_.device.hbm_capacity_bytes;
  f.fits = f.memory.total() <= cap;
  if (!f.fits)
    f.reason = f.memory.params + f.memory.grads + f.memory.optimizer > cap ? "model states"
                                                                           : "activations";
  return f;
}

double LayoutPricer::probe_step_s(const Layout& l, int layers) {
  Layout one = l;
  one.gpus = l.tp * l.sp * l.cp;
  one.dp = 1;
  one.pp = 1;
  one.virtual_stages = 1;
  one.zero = 0;
  workloads::TransformerParams p = with_layout(base_, one);
  p.model.layers = layers;
  p.global_batch = l.micro_batch;
  workloads::TransformerInfo info;
  const simcore::Workload w = workloads::make_transformer_inner_step(p, &info);
  const RunOutcome o = simulate_workload(s_, w, false, router_);
  return o.result.makespan.seconds();
}

const LayoutPricer::LayerBlock& LayoutPricer::layer_block(const Layout& l) {
  const auto key = std::make_tuple(l.tp, l.sp, l.cp, l.micro_batch, static_cast<int>(l.recompute),
                                   l.sequence_parallel);
  auto it = layers_.find(key);
  if (it != layers_.end()) return it->second;
  const double one = probe_step_s(l, 1), two = probe_step_s(l, 2);
  LayerBlock b;
  b.layer_s = two - one;
  b.edges_s = std::max(0.0, one - b.layer_s);
  return layers_.emplace(key, b).first->second;
}

double LayoutPricer::collective_s(CollectiveKind kind, int first, int stride, int count,
                                  double bytes, const std::string& algorithm) {
  if (count <= 1 || bytes <= 0) return 0;
  const auto key = std::make_tuple(static_cast<int>(kind), first, stride, count, bytes);
  auto it = collectives_.find(key);
  if (it != collectives_.end()) return it->second;
  std::vector<int> members;
  for (int k = 0; k < count; ++k) members.push_back(first + k * stride);
  groups_.push_back(std::move(members));
  simcore::CollectiveCall call{kind, algorithm, &groups_.back(),
                               static_cast<int64_t>(std::llround(bytes)), 0, nullptr};
  const simcore::Time t0 = sim_.now();
  simcore::Time t1 = t0;
  bool done = false;
  comm_.start_collective(call, [&] {
    t1 = sim_.now();
    done = true;
  });
  sim_.run();
  DTSIM_ASSERT(done, "LayoutPricer: a collective did not finish");
  return collectives_.emplace(key, (t1 - t0).seconds()).first->second;
}

double LayoutPricer::p2p_s(int src, int dst, double bytes) {
  const auto key = std::make_tuple(src, dst, bytes);
  auto it = p2p_.find(key);
  if (it != p2p_.end()) return it->second;
  const simcore::Time t0 = sim_.now();
  simcore::Time t1 = t0;
  comm_.start_p2p(src, dst, static_cast<int64_t>(std::llround(bytes)), [&] { t1 = sim_.now(); });
  sim_.run();
  return p2p_.emplace(key, (t1 - t0).seconds()).first->second;
}

double LayoutPricer::optimizer_s(double shard_params) {
  auto it = optimizer_.find(shard_params);
  if (it != optimizer_.end()) return it->second;
  // The op gradient_sync.h builds: Adam priced by its memory traffic over the shard.
  simcore::Workload w;
  w.ranks.resize(1);
  simcore::ProgramBuilder b(w);
  const uint32_t op =
      b.compute(0, "optimizer step", 0, base_.optimizer_bytes_per_param * shard_params, "fp32");
  const double t = compute_->cost(w, w.ranks[0].ops[op], 0).time.seconds();
  return optimizer_.emplace(shard_params, t).first->second;
}

Estimate LayoutPricer::price(const Layout& l) {
  const workloads::TransformerParams p = with_layout(base_, l);
  const workloads::TransformerConfig& m = p.model;
  const LayerBlock& block = layer_block(l);
  const double micro = static_cast<double>(p.global_batch) / (static_cast<double>(l.dp) * l.micro_batch);
  const double stage_layers = static_cast<double>(m.layers) / l.pp;
  const std::string& dp_algo = p.dp_algorithm;
  // The gradient-reduction group of stage 0's first rank: its DP peers, and with Ulysses every
  // rank of the stage (the SP ranks join the reduction), contiguous under tp-dp-pp.
  // With context parallelism the CP ranks of one TP rank join it (stride tp under tp-cp-dp-pp).
  const int dp_stride = l.sp > 1 ? 1 : l.tp, dp_count = l.dp * l.sp * l.cp;

  // Forward share of a layer's time: backward costs twice the forward, full recomputation adds
  // the forward again before it.
  const double f_fwd = l.recompute == Recompute::kFull ? 0.25 : 1.0 / 3.0;
  // ZeRO-3: each layer's weights are all-gathered before its forward and its backward, and its
  // gradients reduce-scattered after its backward, every micro-batch, on the DP stream. As the
  // generator orders them, the forward gathers are prefetched (chained only among themselves),
  // so the forward takes max(forward, gather); in the backward the gather of layer l - 1 queues
  // behind layer l's reduce-scatter, which waits for layer l's backward, so the backward
  // serialises: backward + reduce-scatter + gather.
  double layer_s = block.layer_s;
  if (l.zero == 3) {
    const double layer_params = static_cast<double>(m.params_per_layer()) / l.tp;
    const double gather =
        collective_s(CollectiveKind::kAllGather, 0, dp_stride, dp_count, 2 * layer_params,
                     dp_algo);
    const double scatter = collective_s(CollectiveKind::kReduceScatter, 0, dp_stride, dp_count,
                                        p.grad_bytes * layer_params, dp_algo);
    layer_s = std::max(f_fwd * block.layer_s, gather) + (1 - f_fwd) * block.layer_s + scatter +
              gather;
  }
  Estimate e;
  const double t_mb = stage_layers * layer_s + block.edges_s;
  e.bubble_s = (l.pp - 1.0) / l.virtual_stages * t_mb;
  e.pipeline_s = micro * t_mb + e.bubble_s;
  if (l.pp > 1) {
    // Activations (forward) and their gradients (backward) between stages, b s h / tp 16-bit
    // values. 1F1B: a stage's next input arrived during its previous step, so only the fill and
    // the drain wait for transfers, 2 (pp - 1) of them. Interleaved: each of a rank's m v chunk
    // steps a direction waits for the chunk its neighbour has just finished, so every hand-off
    // is on the critical path, 2 m v of them.
    const double act =
        static_cast<double>(p.seq_len) * l.micro_batch * m.hidden * 2 / (l.tp * l.sp * l.cp);
    const double hops =
        l.virtual_stages > 1 ? 2.0 * micro * l.virtual_stages : 2.0 * (l.pp - 1);
    e.pipeline_s += hops * p2p_s(0, l.tp * l.sp * l.cp * l.dp, act);
  }
  // The most loaded stage's weights (the first holds the embedding, the last the LM head).
  double params = 0;
  for (int st : {0, l.pp - 1}) {
    const workloads::LayerShare sh = workloads::stage_parameters(m, p, st);
    params = std::max(params, sh.dense + sh.experts);
  }
  if (dp_count > 1 && l.zero < 3) {
    const CollectiveKind kind =
        l.zero == 0 ? CollectiveKind::kAllReduce : CollectiveKind::kReduceScatter;
    const double grad = params * p.grad_bytes;
    const double bucket = std::min(grad, p.bucket_bytes);
    const double full = std::floor(grad / bucket), rest = grad - full * bucket;
    const double t_bucket = collective_s(kind, 0, dp_stride, dp_count, bucket, dp_algo);
    const double t_rest = collective_s(kind, 0, dp_stride, dp_count, rest, dp_algo);
    const double reduce = full * t_bucket + t_rest;
    const double window = (1 - f_fwd) * stage_layers * block.layer_s;
    e.dp_exposed_s = p.overlap_grad_reduce
                         ? std::max(reduce - window, rest > 0 ? t_rest : t_bucket)
                         : reduce;
    if (l.zero > 0)
      e.dp_exposed_s +=
          collective_s(CollectiveKind::kAllGather, 0, dp_stride, dp_count, 2 * params, dp_algo);
  }
  e.optimizer_s = optimizer_s(params / (l.zero >= 1 ? dp_count : 1));
  e.step_s = e.pipeline_s + e.dp_exposed_s + e.optimizer_s;
  const double tokens = static_cast<double>(p.global_batch) * p.seq_len;
  e.tokens_per_s = tokens / e.step_s;
  const double model_flops = 3.0 * tokens * m.forward_flops_per_token(p.seq_len);
  e.mfu = peak_flops_ > 0 ? model_flops / e.step_s / l.gpus / peak_flops_ : 0;
  return e;
}

}  // namespace dtsim::cli::plan
