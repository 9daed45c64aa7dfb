#include "models/compute/calibrated_model.h"

#include "models/compute/kernel_cost.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace dtsim::compute {

CalibratedModel::CalibratedModel(DeviceSpec device, std::shared_ptr<const CalibrationTable> table)
    : fallback_(std::move(device)), table_(std::move(table)) {
  DTSIM_ASSERT(table_ != nullptr, "calibrated compute model without a table");
}

simcore::ComputeCost CalibratedModel::cost(const simcore::Workload& workload,
                                           const simcore::Op& op, int rank) const {
  DTSIM_ASSERT(op.kind == simcore::OpKind::kCompute,
               "calibrated model asked to price a non-compute op");
  DTSIM_ASSERT(op.flops >= 0, "negative flop count");
  DTSIM_ASSERT(op.mem_bytes >= 0, "negative byte count");
  const CalibrationTable& t = *table_;
  if (op.flops == 0) {
    if (!t.has_memory()) return fallback_.cost(workload, op, rank);
    double s = op.mem_bytes > 0 ? t.memory_seconds(op.mem_bytes) : t.data().launch_overhead_s;
    return {simcore::Time::from_seconds_ceil(s), kName};
  }
  std::string_view dtype = workload.str(op.dtype);
  if (dtype.empty()) dtype = "bf16";  // as the roofline
  if (!t.has_gemm(dtype)) return fallback_.cost(workload, op, rank);
  if (op.shape >= 0) {
    // Each GEMM at its own shape, `count` calls of it; the attention kernel as its products
    // (batched GEMMs of the table, half of each when causal). Measured times include the
    // launch.
    const simcore::KernelShapes& k = workload.shapes[static_cast<size_t>(op.shape)];
    auto gemm = [&](const simcore::GemmShape& g) {
      return static_cast<double>(g.count) *
             t.gemm_seconds(dtype, static_cast<double>(g.m), static_cast<double>(g.n),
                            static_cast<double>(g.k));
    };
    double s = 0;
    for (const simcore::GemmShape& g : k.gemms) s += gemm(g);
    if (k.attention.batch_heads > 0) {
      // Looked up only for ops with an attention kernel: most shaped ops have none.
      const DeviceSpec& d = fallback_.device(rank);
      auto peak = d.peak_flops_per_s.find(std::string(dtype));
      if (d.attention_tile_q > 0 && peak != d.peak_flops_per_s.end()) {
        // A GPU runs training's attention as one fused kernel (FlashAttention, cuDNN), which
        // the table does not measure: the fused kernel's model (kernel_cost.h) on the device
        // spec, plus the measured launch. The table's per-head GEMMs would price the unfused
        // chain, 1.7-1.9x the fused kernel measured on an H200 (README "Calibration").
        s += attention_kernel_seconds(d, peak->second, dtype_bytes(dtype), k.attention) +
             t.data().launch_overhead_s;
      } else {
        // No fused-kernel model for the device (a CPU): the products from the table.
        for (const simcore::GemmShape& g : simcore::attention_gemms(k.attention))
          s += gemm(g) * simcore::causal_fraction(k.attention);
      }
    }
    return {simcore::Time::from_seconds_ceil(s), kName};
  }
  const double side = std::cbrt(op.flops / 2);
  double s = t.gemm_seconds(dtype, side, side, side);
  if (op.mem_bytes > 0 && t.has_memory()) s = std::max(s, t.memory_seconds(op.mem_bytes));
  return {simcore::Time::from_seconds_ceil(s), kName};
}

}  // namespace dtsim::compute
