#include "tools/dtsim/link_models.h"

#include <algorithm>

#include <fmt/format.h>

#include "models/network/links/wan_tcp.h"

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

}  // namespace

const std::vector<LinkModelKind>& link_model_kinds() {
  static const std::vector<LinkModelKind> kinds = {
      {"wan_tcp", &kWanTcpKeys, &load_wan_tcp},
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
  }
  return specs;
}

}  // namespace dtsim::cli
