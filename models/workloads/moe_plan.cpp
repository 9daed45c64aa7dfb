#include "models/workloads/moe_plan.h"

#include <algorithm>
#include <numeric>

namespace dtsim::workloads {

namespace {

int32_t add_matrix(simcore::Workload& w, std::vector<double> m) {
  w.matrices.push_back(std::move(m));
  return static_cast<int32_t>(w.matrices.size() - 1);
}

std::vector<double> scaled(std::vector<double> m, double factor) {
  for (double& x : m) x *= factor;
  return m;
}

}  // namespace

std::vector<MoeLayerPlan> plan_moe(const TransformerConfig& model, const MoeParams& params, int ep,
                                   double tokens_per_rank, simcore::Workload& workload,
                                   MoeStepSummary* summary) {
  const MoeConfig& moe = model.moe;
  std::vector<MoeLayerPlan> plan(static_cast<size_t>(model.layers));
  MoeStepSummary sum;
  sum.comm_dim = model.routed_dim();
  sum.node_limited = moe.node_limit > 0 && ep > 1;
  std::vector<double> previous_load;
  const MoeLayerPlan* previous = nullptr;
  for (int l = 0; l < model.layers; ++l) {
    if (!model.is_moe_layer(l)) continue;
    MoeLayerPlan& p = plan[static_cast<size_t>(l)];
    p.moe = true;
    const int index = sum.moe_layers++;
    std::vector<double> load = expert_load(params.routing, moe.routed_experts, index);
    EpTrafficParams t;
    t.ep = ep;
    t.tokens_per_rank = tokens_per_rank;
    t.top_k = moe.top_k;
    t.bytes_per_token = static_cast<double>(sum.comm_dim) * params.dispatch_bytes_per_element;
    t.capacity_factor = moe.capacity_factor;
    t.node_limit = moe.node_limit;
    t.ranks_per_node = params.ranks_per_node;
    t.redundant_experts = params.redundant_experts;
    t.kernel = params.kernel;
    EpTraffic x = ep_traffic(load, t);
    p.expert_tokens = x.expert_tokens;
    p.kept_fraction = 1.0 - x.dropped_fraction;
    const double mean = std::accumulate(x.expert_tokens.begin(), x.expert_tokens.end(), 0.0) / ep;
    const double busiest = *std::max_element(x.expert_tokens.begin(), x.expert_tokens.end());
    if (mean > 0) sum.imbalance = std::max(sum.imbalance, busiest / mean);
    sum.dropped_fraction = std::max(sum.dropped_fraction, x.dropped_fraction);
    const double combine_factor = params.combine_bytes_per_element / params.dispatch_bytes_per_element;
    sum.dispatch_sent_mean = std::max(sum.dispatch_sent_mean, x.sent_mean);
    sum.dispatch_sent_max = std::max(sum.dispatch_sent_max, x.sent_max);
    sum.combine_sent_mean = std::max(sum.combine_sent_mean, x.sent_mean * combine_factor);
    sum.combine_sent_max = std::max(sum.combine_sent_max, x.sent_max * combine_factor);
    if (ep == 1) continue;
    if (previous && load == previous_load) {  // same routing as the layer before: share matrices
      p.dispatch = previous->dispatch;
      p.combine = previous->combine;
    } else if (!x.dispatch_inter.empty()) {  // node-limited, kAllToAll: two phases
      p.dispatch = {add_matrix(workload, x.dispatch_inter), add_matrix(workload, x.dispatch_intra)};
      p.combine = {add_matrix(workload, scaled(transpose(x.dispatch_intra, ep), combine_factor)),
                   add_matrix(workload, scaled(transpose(x.dispatch_inter, ep), combine_factor))};
    } else {
      p.dispatch = {add_matrix(workload, x.dispatch)};
      p.combine = {add_matrix(workload, scaled(transpose(x.dispatch, ep), combine_factor))};
    }
    previous_load = std::move(load);
    previous = &p;
  }
  if (summary) *summary = sum;
  return plan;
}

}  // namespace dtsim::workloads
