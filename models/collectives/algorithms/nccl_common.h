#pragma once
// Shared by the NCCL families (nccl_ring, nccl_tree, nvls, nvls_tree, nccl): how a group is
// measured for NCCL's cost model (nccl_tuning.h), the rail-aligned rings of nccl_ring, and the
// expansion of the families that the flow back-end prices by their closed form.
#include <span>
#include <string>
#include <string_view>

#include "models/collectives/alpha_beta.h"
#include "models/collectives/nccl_tuning.h"
#include "models/collectives/schedule_builder.h"

namespace dtsim::collectives {

/** Rejects groups whose nodes hold different numbers of ranks (NCCL's per-node model needs
 *  them equal). */
void nccl_check_group(std::string_view name, simcore::CollectiveKind kind, int n,
                      std::span<const int> box_of);

/** B_i (neighbours inside a node: intra_bw, intra_alpha), B_n (same local index, next node:
 *  bw, alpha; B_i when one node), the node count and the request's NCCL context. */
AlphaBetaParams nccl_measure(const ScheduleRequest& r, const PairCostFn& pair);

NcclInputs nccl_inputs(simcore::CollectiveKind kind, int n, double bytes, const AlphaBetaParams& p);

/** The best of `algos` for the request, measured with its pair costs. Errors: ConfigError
 *  without pair costs, and nccl_best's. */
NcclEstimate nccl_choose(const ScheduleRequest& r, std::span<const NcclAlgo> algos);

/** Rings of nccl_ring: one per rail (nccl_ring.cpp); their transfer count. */
double nccl_ring_transfers(const ScheduleRequest& r);
/** Appends the rail-aligned rings carrying the request's bytes at the protocol of `e`, with
 *  NCCL's latency before the first step. */
void nccl_expand_ring(const ScheduleRequest& r, const NcclEstimate& e, std::string label,
                      ScheduleBuilder& b);
/** No transfers: the collective waits its closed form (e.seconds). */
void nccl_expand_timed(const NcclEstimate& e, std::string label, ScheduleBuilder& b);

}  // namespace dtsim::collectives
