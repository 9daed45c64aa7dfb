#pragma once
/**
 * What a device costs to run: its rental price per GPU-hour and its power, read from the device
 * file next to its compute spec (the YAML files of `configs/devices`), for `dtsim plan`'s cheapest-cluster
 * and energy figures. Both keys are optional; the compute model never reads them.
 *
 * Units: US dollars per GPU-hour ("2.49USD"); watts per device ("700W", the board's TDP).
 * Errors: ConfigError at the key for a value without its unit or a negative one.
 * Source: each device file cites the price (provider, page, date) and the datasheet's TDP.
 *
 *     DeviceEconomics e = load_device_economics(load_ref(doc["cluster"]["device"]));
 *     double usd_per_hour = 64 * e.price_per_gpu_hour_usd;
 */
#include "tools/dtsim/config_node.h"

namespace dtsim::cli {

struct DeviceEconomics {
  double price_per_gpu_hour_usd = 0;  ///< 0: not given
  double power_watts = 0;             ///< per device; 0: not given
};

/** `price_per_gpu_hour` and `power` of a device map (already resolved from its file). */
DeviceEconomics load_device_economics(const ConfigNode& device);

}  // namespace dtsim::cli
