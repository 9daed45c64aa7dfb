// The CUDA back-end where nvcc was not found: it says so.
#ifndef DTSIM_HAVE_CUDA
#include "simcore/error.h"
#include "tools/calibrate/cuda/cuda_backend.h"

namespace dtsim::calibrate {

struct CudaBackend::Impl {};

bool CudaBackend::available() { return false; }
CudaBackend::CudaBackend() {
  throw simcore::ConfigError(
      "--backend cuda: the CUDA back-end is not built in this dtsim (CMake found no nvcc)");
}
CudaBackend::~CudaBackend() = default;
compute::CalibrationDevice CudaBackend::identity() const { return {}; }
std::string CudaBackend::driver_version() const { return {}; }
std::string CudaBackend::runtime_version() const { return {}; }
std::string CudaBackend::cublaslt_version() const { return {}; }
double CudaBackend::gemm_seconds(const std::string&, int64_t, int64_t, int64_t, int) const {
  return 0;
}
bool CudaBackend::has_fp8() const { return false; }
int64_t CudaBackend::l2_bytes() const { return 0; }
double CudaBackend::copy_seconds(int64_t, int) const { return 0; }
double CudaBackend::triad_seconds(int64_t, int) const { return 0; }
double CudaBackend::host_to_device_seconds(int64_t, int) const { return 0; }
double CudaBackend::device_to_host_seconds(int64_t, int) const { return 0; }
double CudaBackend::launch_overhead_seconds(int) const { return 0; }

}  // namespace dtsim::calibrate
#endif
