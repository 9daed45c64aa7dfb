#pragma once
/**
 * The CUDA back-end of the calibration harness (built only where CMake finds nvcc; elsewhere
 * `available()` is false and constructing one is a ConfigError):
 *  - GEMM through cuBLASLt (column-major, no transposes, alpha 1, beta 0; the first algorithm of
 *    cublasLtMatmulAlgoGetHeuristic with a 32 MiB workspace) for fp32 (CUBLAS_COMPUTE_32F), tf32
 *    (CUBLAS_COMPUTE_32F_FAST_TF32), bf16 and fp16 (fp32 accumulate); fp8 is not measured yet;
 *  - a copy kernel of our own (16-byte loads and stores, grid-stride), bytes moved = 2 x size;
 *  - the launch overhead: back-to-back launches of an empty kernel, time per launch.
 * Each time is the median over samples of one call timed with CUDA events after warm-up calls,
 * the L2 cache flushed (a memset of twice its size) before every sample.
 *
 * Status: compiled where nvcc is found, NOT yet run on a GPU (no numbers from it are committed).
 * Units: seconds, bytes. Errors: ConfigError without a CUDA device or when the back-end is not
 * built; std::runtime_error naming the CUDA / cuBLASLt call that failed.
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

  double gemm_seconds(const std::string& dtype, int64_t m, int64_t n, int64_t k,
                      int samples) const;
  /** Copy of `bytes` / 2 bytes (the bytes moved are reads + writes). */
  double copy_seconds(int64_t bytes, int samples) const;
  double launch_overhead_seconds(int samples) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dtsim::calibrate
