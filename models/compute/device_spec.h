#pragma once
/**
 * The datasheet view of one accelerator type, as the compute cost models read it.
 *
 * A plain value: the YAML loader at the CLI edge fills it from a file in `configs/devices/`, where
 * every number carries its source; nothing here holds a vendor constant.
 *
 * Units: FLOP per second for `peak_flops_per_s` (dense, no 2:4 sparsity, per device); bytes for
 * `hbm_capacity_bytes` (GB = 1e9 B, GiB = 2^30 B); bytes per second for `hbm_bw_bytes_per_s`;
 * efficiencies are fractions of the peak in (0, 1].
 * Source: vendor datasheets and whitepapers, cited per value in configs/devices/.
 *
 *     DeviceSpec h100{.name = "NVIDIA H100 SXM5 80GB",
 *                     .peak_flops_per_s = {{"bf16", 989.4e12}, {"fp8", 1978.9e12}},
 *                     .hbm_capacity_bytes = 80.0 * (1ull << 30),
 *                     .hbm_bw_bytes_per_s = 3.35e12,
 *                     .launch_overhead = simcore::Time::us(4),
 *                     .compute_efficiency = 0.80,
 *                     .memory_efficiency = 0.85};
 */
#include <cstdint>
#include <map>
#include <string>

#include "simcore/time.h"

namespace dtsim::compute {

struct DeviceSpec {
  std::string name;  ///< e.g. "NVIDIA H100 SXM5 80GB"; used in error messages
  /** The product name the driver reports (CUDA's cudaDeviceProp::name, nvidia-smi's "name", e.g.
   *  "NVIDIA H200"), which a calibration harness records; "" when it is `name` itself (a CPU's
   *  "model name"). A calibration file must match it. */
  std::string product_name;
  /** The SKU a calibration harness records (GPU board / product id, or the CPU model); "" when
   *  the spec does not name one. A calibration file must match it when given. */
  std::string sku;
  /** Peak dense rate by dtype name ("fp32", "tf32", "bf16", "fp16", "fp8", ...); a dtype the
   *  device does not support is absent. */
  std::map<std::string, double> peak_flops_per_s;
  double hbm_capacity_bytes = 0;
  double hbm_bw_bytes_per_s = 0;
  simcore::Time launch_overhead;    ///< fixed cost added to every compute op (kernel launch)
  double compute_efficiency = 1.0;  ///< achievable fraction of peak FLOP/s on large GEMMs
  double memory_efficiency = 1.0;   ///< achievable fraction of peak HBM bandwidth
  /** Shape-aware GEMM pricing (kernel_cost.h): the streaming multiprocessors (SMs) and the GEMM
   *  output tile one SM computes at a time (m x n); 0: no tile or wave quantisation (a CPU). */
  int sm_count = 0;
  int64_t gemm_tile_m = 0, gemm_tile_n = 0;
  /** The attention kernel (FlashAttention-class): achievable fraction of peak on its products
   *  (0: compute_efficiency) and the query rows one SM takes per tile (0: no quantisation). */
  double attention_efficiency = 0;
  int64_t attention_tile_q = 0;
};

}  // namespace dtsim::compute
