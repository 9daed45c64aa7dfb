#pragma once
/**
 * NCCL collectives over every GPU of this host, timed as nccl-tests times them (one process
 * driving all GPUs through ncclCommInitAll; per size, warm-up calls, then `iters` calls back to
 * back, wall time over them after every stream is synchronised, divided by `iters`).
 *
 * Sizes in nccl-tests' terms: all_reduce and sendrecv the buffer of one rank; all_gather the
 * gathered output (n x the input); reduce_scatter the input (n x the output); all_to_all the
 * send buffer of one rank (n blocks). algbw = size / time; busbw = algbw x 2 (n - 1) / n
 * (all_reduce), x (n - 1) / n (all_gather, reduce_scatter, all_to_all), x 1 (sendrecv: each rank
 * sends to the next and receives from the previous). Source: NVIDIA/nccl-tests, doc/PERFORMANCE.md.
 * fp32 data (float sum for the reductions), out of place.
 *
 * Built where CMake finds NCCL (nccl.h and libnccl) beside nvcc; elsewhere `available()` is false.
 * With one GPU the collectives run on one rank (no data moves between GPUs): the code path runs,
 * the bandwidths mean nothing. Units: bytes, seconds, bytes/s.
 * Errors: std::runtime_error naming the CUDA / NCCL call that failed.
 */
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dtsim::calibrate {

struct NcclRow {
  std::string op;  ///< all_reduce, all_gather, reduce_scatter, all_to_all, sendrecv
  double bytes = 0, seconds = 0, algbw = 0, busbw = 0;
};

class NcclBackend {
 public:
  static bool available();
  /** Every visible GPU. */
  NcclBackend();
  ~NcclBackend();
  NcclBackend(const NcclBackend&) = delete;
  NcclBackend& operator=(const NcclBackend&) = delete;

  int ranks() const;
  std::string version() const;  ///< e.g. "2.28.9"
  /** One collective at `bytes` (a multiple of 4 x ranks()). */
  NcclRow measure(const std::string& op, int64_t bytes, int warmup, int iters);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dtsim::calibrate
