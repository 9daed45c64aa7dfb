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

struct HarnessResult {
  compute::CalibrationData data;
  std::vector<HeldOut> held_out;
  std::vector<std::string> notes;  ///< written as the file's `notes:` and header
};

/** Runs the harness. Errors: see above. */
HarnessResult run_harness(const HarnessOptions& o);

/** The calibration file's text for `r` (loads back with load_calibration). */
std::string calibration_yaml(const HarnessResult& r);

}  // namespace dtsim::calibrate
