#pragma once
/**
 * The calibrated compute cost model: compute ops priced from a device's measured kernel times
 * (CalibrationTable), the roofline (RooflineModel) where the table has nothing to say.
 *
 *  - An op with kernel shapes (Op::shape) whose dtype has a GEMM table: each GEMM interpolated
 *    at its own (m, n, k), times `count` (a grouped or batched GEMM as that many calls: the
 *    measured time of one call includes its launch, so this is the cost of a loop of calls, an
 *    upper bound for a grouped kernel); on a device spec with an attention tile (a GPU), the
 *    attention kernel by the fused-kernel model of kernel_cost.h on the device spec (the table
 *    measures GEMMs, not a fused FlashAttention-class
 *    kernel, and pricing the unfused per-head chain from it came out 1.9x (forward) and 1.7x
 *    (backward) slower than cuDNN's fused kernel measured on an H200, for 32 heads of 4096 x 128,
 *    causal) plus the measured launch overhead; the op's `mem_bytes` is not read (the GEMM times
 *    include their traffic):
 *        t = sum_g count_g gemm(dtype, m_g, n_g, k_g) + attention_kernel(spec) + launch
 *    and on a device without one (a CPU) as its matrix products from the table (attention_gemms,
 *    batched over the heads), half of each when causal:
 *        t = sum_g count_g gemm(dtype, m_g, n_g, k_g) + causal x sum_a count_a gemm(a)
 *  - Another op with FLOPs whose dtype has a GEMM table (an imported graph without shapes): only its
 *    FLOP count (simcore::Op), so it is priced as the *equivalent square GEMM* of the same FLOPs,
 *    m = n = k = (flops / 2)^(1/3), interpolated in the table (calibration.h). Its memory traffic
 *    is priced by the memory-bound table when there is one, and the op takes the larger of the
 *    two (the roofline's max, with measured ceilings):
 *        t = max(gemm(dtype, s, s, s), memory(mem_bytes)),  s = cbrt(flops / 2)
 *    This is an approximation: a skinny GEMM (small m, or small k) runs slower than the square
 *    one of the same FLOPs, so the model is optimistic for those until ops carry (m, n, k).
 *  - An op without FLOPs (a memory-bound kernel) with a memory table: t = memory(mem_bytes); an
 *    op with neither FLOPs nor bytes costs the measured launch overhead.
 *  - Anything else (a dtype without a GEMM table, no memory table): the roofline, which names
 *    itself "roofline" in ComputeCost::model.
 * The table's times are whole calls (launch included), so no launch overhead is added to them.
 * Times are rounded up to the next picosecond, as the roofline does.
 *
 * Units: as RooflineModel. Errors: as RooflineModel for the fallback; TimeOverflow.
 * Complexity: O(log) per op.
 *
 *     CalibratedModel model(spec, std::make_shared<const CalibrationTable>(std::move(data)));
 *     simcore::ComputeCost c = model.cost(workload, op, 0);  // c.model == "calibrated"
 */
#include <memory>
#include <string_view>

#include "models/compute/calibration.h"
#include "models/compute/roofline.h"

namespace dtsim::compute {

class CalibratedModel : public simcore::ComputeModel {
 public:
  /** The name reported in ComputeCost::model for ops the table priced. */
  static constexpr std::string_view kName = "calibrated";

  /** One device type for all ranks, its spec (for the roofline fallback) and its table.
   *  Errors: ConfigError on an unusable spec; InternalError on a null table. */
  CalibratedModel(DeviceSpec device, std::shared_ptr<const CalibrationTable> table);

  simcore::ComputeCost cost(const simcore::Workload& workload, const simcore::Op& op,
                            int rank) const override;

 private:
  RooflineModel fallback_;
  std::shared_ptr<const CalibrationTable> table_;
};

}  // namespace dtsim::compute
