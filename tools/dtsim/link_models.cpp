#include "tools/dtsim/link_models.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>

#include "models/network/links/ethernet.h"
#include "models/network/links/nr_cell.h"
#include "models/network/links/wan_tcp.h"
#include "models/network/links/wifi.h"
#include "simcore/units.h"

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

/** Keys of a radio model's time-varying rates (rate_process.h). */
KeySpec markov_key() {
  return KeySpec("markov",
                 "each client's rate follows a Markov chain: states (factors of its rate), "
                 "transitions (row-stochastic matrix), dwell (time between steps)")
      .with_keys({KeySpec("states", "rate factors, e.g. [1, 0.5, 0.1]"),
                  KeySpec("transitions", "one row of probabilities per state"),
                  KeySpec("dwell", "time between steps").in_unit("time")});
}
KeySpec jitter_key() {
  return KeySpec("latency_jitter",
                 "extra latency per access hop, uniform in [0, this), seeded (run.seed)")
      .defaults("0s")
      .in_unit("time");
}
/** `latency_jitter`: a time >= 0. */
double load_jitter(const ConfigNode& n) {
  if (auto x = n.get("latency_jitter")) {
    const double s = x->seconds();
    if (!(s >= 0)) x->expected("a time >= 0");
    return s;
  }
  return 0;
}
KeySpec rate_trace_key() {
  return KeySpec("rate_trace",
                 "a file of (time, rate) rows, e.g. \"0s 100Mbps\": every client's rate from then "
                 "on");
}

/** A rate trace file: a row per line, `<time> <rate>` with units, '#' comments.
 *  Errors: ConfigError at file:line:column (or at the key when the file is empty). */
std::vector<std::pair<double, double>> read_rate_trace(const ConfigNode& key) {
  const std::string path = key.resolve_path(key.str());
  std::ifstream in(path);
  if (!in) key.fail(fmt::format("cannot read file '{}'", path));
  std::vector<std::pair<double, double>> rows;
  std::string line;
  for (int ln = 1; std::getline(in, line); ++ln) {
    const std::string text = line.substr(0, line.find('#'));
    std::vector<std::pair<std::string, int>> tokens;  // token, column (1-based)
    for (size_t i = 0; i < text.size();) {
      if (std::isspace(static_cast<unsigned char>(text[i])) || text[i] == ',') {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j])) &&
             text[j] != ',')
        ++j;
      tokens.push_back({text.substr(i, j - i), static_cast<int>(i) + 1});
      i = j;
    }
    if (tokens.empty()) continue;
    auto fail = [&](int col, const std::string& msg) {
      throw simcore::ConfigError(simcore::SourceLocation{path, ln, col}, msg);
    };
    if (tokens.size() != 2)
      fail(1,
           fmt::format("expected a row `<time> <rate>`, e.g. \"1.5s 100Mbps\"; got \"{}\"", text));
    const auto t = simcore::parse_time_seconds(tokens[0].first);
    if (!t)
      fail(tokens[0].second,
           fmt::format("expected a time with a unit, e.g. \"1.5s\"; got \"{}\"", tokens[0].first));
    if (*t < 0)
      fail(tokens[0].second, fmt::format("expected a time >= 0; got \"{}\"", tokens[0].first));
    if (!rows.empty() && !(*t > rows.back().first))
      fail(tokens[0].second,
           fmt::format("times must increase: \"{}\" is not after the row before", tokens[0].first));
    const auto r = simcore::parse_rate_bytes_per_s(tokens[1].first);
    if (!r)
      fail(tokens[1].second,
           fmt::format("expected a rate with a unit, e.g. \"100Mbps\"; got \"{}\"",
                       tokens[1].first));
    if (*r < 0)
      fail(tokens[1].second, fmt::format("expected a rate >= 0; got \"{}\"", tokens[1].first));
    rows.push_back({*t, *r});
  }
  if (rows.empty()) key.fail(fmt::format("'{}' has no (time, rate) rows", path));
  return rows;
}

/** `markov` or `rate_trace` of a radio model (at most one). */
network::RateProcess load_rate_process(const ConfigNode& n) {
  network::RateProcess p;
  const auto m = n.get("markov");
  const auto tr = n.get("rate_trace");
  if (m && tr) tr->fail("give either markov or rate_trace, not both");
  if (m) {
    p.kind = network::RateProcess::Kind::kMarkov;
    for (const auto& s : (*m)["states"].items()) {
      p.states.push_back(s.number());
      if (!(p.states.back() >= 0)) s.expected("a rate factor >= 0");
    }
    for (const auto& row : (*m)["transitions"].items()) {
      p.transitions.emplace_back();
      for (const auto& x : row.items()) p.transitions.back().push_back(x.number());
    }
    p.dwell_s = (*m)["dwell"].seconds();
    try {
      p.validate();
    } catch (const simcore::ConfigError& e) {
      std::string msg = e.message();
      if (msg.rfind("markov.", 0) == 0) msg = msg.substr(7);  // the key is in the path
      m->fail(msg);
    }
  }
  if (tr) {
    p.kind = network::RateProcess::Kind::kTrace;
    p.trace = read_rate_trace(*tr);
  }
  return p;
}

const KeySchema kNrCellKeys({
    KeySpec("model", "5g").mandatory(),
    KeySpec("duplex", "fdd (uplink and downlink each all the time) or tdd (a slot pattern)")
        .defaults("fdd")
        .one_of({"fdd", "tdd"}),
    KeySpec("tdd_pattern",
            "with tdd: slots D (downlink), S (special: counts for neither), U (uplink)")
        .defaults("DDDSU"),
    markov_key(),
    rate_trace_key(),
    jitter_key(),
});

std::shared_ptr<const network::LinkModelSpec> load_nr_cell(const ConfigNode& n) {
  network::NrCellParams p;
  p.rates = load_rate_process(n);
  p.latency_jitter_s = load_jitter(n);
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
    markov_key(),
    rate_trace_key(),
    jitter_key(),
});

std::shared_ptr<const network::LinkModelSpec> load_wifi(const ConfigNode& n) {
  network::WifiParams p;
  p.rates = load_rate_process(n);
  p.latency_jitter_s = load_jitter(n);
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
