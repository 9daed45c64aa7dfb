#pragma once
/**
 * Parameter checks of the `transformer` workload, run before anything is built.
 *
 * Errors: ConfigError naming the key and the numbers, in this order: a placement order that is
 * not a permutation of tp, dp, pp; a parallel degree < 1; ep > 1 with a dense model, ep not
 * dividing dp, tp > 1 or ZeRO-3; redundant experts without EP, (experts + redundant copies) not
 * a multiple of ep, top_k outside [1, experts]; Ulysses (sp > 1) with tp > 1, or sp not dividing
 * the heads and seq_len; virtual_stages < 1; stage_layers not pp entries >= 1 summing to the
 * layers, or with virtual_stages > 1; layers not a multiple of pp; virtual_stages > 1 with
 * pp < 2, GPipe, layers % (pp v) != 0 or micro-batches % pp != 0; overlap_grad_reduce = false
 * with ZeRO-3; heads % tp != 0, heads % kv_heads != 0; seq_len or micro_batch < 1;
 * global_batch not a positive multiple of dp x micro_batch; sequence parallelism with
 * seq_len % tp != 0; a ZeRO stage outside 0-3; a bucket size <= 0; an unknown dtype.
 *
 *     validate_transformer(p);   // throws ConfigError("heads (32) must be a multiple of tp (3)")
 */
#include "models/workloads/transformer_parallel.h"

namespace dtsim::workloads {

/** Throws ConfigError on the first parameter of `p` the generator cannot build (see above). */
void validate_transformer(const TransformerParams& p);

}  // namespace dtsim::workloads
