#include "tools/dtsim/fault_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace dtsim::cli {

using network::LinkDownPolicy;

namespace {

/** A fraction: a number or a percentage ("50%"), in [0, 1]. */
double fraction(const ConfigNode& n) {
  double v = 0;
  std::string s = n.is_scalar() ? n.str() : "";
  if (!s.empty() && s.back() == '%') {
    try {
      size_t used = 0;
      v = std::stod(s.substr(0, s.size() - 1), &used) / 100;
      if (used != s.size() - 1) n.expected("a fraction in [0, 1], e.g. 0.5 or 50%");
    } catch (const std::exception&) {
      n.expected("a fraction in [0, 1], e.g. 0.5 or 50%");
    }
  } else {
    v = n.number();
  }
  if (!(v >= 0 && v <= 1)) n.expected("a fraction in [0, 1], e.g. 0.5 or 50%");
  return v;
}

const KeySchema kEventKeys({
    KeySpec("at", "when the fault starts").in_unit("time").mandatory(),
    KeySpec("link", "the link(s) joining two nodes")
        .mandatory()
        .with_keys({KeySpec("a", "one end (a node name)").mandatory(),
                    KeySpec("b", "the other end").mandatory()}),
    KeySpec("down", "take the link down (capacity 0)").defaults("false").checked(boolean()),
    KeySpec("capacity", "degraded: the fraction of capacity left, in [0, 1] (0.5 or 50%)")
        .defaults("1")
        .checked([](const ConfigNode& n) { fraction(n); }),
    KeySpec("latency", "degraded: latency added to transfers that start during the fault")
        .defaults("0s")
        .in_unit("time"),
    KeySpec("until", "when the fault ends (after `at`)").defaults("for good").in_unit("time"),
});

const KeySchema kFaultKeys({
    KeySpec("on_link_down", "what flows on a link that goes down do")
        .defaults("reroute")
        .one_of({"reroute", "stall", "fail"}),
    KeySpec("events", "the link faults, a list of maps (keys below)").defaults("none"),
    KeySpec("peers",
            "PCCL peers leaving or joining: a list of {peer: NODE, leaves_at: TIME} or {peer: "
            "NODE, joins_at: TIME} (collective_sweep with algorithm pccl_ring; diloco with "
            "outer_algorithm pccl_ring, a peer being a replica)")
        .defaults("none"),
});

/** Most peer events in a plan (each may restart an operation: one more simulation). */
constexpr size_t kMaxPeerEvents = 4096;

/** `faults.peers`, in time order (stable for equal times), each peer's events alternating. */
std::vector<network::PeerFault> load_peers(const ConfigNode& list,
                                           const topologies::Topology& topology);

uint32_t node(const ConfigNode& n, const topologies::Topology& topo) {
  const std::string name = n.str();
  if (auto id = topo.find_node(name)) return *id;
  std::vector<std::string> names;
  for (const auto& nd : topo.nodes()) names.push_back(nd.name);
  std::string msg = fmt::format("no node '{}' in the topology", name);
  if (auto d = did_you_mean(name, names)) msg += fmt::format("; did you mean '{}'?", *d);
  n.fail(msg);
}

std::vector<network::PeerFault> load_peers(const ConfigNode& list,
                                           const topologies::Topology& topology) {
  if (!list.is_sequence()) list.expected("a list of {peer: NODE, leaves_at: TIME}");
  const std::vector<ConfigNode> items = list.items();
  if (items.size() > kMaxPeerEvents)
    list.fail(fmt::format("{} peer events; at most {}", items.size(), kMaxPeerEvents));
  std::vector<network::PeerFault> out;
  std::vector<ConfigNode> where;
  for (const ConfigNode& e : items) {
    if (!e.is_map()) e.expected("a peer event, e.g. {peer: dc_oregon, leaves_at: 2s}");
    e.check_keys({"peer", "leaves_at", "joins_at"});
    const bool leaves = e.has("leaves_at"), joins = e.has("joins_at");
    if (leaves == joins)
      e.fail("a peer event has one of `leaves_at` (the peer drops) or `joins_at` (it asks to "
             "join)");
    network::PeerFault f;
    const uint32_t id = node(e["peer"], topology);
    const auto& ranks = topology.ranks();
    auto it = std::find(ranks.begin(), ranks.end(), id);
    if (it == ranks.end())
      e["peer"].fail(fmt::format("'{}' is not an accelerator (a peer is a rank)", e["peer"].str()));
    f.rank = static_cast<int32_t>(it - ranks.begin());
    f.name = e["peer"].str();
    f.where = e["peer"].location();
    f.joins = joins;
    const ConfigNode t = e[joins ? "joins_at" : "leaves_at"];
    f.at = t.time();
    if (f.at < simcore::Time{}) t.expected("a time >= 0");
    out.push_back(std::move(f));
    where.push_back(e);
  }
  std::vector<size_t> order(out.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return out[a].at < out[b].at; });
  // A peer's events alternate: a peer first seen joining starts outside, else inside.
  std::map<int32_t, bool> inside;
  std::vector<network::PeerFault> sorted;
  for (size_t i : order) {
    const auto& f = out[i];
    auto [it, fresh] = inside.try_emplace(f.rank, !f.joins);
    if (!fresh && it->second == f.joins)
      where[i].fail(fmt::format("peer '{}' {} at {:.9g} s, but it {} already", f.name,
                                f.joins ? "joins" : "leaves", f.at.seconds(),
                                f.joins ? "takes part" : "left"));
    it->second = f.joins;
    sorted.push_back(f);
  }
  return sorted;
}

}  // namespace

