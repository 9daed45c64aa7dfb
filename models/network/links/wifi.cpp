#include "models/network/links/wifi.h"

#include "models/network/links/airtime.h"

namespace dtsim::network {

void WifiSpec::check(const topologies::Topology& topology, const std::string& link_class) const {
  check_airtime_links(topology, link_class, name());
}

std::unique_ptr<LinkModel> WifiSpec::make(const LinkModelContext& ctx) const {
  AirtimeParams a;
  a.sharing = p_.airtime_fairness ? AirtimeParams::Sharing::kEqualTime
                                  : AirtimeParams::Sharing::kEqualThroughput;
  a.shared_directions = true;
  a.rates = p_.rates;
  a.latency_jitter_s = p_.latency_jitter_s;
  return std::make_unique<AirtimeModel>(ctx, a, name());
}

}  // namespace dtsim::network
