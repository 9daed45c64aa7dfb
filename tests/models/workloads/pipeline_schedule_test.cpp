// The order of a pipeline rank's forward (F) and backward (B) micro-batch steps, written out by
// hand from the schedules' definitions (GPipe: Huang et al. 2019; 1F1B: Narayanan et al. SC21
// Sec. 2.2.1; interleaved 1F1B: Megatron-LM schedules.py
// forward_backward_pipelining_with_interleaving), and the peak of forwards in flight.
#include "models/workloads/pipeline_schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace dtsim::workloads {
namespace {

// "F3" is the forward of micro-batch 3; "B0c1" the backward of micro-batch 0 on chunk 1 (chunks
// written only when interleaved).
std::string render(const std::vector<PipelineStep>& steps, bool chunks) {
  std::string out;
  for (const PipelineStep& s : steps) {
    if (!out.empty()) out += ' ';
    out += (s.forward ? "F" : "B") + std::to_string(s.micro_batch);
    if (chunks) out += "c" + std::to_string(s.chunk);
  }
  return out;
}

std::string order(PipelineSchedule schedule, int pp, int v, int stage, int m) {
  return render(pipeline_order(schedule, pp, v, stage, m), v > 1);
}

TEST(PipelineScheduleTest, OneFOneBFourStagesEightMicroBatches) {
  // Stage s runs pp - s - 1 warm-up forwards, then one forward one backward, then the
  // remaining backwards: stage 0 warms up with 3, the last stage with none.
  const auto k1f1b = PipelineSchedule::kOneFOneB;
  EXPECT_EQ(order(k1f1b, 4, 1, 0, 8), "F0 F1 F2 F3 B0 F4 B1 F5 B2 F6 B3 F7 B4 B5 B6 B7");
  EXPECT_EQ(order(k1f1b, 4, 1, 1, 8), "F0 F1 F2 B0 F3 B1 F4 B2 F5 B3 F6 B4 F7 B5 B6 B7");
  EXPECT_EQ(order(k1f1b, 4, 1, 2, 8), "F0 F1 B0 F2 B1 F3 B2 F4 B3 F5 B4 F6 B5 F7 B6 B7");
  EXPECT_EQ(order(k1f1b, 4, 1, 3, 8), "F0 B0 F1 B1 F2 B2 F3 B3 F4 B4 F5 B5 F6 B6 F7 B7");
}

TEST(PipelineScheduleTest, OneFOneBWithFewerMicroBatchesThanWarmUp) {
  // m = 2 < pp - 1 = 3: the warm-up is cut to m forwards, then the backwards.
  EXPECT_EQ(order(PipelineSchedule::kOneFOneB, 4, 1, 0, 2), "F0 F1 B0 B1");
}

TEST(PipelineScheduleTest, GpipeRunsAllForwardsThenAllBackwards) {
  EXPECT_EQ(order(PipelineSchedule::kGpipe, 4, 1, 0, 3), "F0 F1 F2 B0 B1 B2");
  EXPECT_EQ(order(PipelineSchedule::kGpipe, 4, 1, 3, 3), "F0 F1 F2 B0 B1 B2");
}

TEST(PipelineScheduleTest, InterleavedTwoStagesTwoChunksFourMicroBatches) {
  // pp 2, v 2, m 4: the k-th forward is chunk (k mod 4) div 2 of micro-batch (k div 4) 2 + k mod 2,
  // the k-th backward the same micro-batch on chunk 1 - that. Warm-up: stage 0
  // 2 (pp - 1) + (v - 1) pp = 4 forwards, stage 1 (v - 1) pp = 2.
  const auto k1f1b = PipelineSchedule::kOneFOneB;
  EXPECT_EQ(order(k1f1b, 2, 2, 0, 4),
            "F0c0 F1c0 F0c1 F1c1 F2c0 B0c1 F3c0 B1c1 F2c1 B0c0 F3c1 B1c0 B2c1 B3c1 B2c0 B3c0");
  EXPECT_EQ(order(k1f1b, 2, 2, 1, 4),
            "F0c0 F1c0 F0c1 B0c1 F1c1 B1c1 F2c0 B0c0 F3c0 B1c0 F2c1 B2c1 F3c1 B3c1 B2c0 B3c0");
}

TEST(PipelineScheduleTest, InterleavedWithAsManyMicroBatchesAsStagesWarmsUpFully) {
  // m = pp: every chunk forward first (Megatron-LM's all-warm-up case).
  EXPECT_EQ(order(PipelineSchedule::kOneFOneB, 2, 2, 1, 2),
            "F0c0 F1c0 F0c1 F1c1 B0c1 B1c1 B0c0 B1c0");
}

TEST(PipelineScheduleTest, EveryStepRunsOnceForwardBeforeBackward) {
  for (int pp : {2, 3, 4})
    for (int v : {1, 2, 3})
      for (int m : {pp, 2 * pp, 3 * pp})
        for (int s = 0; s < pp; ++s) {
          std::vector<PipelineStep> steps =
              pipeline_order(PipelineSchedule::kOneFOneB, pp, v, s, m);
          ASSERT_EQ(steps.size(), static_cast<size_t>(2 * m * v));
          for (int mb = 0; mb < m; ++mb)
            for (int j = 0; j < v; ++j) {
              auto f = std::find(steps.begin(), steps.end(), PipelineStep{true, mb, j});
              auto b = std::find(steps.begin(), steps.end(), PipelineStep{false, mb, j});
              ASSERT_NE(f, steps.end());
              ASSERT_NE(b, steps.end());
              EXPECT_LT(f, b) << "pp " << pp << " v " << v << " m " << m << " stage " << s;
            }
        }
}

TEST(PipelineScheduleTest, PeakForwardsInFlightIsTheOrdersPeak) {
  // The closed form against the count of forwards not yet matched by their backward, walked
  // along the order.
  for (PipelineSchedule schedule : {PipelineSchedule::kGpipe, PipelineSchedule::kOneFOneB})
    for (int pp : {2, 4})
      for (int v : {1, 2})
        for (int m : {1, pp, 2 * pp, 3 * pp}) {
          if (v > 1 && (schedule == PipelineSchedule::kGpipe || m % pp != 0)) continue;
          for (int s = 0; s < pp; ++s) {
            int open = 0, peak = 0;
            for (const PipelineStep& step : pipeline_order(schedule, pp, v, s, m)) {
              open += step.forward ? 1 : -1;
              peak = std::max(peak, open);
            }
            EXPECT_EQ(peak_forwards_in_flight(schedule, pp, v, s, m), peak)
                << "pp " << pp << " v " << v << " m " << m << " stage " << s;
          }
        }
  // Stage 0 interleaved: 2 (pp - 1) + (v - 1) pp + 1 = 6 + 4 + 1 = 11 for pp 4, v 2, m 8.
  EXPECT_EQ(peak_forwards_in_flight(PipelineSchedule::kOneFOneB, 4, 2, 0, 8), 11);
}

}  // namespace
}  // namespace dtsim::workloads
