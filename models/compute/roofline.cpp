#include "models/compute/roofline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "models/compute/kernel_cost.h"
#include "simcore/error.h"

namespace dtsim::compute {

namespace {

constexpr std::string_view kDefaultDtype = "bf16";

bool positive_finite(double v) { return std::isfinite(v) && v > 0; }

/** `seconds` rounded up to the next picosecond, except that a value within a few ulp of a whole
 *  picosecond is that picosecond: 0.002001 s is 2,001,000,000 ps although the double arithmetic
 *  that produced it may read 2,001,000,000.0000002. Errors: TimeOverflow. */
simcore::Time ceil_ps(double seconds) { return simcore::Time::from_seconds_ceil(seconds); }

}  // namespace

RooflineModel::RooflineModel(DeviceSpec device) { devices_.push_back(prepare(std::move(device))); }

RooflineModel::RooflineModel(std::vector<DeviceSpec> devices, bool uniform) : uniform_(uniform) {
  if (devices.empty()) throw simcore::ConfigError("roofline compute model: no devices given");
  devices_.reserve(devices.size());
  for (DeviceSpec& d : devices) devices_.push_back(prepare(std::move(d)));
}

RooflineModel RooflineModel::per_rank(std::vector<DeviceSpec> devices) {
  return RooflineModel(std::move(devices), /*uniform=*/false);
}

RooflineModel::Device RooflineModel::prepare(DeviceSpec spec) {
  const std::string& n = spec.name;
  if (spec.peak_flops_per_s.empty())
    throw simcore::ConfigError(fmt::format("device \"{}\": peak_flops lists no dtype", n));
  for (const auto& [dtype, peak] : spec.peak_flops_per_s)
    if (!positive_finite(peak))
      throw simcore::ConfigError(fmt::format(
          "device \"{}\": peak_flops.{}: expected a positive rate; got {} FLOP/s", n, dtype, peak));
  if (!positive_finite(spec.hbm_bw_bytes_per_s))
    throw simcore::ConfigError(
        fmt::format("device \"{}\": hbm_bandwidth: expected a positive rate; got {} B/s", n,
                    spec.hbm_bw_bytes_per_s));
  auto check_efficiency = [&](const char* key, double e) {
    if (!(std::isfinite(e) && e > 0 && e <= 1))
      throw simcore::ConfigError(fmt::format(
          "device \"{}\": efficiency.{}: expected a fraction in (0, 1]; got {}", n, key, e));
  };
  check_efficiency("compute", spec.compute_efficiency);
  check_efficiency("memory", spec.memory_efficiency);
  if (spec.launch_overhead < simcore::Time::zero())
    throw simcore::ConfigError(
        fmt::format("device \"{}\": launch_overhead: expected a non-negative time; got {}", n,
                    spec.launch_overhead.str()));

  if (spec.sm_count < 0 || spec.gemm_tile_m < 0 || spec.gemm_tile_n < 0 ||
      spec.attention_tile_q < 0)
    throw simcore::ConfigError(fmt::format(
        "device \"{}\": sms, gemm_tile and attention_tile must not be negative", n));
  if (spec.attention_efficiency != 0) check_efficiency("attention", spec.attention_efficiency);
  Device d;
  for (const auto& [dtype, peak] : spec.peak_flops_per_s) {
    d.flop_rate.emplace(dtype, peak * spec.compute_efficiency);
    if (!d.supported.empty()) d.supported += ", ";
    d.supported += dtype;  // std::map order: sorted, so the message is stable
  }
  d.byte_rate = spec.hbm_bw_bytes_per_s * spec.memory_efficiency;
  d.spec = std::move(spec);
  return d;
}

const RooflineModel::Device& RooflineModel::device_of(int rank) const {
  if (uniform_) return devices_.front();
  if (rank < 0 || static_cast<size_t>(rank) >= devices_.size())
    throw simcore::ConfigError(
        fmt::format("roofline compute model: no device for rank {}; devices are given for {} ranks",
                    rank, devices_.size()));
  return devices_[static_cast<size_t>(rank)];
}

const DeviceSpec& RooflineModel::device(int rank) const { return device_of(rank).spec; }

simcore::ComputeCost RooflineModel::cost(const simcore::Workload& workload, const simcore::Op& op,
                                         int rank) const {
  DTSIM_ASSERT(op.kind == simcore::OpKind::kCompute,
               "roofline model asked to price a non-compute op");
  DTSIM_ASSERT(op.flops >= 0, "negative flop count");
  DTSIM_ASSERT(op.mem_bytes >= 0, "negative byte count");
  const Device& d = device_of(rank);

  // An op without FLOPs (a memory-bound kernel) is priced by its bytes alone, whatever its dtype.
  if (op.flops == 0) return {ceil_ps(op.mem_bytes / d.byte_rate) + d.spec.launch_overhead, kName};
  std::string_view dtype = workload.str(op.dtype);
  if (dtype.empty()) dtype = kDefaultDtype;
  auto it = d.flop_rate.find(dtype);
  if (it == d.flop_rate.end()) {
    const std::string& op_name = workload.str(op.name);
    throw simcore::ConfigError(fmt::format(
        "rank {}{}: device \"{}\" has no peak rate for dtype \"{}\"; supported dtypes: {}", rank,
        op_name.empty() ? "" : fmt::format(", op \"{}\"", op_name), d.spec.name, dtype,
        d.supported));
  }

  // An op with kernel shapes: each GEMM and its attention kernel priced by its shape, one
  // launch overhead per kernel (kernel_cost.h).
  if (op.shape >= 0) {
    const simcore::KernelShapes& k = workload.shapes[static_cast<size_t>(op.shape)];
    const double peak = d.spec.peak_flops_per_s.find(it->first)->second;
    const double elt = dtype_bytes(dtype);
    double seconds = 0;
    int64_t kernels = 0;
    for (const simcore::GemmShape& g : k.gemms) {
      seconds += gemm_kernel_seconds(d.spec, peak, elt, g);
      ++kernels;
    }
    if (k.attention.batch_heads > 0) {
      seconds += attention_kernel_seconds(d.spec, peak, elt, k.attention);
      ++kernels;
    }
    return {ceil_ps(seconds) + d.spec.launch_overhead * kernels, kName};
  }
  // Each term is 0 for a zero count, so an empty op costs the launch overhead alone.
  double seconds = std::max(op.flops / it->second, op.mem_bytes / d.byte_rate);
  return {ceil_ps(seconds) + d.spec.launch_overhead, kName};
}

}  // namespace dtsim::compute
