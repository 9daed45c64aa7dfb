#pragma once
/**
 * The CUDA back-end of the calibration harness (built only where CMake finds nvcc; elsewhere
 * `available()` is false and constructing one is a ConfigError):
 *  - GEMM through cuBLASLt, alpha 1, beta 0, the first algorithm of
 *    cublasLtMatmulAlgoGetHeuristic with a 32 MiB workspace: fp32 (CUBLAS_COMPUTE_32F), tf32
 *    (CUBLAS_COMPUTE_32F_FAST_TF32), bf16 and fp16 (fp32 accumulate) column-major without
 *    transposes; fp8 (e4m3 inputs, bf16 output, fp32 accumulate; compute capability 8.9 and up)
 *    in the "TN" layout cuBLASLt requires for fp8 (A transposed). Inputs hold pseudo-random
 *    values in [-1, 1) (not zeros: a product of zeros draws less power and runs at higher clocks,
 *    about 13% faster at 8192^3 bf16 on an H200 by this workplace's measurement);
 *  - two memory-bound kernels of our own, 16-byte loads and stores, grid-stride: a copy
 *    (bytes moved = 2 x the array) and the STREAM triad a = b + s c (bytes moved = 3 x one array);
 *  - host-device copies: cudaMemcpyAsync from and to pinned host memory (cudaMallocHost);
 *  - the launch overhead: back-to-back launches of an empty kernel, time per launch.
 * Each time is the median over samples of one call timed with CUDA events after 3 warm-up calls,
 * the L2 cache flushed (a memset of twice its size) before every sample. Buffers are allocated
 * once at the largest size asked so far and reused.
 *
 * Units: seconds, bytes. Errors: ConfigError without a CUDA device or when the back-end is not
 * built; std::runtime_error naming the CUDA / cuBLASLt call that failed (e.g. cuBLASLt finding no
 * algorithm for a shape).
 */
#include <cstdint>
#include <memory>
#include <string>

#include "models/compute/calibration.h"

namespace dtsim::calibrate {

class CudaBackend {
 public:
  static bool available();
  /** Device 0. */
  CudaBackend();
  ~CudaBackend();
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  /** Product name and SKU (name, compute capability, SM count), device memory, backend "cuda". */
  compute::CalibrationDevice identity() const;
  /** "driver", "runtime", "cublasLt" versions. */
  std::string driver_version() const;
  std::string runtime_version() const;
  std::string cublaslt_version() const;
  /** Whether the device has fp8 tensor cores (compute capability 8.9 or higher). */
  bool has_fp8() const;
  /** L2 cache size, bytes. */
  int64_t l2_bytes() const;

  /** dtype: fp32, tf32, bf16, fp16, fp8 (where has_fp8()). */
  double gemm_seconds(const std::string& dtype, int64_t m, int64_t n, int64_t k,
                      int samples) const;
  /** Copy of `bytes` / 2 bytes (the bytes moved are reads + writes). */
  double copy_seconds(int64_t bytes, int samples) const;
  /** STREAM triad over three arrays of `bytes` / 3 bytes each (bytes moved = `bytes`). */
  double triad_seconds(int64_t bytes, int samples) const;
  /** cudaMemcpyAsync of `bytes` from pinned host memory to the device, or back. */
  double host_to_device_seconds(int64_t bytes, int samples) const;
  double device_to_host_seconds(int64_t bytes, int samples) const;
  double launch_overhead_seconds(int samples) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dtsim::calibrate
