#include "models/compute/calibration.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

namespace dtsim::compute {

namespace {

using simcore::ConfigError;

bool positive_finite(double v) { return std::isfinite(v) && v > 0; }

/** "FILE: " when the row has no location of its own but the table has a file. */
[[noreturn]] void row_error(const std::string& file, const simcore::SourceLocation& where,
                            const std::string& message) {
  if (!where.str().empty()) throw ConfigError(where, message);
  throw ConfigError(file.empty() ? message : fmt::format("{}: {}", file, message));
}

/** Index i with axis[i] <= x <= axis[i + 1] and the weight of axis[i + 1] in [0, 1]; x clamped
 *  to the axis. A single-point axis gives (0, 0). */
std::pair<size_t, double> bracket(const std::vector<double>& axis, double x) {
  if (axis.size() == 1 || x <= axis.front()) return {0, 0.0};
  if (x >= axis.back()) return {axis.size() - 2, 1.0};
  size_t hi = static_cast<size_t>(std::upper_bound(axis.begin(), axis.end(), x) - axis.begin());
  size_t lo = hi - 1;
  return {lo, (x - axis[lo]) / (axis[hi] - axis[lo])};
}

}  // namespace

bool CalibrationTable::known_dtype(std::string_view d) {
  return d == "fp64" || d == "fp32" || d == "tf32" || d == "bf16" || d == "fp16" || d == "fp8" ||
         d == "int8";
}

CalibrationTable::CalibrationTable(CalibrationData data) : data_(std::move(data)) {
  const std::string& file = data_.file;
  if (!(std::isfinite(data_.launch_overhead_s) && data_.launch_overhead_s >= 0))
    row_error(file, {}, fmt::format("launch_overhead: expected a non-negative time; got {} s",
                                    data_.launch_overhead_s));
  if (data_.gemm.empty() && data_.memory.empty())
    row_error(file, {}, "no measured table: expected a gemm: or memory_bound: table");
  for (const auto& [dtype, rows] : data_.gemm) {
    if (!known_dtype(dtype))
      row_error(file, rows.empty() ? simcore::SourceLocation{} : rows.front().where,
                fmt::format("gemm: unknown dtype '{}' (expected fp64, fp32, tf32, bf16, fp16, fp8 "
                            "or int8)",
                            dtype));
    grids_.emplace(dtype, build_grid(file, dtype, rows));
  }
  if (data_.memory.size() > kMaxMemoryRows)
    row_error(file, {}, fmt::format("memory_bound: {} rows; at most {} allowed",
                                    data_.memory.size(), kMaxMemoryRows));
  for (size_t r = 0; r < data_.memory.size(); ++r) {
    const MemoryRow& row = data_.memory[r];
    std::string at = fmt::format("memory_bound row {} (bytes {})", r, row.bytes);
    if (!positive_finite(row.bytes))
      row_error(file, row.where, fmt::format("{}: expected a positive size", at));
    if (!positive_finite(row.seconds))
      row_error(file, row.where,
                fmt::format("{}: expected a positive time; got {} s", at, row.seconds));
    if (r > 0 && !(row.bytes > data_.memory[r - 1].bytes))
      row_error(file, row.where,
                fmt::format("{}: sizes must increase strictly (the previous row has {} bytes)", at,
                            data_.memory[r - 1].bytes));
  }
}

CalibrationTable::Grid CalibrationTable::build_grid(const std::string& file,
                                                    const std::string& dtype,
                                                    const std::vector<GemmRow>& rows) {
  if (rows.empty()) row_error(file, {}, fmt::format("gemm.{}: no rows", dtype));
  if (rows.size() > kMaxGemmRows)
    row_error(file, rows.front().where,
              fmt::format("gemm.{}: {} rows; at most {} allowed", dtype, rows.size(),
                          kMaxGemmRows));
  std::vector<int64_t> ms, ns, ks;
  for (size_t r = 0; r < rows.size(); ++r) {
    const GemmRow& row = rows[r];
    std::string at = fmt::format("gemm.{} row {} (m {}, n {}, k {})", dtype, r, row.m, row.n, row.k);
    if (row.m < 1 || row.n < 1 || row.k < 1)
      row_error(file, row.where, fmt::format("{}: expected sizes >= 1", at));
    if (!positive_finite(row.seconds))
      row_error(file, row.where,
                fmt::format("{}: expected a positive time; got {} s", at, row.seconds));
    if (r > 0) {
      const GemmRow& p = rows[r - 1];
      if (!(std::tie(p.m, p.n, p.k) < std::tie(row.m, row.n, row.k)))
        row_error(file, row.where,
                  fmt::format("{}: rows must be in strictly ascending (m, n, k) order, m slowest "
                              "(the previous row is m {}, n {}, k {})",
                              at, p.m, p.n, p.k));
    }
    ms.push_back(row.m);
    ns.push_back(row.n);
    ks.push_back(row.k);
  }
  for (auto* v : {&ms, &ns, &ks}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  const size_t want = ms.size() * ns.size() * ks.size();
  if (rows.size() != want) {
    // Rows are strictly ascending, so the first grid point that differs is the missing one.
    size_t r = 0;
    for (int64_t m : ms)
      for (int64_t n : ns)
        for (int64_t k : ks) {
          if (r >= rows.size() || std::tie(rows[r].m, rows[r].n, rows[r].k) != std::tie(m, n, k))
            row_error(file, r < rows.size() ? rows[r].where : rows.back().where,
                      fmt::format("gemm.{}: the grid m {{{}}} x n {{{}}} x k {{{}}} lacks the point "
                                  "(m {}, n {}, k {}) (expected before this row: every "
                                  "combination of the axis values, measured once)",
                                  dtype, fmt::join(ms, ", "), fmt::join(ns, ", "),
                                  fmt::join(ks, ", "), m, n, k));
          ++r;
        }
  }
  Grid g;
  auto logs = [](const std::vector<int64_t>& v) {
    std::vector<double> out;
    for (int64_t x : v) out.push_back(std::log(static_cast<double>(x)));
    return out;
  };
  g.log_m = logs(ms);
  g.log_n = logs(ns);
  g.log_k = logs(ks);
  for (const GemmRow& row : rows) g.log_t.push_back(std::log(row.seconds));
  return g;
}

double CalibrationTable::gemm_seconds(std::string_view dtype, double m, double n, double k) const {
  auto it = grids_.find(dtype);
  DTSIM_ASSERT(it != grids_.end(), "calibrated GEMM time asked for a dtype without a table");
  DTSIM_ASSERT(m > 0 && n > 0 && k > 0, "GEMM size must be positive");
  const Grid& g = it->second;
  const double x[3] = {std::log(m), std::log(n), std::log(k)};
  const std::vector<double>* axes[3] = {&g.log_m, &g.log_n, &g.log_k};
  size_t lo[3];
  double w[3];
  double excess = 0;  // log of the FLOP ratio beyond the largest measured sizes
  for (int a = 0; a < 3; ++a) {
    std::tie(lo[a], w[a]) = bracket(*axes[a], x[a]);
    excess += std::max(0.0, x[a] - axes[a]->back());
  }
  const size_t nn = g.log_n.size(), nk = g.log_k.size();
  double log_t = 0;
  for (int corner = 0; corner < 8; ++corner) {
    double weight = 1;
    size_t idx[3];
    for (int a = 0; a < 3; ++a) {
      bool up = (corner >> a) & 1;
      if (up && axes[a]->size() == 1) weight = 0;
      weight *= up ? w[a] : 1 - w[a];
      idx[a] = std::min(lo[a] + (up ? 1 : 0), axes[a]->size() - 1);
    }
    if (weight == 0) continue;
    log_t += weight * g.log_t[(idx[0] * nn + idx[1]) * nk + idx[2]];
  }
  return std::exp(log_t + excess);
}

double CalibrationTable::memory_seconds(double bytes) const {
  DTSIM_ASSERT(!data_.memory.empty(), "calibrated memory time asked without a memory table");
  DTSIM_ASSERT(bytes >= 0, "negative byte count");
  if (bytes == 0) return 0;
  const auto& rows = data_.memory;
  if (bytes <= rows.front().bytes) return rows.front().seconds;
  if (bytes >= rows.back().bytes) return rows.back().seconds * (bytes / rows.back().bytes);
  auto hi = std::upper_bound(rows.begin(), rows.end(), bytes,
                             [](double b, const MemoryRow& r) { return b < r.bytes; });
  auto lo = hi - 1;
  double w = (std::log(bytes) - std::log(lo->bytes)) / (std::log(hi->bytes) - std::log(lo->bytes));
  return std::exp((1 - w) * std::log(lo->seconds) + w * std::log(hi->seconds));
}

}  // namespace dtsim::compute
