#pragma once
/**
 * NCCL's cost-model constants (models/collectives/nccl_tuning.h) from a file in the format of
 * configs/nccl/tuning.yaml, for the cluster's GPU; the built-in copy of that file is the default.
 *
 *     auto t = builtin_nccl_tuning("NVIDIA H100 SXM5 80GB");  // Hopper constants
 *
 * Units: us and GB/s in the file, as NCCL's tables.
 * Errors: ConfigError at the key's file:line:column for a missing or unknown key, a value out of
 * range (latencies and bandwidths >= 0, fractions in (0, 1], channels in [0, 64], a correction
 * row of 24 factors in (0, 1]), a device listed under two architectures.
 */
#include <memory>
#include <string>

#include "models/collectives/nccl_tuning.h"
#include "tools/dtsim/config_node.h"

namespace dtsim::cli {

/** The constants of the architecture whose `devices` list holds `device_name`; null when none
 *  does (the NCCL algorithms then refuse to run, naming the device). The whole file is checked
 *  either way. */
std::shared_ptr<const collectives::NcclTuning> load_nccl_tuning(const ConfigNode& root,
                                                                const std::string& device_name);

/** The same from the built-in configs/nccl/tuning.yaml. */
std::shared_ptr<const collectives::NcclTuning> builtin_nccl_tuning(const std::string& device_name);

}  // namespace dtsim::cli
