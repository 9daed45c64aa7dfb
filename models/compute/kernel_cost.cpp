#include "models/compute/kernel_cost.h"

#include <algorithm>
#include <cmath>

namespace dtsim::compute {

namespace {

double ceil_div(double a, double b) { return std::ceil(a / b); }

}  // namespace

double dtype_bytes(std::string_view d) {
  if (d == "fp64") return 8;
  if (d == "fp32" || d == "tf32") return 4;
  if (d == "bf16" || d == "fp16" || d.empty()) return 2;
  if (d == "fp8" || d == "int8") return 1;
  return 0;
}

double gemm_kernel_seconds(const DeviceSpec& d, double peak, double elt,
                           const simcore::GemmShape& g) {
  const double m = static_cast<double>(g.m), n = static_cast<double>(g.n),
               k = static_cast<double>(g.k), count = static_cast<double>(g.count);
  double work = 2 * m * n * k * count;  // FLOPs the SMs spend, padding included
  if (d.sm_count > 0 && d.gemm_tile_m > 0 && d.gemm_tile_n > 0) {
    const double tm = static_cast<double>(d.gemm_tile_m), tn = static_cast<double>(d.gemm_tile_n);
    const double tiles = ceil_div(m, tm) * ceil_div(n, tn) * count;
    const double waves = ceil_div(tiles, d.sm_count);
    work = waves * d.sm_count * 2 * tm * tn * k;
  }
  const double t_math = work / (peak * d.compute_efficiency);
  const double t_mem =
      elt * (m * k + k * n + m * n) * count / (d.hbm_bw_bytes_per_s * d.memory_efficiency);
  return std::max(t_math, t_mem);
}

double attention_kernel_seconds(const DeviceSpec& d, double peak, double elt,
                                const simcore::AttentionShape& a) {
  if (a.batch_heads == 0) return 0;
  double flops = 0;
  for (const simcore::GemmShape& g : simcore::attention_gemms(a)) flops += g.flops();
  flops *= simcore::causal_fraction(a);
  if (d.sm_count > 0 && d.attention_tile_q > 0) {
    const double tiles = static_cast<double>(a.batch_heads) *
                         ceil_div(static_cast<double>(a.seq_q), static_cast<double>(d.attention_tile_q));
    flops *= ceil_div(tiles, d.sm_count) * d.sm_count / tiles;
  }
  const double eff = d.attention_efficiency > 0 ? d.attention_efficiency : d.compute_efficiency;
  const double t_math = flops / (peak * eff);
  const double io = elt * static_cast<double>(a.batch_heads) *
                    (2.0 * a.seq_q + 2.0 * a.seq_kv) * static_cast<double>(a.head_dim) *
                    (a.backward ? 2 : 1);
  const double t_mem = io / (d.hbm_bw_bytes_per_s * d.memory_efficiency);
  return std::max(t_math, t_mem);
}

}  // namespace dtsim::compute
