#pragma once
/**
 * Cost-model regression: golden predicted times of a fixed set of compute ops (and of a few
 * scenarios' headline numbers) for one device, with or without a calibration file, stored as
 * text in the `.yaml` files of `validation/cost_models/`. `dtsim validate validation/cost_models` fails when a
 * change moves a prediction beyond the file's tolerance, printing the old value, the new one and
 * the relative change; `dtsim validate --regenerate validation/cost_models` rewrites the values
 * when the change is intended (the file's inputs and leading comment are kept).
 *
 * A golden file:
 *
 *     golden: cost_models
 *     device: ../../configs/devices/h100_sxm.yaml   # or inline
 *     calibration: ../../configs/calibration/x.yaml  # optional: the calibrated model
 *     dtype: bf16                                     # the dtype of the fixed ops
 *     tolerance: {relative: 1.0e-9}
 *     ops: {"gemm 8192x8192x8192": 1.1e-3, ...}       # written by --regenerate
 *     scenarios:
 *       - {scenario: ../../scenarios/s.yaml, pointer: /step_time_s, value: 1.23}
 *
 * The fixed ops (golden_ops): square GEMMs, the skinny GEMMs of MoE experts with few tokens per
 * expert (grouped), attention projections of a TP-split layer, a small-k GEMM, a causal
 * attention kernel forward and backward, memory-bound kernels and an op priced by its FLOP count.
 *
 * Units: seconds. Errors: ConfigError for a malformed golden file or a device/calibration error
 * (exit 2); a moved prediction is a failure (exit 1), not bad input.
 */
#include <string>

namespace dtsim::cli {

struct GoldenResult {
  int checked = 0;  ///< values compared
  int moved = 0;    ///< values beyond the tolerance (or missing)
};

/** Whether the YAML file at `path` is a golden file (has `golden: cost_models`). */
bool is_cost_model_golden(const std::string& path);
/** Checks (or, with `regenerate`, rewrites) one golden file; prints one line per value that
 *  moved. */
GoldenResult run_cost_model_golden(const std::string& path, bool regenerate);

}  // namespace dtsim::cli