const KeySchema& fault_keys() { return kFaultKeys; }
const KeySchema& fault_event_keys() { return kEventKeys; }

network::FaultPlan load_faults(const ConfigNode& faults, const topologies::Topology& topology) {
  kFaultKeys.check(faults);
  network::FaultPlan plan;
  if (auto p = faults.get("on_link_down")) {
    const std::string s = p->choice({"reroute", "stall", "fail"});
    plan.on_link_down = s == "stall"  ? LinkDownPolicy::kStall
                        : s == "fail" ? LinkDownPolicy::kFail
                                      : LinkDownPolicy::kReroute;
  }
  if (!faults.has("events") && !faults.has("peers"))
    faults.fail("expected `events` (link faults) or `peers` (peers leaving or joining)");
  if (auto p = faults.get("peers")) plan.peers = load_peers(*p, topology);
  if (!faults.has("events")) return plan;
  const ConfigNode events = faults["events"];
  if (!events.is_sequence()) events.expected("a list of faults");
  for (const ConfigNode& e : events.items()) {
    if (!e.is_map()) e.expected("a fault, e.g. {at: 2ms, link: {a: X, b: Y}, down: true}");
    kEventKeys.check(e);
    network::LinkFault f;
    f.at = e["at"].time();
    const ConfigNode link = e["link"];
    const uint32_t a = node(link["a"], topology), b = node(link["b"], topology);
    const auto& links = topology.links();
    for (uint32_t l = 0; l < links.size(); ++l)
      if ((links[l].a == a && links[l].b == b) || (links[l].a == b && links[l].b == a))
        f.links.push_back(l);
    if (f.links.empty())
      link.fail(fmt::format("no link joins '{}' and '{}'", link["a"].str(), link["b"].str()));
    f.name = link["a"].str() + "<->" + link["b"].str();
    if (auto d = e.get("down")) f.down = d->boolean();
    if (auto c = e.get("capacity")) {
      if (f.down) c->fail("a fault is down or degraded, not both (drop `capacity` or `down`)");
      f.capacity_fraction = fraction(*c);
    }
    if (auto l = e.get("latency")) {
      if (f.down) l->fail("a fault is down or degraded, not both (drop `latency` or `down`)");
      f.extra_latency = l->time();
    }
    if (!f.down && !e.has("capacity") && !e.has("latency"))
      e.fail("a fault that changes nothing: give `down: true`, `capacity` or `latency`");
    if (auto u = e.get("until")) {
      f.until = u->time();
      if (*f.until <= f.at) u->expected(fmt::format("a time after `at` ({:.9g} s)", f.at.seconds()));
    }
    plan.faults.push_back(std::move(f));
  }
  return plan;
}

}  // namespace dtsim::cli
