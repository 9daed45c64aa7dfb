// The CUDA back-end (cuda_backend.h): cuBLASLt GEMM, a copy kernel, CUDA-event timing.
#include <cublasLt.h>
#include <cuda_runtime.h>
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "simcore/error.h"
#include "tools/calibrate/cuda/cuda_backend.h"

namespace dtsim::calibrate {

namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess)
    throw std::runtime_error(fmt::format("{}: {}", what, cudaGetErrorString(e)));
}
void check(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(fmt::format("{}: cuBLAS status {}", what, static_cast<int>(s)));
}

__global__ void copy_kernel(const float4* __restrict__ in, float4* __restrict__ out, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n;
       i += size_t(gridDim.x) * blockDim.x)
    out[i] = in[i];
}

__global__ void empty_kernel() {}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

constexpr size_t kWorkspace = size_t{32} << 20;

}  // namespace

struct CudaBackend::Impl {
  cudaDeviceProp prop{};
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  cublasLtHandle_t lt = nullptr;
  void* workspace = nullptr;
  void* flush = nullptr;
  size_t flush_bytes = 0;

  /** Seconds of `fn` (enqueued on `stream`), timed with events after the L2 flush. */
  template <typename F>
  double time_once(F&& fn) {
    if (flush_bytes) check(cudaMemsetAsync(flush, 0, flush_bytes, stream), "cudaMemsetAsync");
    check(cudaEventRecord(start, stream), "cudaEventRecord");
    fn();
    check(cudaEventRecord(stop, stream), "cudaEventRecord");
    check(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    return ms * 1e-3;
  }
  template <typename F>
  double median_time(F&& fn, int samples) {
    for (int w = 0; w < 3; ++w) fn();  // warm-up
    check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    std::vector<double> t;
    for (int s = 0; s < samples; ++s) t.push_back(time_once(fn));
    return median_of(t);
  }
};

bool CudaBackend::available() { return true; }

CudaBackend::CudaBackend() : impl_(std::make_unique<Impl>()) {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0)
    throw simcore::ConfigError("--backend cuda: no CUDA device is visible on this machine");
  Impl& i = *impl_;
  check(cudaSetDevice(0), "cudaSetDevice");
  check(cudaGetDeviceProperties(&i.prop, 0), "cudaGetDeviceProperties");
  check(cudaStreamCreate(&i.stream), "cudaStreamCreate");
  check(cudaEventCreate(&i.start), "cudaEventCreate");
  check(cudaEventCreate(&i.stop), "cudaEventCreate");
  check(cublasLtCreate(&i.lt), "cublasLtCreate");
  check(cudaMalloc(&i.workspace, kWorkspace), "cudaMalloc(workspace)");
  int l2 = 0;
  check(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, 0), "cudaDeviceGetAttribute");
  i.flush_bytes = size_t(2) * static_cast<size_t>(l2);
  if (i.flush_bytes) check(cudaMalloc(&i.flush, i.flush_bytes), "cudaMalloc(flush)");
}

CudaBackend::~CudaBackend() {
  if (!impl_) return;
  Impl& i = *impl_;
  cudaFree(i.flush);
  cudaFree(i.workspace);
  if (i.lt) cublasLtDestroy(i.lt);
  if (i.start) cudaEventDestroy(i.start);
  if (i.stop) cudaEventDestroy(i.stop);
  if (i.stream) cudaStreamDestroy(i.stream);
}

compute::CalibrationDevice CudaBackend::identity() const {
  const cudaDeviceProp& p = impl_->prop;
  return {p.name, fmt::format("{} (sm_{}{}, {} SMs)", p.name, p.major, p.minor,
                               p.multiProcessorCount),
          static_cast<double>(p.totalGlobalMem), "cuda"};
}

std::string CudaBackend::driver_version() const {
  int v = 0;
  cudaDriverGetVersion(&v);
  return fmt::format("{}.{}", v / 1000, v % 1000 / 10);
}
std::string CudaBackend::runtime_version() const {
  int v = 0;
  cudaRuntimeGetVersion(&v);
  return fmt::format("{}.{}", v / 1000, v % 1000 / 10);
}
std::string CudaBackend::cublaslt_version() const {
  return std::to_string(cublasLtGetVersion());
}

