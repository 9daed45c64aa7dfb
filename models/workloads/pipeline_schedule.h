#pragma once
/**
 * Pipeline schedules: the order in which one pipeline rank runs its forward and backward
 * micro-batch steps (GPipe, 1F1B, interleaved 1F1B), and how many it holds at its peak.
 *
 * GPipe: all m forwards, then all m backwards. 1F1B: min(pp - s - 1, m) warm-up forwards on
 * stage s, then one forward one backward, then the remaining backwards. Interleaved 1F1B
 * (v > 1 model chunks per rank) in Megatron-LM's order: the k-th forward runs chunk
 * (k mod pp v) div pp of micro-batch (k div pp v) pp + k mod pp, the k-th backward the same
 * micro-batch on the chunks in reverse; min(2 (pp - s - 1) + (v - 1) pp, m v) warm-up forwards
 * (all m v when m = pp), then one forward one backward, then the remaining backwards.
 *
 * Units: micro-batches (counts).
 * Complexity: O(m v) steps.
 * Source: Huang et al., GPipe (arXiv 1811.06965); Narayanan et al., SC21 (arXiv 2104.04473)
 * Sec. 2.2; NVIDIA/Megatron-LM schedules.py forward_backward_pipelining_with_interleaving;
 * Korthikanti et al. (arXiv 2205.05198) Sec. 4.2.3 for the activations in flight.
 *
 *     // 1F1B, pp 4, m 8, stage 0: F0 F1 F2 F3 B0 F4 B1 F5 B2 F6 B3 F7 B4 B5 B6 B7
 *     for (const PipelineStep& s : pipeline_order(PipelineSchedule::kOneFOneB, 4, 1, 0, 8)) ...
 */
#include <vector>

#include "models/workloads/transformer_parallel.h"

namespace dtsim::workloads {

/** One step of a pipeline rank: the forward or backward pass of model chunk `chunk` (0 unless
 *  interleaved) on micro-batch `micro_batch`. */
struct PipelineStep {
  bool forward = true;
  int micro_batch = 0;
  int chunk = 0;
  bool operator==(const PipelineStep&) const = default;
};

/** The steps of pipeline rank `stage` (of `pp`) with `virtual_stages` chunks per rank over
 *  `micro_batches` micro-batches, in the order the rank runs them: 2 m v steps. */
std::vector<PipelineStep> pipeline_order(PipelineSchedule schedule, int pp, int virtual_stages,
                                         int stage, int micro_batches);

/** The most chunk forwards rank `stage` has run but not yet run backward (its activations
 *  held): m under GPipe, min(pp - s, m) under 1F1B, min(2 (pp - s - 1) + (v - 1) pp + 1, m v)
 *  interleaved (m v when m = pp). The peak of pipeline_order's outstanding forwards. */
int peak_forwards_in_flight(PipelineSchedule schedule, int pp, int virtual_stages, int stage,
                            int micro_batches);

}  // namespace dtsim::workloads
