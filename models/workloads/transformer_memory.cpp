#include "models/workloads/transformer_memory.h"

#include <algorithm>

#include "models/workloads/memory_model.h"
#include "models/workloads/pipeline_schedule.h"
#include "models/workloads/transformer_placement.h"

namespace dtsim::workloads {

TransformerInfo transformer_info(const TransformerParams& p,
                                 const std::vector<MoeLayerPlan>& moe_plan,
                                 const MoeStepSummary& moe_summary) {
  const TransformerConfig& m = p.model;
  const double tokens_per_rank = static_cast<double>(p.seq_len) * p.micro_batch / p.seq_split();
  TransformerInfo result;
  const int mbs = static_cast<int>(p.global_batch / (p.dp * p.micro_batch));
  result.params = m.total_params();
  result.micro_batches = mbs;
  result.tokens = static_cast<double>(p.global_batch) * p.seq_len;
  // Model FLOPs count the work the step does: routed-expert work of dropped tokens (capacity
  // factor) is not done, so it is not counted.
  double dropped_flops_per_token = 0;
  for (int l = 0; l < m.layers; ++l)
    if (m.is_moe_layer(l))
      dropped_flops_per_token += (1.0 - moe_plan[static_cast<size_t>(l)].kept_fraction) * 2.0 *
                                 m.moe.top_k * static_cast<double>(m.routed_expert_size());
  result.model_flops =
      3.0 * result.tokens * (m.forward_flops_per_token(p.seq_len) - dropped_flops_per_token);
  result.moe = moe_summary;
  // Per stage: its layers (+ embedding, + LM head) and the activations of the micro-batches in
  // flight at its peak; the report keeps the most loaded stage (the first on a tie). With EP
  // the routed experts are sharded over the dp / ep ranks holding the same experts.
  // With Ulysses a rank holds seq/sp tokens, and (no recomputation) the scores of heads/sp heads
  // over the whole sequence: 5 (a/sp) N^2 b bytes instead of the formula's 5 a (N/sp)^2 b.
  // With context parallelism a rank holds seq/cp tokens (flash attention: no score matrix).
  const double s_local = static_cast<double>(p.seq_len) / p.seq_split();
  const bool flash = p.attention == AttentionKernel::kFlash;
  double per_layer =
      activation_bytes_per_layer(s_local, p.micro_batch, static_cast<double>(m.hidden), m.heads,
                                 p.tp, p.sequence_parallel, p.recompute, flash);
  if (p.sp > 1 && p.recompute == Recompute::kNone && !flash) {
    const double n = static_cast<double>(p.seq_len);
    per_layer += 5.0 * m.heads * p.micro_batch * (n * n / p.sp - s_local * s_local);
  }
  // A MoE layer keeps the MoE block's activations instead of the dense MLP's.
  auto layer_activations = [&](int l) {
    if (!m.is_moe_layer(l)) return per_layer;
    const MoeLayerPlan& plan = moe_plan[static_cast<size_t>(l)];
    MoeActivationShape x;
    x.tokens = tokens_per_rank;
    x.hidden = static_cast<double>(m.hidden);
    x.routed_dim = static_cast<double>(m.routed_dim());
    x.expert_ffn = static_cast<double>(m.moe.expert_ffn_hidden);
    x.experts = m.moe.routed_experts;
    x.assignments = *std::max_element(plan.expert_tokens.begin(), plan.expert_tokens.end());
    x.mlp_matrices = m.mlp_matrices;
    x.shared_experts = m.moe.shared_experts;
    x.tp = p.ep > 1 ? 1 : p.tp;
    x.bigmac = m.moe.bigmac_dim > 0;
    return per_layer + moe_activation_bytes(x, p.recompute) -
           dense_mlp_activation_bytes(s_local, p.micro_batch, static_cast<double>(m.hidden), p.tp,
                                      p.sequence_parallel, p.recompute);
  };
  auto model_states = [&](int s) {
    const LayerShare params = stage_parameters(m, p, s);
    if (p.ep == 1)
      return model_state_bytes(params.dense + params.experts, p.zero_stage,
                               p.dp * p.seq_split(), p.grad_bytes);
    MemoryBreakdown mem =
        model_state_bytes(params.dense, p.zero_stage, p.dp * p.seq_split(), p.grad_bytes);
    MemoryBreakdown experts =
        model_state_bytes(params.experts, p.zero_stage, p.dp * p.sp / p.ep, p.grad_bytes);
    mem.params += experts.params;
    mem.grads += experts.grads;
    mem.optimizer += experts.optimizer;
    return mem;
  };
  const int v = p.virtual_stages;
  for (int s = 0; s < p.pp; ++s) {
    const std::vector<int> ids = stage_layer_ids(p, s);
    const int layers = static_cast<int>(ids.size());
    // Layers' activations of one micro-batch held at the peak: GPipe all m micro-batches;
    // 1F1B pp - s - 1 warm-up forwards plus the one in progress; interleaved, the warm-up
    // chunk forwards plus one, each chunk layers / v layers (stage 0: (v pp + pp - 1) chunks,
    // Korthikanti et al. Sec. 4.2.3's 1 + (pp - 1)/(pp v) times pp micro-batches).
    const int chunks = peak_forwards_in_flight(p.schedule, p.pp, v, s, mbs);
    const double held = static_cast<double>(chunks) * layers / v;
    double one_micro_batch = 0;
    for (int l : ids) one_micro_batch += layer_activations(l);
    MemoryBreakdown mem = model_states(s);
    mem.activations = one_micro_batch * held / layers;
    if (s == 0 || mem.total() > result.memory_first_stage.total()) {
      result.memory_first_stage = mem;
      result.activations_in_flight = held / layers;
    }
  }
  return result;
}

}  // namespace dtsim::workloads
