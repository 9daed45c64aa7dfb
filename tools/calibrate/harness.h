#pragma once
/**
 * The calibration harness: measures a device's kernels over a grid, checks the calibrated model
 * on shapes off the grid (held-out), and writes a calibration file (format: README.md
 * "Calibration"; loaded by tools/dtsim/calibration_loader.h).
 *
 * Grids (sizes in elements; bytes for the memory-bound kernel):
 *  - quick: GEMM m, n, k in {32, 128, 512} for fp32 and fp64 (27 points each); triad from 1 KiB
 *    to 256 MiB in steps of 4x (bytes moved); 5 samples of >= 3 ms each;
 *  - full: GEMM m, n, k in {16, 32, ..., 2048}; triad 1 KiB to 1 GiB in steps of 2x; 7 samples
 *    of >= 10 ms each.
 * CUDA grids: quick GEMM sides {256, 1024, 4096}, full {16, 32, ..., 16384} (powers of two, so
 * MoE experts with few tokens and the largest projections are inside the table) for fp32, tf32,
 * bf16, fp16 and fp8 where the device has it; triad and copy 1 KiB to 1 GiB (quick, 8x steps) or
 * 8 GiB (full, 2x); host-device copies 4 KiB to 1 GiB. Held-out GEMM shapes include the
 * transformer generator's (Llama-3 8B projections at TP 1 to 8 over 8192 tokens) and MoE experts
 * (DeepSeek-V3, hidden 7168, expert FFN 2048, 24 to 384 tokens per expert).
 * Held-out: GEMM shapes strictly inside the grid but on none of its points, and triad sizes
 * between the grid's; the relative error |predicted - measured| / measured of each, its median
 * per table.
 *
 * Errors: ConfigError for an unknown back-end or one not built here, an output file that cannot
 * be written.
 */
#include <cstdio>
#include <string>
#include <vector>

#include "models/compute/calibration.h"
#include "tools/calibrate/cuda/nccl_backend.h"

namespace dtsim::calibrate {

struct HarnessOptions {
  std::string backend;  ///< "cpu" | "cuda"
  bool quick = false;
  /** CPU: OpenBLAS threads (0: its default). 1 by default: on a host shared with other jobs a
   *  multi-threaded GEMM waits on descheduled threads and its times scatter by 2x or more. */
  int threads = 1;
  /** Progress lines go here (stderr in the CLI); may be null. */
  std::FILE* log = nullptr;
};

struct HeldOut {
  std::string table;  ///< "fp32", "fp64", "memory_bound"
  /** [m, n, k, measured s, predicted s] for GEMM; [bytes, measured s, predicted s] for memory. */
  std::vector<std::vector<double>> rows;
  double median_relative_error = 0;
};

/** A host-device copy size: [bytes, host-to-device s, device-to-host s]. */
struct HostDeviceRow {
  double bytes = 0, to_device_s = 0, to_host_s = 0;
};

struct HarnessResult {
  compute::CalibrationData data;
  std::vector<HeldOut> held_out;
  /** Records measured beside the tables (written to the file, checked by the loader, not used
   *  for pricing yet): a device copy kernel over bytes moved, host-device copies (CUDA). */
  std::vector<compute::MemoryRow> copy;
  std::vector<HostDeviceRow> host_device;
  /** NCCL collectives over the host's GPUs (CUDA, where NCCL is built): a record. */
  std::vector<NcclRow> nccl;
  int nccl_ranks = 0;
  std::string nccl_version;
  std::vector<std::string> notes;  ///< written as the file's `notes:` and header
};

/** Runs the harness. Errors: see above. */
HarnessResult run_harness(const HarnessOptions& o);

/** The calibration file's text for `r` (loads back with load_calibration). */
std::string calibration_yaml(const HarnessResult& r);

}  // namespace dtsim::calibrate
