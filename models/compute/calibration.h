#pragma once
/**
 * Measured kernel times of one device (a calibration file, `configs/calibration/<device>.yaml`,
 * written by `dtsim calibrate`), validated and ready to interpolate.
 *
 * The tables:
 *  - GEMM: per dtype, the wall time of C = A * B with A m x k and B k x n, over a full grid
 *    m in M, n in N, k in K (every combination measured once; rows in ascending (m, n, k) order,
 *    m slowest, k fastest);
 *  - memory-bound: the time of a streaming kernel (STREAM triad on a CPU, a copy kernel on a GPU)
 *    over the bytes it moves (reads + writes), in ascending size;
 *  - the launch overhead: the time of an empty call (a GEMM of 1 x 1 x 1 on a CPU; an empty
 *    kernel on a GPU).
 *
 * Interpolation (all in log space, so equal ratios of size weigh equally):
 *  - GEMM: log t is trilinear in (log m, log n, log k) between the bracketing grid points of the
 *    dtype's table. Below the smallest measured size of an axis the coordinate is clamped to it
 *    (a smaller GEMM is latency-bound: it takes no less than the smallest measured one). Above
 *    the largest it is clamped too and the time scaled by the ratio of the FLOPs,
 *    t = t(clamped) * (m n k) / (m_c n_c k_c): the throughput of the largest measured size holds.
 *  - memory-bound: log t is linear in log bytes between bracketing sizes; below the smallest the
 *    smallest time holds, above the largest the time scales with the bytes (the bandwidth of the
 *    largest measured size holds).
 *
 * Units: sizes in elements (m, n, k) and bytes; times in seconds; memory_bytes in bytes.
 * Errors: ConfigError (at the row's SourceLocation when the loader filled it, else the message
 * names the table and row index) for an empty table, a size < 1, a time that is not positive and
 * finite, rows out of ascending order or repeated (non-monotonic axes), a grid with a missing
 * point (missing axis values), an unknown dtype name, a table over the caps below.
 * Complexity: construction O(R log R) for R rows; a GEMM query O(log |M| + log |N| + log |K|).
 * Source: the tables are measurements (tools/calibrate/); trilinear interpolation in log space
 * and the clamping rules are our modelling choice, documented above.
 *
 *     CalibrationData d = ...;                     // from the loader or the harness
 *     CalibrationTable t(std::move(d));
 *     double s = t.gemm_seconds("fp32", 1000, 1000, 1000);
 */
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "simcore/error.h"

namespace dtsim::compute {

/** Who measured: matched against the scenario's device spec (name, memory). */
struct CalibrationDevice {
  std::string name;     ///< product name, e.g. "NVIDIA H200" or the CPU's "model name"
  std::string sku;      ///< GPU SKU / board id, or the CPU model; informational
  double memory_bytes = 0;  ///< device memory (GPU) or physical memory (CPU), bytes
  std::string backend;  ///< "cpu" or "cuda"
};

struct GemmRow {
  int64_t m = 0, n = 0, k = 0;
  double seconds = 0;
  simcore::SourceLocation where;  ///< the row in its file (may be empty)
};

struct MemoryRow {
  double bytes = 0;  ///< bytes moved (reads + writes)
  double seconds = 0;
  simcore::SourceLocation where;
};

struct CalibrationData {
  std::string file;  ///< where it came from, for messages ("" when built in memory)
  CalibrationDevice device;
  std::map<std::string, std::string> libraries;  ///< e.g. {"openblas", "0.3.21"}
  std::string date;                              ///< ISO 8601, UTC
  double launch_overhead_s = 0;
  std::map<std::string, std::vector<GemmRow>> gemm;  ///< dtype -> rows
  std::string memory_kernel;                         ///< "triad", "copy"
  std::vector<MemoryRow> memory;
};

class CalibrationTable {
 public:
  /** At most this many rows per GEMM dtype and this many memory rows (checked by the loader
   *  before it allocates, and here). */
  static constexpr size_t kMaxGemmRows = 1 << 16;
  static constexpr size_t kMaxMemoryRows = 1 << 12;
  /** The dtype names a table may use. */
  static bool known_dtype(std::string_view dtype);

  /** Errors: ConfigError (see the file comment). */
  explicit CalibrationTable(CalibrationData data);

  bool has_gemm(std::string_view dtype) const { return grids_.find(dtype) != grids_.end(); }
  bool has_memory() const { return !data_.memory.empty(); }
  /** Interpolated GEMM time, seconds. Errors: InternalError when the dtype has no table or a
   *  size is not positive. */
  double gemm_seconds(std::string_view dtype, double m, double n, double k) const;
  /** Interpolated memory-bound time for `bytes` moved, seconds (0 for 0 bytes). Errors:
   *  InternalError without a memory table or for negative bytes. */
  double memory_seconds(double bytes) const;
  const CalibrationData& data() const { return data_; }

 private:
  struct Grid {
    std::vector<double> log_m, log_n, log_k;  ///< ascending
    std::vector<double> log_t;                ///< [(i * |N| + j) * |K| + l]
  };
  static Grid build_grid(const std::string& file, const std::string& dtype,
                         const std::vector<GemmRow>& rows);

  CalibrationData data_;
  std::map<std::string, Grid, std::less<>> grids_;
};

}  // namespace dtsim::compute
