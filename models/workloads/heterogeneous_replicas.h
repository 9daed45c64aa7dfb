#pragma once
/**
 * Heterogeneous replicas (Heterogeneous SparseLoCo, arXiv 2601.02360): beside replicas that hold
 * the full model on a fast interconnect (any DP/TP/PP of `n` ranks), resource-limited participants
 * are grouped into a replica that is a pipeline of `n` stages, one per participant, whose
 * activations (forward) and activation gradients (backward) cross the low-bandwidth links
 * between stages compressed by a ratio c (the paper's subspace projection; its own compute is not
 * priced). The pipeline replica trains the same per-replica batch as a full one (same micro-batch,
 * sequence length and schedule), so both run the same tokens per inner step.
 *
 * What one pipeline boundary carries per inner step (one direction each):
 *
 *   bytes = 2 x m x (b s h x 2 B) / c,   m = global_batch / micro_batch micro-batches
 *
 * (activations forward, their gradients backward; b micro-batch, s sequence length, h hidden,
 * 16-bit tensors).
 *
 * Units: bytes. Errors: none of its own (the transformer generator checks the stage split).
 * Source: Y. Obeidi, A. Sarfi, J. Lidin, P. Janson, E. Belilovsky, "Heterogeneous Low-Bandwidth
 * Pre-Training of LLMs" (arXiv 2601.02360, 2026): full replicas on high-bandwidth interconnects
 * beside pipeline replicas of low-bandwidth participants with compressed inter-stage traffic;
 * only the pipeline replicas compress.
 *
 *     TransformerParams pipe = pipeline_replica(full, 8, 100.0);  // 8 stages, 100x compression
 *     double b = boundary_bytes_per_inner_step(pipe);
 */
#include "models/workloads/transformer_parallel.h"

namespace dtsim::workloads {

/** The pipeline replica of `stages` stages (dp = tp = sp = 1, no sequence parallelism, no
 *  virtual stages, an even layer split) training `full`'s per-replica batch, its inter-stage
 *  traffic compressed by `compression` (>= 1). */
TransformerParams pipeline_replica(const TransformerParams& full, int stages, double compression);

/** Bytes one boundary between two stages of `pipe` carries per inner step, both directions
 *  together (formula above). */
double boundary_bytes_per_inner_step(const TransformerParams& pipe);

}  // namespace dtsim::workloads
