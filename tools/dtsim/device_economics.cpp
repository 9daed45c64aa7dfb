#include "tools/dtsim/device_economics.h"

#include "simcore/units.h"

namespace dtsim::cli {

DeviceEconomics load_device_economics(const ConfigNode& device) {
  DeviceEconomics e;
  if (auto x = device.get("price_per_gpu_hour")) {
    const auto v = x->is_scalar() ? simcore::parse_price_usd(x->yaml().Scalar()) : std::nullopt;
    if (!v) x->expected("a price per GPU-hour in US dollars, e.g. \"2.49USD\"");
    if (*v < 0) x->expected("a non-negative price");
    e.price_per_gpu_hour_usd = *v;
  }
  if (auto x = device.get("power")) {
    const auto v = x->is_scalar() ? simcore::parse_power_watts(x->yaml().Scalar()) : std::nullopt;
    if (!v) x->expected("a power with a unit, e.g. \"700W\"");
    if (*v <= 0) x->expected("a positive power");
    e.power_watts = *v;
  }
  return e;
}

}  // namespace dtsim::cli