double CudaBackend::gemm_seconds(const std::string& dtype, int64_t m, int64_t n, int64_t k,
                                 int samples) const {
  cudaDataType_t type = CUDA_R_32F;
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
  size_t elem = 4;
  if (dtype == "tf32") compute = CUBLAS_COMPUTE_32F_FAST_TF32;
  else if (dtype == "bf16") type = CUDA_R_16BF, elem = 2;
  else if (dtype == "fp16") type = CUDA_R_16F, elem = 2;
  else if (dtype != "fp32")
    throw simcore::ConfigError(fmt::format("CUDA back-end: no GEMM for dtype '{}'", dtype));
  Impl& i = *impl_;
  void *a = nullptr, *b = nullptr, *c = nullptr;
  check(cudaMalloc(&a, size_t(m * k) * elem), "cudaMalloc(A)");
  check(cudaMalloc(&b, size_t(k * n) * elem), "cudaMalloc(B)");
  check(cudaMalloc(&c, size_t(m * n) * elem), "cudaMalloc(C)");
  check(cudaMemset(a, 0, size_t(m * k) * elem), "cudaMemset(A)");
  check(cudaMemset(b, 0, size_t(k * n) * elem), "cudaMemset(B)");
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t la = nullptr, lb = nullptr, lc = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  double seconds = 0;
  try {
    check(cublasLtMatmulDescCreate(&desc, compute, CUDA_R_32F), "cublasLtMatmulDescCreate");
    check(cublasLtMatrixLayoutCreate(&la, type, m, k, m), "cublasLtMatrixLayoutCreate(A)");
    check(cublasLtMatrixLayoutCreate(&lb, type, k, n, k), "cublasLtMatrixLayoutCreate(B)");
    check(cublasLtMatrixLayoutCreate(&lc, type, m, n, m), "cublasLtMatrixLayoutCreate(C)");
    check(cublasLtMatmulPreferenceCreate(&pref), "cublasLtMatmulPreferenceCreate");
    size_t ws = kWorkspace;
    check(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws,
                                               sizeof ws),
          "cublasLtMatmulPreferenceSetAttribute");
    cublasLtMatmulHeuristicResult_t heuristic{};
    int found = 0;
    check(cublasLtMatmulAlgoGetHeuristic(i.lt, desc, la, lb, lc, lc, pref, 1, &heuristic, &found),
          "cublasLtMatmulAlgoGetHeuristic");
    if (found == 0)
      throw std::runtime_error(fmt::format("cuBLASLt has no algorithm for {} {}x{}x{}", dtype, m,
                                           n, k));
    const float alpha = 1, beta = 0;
    auto call = [&] {
      check(cublasLtMatmul(i.lt, desc, &alpha, a, la, b, lb, &beta, c, lc, c, lc,
                           &heuristic.algo, i.workspace, kWorkspace, i.stream),
            "cublasLtMatmul");
    };
    seconds = i.median_time(call, samples);
  } catch (...) {
    cublasLtMatmulPreferenceDestroy(pref);
    cublasLtMatrixLayoutDestroy(la);
    cublasLtMatrixLayoutDestroy(lb);
    cublasLtMatrixLayoutDestroy(lc);
    cublasLtMatmulDescDestroy(desc);
    cudaFree(a);
    cudaFree(b);
    cudaFree(c);
    throw;
  }
  cublasLtMatmulPreferenceDestroy(pref);
  cublasLtMatrixLayoutDestroy(la);
  cublasLtMatrixLayoutDestroy(lb);
  cublasLtMatrixLayoutDestroy(lc);
  cublasLtMatmulDescDestroy(desc);
  cudaFree(a);
  cudaFree(b);
  cudaFree(c);
  return seconds;
}

double CudaBackend::copy_seconds(int64_t bytes, int samples) const {
  Impl& i = *impl_;
  const size_t n = static_cast<size_t>(bytes / 2 / 16);  // float4 elements copied
  DTSIM_ASSERT(n >= 1, "copy of less than 32 bytes moved");
  void *in = nullptr, *out = nullptr;
  check(cudaMalloc(&in, n * 16), "cudaMalloc(copy in)");
  check(cudaMalloc(&out, n * 16), "cudaMalloc(copy out)");
  const int threads = 256;
  const int blocks = static_cast<int>(
      std::min<size_t>((n + threads - 1) / threads, size_t(i.prop.multiProcessorCount) * 32));
  double s = i.median_time(
      [&] {
        copy_kernel<<<blocks, threads, 0, i.stream>>>(static_cast<const float4*>(in),
                                                      static_cast<float4*>(out), n);
      },
      samples);
  cudaFree(in);
  cudaFree(out);
  return s;
}

double CudaBackend::launch_overhead_seconds(int samples) const {
  Impl& i = *impl_;
  constexpr int kLaunches = 1000;
  return i.median_time(
             [&] {
               for (int l = 0; l < kLaunches; ++l) empty_kernel<<<1, 1, 0, i.stream>>>();
             },
             samples) /
         kLaunches;
}

}  // namespace dtsim::calibrate
