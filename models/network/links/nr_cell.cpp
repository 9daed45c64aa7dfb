#include "models/network/links/nr_cell.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "models/network/links/airtime.h"
#include "simcore/error.h"

namespace dtsim::network {

using simcore::ConfigError;

void NrCellParams::validate() const {
  rates.validate();
  if (!(latency_jitter_s >= 0 && std::isfinite(latency_jitter_s)))
    throw ConfigError(
        fmt::format("latency_jitter: expected a time >= 0; got {} s", latency_jitter_s));
  if (!tdd) return;
  if (tdd_pattern.empty()) throw ConfigError("tdd_pattern: expected slots (D, S, U); got none");
  for (char c : tdd_pattern)
    if (c != 'D' && c != 'S' && c != 'U')
      throw ConfigError(fmt::format(
          "tdd_pattern: expected slots D (downlink), S (special) or U (uplink); got '{}' in \"{}\"",
          c, tdd_pattern));
  if (tdd_pattern.find('U') == std::string::npos)
    throw ConfigError(fmt::format(
        "tdd_pattern: \"{}\" has no U slot: the uplink would get no airtime", tdd_pattern));
  if (tdd_pattern.find('D') == std::string::npos)
    throw ConfigError(fmt::format(
        "tdd_pattern: \"{}\" has no D slot: the downlink would get no airtime", tdd_pattern));
}

double NrCellParams::uplink_fraction() const {
  if (!tdd) return 1;
  return static_cast<double>(std::count(tdd_pattern.begin(), tdd_pattern.end(), 'U')) /
         static_cast<double>(tdd_pattern.size());
}

double NrCellParams::downlink_fraction() const {
  if (!tdd) return 1;
  return static_cast<double>(std::count(tdd_pattern.begin(), tdd_pattern.end(), 'D')) /
         static_cast<double>(tdd_pattern.size());
}

void NrCellSpec::check(const topologies::Topology& topology, const std::string& link_class) const {
  check_airtime_links(topology, link_class, name());
}

std::unique_ptr<LinkModel> NrCellSpec::make(const LinkModelContext& ctx) const {
  AirtimeParams a;
  a.sharing = AirtimeParams::Sharing::kEqualTime;  // proportional fair
  a.shared_directions = false;
  a.uplink_fraction = p_.uplink_fraction();
  a.downlink_fraction = p_.downlink_fraction();
  a.rates = p_.rates;
  a.latency_jitter_s = p_.latency_jitter_s;
  return std::make_unique<AirtimeModel>(ctx, a, name());
}

}  // namespace dtsim::network
