#pragma once
/**
 * The per-layer plan of a mixture-of-experts step: for every MoE layer, the send matrices of its
 * expert-parallel dispatch and combine (registered once in the workload and shared by every EP
 * group and micro-batch, since routing is modelled in expectation) and the tokens each EP rank's
 * experts process. The transformer generator turns the plan into ops.
 *
 * Dispatch phases: one all-to-all-v (flat routing; or DeepEP's kernels, `MoeParams::kernel`,
 * whose RDMA and NVLink phases overlap), or two with node-limited routing under kAllToAll
 * (phase 1 between rail peers of different nodes, phase 2 inside each node; see moe_routing.h). Combine
 * runs the transposed phases in reverse order. Backward: the gradient of the combine moves like
 * the dispatch and the gradient of the dispatch like the combine.
 *
 * Units: bytes, tokens. Errors: those of `expert_load` and `ep_traffic`.
 */
#include <cstdint>
#include <vector>

#include "models/workloads/moe_routing.h"
#include "models/workloads/transformer_config.h"
#include "simcore/workload.h"

namespace dtsim::workloads {

/** Scenario-level MoE settings (the model's MoeConfig holds the architecture). */
struct MoeParams {
  RoutingSpec routing;
  double dispatch_bytes_per_element = 2;  ///< 2 for bf16; 1 for fp8 dispatch (DeepSeek-V3)
  double combine_bytes_per_element = 2;
  int ranks_per_node = 0;  ///< for node-limited routing: the cluster's ranks per node
  int redundant_experts = 0;  ///< extra expert copies spread over the EP ranks (EPLB)
  EpKernel kernel = EpKernel::kAllToAll;  ///< how the dispatch and combine move tokens
};

struct MoeLayerPlan {
  bool moe = false;
  std::vector<int32_t> dispatch;  ///< matrix ids, in phase order
  std::vector<int32_t> combine;
  std::vector<double> expert_tokens;  ///< per EP position, per micro-batch (ep = 1: one entry)
  double kept_fraction = 1;           ///< of the token-expert assignments (capacity drops the rest)
};

struct MoeStepSummary {
  int moe_layers = 0;
  /** Bytes a rank sends to other ranks per MoE layer and micro-batch (the largest layer). */
  double dispatch_sent_mean = 0, dispatch_sent_max = 0;
  double combine_sent_mean = 0, combine_sent_max = 0;
  double dropped_fraction = 0;  ///< the largest over layers
  double imbalance = 1;         ///< max over layers of the busiest EP rank's tokens / mean
  int64_t comm_dim = 0;         ///< dimension the all-to-alls carry (hidden, or BigMac's r)
  bool node_limited = false;
};

/**
 * Plans every layer of `model` (dense layers get `moe = false`). `ep` ranks share the experts;
 * each routes `tokens_per_rank` tokens per micro-batch. With ep == 1 no matrices are made.
 */
std::vector<MoeLayerPlan> plan_moe(const TransformerConfig& model, const MoeParams& params, int ep,
                                   double tokens_per_rank, simcore::Workload& workload,
                                   MoeStepSummary* summary);

}  // namespace dtsim::workloads
