#include "models/network/links/airtime.h"

#include <fmt/format.h>

#include <algorithm>

#include "simcore/error.h"

namespace dtsim::network {

using topologies::NodeKind;

void check_airtime_links(const topologies::Topology& topo, const std::string& link_class,
                         const std::string& model) {
  for (const topologies::Link& l : topo.links()) {
    if (l.link_class != link_class) continue;
    const bool a_client = topo.nodes()[l.a].kind == NodeKind::kAccelerator;
    const bool b_client = topo.nodes()[l.b].kind == NodeKind::kAccelerator;
    if (a_client == b_client)
      throw simcore::ConfigError(fmt::format(
          "link class '{}' (model {}): link {} - {} must join a client (an accelerator) to a "
          "cell (a base station or access point, not an accelerator)",
          link_class, model, topo.nodes()[l.a].name, topo.nodes()[l.b].name));
    if (!l.full_duplex)
      throw simcore::ConfigError(fmt::format(
          "link class '{}' (model {}): link {} - {} must be full duplex (the cell's airtime "
          "shares the directions)",
          link_class, model, topo.nodes()[l.a].name, topo.nodes()[l.b].name));
  }
}

AirtimeModel::AirtimeModel(const LinkModelContext& ctx, const AirtimeParams& p,
                           const std::string& model) {
  const topologies::Topology& topo = *ctx.topology;
  DTSIM_ASSERT(ctx.host != nullptr, "airtime model without a solver");
  check_airtime_links(topo, ctx.link_class, model);
  access_.assign(topo.channel_count(), Access{});
  double max_rate = 0;
  for (uint32_t ch : ctx.channels) {
    const topologies::Link& l = topo.links()[ch / 2];
    const bool a_client = topo.nodes()[l.a].kind == NodeKind::kAccelerator;
    const uint32_t cell = a_client ? l.b : l.a;
    const bool uplink = (ch % 2 == 0) == a_client;  // channel 2k runs a -> b
    auto it = std::find_if(cell_of_node_.begin(), cell_of_node_.end(),
                           [&](const auto& e) { return e.first == cell; });
    if (it == cell_of_node_.end()) {
      const uint32_t up = ctx.host->add_constraint(p.uplink_fraction);
      const uint32_t down =
          p.shared_directions ? up : ctx.host->add_constraint(p.downlink_fraction);
      cell_of_node_.push_back({cell, {up, down}});
      it = cell_of_node_.end() - 1;
    }
    Access& a = access_[ch];
    a.constraint = static_cast<int32_t>(uplink ? it->second.first : it->second.second);
    a.rate_bytes_per_s = topo.channel_capacity(ch);
    max_rate = std::max(max_rate, a.rate_bytes_per_s);
  }
  for (uint32_t ch : ctx.channels)
    access_[ch].weight = p.sharing == AirtimeParams::Sharing::kEqualTime
                             ? access_[ch].rate_bytes_per_s / max_rate
                             : 1.0;
}

TransferTerms AirtimeModel::on_start(const TransferInfo& t) {
  TransferTerms terms;
  for (uint32_t ch : t.channels) {
    const Access& a = access_[ch];
    if (a.constraint < 0) continue;
    terms.uses.push_back({static_cast<uint32_t>(a.constraint), 1.0 / a.rate_bytes_per_s});
    terms.weight = std::min(terms.weight, a.weight);
  }
  return terms;
}

}  // namespace dtsim::network
