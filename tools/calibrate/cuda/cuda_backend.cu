// The CUDA back-end (cuda_backend.h): cuBLASLt GEMM, copy and triad kernels, host-device copies,
// CUDA-event timing.
#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <cuda_runtime.h>
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <utility>
#include <vector>

#include "simcore/error.h"
#include "tools/calibrate/cuda/cuda_backend.h"
#include "tools/calibrate/measure.h"

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

/** STREAM triad a = b + s c on float4 elements. */
__global__ void triad_kernel(float4* __restrict__ a, const float4* __restrict__ b,
                             const float4* __restrict__ c, float s, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n;
       i += size_t(gridDim.x) * blockDim.x) {
    float4 x = b[i], y = c[i];
    a[i] = make_float4(x.x + s * y.x, x.y + s * y.y, x.z + s * y.z, x.w + s * y.w);
  }
}

__global__ void empty_kernel() {}

/** A pseudo-random value in [-1, 1) from the index (a 32-bit integer hash, "lowbias32"). */
__device__ float unit_random(size_t i) {
  uint32_t x = static_cast<uint32_t>(i) ^ static_cast<uint32_t>(i >> 32) ^ 0x9e3779b9u;
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return static_cast<float>(x) * (2.0f / 4294967296.0f) - 1.0f;
}
__device__ void store(float* p, float v) { *p = v; }
__device__ void store(__nv_bfloat16* p, float v) { *p = __float2bfloat16(v); }
__device__ void store(__half* p, float v) { *p = __float2half(v); }
__device__ void store(__nv_fp8_e4m3* p, float v) { *p = __nv_fp8_e4m3(v); }

template <typename T>
__global__ void fill_kernel(T* p, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n;
       i += size_t(gridDim.x) * blockDim.x)
    store(p + i, unit_random(i));
}

constexpr size_t kWorkspace = size_t{32} << 20;

/** Device memory kept at the largest size asked so far. */
struct DeviceBuffer {
  void* p = nullptr;
  size_t bytes = 0;
  void* ensure(size_t want, const char* what) {
    if (want > bytes) {
      cudaFree(p);
      p = nullptr;
      bytes = 0;
      check(cudaMalloc(&p, want), what);
      bytes = want;
    }
    return p;
  }
  ~DeviceBuffer() { cudaFree(p); }
};

}  // namespace

struct CudaBackend::Impl {
  cudaDeviceProp prop{};
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  cublasLtHandle_t lt = nullptr;
  void* workspace = nullptr;
  void* flush = nullptr;
  size_t flush_bytes = 0;
  DeviceBuffer a, b, c;
  void* host = nullptr;  ///< pinned
  size_t host_bytes = 0;

  int blocks_for(size_t n, int threads) const {
    return static_cast<int>(
        std::min<size_t>((n + threads - 1) / threads, size_t(prop.multiProcessorCount) * 32));
  }
  template <typename T>
  void fill(void* p, size_t n) {
    fill_kernel<T><<<blocks_for(n, 256), 256, 0, stream>>>(static_cast<T*>(p), n);
    check(cudaGetLastError(), "fill_kernel");
  }
  void* pinned(size_t want) {
    if (want > host_bytes) {
      cudaFreeHost(host);
      host = nullptr;
      host_bytes = 0;
      check(cudaMallocHost(&host, want), "cudaMallocHost");
      host_bytes = want;
    }
    return host;
  }

  /** cudaMemcpyAsync of `bytes` between pinned host memory and the device, one direction. */
  double host_copy_seconds(int64_t bytes, int samples, bool to_device);

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
    check(cudaGetLastError(), "warm-up launch");
    std::vector<double> t;
    for (int s = 0; s < samples; ++s) t.push_back(time_once(fn));
    check(cudaGetLastError(), "timed launch");
    return median(std::move(t));
  }
};

double CudaBackend::Impl::host_copy_seconds(int64_t bytes, int samples, bool to_device) {
  DTSIM_ASSERT(bytes >= 1, "empty host-device copy");
  void* h = pinned(size_t(bytes));
  void* d = a.ensure(size_t(bytes), "cudaMalloc(host copy)");
  return median_time(
      [&] {
        check(to_device ? cudaMemcpyAsync(d, h, size_t(bytes), cudaMemcpyHostToDevice, stream)
                        : cudaMemcpyAsync(h, d, size_t(bytes), cudaMemcpyDeviceToHost, stream),
              to_device ? "cudaMemcpyAsync(H2D)" : "cudaMemcpyAsync(D2H)");
      },
      samples);
}

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
  i.flush_bytes = size_t(2) * static_cast<size_t>(l2_bytes());
  if (i.flush_bytes) check(cudaMalloc(&i.flush, i.flush_bytes), "cudaMalloc(flush)");
}

CudaBackend::~CudaBackend() {
  if (!impl_) return;
  Impl& i = *impl_;
  cudaFreeHost(i.host);
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
bool CudaBackend::has_fp8() const {
  const cudaDeviceProp& p = impl_->prop;
  return p.major * 10 + p.minor >= 89;
}
int64_t CudaBackend::l2_bytes() const {
  int l2 = 0;
  check(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, 0), "cudaDeviceGetAttribute");
  return l2;
}

