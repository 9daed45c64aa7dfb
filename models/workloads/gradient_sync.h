#pragma once
/**
 * Gradient synchronisation of one rank after its inner step (the forward and backward passes of
 * every micro-batch): data-parallel reductions of the gradients in buckets, the optimizer step
 * over the rank's shard, and the ZeRO-1/2 all-gather of the updated weights. Workload kinds that
 * keep a transformer's inner step and replace the sync (DiLoCo's outer step, NoLoCo, federated
 * rounds) build the inner step without it and call their own.
 *
 * Dense weights (all weights when ep = 1) are reduced over the DP group; with ep > 1 the routed
 * experts over the ranks holding the same experts (expert DP). ZeRO-0 all-reduces, ZeRO-1/2/3
 * reduce-scatter (ZeRO-3's per-layer reduce-scatters are built by the inner step, after every
 * backward; only the embedding and LM head reach this sync). With `overlap_grad_reduce` each
 * bucket (`bucket_bytes`, see gradient_buckets.h) starts after the backward op producing its
 * last byte (PyTorch DDP); without, one flat buffer after the last backward compute and the last
 * pipeline send (Megatron-LM local DDP, 2021). The optimizer waits for every reduction; Adam is
 * priced by its memory traffic, `optimizer_bytes_per_param` bytes per parameter of the shard.
 *
 * Units: parameters in, bytes on the wire (`grad_bytes` per gradient element, 2 B per gathered
 * 16-bit weight).
 * Errors: none (the parameters are validated by validate_transformer).
 * Source: Li et al., PyTorch Distributed (VLDB 2020) for bucketing; Rajbhandari et al., ZeRO
 * (SC20); NVIDIA/Megatron-LM (2021) model/distributed.py for the flat buffer.
 *
 *     InnerStepEnd end;   // filled by the inner step: gradient producers, its last ops
 *     build_gradient_sync(builder, rank, params, groups, end);
 */
#include <cstdint>
#include <vector>

#include "models/workloads/transformer_parallel.h"
#include "models/workloads/transformer_placement.h"
#include "simcore/program_builder.h"

namespace dtsim::workloads {

/** A backward op whose completion makes the gradients of `params` parameters (one rank's share)
 *  final. Units: parameters. */
struct GradientSource {
  double params = 0;
  uint32_t op = UINT32_MAX;
};

/** Where one rank's inner step ended: what its gradient sync waits for. */
struct InnerStepEnd {
  /** Gradient producers in backward order (per chunk, last chunk first: LM head, layers last
   *  first, embedding): the dense weights (all weights when ep = 1), and with ep > 1 the routed
   *  experts. Entries with no parameters are skipped. */
  std::vector<GradientSource> dense, experts;
  uint32_t last_compute = UINT32_MAX;    ///< the last op of the rank's compute chain
  uint32_t last_send = UINT32_MAX;       ///< its last pipeline send; UINT32_MAX: none
  std::vector<uint32_t> zero3_scatters;  ///< ZeRO-3 per-layer reduce-scatters already built
  LayerShare stage_params;               ///< the weights the rank holds (stage_parameters)
};

/** A rank's gradient-sync communicators: DP (all weights, or the dense ones with EP) and expert
 *  DP (ep > 1), with their sizes; 0 for a group of one. */
struct GradientSyncGroups {
  int dp_size = 1, edp_size = 1;
  uint32_t dp_group = 0, edp_group = 0;
  uint8_t stream = simcore::kCommStream;
};

/** Builds rank `rank`'s gradient reductions, optimizer step and ZeRO-1/2 weight all-gathers
 *  after `end`, with `p`'s ZeRO stage, buckets, gradient bytes and DP algorithm. Ops are
 *  tagged gradient_sync, then optimizer. */
void build_gradient_sync(simcore::ProgramBuilder& b, int rank, const TransformerParams& p,
                         const GradientSyncGroups& groups, const InnerStepEnd& end);

}  // namespace dtsim::workloads
