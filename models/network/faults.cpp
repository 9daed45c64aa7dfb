#include "models/network/faults.h"

#include <fmt/format.h>

#include <algorithm>

#include "simcore/rng.h"

namespace dtsim::network {

using simcore::Time;

std::string_view to_string(LinkDownPolicy p) {
  switch (p) {
    case LinkDownPolicy::kReroute:
      return "reroute";
    case LinkDownPolicy::kStall:
      return "stall";
    case LinkDownPolicy::kFail:
      return "fail";
  }
  return "?";
}

FaultInjector::FaultInjector(simcore::Simulator& sim, const topologies::Topology& topology,
                             topologies::Router& router, FlowFabric& fabric, FaultPlan plan)
    : sim_(sim), topo_(topology), router_(router), fabric_(fabric), plan_(std::move(plan)) {
  hits_.resize(plan_.faults.size());
  hit_.resize(plan_.faults.size());
  acted_.resize(plan_.faults.size());
  down_by_.assign(topo_.links().size(), -1);
  active_.assign(plan_.faults.size(), 0);
}

void FaultInjector::start() {
  if (plan_.empty()) return;
  fabric_.set_stall_observer([this](uint32_t f) { on_stall(f); });
  for (size_t k = 0; k < plan_.faults.size(); ++k) {
    const LinkFault& lf = plan_.faults[k];
    DTSIM_ASSERT(lf.at >= Time::zero(), "fault in the past");
    sim_.schedule_at(lf.at, [this, k] { begin(k); });
    if (lf.until) sim_.schedule_at(*lf.until, [this, k] { end(k); });
  }
}

void FaultInjector::begin(size_t k) {
  const LinkFault& lf = plan_.faults[k];
  // Every flow crossing the links now is hit (flows that arrive later are counted as they do).
  for (uint32_t f : fabric_.live_flows())
    for (uint32_t c : fabric_.channels(f))
      if (std::find(lf.links.begin(), lf.links.end(), c / 2) != lf.links.end()) {
        hit(k, f);
        break;
      }
  active_[k] = 1;
  for (uint32_t l : lf.links) apply(l);
}

void FaultInjector::end(size_t k) {
  active_[k] = 0;
  for (uint32_t l : plan_.faults[k].links) apply(l);
}

void FaultInjector::apply(uint32_t l) {
  // The link's state from every fault active on it: down if one is down (the earliest listed
  // holds it), else the smallest capacity fraction and the largest added latency.
  int down = -1;
  double keep = 1;
  Time extra = Time::zero();
  for (size_t k = 0; k < plan_.faults.size(); ++k) {
    const LinkFault& lf = plan_.faults[k];
    if (!active_[k] || std::find(lf.links.begin(), lf.links.end(), l) == lf.links.end()) continue;
    if (lf.down && down < 0) down = static_cast<int>(k);
    if (!lf.down) {
      keep = std::min(keep, lf.capacity_fraction);
      extra = std::max(extra, lf.extra_latency);
    }
  }
  down_by_[l] = down;
  if (plan_.on_link_down == LinkDownPolicy::kReroute) router_.set_link_down(l, down >= 0);
  fabric_.set_channel_extra_latency(2 * l, extra);
  fabric_.set_channel_extra_latency(2 * l + 1, extra);
  if (down >= 0) keep = 0;
  for (uint32_t c : {2 * l, 2 * l + 1})
    if (topo_.channel_exists(c)) fabric_.set_channel_capacity(c, keep * topo_.channel_capacity(c));
}

void FaultInjector::hit(size_t k, uint32_t f) {
  if (!hit_[k].insert(fabric_.serial(f)).second) return;
  ++hits_[k].flows;
  hits_[k].bytes += fabric_.remaining_bytes(f);
}

int FaultInjector::down_fault(uint32_t f) const {
  for (uint32_t c : fabric_.channels(f))
    if (down_by_[c / 2] >= 0) return down_by_[c / 2];
  return -1;
}

void FaultInjector::on_stall(uint32_t f) {
  // Inside a re-solve: note the flow, act on it in an event of its own at the same instant.
  stalled_.emplace_back(f, fabric_.serial(f));
  if (handling_) return;
  handling_ = true;
  sim_.schedule_in(Time::zero(), [this] { handle_stalls(); });
}

void FaultInjector::handle_stalls() {
  handling_ = false;
  auto todo = std::move(stalled_);
  stalled_.clear();
  for (auto [f, serial] : todo) {
    if (!fabric_.live(f) || fabric_.serial(f) != serial || fabric_.rate_bytes_per_s(f) > 0)
      continue;
    const int k = down_fault(f);
    if (k < 0) continue;  // a capacity of 0 that is no fault of ours (e.g. a rate trace)
    hit(static_cast<size_t>(k), f);
    const LinkFault& lf = plan_.faults[static_cast<size_t>(k)];
    FaultHits& h = hits_[static_cast<size_t>(k)];
    if (plan_.on_link_down == LinkDownPolicy::kFail) {
      ++h.failed;
      fail(f, k,
           fmt::format("link {} went down at {:.9g} s (on_link_down: fail)", lf.name, lf.at.seconds()));
      continue;
    }
    if (plan_.on_link_down == LinkDownPolicy::kReroute && fabric_.reroutable(f)) {
      auto [src, dst] = ends(f);
      if (router_.reachable_avoiding_down(src, dst)) {
        const double left = fabric_.remaining_bytes(f);
        fabric_.reroute_flow(f, router_.route(src, dst, simcore::mix64(serial)));
        ++h.rerouted;
        h.bytes_rerouted += left;
        continue;
      }
    }
    if (!lf.until) {  // down for good, no other path: it can never finish
      ++h.failed;
      fail(f, k,
           fmt::format("link {} went down for good at {:.9g} s{}", lf.name, lf.at.seconds(),
                       plan_.on_link_down == LinkDownPolicy::kReroute && fabric_.reroutable(f)
                           ? " and no other path exists"
                           : ""));
      continue;
    }
    if (acted_[static_cast<size_t>(k)].insert(serial).second) ++h.stalled;
  }
}

bool FaultInjector::fail_stuck() {
  bool any = false;
  for (uint32_t f : fabric_.live_flows()) {
    if (!fabric_.live(f)) continue;  // failing one may not end another, but be safe
    const int k = down_fault(f);
    std::string why = k >= 0 ? fmt::format("waits on link {}, down since {:.9g} s, which never returns",
                                           plan_.faults[static_cast<size_t>(k)].name,
                                           plan_.faults[static_cast<size_t>(k)].at.seconds())
                             : std::string("waits on a channel of capacity 0 that never rises");
    if (k >= 0) ++hits_[static_cast<size_t>(k)].failed;
    fail(f, k, why);
    any = true;
  }
  return any;
}

void FaultInjector::fail(uint32_t f, int fault, const std::string& why) {
  auto [src, dst] = ends(f);
  const auto& nodes = topo_.nodes();
  failed_.push_back(FailedTransfer{nodes[src].name, nodes[dst].name, fabric_.size_bytes(f),
                                   fabric_.remaining_bytes(f), sim_.now(), fault, why});
  fabric_.fail_flow(f, why);
}

std::pair<uint32_t, uint32_t> FaultInjector::ends(uint32_t f) const {
  const auto ch = fabric_.channels(f);
  DTSIM_ASSERT(!ch.empty(), "a live flow without channels");
  const auto& links = topo_.links();
  // The node a channel leaves from, and the one it enters; a half-duplex link's one channel
  // says neither, so its neighbour on the path decides (alone, it is taken as a -> b).
  auto shares = [&](uint32_t node, uint32_t link) {
    return links[link].a == node || links[link].b == node;
  };
  auto from_to = [&](size_t i) -> std::pair<uint32_t, uint32_t> {
    const uint32_t l = ch[i] / 2;
    const auto& lk = links[l];
    if (lk.full_duplex) return ch[i] % 2 ? std::pair{lk.b, lk.a} : std::pair{lk.a, lk.b};
    if (i + 1 < ch.size())
      return shares(lk.b, ch[i + 1] / 2) ? std::pair{lk.a, lk.b} : std::pair{lk.b, lk.a};
    if (i > 0) return shares(lk.a, ch[i - 1] / 2) ? std::pair{lk.a, lk.b} : std::pair{lk.b, lk.a};
    return {lk.a, lk.b};
  };
  return {from_to(0).first, from_to(ch.size() - 1).second};
}

}  // namespace dtsim::network
