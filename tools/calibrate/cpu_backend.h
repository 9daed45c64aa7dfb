#pragma once
/**
 * The CPU back-end of the calibration harness: GEMM through OpenBLAS (cblas_sgemm for fp32,
 * cblas_dgemm for fp64; row-major, no transposes, alpha 1, beta 0), a STREAM triad
 * a[i] = b[i] + s * c[i] over doubles (J. McCalpin, "Memory Bandwidth and Machine Balance in
 * Current High Performance Computers", IEEE TCCA Newsletter, 1995: 24 bytes moved per element,
 * two reads and one write, write-allocate traffic not counted), and the launch overhead as the
 * time of a 1 x 1 x 1 sgemm call. Times are medians (measure.h).
 *
 * Built only where CMake finds OpenBLAS (DTSIM_HAVE_OPENBLAS); elsewhere `available()` is false.
 * Errors: ConfigError when the back-end is not built; std::bad_alloc when memory runs out.
 */
#include <cstdint>
#include <string>

namespace dtsim::calibrate {

class CpuBackend {
 public:
  static bool available();
  /** Sets OpenBLAS to `threads` threads (0: leave its default, OPENBLAS_NUM_THREADS or all
   *  cores). */
  explicit CpuBackend(int threads);
  /** Per-call median seconds of C(m x n) = A(m x k) B(k x n) in `dtype` ("fp32" or "fp64"). */
  double gemm_seconds(const std::string& dtype, int64_t m, int64_t n, int64_t k, int samples,
                      double min_sample_s) const;
  /** Per-call median seconds of a triad moving `bytes` (a multiple of 24). */
  double triad_seconds(int64_t bytes, int samples, double min_sample_s) const;
  double launch_overhead_seconds(int samples) const;
  /** "OpenBLAS 0.3.21 ... (config string)", the thread count. */
  std::string blas_version() const;
  int threads() const;
};

}  // namespace dtsim::calibrate
