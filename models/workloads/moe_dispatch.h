#pragma once
/**
 * `moe_dispatch`: a benchmark of one MoE dispatch and one combine over an expert-parallel group,
 * as DeepEP's tests run them (tests/test_intranode.py, test_internode.py, test_low_latency.py):
 * every rank routes `tokens_per_rank` tokens to `top_k` of `experts` experts (uniform routing,
 * as the tests' random scores give; node-limited to `node_limit` nodes, the tests'
 * `num_topk_groups`), dispatches them, then combines the experts' outputs back.
 *
 *     MoeDispatchParams p{.ranks = 32, .ranks_per_node = 8, .tokens_per_rank = 4096,
 *                         .experts = 256, .top_k = 8, .node_limit = 4,
 *                         .kernel = EpKernel::kDeepEpNormal,
 *                         .dispatch_bytes_per_token = 7168 * (1 + 4.0 / 128),  // FP8 + scales
 *                         .combine_bytes_per_token = 7168 * 2};                // BF16
 *     MoeDispatchPlan d = make_moe_dispatch(p);  // per rank: dispatch, then combine
 *
 * Ops per rank, on the comm stream: the dispatch (one all-to-all-v, or two chained phases for a
 * node-limited `kAllToAll`), then the combine (the transposed matrices, scaled from dispatch to
 * combine bytes, phases in reverse order), named "moe dispatch[ phase k]" and "moe combine[ phase
 * k]". Traffic: `ep_traffic` (moe_routing.h).
 *
 * Units: tokens, bytes per token on the wire.
 * Errors: ConfigError from `ep_traffic` (experts not a multiple of ranks, top_k above the
 * experts, a node layout the kernel cannot use), and for fewer than 1 rank or tokens < 0.
 */
#include "models/workloads/moe_routing.h"
#include "simcore/workload.h"

namespace dtsim::workloads {

struct MoeDispatchParams {
  int ranks = 0;                 ///< EP group: ranks 0..ranks-1
  int ranks_per_node = 0;        ///< the cluster's ranks per node; 0: one node
  double tokens_per_rank = 0;    ///< tokens each rank routes
  int experts = 1;               ///< routed experts, a multiple of ranks
  int top_k = 1;                 ///< experts per token
  int node_limit = 0;            ///< nodes a token may reach (0: no limit)
  EpKernel kernel = EpKernel::kDeepEpNormal;
  double dispatch_bytes_per_token = 0;  ///< one dispatched token (or low-latency message) on the wire
  double combine_bytes_per_token = 0;   ///< one combined token on the wire
};

struct MoeDispatchPlan {
  simcore::Workload workload;
  EpTraffic traffic;  ///< the dispatch's traffic and DeepEP's counts (moe_routing.h)
};

MoeDispatchPlan make_moe_dispatch(const MoeDispatchParams& p);

}  // namespace dtsim::workloads
