#include "tools/calibrate/cpu_backend.h"

#include <vector>

#include "simcore/error.h"
#include "tools/calibrate/measure.h"

#ifdef DTSIM_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace dtsim::calibrate {

#ifdef DTSIM_HAVE_OPENBLAS

bool CpuBackend::available() { return true; }

CpuBackend::CpuBackend(int threads) {
  if (threads > 0) openblas_set_num_threads(threads);
}

namespace {
template <typename T>
double time_gemm(int64_t m, int64_t n, int64_t k, int samples, double min_sample_s) {
  std::vector<T> a(static_cast<size_t>(m * k), T(1.0 / 3)), b(static_cast<size_t>(k * n), T(0.5)),
      c(static_cast<size_t>(m * n));
  auto call = [&] {
    const int M = static_cast<int>(m), N = static_cast<int>(n), K = static_cast<int>(k);
    if constexpr (sizeof(T) == 4)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, a.data(), K,
                  b.data(), N, 0.0f, c.data(), N);
    else
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0, a.data(), K,
                  b.data(), N, 0.0, c.data(), N);
  };
  return median_seconds(call, samples, min_sample_s);
}
}  // namespace

double CpuBackend::gemm_seconds(const std::string& dtype, int64_t m, int64_t n, int64_t k,
                                int samples, double min_sample_s) const {
  if (dtype == "fp32") return time_gemm<float>(m, n, k, samples, min_sample_s);
  DTSIM_ASSERT(dtype == "fp64", "CPU back-end: GEMM dtype must be fp32 or fp64");
  return time_gemm<double>(m, n, k, samples, min_sample_s);
}

double CpuBackend::triad_seconds(int64_t bytes, int samples, double min_sample_s) const {
  const size_t n = static_cast<size_t>(bytes / 24);
  DTSIM_ASSERT(n >= 1, "triad of less than one element");
  std::vector<double> a(n, 0.0), b(n, 1.0), c(n, 2.0);
  const double s = 3.0;
  auto triad = [&] {
    double* __restrict pa = a.data();
    const double* __restrict pb = b.data();
    const double* __restrict pc = c.data();
    for (size_t i = 0; i < n; ++i) pa[i] = pb[i] + s * pc[i];
    // Keep the compiler from dropping repeated identical passes.
    asm volatile("" : : "r"(pa) : "memory");
  };
  return median_seconds(triad, samples, min_sample_s);
}

double CpuBackend::launch_overhead_seconds(int samples) const {
  return time_gemm<float>(1, 1, 1, samples, 1e-3);
}

std::string CpuBackend::blas_version() const { return openblas_get_config(); }
int CpuBackend::threads() const { return openblas_get_num_threads(); }

#else

bool CpuBackend::available() { return false; }
CpuBackend::CpuBackend(int) {}
namespace {
[[noreturn]] void missing() {
  throw simcore::ConfigError(
      "the CPU calibration back-end was built without OpenBLAS (install libopenblas-dev, "
      "e.g. with tools/setup.sh, and re-run CMake)");
}
}  // namespace
double CpuBackend::gemm_seconds(const std::string&, int64_t, int64_t, int64_t, int,
                                double) const { missing(); }
double CpuBackend::triad_seconds(int64_t, int, double) const { missing(); }
double CpuBackend::launch_overhead_seconds(int) const { missing(); }
std::string CpuBackend::blas_version() const { missing(); }
int CpuBackend::threads() const { missing(); }

#endif

}  // namespace dtsim::calibrate
