#include "tools/dtsim/link_models.h"

#include <fmt/format.h>

#include <algorithm>

#include "models/network/links/ethernet.h"
#include "models/network/links/nr_cell.h"
#include "models/network/links/wan_tcp.h"
#include "models/network/links/wifi.h"

namespace dtsim::cli {

namespace {

const KeySchema kWanTcpKeys({
    KeySpec("model", "wan_tcp").mandatory(),
    KeySpec("loss", "packet loss probability p, in [0, 1)").defaults("0"),
    KeySpec("congestion_control",
            "reno (Mathis), reno_padhye (Padhye, with timeouts), cubic (RFC 9438), bbr (v1)")
        .defaults("cubic")
        .one_of({"reno", "reno_padhye", "cubic", "bbr"}),
    KeySpec("streams", "parallel TCP connections per transfer").defaults("1").checked(
        integer_in(1, 1 << 16)),
    KeySpec("mss", "maximum segment size").defaults("1460B").in_unit("bytes"),
    KeySpec("max_window", "largest window of a connection (Linux tcp_rmem maximum); 0B: none")
        .defaults("6MiB")
        .in_unit("bytes"),
    KeySpec("slow_start", "a cold connection pool grows its window from the initial window")
        .defaults("true")
        .checked(boolean()),
    KeySpec("initial_window", "initial window (RFC 6928: 10 segments)")
        .defaults("14600B")
        .in_unit("bytes"),
    KeySpec("slow_start_after_idle",
            "a pool idle for an RTO (RTT + 200 ms) starts slow again (Linux default)")
        .defaults("true")
        .checked(boolean()),
    KeySpec("padhye", "Padhye's b (packets per ACK) and rto (timeout)")
        .with_keys({KeySpec("b", "packets acknowledged per ACK").defaults("2"),
                    KeySpec("rto", "retransmission timeout T0").defaults("200ms").in_unit(
                        "time")}),
});

std::shared_ptr<const network::LinkModelSpec> load_wan_tcp(const ConfigNode& n) {
  network::WanTcpParams p;
  if (auto x = n.get("loss")) {
    p.loss = x->number();
    if (!(p.loss >= 0 && p.loss < 1)) x->expected("a probability in [0, 1)");
  }
  if (auto x = n.get("congestion_control")) {
    const std::string cc = x->str();
    p.cc = cc == "reno"          ? network::CongestionControl::kReno
           : cc == "reno_padhye" ? network::CongestionControl::kRenoPadhye
           : cc == "bbr"         ? network::CongestionControl::kBbr
                                 : network::CongestionControl::kCubic;
  }
  if (auto x = n.get("streams")) p.streams = static_cast<int>(x->integer(1, 1 << 16));
  if (auto x = n.get("mss")) {
    p.mss_bytes = x->bytes();
    if (!(p.mss_bytes > 0)) x->expected("a positive size");
  }
  if (auto x = n.get("max_window")) p.max_window_bytes = x->bytes();
  if (auto x = n.get("slow_start")) p.slow_start = x->boolean();
  if (auto x = n.get("initial_window")) {
    p.initial_window_bytes = x->bytes();
    if (!(p.initial_window_bytes > 0)) x->expected("a positive size");
  }
  if (auto x = n.get("slow_start_after_idle")) p.slow_start_after_idle = x->boolean();
  if (auto pad = n.get("padhye")) {
    if (auto b = pad->get("b")) {
      p.padhye_b = b->number();
      if (!(p.padhye_b > 0)) b->expected("a number > 0");
    }
    if (auto r = pad->get("rto")) {
      p.padhye_rto_s = r->seconds();
      if (!(p.padhye_rto_s > 0)) r->expected("a positive time");
    }
  }
  try {
    return std::make_shared<network::WanTcpSpec>(p);
  } catch (const simcore::ConfigError& e) {
    n.fail(e.message());  // what involves several keys (BBR and its loss range)
  }
}

const KeySchema kNrCellKeys({
    KeySpec("model", "5g").mandatory(),
    KeySpec("duplex", "fdd (uplink and downlink each all the time) or tdd (a slot pattern)")
        .defaults("fdd")
        .one_of({"fdd", "tdd"}),
    KeySpec("tdd_pattern",
            "with tdd: slots D (downlink), S (special: counts for neither), U (uplink)")
        .defaults("DDDSU"),
});

std::shared_ptr<const network::LinkModelSpec> load_nr_cell(const ConfigNode& n) {
  network::NrCellParams p;
  if (auto x = n.get("duplex")) p.tdd = x->str() == "tdd";
  if (p.tdd) p.tdd_pattern = "DDDSU";
  if (auto x = n.get("tdd_pattern")) {
    if (!p.tdd) x->fail("needs duplex: tdd (FDD has no slot pattern)");
    p.tdd_pattern = x->str();
    try {
      p.validate();
    } catch (const simcore::ConfigError& e) {
      std::string m = e.message();
      if (m.rfind("tdd_pattern: ", 0) == 0) m = m.substr(13);
      x->fail(m);
    }
  }
  return std::make_shared<network::NrCellSpec>(p);
}

const KeySchema kWifiKeys({
    KeySpec("model", "wifi").mandatory(),
    KeySpec("airtime_fairness",
            "false: equal transmit opportunities (the 802.11 performance anomaly); true: equal "
            "airtime per client (802.11ax, aggregation)")
        .defaults("false")
        .checked(boolean()),
});

std::shared_ptr<const network::LinkModelSpec> load_wifi(const ConfigNode& n) {
  network::WifiParams p;
  if (auto x = n.get("airtime_fairness")) p.airtime_fairness = x->boolean();
  return std::make_shared<network::WifiSpec>(p);
}

const KeySchema kEthernetKeys({
    KeySpec("model", "ethernet").mandatory(),
    KeySpec("mtu", "largest IP packet (the frame's payload)").defaults("1500B").in_unit("bytes"),
    KeySpec("tcp_timestamps", "TCP's timestamps option, 12 B per segment (Linux default: on)")
        .defaults("true")
        .checked(boolean()),
});

std::shared_ptr<const network::LinkModelSpec> load_ethernet(const ConfigNode& n) {
  network::EthernetParams p;
  if (auto x = n.get("tcp_timestamps")) p.tcp_timestamps = x->boolean();
  if (auto x = n.get("mtu")) {
    p.mtu_bytes = x->bytes();
    try {
      p.validate();
    } catch (const simcore::ConfigError& e) {
      x->fail(e.message().substr(5));  // without "mtu: "
    }
  }
  return std::make_shared<network::EthernetSpec>(p);
}

}  // namespace

const std::vector<LinkModelKind>& link_model_kinds() {
  static const std::vector<LinkModelKind> kinds = {
      {"wan_tcp", &kWanTcpKeys, &load_wan_tcp},
      {"5g", &kNrCellKeys, &load_nr_cell},
      {"wifi", &kWifiKeys, &load_wifi},
      {"ethernet", &kEthernetKeys, &load_ethernet},
  };
  return kinds;
}

network::LinkModelSpecs load_link_models(const ConfigNode& links,
                                         const topologies::Topology& topology) {
  std::vector<std::string> classes;
  for (const auto& l : topology.links())
    if (std::find(classes.begin(), classes.end(), l.link_class) == classes.end())
      classes.push_back(l.link_class);
  std::vector<std::string> names;
  for (const auto& k : link_model_kinds()) names.push_back(k.name);
  network::LinkModelSpecs specs;
  for (const auto& [cls, n] : links.entries()) {
    if (std::find(classes.begin(), classes.end(), cls) == classes.end()) {
      std::string msg = fmt::format("no link of the topology has class '{}'", cls);
      if (auto d = did_you_mean(cls, classes)) msg += fmt::format("; did you mean '{}'?", *d);
      else msg += fmt::format(" (its classes: {})", fmt::join(classes, ", "));
      n.fail(msg);
    }
    const std::string model = n["model"].choice(names);
    const auto& kind = *std::find_if(link_model_kinds().begin(), link_model_kinds().end(),
                                     [&](const LinkModelKind& k) { return k.name == model; });
    kind.schema->check(n);
    specs[cls] = kind.load(n);
    try {
      specs[cls]->check(topology, cls);
    } catch (const simcore::ConfigError& e) {
      n.fail(e.message());
    }
  }
  return specs;
}

}  // namespace dtsim::cli
