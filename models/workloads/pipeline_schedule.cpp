#include "models/workloads/pipeline_schedule.h"

#include <algorithm>

namespace dtsim::workloads {

std::vector<PipelineStep> pipeline_order(PipelineSchedule schedule, int pp, int v, int stage,
                                         int mbs) {
  std::vector<PipelineStep> steps;
  steps.reserve(2 * static_cast<size_t>(mbs) * static_cast<size_t>(v));
  auto forward = [&](int mb, int j) { steps.push_back({true, mb, j}); };
  auto backward = [&](int mb, int j) { steps.push_back({false, mb, j}); };
  if (schedule == PipelineSchedule::kGpipe) {
    for (int i = 0; i < mbs; ++i) forward(i, 0);
    for (int i = 0; i < mbs; ++i) backward(i, 0);
  } else if (v == 1) {
    int warmup = std::min(pp - stage - 1, mbs);
    for (int i = 0; i < warmup; ++i) forward(i, 0);
    for (int i = 0; i < mbs - warmup; ++i) {
      forward(warmup + i, 0);
      backward(i, 0);
    }
    for (int i = mbs - warmup; i < mbs; ++i) backward(i, 0);
  } else {
    const int total = mbs * v;
    const int warmup = mbs == pp ? total : std::min(2 * (pp - stage - 1) + (v - 1) * pp, total);
    auto chunk_of = [&](int k, bool fwd) {
      int j = (k % (pp * v)) / pp;
      return fwd ? j : v - 1 - j;
    };
    auto mb_of = [&](int k) { return (k / (pp * v)) * pp + k % pp; };
    for (int k = 0; k < warmup; ++k) forward(mb_of(k), chunk_of(k, true));
    for (int k = 0; k < total - warmup; ++k) {
      forward(mb_of(warmup + k), chunk_of(warmup + k, true));
      backward(mb_of(k), chunk_of(k, false));
    }
    for (int k = total - warmup; k < total; ++k) backward(mb_of(k), chunk_of(k, false));
  }
  return steps;
}

int peak_forwards_in_flight(PipelineSchedule schedule, int pp, int v, int stage, int mbs) {
  if (schedule == PipelineSchedule::kGpipe) return mbs;
  if (v == 1) return std::min(pp - stage, mbs);
  const int total = mbs * v;
  return mbs == pp ? total : std::min(2 * (pp - stage - 1) + (v - 1) * pp + 1, total);
}

}  // namespace dtsim::workloads
