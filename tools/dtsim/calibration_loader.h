#pragma once
/**
 * Loads a calibration file (`configs/calibration/<device>.yaml`, written by `dtsim calibrate`;
 * format in README.md "Calibration") into a CalibrationTable, and checks that it was measured on
 * the scenario's device.
 *
 * Errors: ConfigError at the offending key or row (file:line:column): an unknown key, a format
 * version other than 1, an unknown dtype, a row that is not [m, n, k, time] / [bytes, time], a
 * size or row count over its cap (checked before anything is allocated), a time that is not
 * positive, rows out of ascending order, a grid with a missing point; and, for
 * `check_device`, a file measured on another device than the scenario's.
 */
#include <memory>

#include "models/compute/calibration.h"
#include "models/compute/device_spec.h"
#include "tools/dtsim/config_node.h"

namespace dtsim::cli {

/** The table of the file `ref` names (a path relative to the file that names it). */
std::shared_ptr<const compute::CalibrationTable> load_calibration(const ConfigNode& ref);
/** The table of a calibration file's parsed document. */
std::shared_ptr<const compute::CalibrationTable> load_calibration_document(const ConfigNode& n);

/** Throws at `ref` unless the table's device is `device`: the product name must be equal, the
 *  SKU too when the device spec names one (`sku:`), and the memory sizes within 5% of each other (an OS or driver reports a little less memory than
 *  the marketed size: 81,559 MiB for an "80GB" H100, MemTotal below the installed RAM). */
void check_device(const ConfigNode& ref, const compute::CalibrationTable& table,
                  const compute::DeviceSpec& device);

}  // namespace dtsim::cli
