#include "models/network/links/link_model.h"

#include <fmt/format.h>

#include "simcore/error.h"

namespace dtsim::network {

double LinkModelSpec::steady_bound_bytes_per_s(const TransferInfo&) const {
  throw simcore::ConfigError(fmt::format(
      "the analytical back-end does not price the '{}' link model (only wan_tcp's steady "
      "bound); use network.model: flow",
      name()));
}

}  // namespace dtsim::network
