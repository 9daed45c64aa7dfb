#pragma once
/**
 * The roofline compute cost model: an op takes as long as the slower of its arithmetic and its
 * memory traffic, plus a fixed launch overhead.
 *
 *     t = max(flops / (peak[dtype] * compute_efficiency),
 *             mem_bytes / (hbm_bw * memory_efficiency)) + launch_overhead
 *
 * rounded *up* to the next picosecond, so a non-empty op never takes less time than the formula
 * says (a value within a few ulp of a whole picosecond counts as that picosecond: floating-point
 * noise never adds 1 ps to a closed-form time). An op with zero flops and zero bytes costs the
 * launch overhead alone. The dtype is `workload.str(op.dtype)`; an empty dtype means "bf16". Ops
 * carrying a fixed `duration` (trace replay) are priced by the executor, not here.
 *
 * Units: flops in floating-point operations; mem_bytes in bytes; peaks in FLOP/s and bytes/s
 * (see DeviceSpec); the result in Time (ps).
 * An op that carries kernel shapes (Op::shape: its GEMMs (m, n, k) and attention kernel) is
 * priced by the shape-aware roofline of kernel_cost.h instead, kernel by kernel, plus one launch
 * overhead per kernel; its `flops` and `mem_bytes` are then not read.
 * An op without FLOPs (a memory-bound kernel: elementwise ops, the optimizer step) is priced by
 * its bytes alone and its dtype is not looked up.
 * Errors: ConfigError when an op with FLOPs has a dtype without a peak on the rank's device (the message names the
 * device, the dtype and the supported dtypes), when a DeviceSpec is unusable (no dtype, a
 * non-positive or non-finite rate, an efficiency outside (0, 1], a negative launch overhead), or
 * when a per-rank model has no device for the rank. TimeOverflow when the time is out of range.
 * InternalError for a non-compute op or negative flops/bytes (a workload-builder bug).
 * Complexity: O(log d) per op, d = number of dtypes of the device.
 * Source: S. Williams, A. Waterman, D. Patterson, "Roofline: An Insightful Visual Performance
 * Model for Multicore Architectures", Communications of the ACM 52(4), 2009.
 *
 *     RooflineModel model(h100);  // one DeviceSpec for every rank
 *     // 1 TFLOP of bf16 on an H100 at 80% of 989.4 TFLOPS: about 1.263 ms + 4 us launch
 *     simcore::ComputeCost c = model.cost(workload, op, 0);  // c.model == "roofline"
 */
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "models/compute/device_spec.h"
#include "simcore/interfaces.h"

namespace dtsim::compute {

class RooflineModel : public simcore::ComputeModel {
 public:
  /** The name reported in ComputeCost::model. */
  static constexpr std::string_view kName = "roofline";

  /** One device type for all ranks. Errors: ConfigError on an unusable spec. */
  explicit RooflineModel(DeviceSpec device);
  /** One device per rank: rank r runs on `devices[r]`. Errors: ConfigError on an empty list or
   *  an unusable spec. */
  static RooflineModel per_rank(std::vector<DeviceSpec> devices);

  simcore::ComputeCost cost(const simcore::Workload& workload, const simcore::Op& op,
                            int rank) const override;

  /** The device `rank` runs on. Errors: ConfigError when a per-rank model has no such rank. */
  const DeviceSpec& device(int rank) const;

 private:
  struct Device {
    DeviceSpec spec;
    std::map<std::string, double, std::less<>> flop_rate;  ///< peak * compute_efficiency
    double byte_rate = 0;                                  ///< hbm_bw * memory_efficiency
    std::string supported;                                 ///< "bf16, fp16, ..." for errors
  };

  RooflineModel(std::vector<DeviceSpec> devices, bool uniform);
  static Device prepare(DeviceSpec spec);
  const Device& device_of(int rank) const;

  std::vector<Device> devices_;
  bool uniform_ = true;  ///< one device for every rank
};

}  // namespace dtsim::compute
