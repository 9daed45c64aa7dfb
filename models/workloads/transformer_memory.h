#pragma once
/**
 * The `transformer` step's summary: parameters, micro-batches, tokens, model FLOPs and the memory
 * of the most loaded rank (model states after ZeRO, activations in flight under the pipeline
 * schedule). The per-tensor formulas are in memory_model.h; this file applies them per stage.
 *
 * Units: bytes (memory), FLOPs.
 * Errors: none (the parameters are validated by validate_transformer first).
 * Source: Korthikanti et al. (arXiv 2205.05198) Sec. 4.2.3 for activations in flight under
 * interleaving; Rajbhandari et al., ZeRO (SC20) for the model states.
 *
 *     TransformerInfo info = transformer_info(p, moe_plan, moe_summary);
 *     info.memory_first_stage.total();   // bytes on the most loaded rank
 */
#include <vector>

#include "models/workloads/moe_plan.h"
#include "models/workloads/transformer_parallel.h"

namespace dtsim::workloads {

/** The summary of `p`'s step: `moe_plan` per layer and `moe` as plan_moe returned them. */
TransformerInfo transformer_info(const TransformerParams& p,
                                 const std::vector<MoeLayerPlan>& moe_plan,
                                 const MoeStepSummary& moe);

}  // namespace dtsim::workloads