double CudaBackend::gemm_seconds(const std::string& dtype, int64_t m, int64_t n, int64_t k,
                                 int samples) const {
  cudaDataType_t in_type = CUDA_R_32F, out_type = CUDA_R_32F;
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
  size_t in_elem = 4, out_elem = 4;
  bool fp8 = false;
  if (dtype == "tf32") compute = CUBLAS_COMPUTE_32F_FAST_TF32;
  else if (dtype == "bf16") in_type = out_type = CUDA_R_16BF, in_elem = out_elem = 2;
  else if (dtype == "fp16") in_type = out_type = CUDA_R_16F, in_elem = out_elem = 2;
  else if (dtype == "fp8" && has_fp8())
    in_type = CUDA_R_8F_E4M3, out_type = CUDA_R_16BF, in_elem = 1, out_elem = 2, fp8 = true;
  else if (dtype != "fp32")
    throw simcore::ConfigError(fmt::format("CUDA back-end: no GEMM for dtype '{}' on this device",
                                           dtype));
  Impl& i = *impl_;
  const size_t na = size_t(m) * size_t(k), nb = size_t(k) * size_t(n), nc = size_t(m) * size_t(n);
  void* a = i.a.ensure(na * in_elem, "cudaMalloc(A)");
  void* b = i.b.ensure(nb * in_elem, "cudaMalloc(B)");
  void* c = i.c.ensure(nc * out_elem, "cudaMalloc(C)");
  auto fill = [&](void* p, size_t count, cudaDataType_t t) {
    if (t == CUDA_R_32F) i.fill<float>(p, count);
    else if (t == CUDA_R_16BF) i.fill<__nv_bfloat16>(p, count);
    else if (t == CUDA_R_16F) i.fill<__half>(p, count);
    else i.fill<__nv_fp8_e4m3>(p, count);
  };
  fill(a, na, in_type);
  fill(b, nb, in_type);

  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t la = nullptr, lb = nullptr, lc = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  auto release = [&] {
    cublasLtMatmulPreferenceDestroy(pref);
    cublasLtMatrixLayoutDestroy(la);
    cublasLtMatrixLayoutDestroy(lb);
    cublasLtMatrixLayoutDestroy(lc);
    cublasLtMatmulDescDestroy(desc);
  };
  double seconds = 0;
  try {
    check(cublasLtMatmulDescCreate(&desc, compute, CUDA_R_32F), "cublasLtMatmulDescCreate");
    if (fp8) {
      // cuBLASLt's fp8 GEMM takes A transposed ("TN"): A is stored k x m.
      cublasOperation_t t = CUBLAS_OP_T;
      check(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &t, sizeof t),
            "cublasLtMatmulDescSetAttribute(TRANSA)");
      check(cublasLtMatrixLayoutCreate(&la, in_type, k, m, k), "cublasLtMatrixLayoutCreate(A)");
    } else {
      check(cublasLtMatrixLayoutCreate(&la, in_type, m, k, m), "cublasLtMatrixLayoutCreate(A)");
    }
    check(cublasLtMatrixLayoutCreate(&lb, in_type, k, n, k), "cublasLtMatrixLayoutCreate(B)");
    check(cublasLtMatrixLayoutCreate(&lc, out_type, m, n, m), "cublasLtMatrixLayoutCreate(C)");
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
    release();
    throw;
  }
  release();
  return seconds;
}

double CudaBackend::copy_seconds(int64_t bytes, int samples) const {
  Impl& i = *impl_;
  const size_t n = static_cast<size_t>(bytes / 2 / 16);  // float4 elements copied
  DTSIM_ASSERT(n >= 1, "copy of less than 32 bytes moved");
  void* in = i.a.ensure(n * 16, "cudaMalloc(copy in)");
  void* out = i.b.ensure(n * 16, "cudaMalloc(copy out)");
  const int threads = 256, blocks = i.blocks_for(n, threads);
  return i.median_time(
      [&] {
        copy_kernel<<<blocks, threads, 0, i.stream>>>(static_cast<const float4*>(in),
                                                      static_cast<float4*>(out), n);
      },
      samples);
}

double CudaBackend::triad_seconds(int64_t bytes, int samples) const {
  Impl& i = *impl_;
  const size_t n = static_cast<size_t>(bytes / 3 / 16);  // float4 elements per array
  DTSIM_ASSERT(n >= 1, "triad of less than 48 bytes moved");
  void* a = i.a.ensure(n * 16, "cudaMalloc(triad a)");
  void* b = i.b.ensure(n * 16, "cudaMalloc(triad b)");
  void* c = i.c.ensure(n * 16, "cudaMalloc(triad c)");
  i.fill<float>(b, 4 * n);
  i.fill<float>(c, 4 * n);
  const int threads = 256, blocks = i.blocks_for(n, threads);
  return i.median_time(
      [&] {
        triad_kernel<<<blocks, threads, 0, i.stream>>>(
            static_cast<float4*>(a), static_cast<const float4*>(b),
            static_cast<const float4*>(c), 3.0f, n);
      },
      samples);
}

double CudaBackend::host_to_device_seconds(int64_t bytes, int samples) const {
  return impl_->host_copy_seconds(bytes, samples, true);
}

double CudaBackend::device_to_host_seconds(int64_t bytes, int samples) const {
  return impl_->host_copy_seconds(bytes, samples, false);
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
