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
                           const std::string& model)
    : p_(p), host_(ctx.host), sim_(ctx.sim) {
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
    a.nominal_bytes_per_s = a.rate_bytes_per_s = a.coef_rate_bytes_per_s =
        topo.channel_capacity(ch);
    max_rate = std::max(max_rate, p.rates.max_rate(a.nominal_bytes_per_s));
    if (ch % 2 == 0) {
      Client c;
      c.up = uplink ? ch : ch + 1;
      c.down = uplink ? ch + 1 : ch;
      if (p.rates.kind == RateProcess::Kind::kMarkov) {
        DTSIM_ASSERT(ctx.sim != nullptr, "a Markov rate process without a simulator");
        c.rng = &ctx.sim->rng().stream(fmt::format("links.{}.{}", ctx.link_class, ch / 2));
      }
      clients_.push_back(c);
    }
  }
  norm_bytes_per_s_ = max_rate;
  if (p.latency_jitter_s > 0) {
    DTSIM_ASSERT(ctx.sim != nullptr, "latency jitter without a simulator");
    jitter_rng_ = &ctx.sim->rng().stream(fmt::format("links.{}.jitter", ctx.link_class));
  }
  for (uint32_t ch : ctx.channels)
    access_[ch].weight = p.sharing == AirtimeParams::Sharing::kEqualTime
                             ? access_[ch].rate_bytes_per_s / max_rate
                             : 1.0;
}

double AirtimeModel::next_change_s() const {
  switch (p_.rates.kind) {
    case RateProcess::Kind::kMarkov:
      return static_cast<double>(changes_ + 1) * p_.rates.dwell_s;
    case RateProcess::Kind::kTrace:
      return changes_ < p_.rates.trace.size() ? p_.rates.trace[changes_].first : -1;
    default:
      return -1;
  }
}

void AirtimeModel::advance(simcore::Time now) {
  bool changed = false;
  for (double t = next_change_s(); t >= 0 && simcore::Time::from_seconds(t) <= now;
       t = next_change_s()) {
    if (p_.rates.kind == RateProcess::Kind::kMarkov)
      for (Client& c : clients_) c.state = p_.rates.step(c.state, *c.rng);
    ++changes_;
    changed = true;
  }
  if (!changed) return;
  for (const Client& c : clients_)
    for (uint32_t ch : {c.up, c.down}) {
      const double r = p_.rates.kind == RateProcess::Kind::kMarkov
                           ? access_[ch].nominal_bytes_per_s * p_.rates.states[c.state]
                           : p_.rates.trace[changes_ - 1].second;
      set_rate(ch, r);
    }
}

void AirtimeModel::set_rate(uint32_t ch, double r) {
  Access& a = access_[ch];
  if (r == a.rate_bytes_per_s) return;
  a.rate_bytes_per_s = r;
  host_->set_capacity(ch, r);
  if (r <= 0) return;  // the channel's capacity 0 stalls its transfers; coefficients stay
  const double w = p_.sharing == AirtimeParams::Sharing::kEqualTime ? r / norm_bytes_per_s_ : 1.0;
  host_->update_uses(ch, static_cast<uint32_t>(a.constraint), 1.0 / a.coef_rate_bytes_per_s,
                     1.0 / r, w);
  a.coef_rate_bytes_per_s = r;
  a.weight = w;
}

void AirtimeModel::arm() {
  const double t = next_change_s();
  if (t < 0) return;
  event_ = sim_->schedule_at(simcore::Time::from_seconds(t), [this] {
    event_ = {};
    advance(sim_->now());
    if (active_ > 0) arm();
  });
}

void AirtimeModel::on_end(const TransferInfo&, simcore::Time) {
  if (p_.rates.kind == RateProcess::Kind::kNone) return;
  if (--active_ == 0 && event_.valid()) {
    sim_->cancel(event_);
    event_ = {};
  }
}

TransferTerms AirtimeModel::on_start(const TransferInfo& t) {
  if (p_.rates.kind != RateProcess::Kind::kNone && ++active_ == 1) {
    advance(t.now);
    arm();
  }
  TransferTerms terms;
  for (uint32_t ch : t.channels) {
    const Access& a = access_[ch];
    if (a.constraint < 0) continue;
    terms.uses.push_back({static_cast<uint32_t>(a.constraint), 1.0 / a.coef_rate_bytes_per_s});
    terms.weight = std::min(terms.weight, a.weight);
    if (jitter_rng_) {
      const double u = static_cast<double>((*jitter_rng_)() >> 11) * 0x1.0p-53;  // [0, 1)
      terms.extra_latency += simcore::Time::from_seconds(u * p_.latency_jitter_s);
    }
  }
  return terms;
}

}  // namespace dtsim::network
