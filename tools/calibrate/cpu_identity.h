#pragma once
/**
 * The identity of the host CPU as the calibration file records it: the product name is the
 * first "model name" of /proc/cpuinfo, the SKU that name with the CPU family, model and stepping
 * numbers, the memory the MemTotal of /proc/meminfo (what the OS can use; a little below the
 * installed RAM). Unknown fields are "unknown" (a non-Linux host), memory 0.
 */
#include "models/compute/calibration.h"

namespace dtsim::calibrate {

compute::CalibrationDevice cpu_identity();

}  // namespace dtsim::calibrate
