// NCCL collectives over the host's GPUs (nccl_backend.h).
#include <cuda_runtime.h>
#include <fmt/format.h>
#include <nccl.h>

#include <chrono>
#include <stdexcept>

#include "tools/calibrate/cuda/nccl_backend.h"

namespace dtsim::calibrate {

namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess)
    throw std::runtime_error(fmt::format("{}: {}", what, cudaGetErrorString(e)));
}
void check(ncclResult_t r, const char* what) {
  if (r != ncclSuccess) throw std::runtime_error(fmt::format("{}: {}", what, ncclGetErrorString(r)));
}

}  // namespace

struct NcclBackend::Impl {
  int n = 0;
  std::vector<ncclComm_t> comms;
  std::vector<cudaStream_t> streams;
  std::vector<void*> send, recv;
  size_t capacity = 0;  ///< bytes of each send and receive buffer

  void ensure(size_t bytes) {
    if (bytes <= capacity) return;
    for (int r = 0; r < n; ++r) {
      check(cudaSetDevice(r), "cudaSetDevice");
      cudaFree(send[r]);
      cudaFree(recv[r]);
      send[r] = recv[r] = nullptr;
      check(cudaMalloc(&send[r], bytes), "cudaMalloc(NCCL send)");
      check(cudaMalloc(&recv[r], bytes), "cudaMalloc(NCCL receive)");
      check(cudaMemset(send[r], 0, bytes), "cudaMemset(NCCL send)");
    }
    capacity = bytes;
  }
  void sync() {
    for (int r = 0; r < n; ++r) {
      check(cudaSetDevice(r), "cudaSetDevice");
      check(cudaStreamSynchronize(streams[r]), "cudaStreamSynchronize");
    }
  }
};

bool NcclBackend::available() { return true; }

NcclBackend::NcclBackend() : impl_(std::make_unique<Impl>()) {
  Impl& i = *impl_;
  check(cudaGetDeviceCount(&i.n), "cudaGetDeviceCount");
  if (i.n < 1) throw std::runtime_error("NCCL: no CUDA device");
  i.comms.resize(i.n);
  i.streams.resize(i.n);
  i.send.assign(i.n, nullptr);
  i.recv.assign(i.n, nullptr);
  check(ncclCommInitAll(i.comms.data(), i.n, nullptr), "ncclCommInitAll");
  for (int r = 0; r < i.n; ++r) {
    check(cudaSetDevice(r), "cudaSetDevice");
    check(cudaStreamCreate(&i.streams[r]), "cudaStreamCreate");
  }
}

NcclBackend::~NcclBackend() {
  Impl& i = *impl_;
  for (int r = 0; r < i.n; ++r) {
    cudaSetDevice(r);
    cudaFree(i.send[r]);
    cudaFree(i.recv[r]);
    if (i.streams[r]) cudaStreamDestroy(i.streams[r]);
    if (i.comms[r]) ncclCommDestroy(i.comms[r]);
  }
}

int NcclBackend::ranks() const { return impl_->n; }

std::string NcclBackend::version() const {
  int v = 0;
  ncclGetVersion(&v);
  // NCCL_VERSION_CODE: major * 10000 + minor * 100 + patch since 2.9.
  return fmt::format("{}.{}.{}", v / 10000, v % 10000 / 100, v % 100);
}

NcclRow NcclBackend::measure(const std::string& op, int64_t bytes, int warmup, int iters) {
  Impl& i = *impl_;
  const int n = i.n;
  const size_t b = static_cast<size_t>(bytes);
  // Per rank: the elements each call sends (`count`) and the buffer sizes it needs.
  size_t count = b / 4, need = b;
  double factor = 1;
  if (op == "all_reduce") factor = 2.0 * (n - 1) / n;
  else if (op == "all_gather") count = b / 4 / n, factor = double(n - 1) / n;
  else if (op == "reduce_scatter") count = b / 4 / n, factor = double(n - 1) / n;
  else if (op == "all_to_all") count = b / 4 / n, factor = double(n - 1) / n;
  else if (op != "sendrecv") throw std::runtime_error(fmt::format("NCCL: unknown op '{}'", op));
  if (count == 0) throw std::runtime_error(fmt::format("NCCL {}: {} bytes is under one element per rank", op, bytes));
  i.ensure(need);
  auto call = [&] {
    check(ncclGroupStart(), "ncclGroupStart");
    for (int r = 0; r < n; ++r) {
      void* s = i.send[r];
      void* d = i.recv[r];
      ncclComm_t c = i.comms[r];
      cudaStream_t st = i.streams[r];
      if (op == "all_reduce")
        check(ncclAllReduce(s, d, count, ncclFloat, ncclSum, c, st), "ncclAllReduce");
      else if (op == "all_gather")
        check(ncclAllGather(s, d, count, ncclFloat, c, st), "ncclAllGather");
      else if (op == "reduce_scatter")
        check(ncclReduceScatter(s, d, count, ncclFloat, ncclSum, c, st), "ncclReduceScatter");
      else if (op == "all_to_all")
        for (int p = 0; p < n; ++p) {
          check(ncclSend(static_cast<char*>(s) + p * count * 4, count, ncclFloat, p, c, st), "ncclSend");
          check(ncclRecv(static_cast<char*>(d) + p * count * 4, count, ncclFloat, p, c, st), "ncclRecv");
        }
      else {
        check(ncclSend(s, count, ncclFloat, (r + 1) % n, c, st), "ncclSend");
        check(ncclRecv(d, count, ncclFloat, (r + n - 1) % n, c, st), "ncclRecv");
      }
    }
    check(ncclGroupEnd(), "ncclGroupEnd");
  };
  for (int w = 0; w < warmup; ++w) call();
  i.sync();
  auto t0 = std::chrono::steady_clock::now();
  for (int it = 0; it < iters; ++it) call();
  i.sync();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / iters;
  NcclRow row{op, double(bytes), s, double(bytes) / s, 0};
  row.busbw = row.algbw * factor;
  return row;
}

}  // namespace dtsim::calibrate
