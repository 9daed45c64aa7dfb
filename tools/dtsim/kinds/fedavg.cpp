// `workload.kind: fedavg`: federated averaging rounds over a client population
// (models/workloads/fedavg.h): each round the server samples clients (counter-based draws, so a
// million registered clients cost no per-client state), the selected clients become the ranks
// of that round's edge_cell topology (the cluster's cells and backhaul, one client link each at
// its class's rates), and the downlink, local training and uplink run on the flow back-end
// (fedavg_round.h), the cells' airtime and the backhaul as solver constraints. Simulated round by
// round through the registry's `simulate` hook; the report section `fedavg` gives each round's
// four phases (aggregation, downlink, training, uplink), its selected clients (bounded by
// `report_clients`) and its dropped updates. Each round is its own simulation (seeded by
// (run.seed, round)): the link models' state (a radio's rate process, a TCP connection's
// warmth) starts afresh each round.
#include "models/workloads/fedavg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>

#include "models/network/analytical_comm_model.h"
#include "models/network/flow_comm_model.h"
#include "models/workloads/fedavg_round.h"
#include "simcore/program_builder.h"
#include "simcore/rng.h"
#include "tools/dtsim/client_traces.h"
#include "tools/dtsim/config_loaders.h"
#include "tools/dtsim/kinds/common.h"
#include "tools/dtsim/kinds/registry.h"
#include "tools/dtsim/runner.h"
#include "topologies/edge_cell.h"
#include "topologies/routing.h"

namespace dtsim::cli::kinds {

namespace {

using workloads::Compression;

/** Registered clients at most: checked before anything per client is allocated (the
 *  candidates of a round's sampling take 16 B per online client). */
constexpr int64_t kMaxClients = int64_t{1} << 24;
constexpr int64_t kMaxRounds = 100000;
/** Clients selected per round at most: each becomes a rank of the round's topology. */
constexpr int64_t kMaxSelected = 100000;
constexpr size_t kMaxClasses = 1000;
constexpr int64_t kMaxReportClients = 10000;
/** Half the range of Time (about 53 days): the longest local training of one round. */
const double kMaxRoundSeconds = simcore::Time::max().seconds() / 2;

struct Info {
  workloads::FedAvgParams params;
  workloads::Population population;
  topologies::EdgeCellParams cells;  ///< the cluster's backhaul and cells
  std::string algorithm, scheme;
  int64_t report_clients = 16;
  simcore::SourceLocation epochs_at;  ///< for a round beyond the range of Time
  std::string epochs_path;            ///< its key path
  /** Names of round 0's phases in the trace (ids into the workload's strings). */
  uint32_t downlink_name = 0, training_name = 0, uplink_name = 0, aggregation_name = 0;
};

void fraction_in(const ConfigNode& n, double lo, bool lo_open, double hi, bool hi_open,
                 const std::string& what) {
  const double v = n.number();
  const bool ok = (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
  if (!ok) n.expected(what);
}

const KeySchema& class_keys() {
  static const KeySchema schema({
      KeySpec("name", "the class's name in the report").mandatory(),
      KeySpec("share", "fraction of the registered clients, in (0, 1]")
          .mandatory()
          .checked([](const ConfigNode& n) {
            fraction_in(n, 0, true, 1, false, "a share of the clients in (0, 1]");
          }),
      KeySpec("cell", "the cluster's edge_cell cell they attach to").mandatory(),
      KeySpec("rate", "uplink rate alone on the medium")
          .mandatory()
          .in_unit("rate")
          .checked([](const ConfigNode& n) { n.rate(); }),
      KeySpec("downlink_rate", "downlink rate alone on the medium")
          .defaults("rate")
          .in_unit("rate")
          .checked([](const ConfigNode& n) { n.rate(); }),
      KeySpec("device", "a device file (configs/devices/): fp32 peak x compute efficiency")
          .mandatory(),
      KeySpec("samples", "local training samples per client")
          .mandatory()
          .checked([](const ConfigNode& n) {
            if (!(n.number() >= 1 && n.number() <= 1e12)) n.expected("samples in [1, 1e12]");
          }),
      KeySpec("speed_spread", "per-client speed factor uniform in [1 - x, 1 + x], x in [0, 1)")
          .defaults("0")
          .checked(
              [](const ConfigNode& n) { fraction_in(n, 0, false, 1, true, "a spread in [0, 1)"); }),
  });
  return schema;
}

const KeySchema& keys() {
  static const KeySchema schema = [] {
    std::vector<KeySpec> k{KeySpec("kind", "fedavg").mandatory()};
    k.push_back(KeySpec("params", "P, model parameters (e.g. SqueezeNet: 1248424)")
                    .mandatory()
                    .checked(integer_in(1, int64_t{1} << 40)));
    k.push_back(KeySpec("train_flops_per_sample", "forward + backward FLOPs of one training sample")
                    .mandatory()
                    .in_unit("FLOP")
                    .checked(number_above(0, "a FLOP count > 0")));
    k.push_back(KeySpec("local_epochs", "E, local epochs per round, >= 1")
                    .defaults("1")
                    .checked([](const ConfigNode& n) {
                      if (n.integer() < 1)
                        n.fail(
                            fmt::format("E must be at least 1 local epoch; got {}", n.integer()));
                      n.integer(1, 1 << 20);
                    }));
    k.push_back(
        KeySpec("rounds", "rounds to simulate").defaults("1").checked(integer_in(1, kMaxRounds)));
    k.push_back(KeySpec("sample_fraction", "C, fraction of the clients sampled per round, (0, 1]")
                    .defaults("1")
                    .checked([](const ConfigNode& n) {
                      fraction_in(n, 0, true, 1, false, "a sample fraction in (0, 1]");
                    }));
    k.push_back(
        KeySpec("over_selection", "o: select ceil(m (1 + o)) clients, keep the first m updates")
            .defaults("0")
            .checked([](const ConfigNode& n) {
              fraction_in(n, 0, false, 10, false, "an over-selection in [0, 10]");
            }));
    k.push_back(KeySpec("deadline", "round deadline: later updates are dropped (stragglers)")
                    .defaults("none")
                    .in_unit("time")
                    .checked([](const ConfigNode& n) {
                      if (!(n.seconds() > 0)) n.expected("a deadline > 0");
                    }));
    k.push_back(KeySpec("dropout_probability", "p, a selected client drops out, [0, 1)")
                    .defaults("0")
                    .checked([](const ConfigNode& n) {
                      fraction_in(n, 0, false, 1, true, "a probability in [0, 1)");
                    }));
    k.push_back(KeySpec("algorithm",
                        "fedavg (one vector up), scaffold (model and control variate: 2x), "
                        "scafcom (one compressed vector)")
                    .defaults("fedavg")
                    .one_of({"fedavg", "scaffold", "scafcom"}));
    k.push_back(
        KeySpec("compression", "the uplink update's compression")
            .with_keys(
                {KeySpec("quantization", "none (fp32), qsgd (q bits + a norm per bucket), rqm")
                     .defaults("none")
                     .one_of({"none", "qsgd", "rqm"}),
                 KeySpec("bits", "q, bits per coordinate when quantised")
                     .defaults("8")
                     .checked([](const ConfigNode& n) {
                       if (n.integer() < 1)
                         n.fail(
                             fmt::format("a quantisation needs at least 1 bit per "
                                         "coordinate; got {} bits",
                                         n.integer()));
                       n.integer(1, 32);
                     }),
                 KeySpec("bucket", "QSGD: coordinates per norm (0: the whole vector)")
                     .defaults("0")
                     .checked(integer_in(0, int64_t{1} << 40)),
                 KeySpec("density", "top-k: fraction of coordinates kept, (0, 1]")
                     .defaults("1")
                     .checked([](const ConfigNode& n) {
                       fraction_in(n, 0, true, 1, false, "a density in (0, 1]");
                     })}));
    k.push_back(
        KeySpec("clients", "the registered client population")
            .mandatory()
            .with_keys(
                {KeySpec("count", "N, registered clients")
                     .mandatory()
                     .checked([](const ConfigNode& n) {
                       if (n.integer() > kMaxClients)
                         n.fail(
                             fmt::format("at most {} registered clients (a cap on memory); "
                                         "got {}",
                                         kMaxClients, n.integer()));
                       n.integer(1, kMaxClients);
                     }),
                 KeySpec("classes",
                         "list of classes (keys: name, share, cell, rate, "
                         "downlink_rate, device, samples, speed_spread)")
                     .mandatory()
                     .checked([](const ConfigNode& n) {
                       if (n.items().empty()) n.expected("at least one client class");
                       if (n.items().size() > kMaxClasses)
                         n.fail(fmt::format("at most {} client classes; got {}", kMaxClasses,
                                            n.items().size()));
                       for (const ConfigNode& c : n.items()) class_keys().check(c);
                     }),
                 KeySpec("availability",
                         "a trace file of online intervals, rows `<client> <start_s> <end_s>` "
                         "(unlisted clients: always online)")
                     .defaults("always online"),
                 KeySpec("speed_trace",
                         "a file of per-client training-speed factors, rows `<client> <factor>` "
                         "(replace the class's speed_spread for the clients listed)")
                     .defaults("none")}));
    k.push_back(KeySpec("report_clients", "selected clients listed per round in the report")
                    .defaults("16")
                    .checked(integer_in(0, kMaxReportClients)));
    return KeySchema(std::move(k));
  }();
  return schema;
}

void load_classes(const ConfigNode& c, Info& info) {
  workloads::Population& pop = info.population;
  pop.clients = c["count"].integer(1, kMaxClients);
  double sum = 0;
  for (const ConfigNode& x : c["classes"].items()) {
    workloads::ClientClass k;
    k.name = x["name"].str();
    k.share = x["share"].number();
    sum += k.share;
    const ConfigNode cell = x["cell"];
    k.cell = cell.str();
    std::vector<std::string> names;
    for (const auto& cl : info.cells.cells) names.push_back(cl.name);
    if (std::find(names.begin(), names.end(), k.cell) == names.end()) {
      std::string msg = fmt::format("the cluster has no cell '{}'", k.cell);
      if (auto d = did_you_mean(k.cell, names))
        msg += fmt::format("; did you mean '{}'?", *d);
      else
        msg += fmt::format(" (its cells: {})", fmt::join(names, ", "));
      cell.fail(msg);
    }
    k.uplink_bytes_per_s = x["rate"].rate();
    k.downlink_bytes_per_s =
        x.has("downlink_rate") ? x["downlink_rate"].rate() : k.uplink_bytes_per_s;
    const compute::DeviceSpec d = load_device(x["device"]);
    auto fp32 = d.peak_flops_per_s.find("fp32");
    if (fp32 == d.peak_flops_per_s.end())
      x["device"].fail(
          fmt::format("device '{}' has no fp32 peak rate (local training runs in "
                      "fp32)",
                      d.name));
    k.device = d.name;
    k.train_flops_per_s = fp32->second * d.compute_efficiency;
    k.samples = x["samples"].number();
    if (auto sp = x.get("speed_spread")) {
      k.speed_min = 1 - sp->number();
      k.speed_max = 1 + sp->number();
    }
    pop.classes.push_back(std::move(k));
  }
  if (std::abs(sum - 1) > 1e-9)
    c["classes"].fail(fmt::format("the classes' shares must add up to 1; they add up to {}", sum));
  pop.finish();
}

void load(Scenario& s, const ConfigNode& w) {
  Info info;
  workloads::FedAvgParams& p = info.params;
  try {
    info.cells = topologies::edge_cell_cells(s.topology);
  } catch (const simcore::ConfigError& e) {
    w["kind"].fail(e.message());
  }
  // Faults name the cluster's links; each round builds a topology of its own clients.
  if (!s.faults.empty())
    w["kind"].fail(
        "fedavg does not take `faults:` (each round builds its own topology of the selected "
        "clients, which the faults' links are not part of); model unavailable clients with "
        "clients.availability");
  p.params = w["params"].integer(1, int64_t{1} << 40);
  p.train_flops_per_sample = w["train_flops_per_sample"].number();
  info.epochs_at = w.location();
  info.epochs_path = w.path();
  if (auto x = w.get("local_epochs")) {
    p.local_epochs = static_cast<int>(x->integer(1, 1 << 20));
    info.epochs_at = x->location();
    info.epochs_path = x->path();
  }
  if (auto x = w.get("rounds")) p.rounds = static_cast<int>(x->integer(1, kMaxRounds));
  if (auto x = w.get("sample_fraction")) p.sample_fraction = x->number();
  if (auto x = w.get("over_selection")) p.over_selection = x->number();
  if (auto x = w.get("deadline")) p.deadline_s = x->seconds();
  if (auto x = w.get("dropout_probability")) p.dropout_probability = x->number();
  info.algorithm = "fedavg";
  if (auto x = w.get("algorithm")) info.algorithm = x->str();
  Compression& cp = p.compression;
  cp.algorithm = info.algorithm == "scaffold"  ? Compression::Algorithm::kScaffold
                 : info.algorithm == "scafcom" ? Compression::Algorithm::kScafcom
                                               : Compression::Algorithm::kFedAvg;
  info.scheme = "none";
  if (auto c = w.get("compression")) {
    if (auto x = c->get("quantization")) info.scheme = x->str();
    cp.scheme = info.scheme == "qsgd"  ? Compression::Scheme::kQsgd
                : info.scheme == "rqm" ? Compression::Scheme::kRqm
                                       : Compression::Scheme::kNone;
    if (auto x = c->get("bits")) {
      if (cp.scheme == Compression::Scheme::kNone)
        x->fail("bits needs a quantization (qsgd or rqm); the update is fp32 without one");
      cp.bits = static_cast<int>(x->integer(1, 32));
    } else {
      cp.bits = cp.scheme == Compression::Scheme::kNone ? 32 : 8;
    }
    if (auto x = c->get("bucket")) cp.bucket = x->integer(0, int64_t{1} << 40);
    if (auto x = c->get("density")) cp.density = x->number();
  }
  if (auto x = w.get("report_clients")) info.report_clients = x->integer(0, kMaxReportClients);
  const ConfigNode c = w["clients"];
  // Checked before anything per client is allocated (the trace, a round's topology).
  const int64_t n_clients = c["count"].integer(1, kMaxClients);
  // Memory per registered client: a round's sampling key (16 B) and the trace's index (8 B).
  check_work(s, c, "count",
             {fmt::format("a population of {} clients", n_clients), "clients",
              static_cast<double>(n_clients), 24, 0, "fewer registered clients"});
  const int64_t selected = workloads::selected_count(p, n_clients);
  if (selected > kMaxSelected)
    (w.has("sample_fraction") ? w["sample_fraction"] : w)
        .fail(fmt::format("{} clients selected per round (C = {}, over-selection {}, N = {}); at "
                          "most {} per round (each is a rank of the round's topology)",
                          selected, p.sample_fraction, p.over_selection, n_clients, kMaxSelected));
  load_classes(c, info);
  if (auto a = c.get("availability"))
    info.population.availability = read_availability_trace(*a, info.population.clients);
  if (auto t = c.get("speed_trace"))
    info.population.speed_trace = read_speed_trace(*t, info.population.clients);
  // The server aggregates on rank 0's device (rank 0 of the edge_cell: `server`); the clients'
  // devices are their classes' (`clients.classes[].device`).
  const compute::DeviceSpec& server = device_of_rank(s, 0);
  auto fp32 = server.peak_flops_per_s.find("fp32");
  p.server_flops_per_s =
      fp32 == server.peak_flops_per_s.end() ? 0 : fp32->second * server.compute_efficiency;
  p.server_memory_bytes_per_s = server.hbm_bw_bytes_per_s * server.memory_efficiency;
  s.compute_dtype = "fp32";
  // A round's ranks: the server and the selected clients; the trace shows round 0's phases.
  s.workload.ranks.resize(static_cast<size_t>(1 + selected));
  simcore::ProgramBuilder b(s.workload);
  info.downlink_name = b.intern("downlink");
  info.training_name = b.intern("training");
  info.uplink_name = b.intern("uplink");
  info.aggregation_name = b.intern("aggregation");
  s.info = std::make_shared<InfoOf<Info>>(std::move(info));
}

std::unique_ptr<simcore::CommModel> comm_model(const Scenario& s, simcore::Simulator& sim,
                                               const topologies::Topology& t,
                                               const topologies::Router& router) {
  const network::CollectiveOptions opts = collective_options(s);
  if (s.network_model == "analytical")
    return std::make_unique<network::AnalyticalCommModel>(sim, t, router, opts, s.links);
  return std::make_unique<network::FlowCommModel>(sim, t, router, opts, s.links);
}

double mean(double sum, int64_t n) { return n > 0 ? sum / static_cast<double>(n) : 0.0; }
nlohmann::ordered_json finite_or_null(double x) {
  return std::isfinite(x) ? nlohmann::ordered_json(x) : nlohmann::ordered_json(nullptr);
}

void simulate(const Scenario& s, bool record_ops, RunOutcome& o) {
  using json = nlohmann::ordered_json;
  const Info& d = info_of<Info>(s);
  const workloads::FedAvgParams& p = d.params;
  const workloads::Population& pop = d.population;
  const int64_t m = workloads::target_updates(p, pop.clients);
  const int64_t selected = workloads::selected_count(p, pop.clients);
  const int64_t up = workloads::uplink_bytes(p.compression, p.params);
  const int64_t down = workloads::downlink_bytes(p.compression, p.params);
  const bool trace = !pop.availability.empty();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  static constexpr uint64_t kRoundStream = simcore::hash_name("fedavg.round");

  json rounds = json::array();
  double t_run = 0, sum_round = 0;
  double sum_phase[4] = {0, 0, 0, 0};  // aggregation, downlink, training, uplink (per round)
  int64_t total_dropped = 0, total_kept = 0, empty_rounds = 0;
  std::map<std::string, double> link_bytes;  // link class -> bytes over every round
  struct ClassStats {
    double down = 0, train = 0, up = 0, round = 0;
    int64_t n_down = 0, n_train = 0, n_up = 0, rounds = 0;
  };
  std::vector<ClassStats> cls(pop.classes.size());
  for (int r = 0; r < p.rounds; ++r) {
    std::vector<int64_t> sel = workloads::select_clients(pop, s.seed, r, t_run, selected);
    // Nobody online: the server waits for the next client to come online (the wait is part
    // of the round); when none ever does, the round has no client.
    double waited = 0;
    if (sel.empty() && trace) {
      const double next = pop.availability.next_start_after(t_run);
      if (std::isfinite(next)) {
        waited = next - t_run;
        t_run = next;
        sel = workloads::select_clients(pop, s.seed, r, t_run, selected);
      }
    }
    topologies::EdgeCellParams ec = d.cells;
    std::vector<workloads::RoundClient> plan(sel.size());
    for (size_t i = 0; i < sel.size(); ++i) {
      const auto& k = pop.classes[static_cast<size_t>(pop.class_of(sel[i]))];
      ec.clients.push_back({k.cell, k.uplink_bytes_per_s, k.downlink_bytes_per_s});
      plan[i].rank = static_cast<int>(i) + 1;
      plan[i].train_s = workloads::training_time_s(p, pop, s.seed, sel[i]);
      // A round is one simulation: it must stay within half the range of Time (the rest is
      // left to its transfers); the run as a whole may be far longer (seconds as doubles).
      if (!(plan[i].train_s < kMaxRoundSeconds))
        throw simcore::ConfigError(
            d.epochs_at,
            fmt::format("{}: client {}'s local training takes {:.6g} s, beyond what one round may "
                        "last (about 53 days, half the simulated time range); use fewer epochs "
                        "or samples per round",
                        d.epochs_path, sel[i], plan[i].train_s));
      plan[i].upload = !workloads::drops_out(p, s.seed, sel[i], r);
      plan[i].offline_at_s = trace ? pop.availability.online_until(sel[i], t_run) - t_run : kInf;
    }
    std::vector<workloads::ClientTimeline> tl;
    workloads::RoundClose close;
    if (!sel.empty()) {
      const topologies::Topology topo = topologies::build_edge_cell(ec);
      simcore::Simulator sim(
          simcore::counter_u64(s.seed, kRoundStream, static_cast<uint64_t>(r), 0));
      topologies::Router router(topo);
      auto comm = comm_model(s, sim, topo, router);
      tl = workloads::run_round_network(sim, *comm, 0, plan, down, up);
      close = workloads::close_round(tl, m, p.deadline_s);
      o.events += sim.events_processed();
      // The report's `links` are round 0's (as its headline time); the totals go to `fedavg`.
      for (const auto& u : comm->link_usage()) {
        link_bytes[u.link_class] += u.bytes;
        if (r == 0) o.links.push_back(u);
      }
    } else {
      // Nobody online: the round waits for its deadline, or is empty at once.
      close.collect_end_s = p.deadline_s.value_or(0);
    }
    const double agg = workloads::aggregation_time_s(p, close.kept);
    const double round_s = waited + close.collect_end_s + agg;
    // Phases as testbeds report them: means over the clients that went through each phase.
    double s_down = 0, s_train = 0, s_up = 0, max_down = 0, max_train = 0, max_up = 0;
    int64_t n_down = 0, n_train = 0, n_up = 0;
    std::map<std::string, int64_t> dropped;
    for (const char* k : {"straggler", "late", "dropped_out", "offline", "outstanding"})
      dropped[k] = 0;
    json clients = json::array();
    std::vector<double> class_last(pop.classes.size(), -1);  // latest kept arrival per class
    for (size_t i = 0; i < tl.size(); ++i) {
      const size_t ci = static_cast<size_t>(pop.class_of(sel[i]));
      const auto& c = tl[i];
      const bool got_model = c.downlink_end_s > 0 && !(c.failed_at_s <= c.downlink_end_s);
      const bool trained = got_model && c.train_end_s > 0;
      const bool arrived = std::isfinite(c.arrival_s);
      if (got_model)
        s_down += c.downlink_end_s, ++n_down, max_down = std::max(max_down, c.downlink_end_s);
      const double train = c.train_end_s - c.downlink_end_s;
      if (trained) s_train += train, ++n_train, max_train = std::max(max_train, train);
      const double upl = c.arrival_s - c.train_end_s;
      if (arrived) s_up += upl, ++n_up, max_up = std::max(max_up, upl);
      const auto outcome = close.outcome[i];
      ClassStats& cs = cls[ci];
      if (got_model) cs.down += c.downlink_end_s, ++cs.n_down;
      if (trained) cs.train += train, ++cs.n_train;
      if (arrived) cs.up += upl, ++cs.n_up;
      if (outcome == workloads::ClientOutcome::kKept)
        class_last[ci] = std::max(class_last[ci], c.arrival_s);
      if (outcome != workloads::ClientOutcome::kKept) ++dropped[workloads::to_string(outcome)];
      if (std::ssize(clients) < d.report_clients) {
        const auto& k = pop.classes[ci];
        clients.push_back({{"client", sel[i]},
                           {"class", k.name},
                           {"outcome", workloads::to_string(outcome)},
                           {"downlink_s", got_model ? json(c.downlink_end_s) : json(nullptr)},
                           {"training_s", trained ? json(train) : json(nullptr)},
                           {"uplink_s", arrived ? json(upl) : json(nullptr)},
                           {"arrival_s", finite_or_null(c.arrival_s)}});
      }
    }
    // A class's round, as a testbed of those clients alone would time it: its last kept update,
    // then the aggregation.
    for (size_t c = 0; c < cls.size(); ++c)
      if (class_last[c] >= 0) cls[c].round += class_last[c] + agg, ++cls[c].rounds;
    const int64_t n_dropped = std::ssize(sel) - close.kept;
    const double ph[4] = {agg, mean(s_down, n_down), mean(s_train, n_train), mean(s_up, n_up)};
    for (int k = 0; k < 4; ++k) sum_phase[k] += ph[k];
    json drop = {{"total", n_dropped}};
    for (const auto& [k, v] : dropped) drop[k] = v;
    rounds.push_back(
        {{"round", r},
         {"start_s", t_run - waited},
         {"waited_for_clients_s", waited},
         {"time_s", round_s},
         {"selected", std::ssize(sel)},
         {"updates", close.kept},
         {"no_updates", close.kept == 0},
         {"dropped_updates", drop},
         {"collect_end_s", close.collect_end_s},
         {"phases_s",
          {{"aggregation", ph[0]}, {"downlink", ph[1]}, {"training", ph[2]}, {"uplink", ph[3]}}},
         {"max_s", {{"downlink", max_down}, {"training", max_train}, {"uplink", max_up}}},
         {"clients", clients}});
    if (r == 0 && record_ops) {
      // Round 0's phases as trace slices: per client its downlink (recv), training (compute)
      // and uplink (send), then the server's aggregation; times from the round's start.
      using simcore::OpKind;
      auto slice = [&](int rank, uint8_t stream, OpKind kind, uint32_t name, double a, double b) {
        o.result.ops.push_back({rank, stream, kind, name, simcore::Time::from_seconds(a),
                                simcore::Time::from_seconds(b)});
      };
      const double t0 = waited;
      for (size_t i = 0; i < tl.size(); ++i) {
        const auto& c = tl[i];
        const int rank = static_cast<int>(i) + 1;
        if (c.downlink_end_s > 0)
          slice(rank, simcore::kCommStream, OpKind::kRecv, d.downlink_name, t0,
                t0 + c.downlink_end_s);
        if (c.train_end_s > 0)
          slice(rank, simcore::kComputeStream, OpKind::kCompute, d.training_name,
                t0 + c.downlink_end_s, t0 + c.train_end_s);
        if (std::isfinite(c.arrival_s))
          slice(rank, simcore::kCommStream, OpKind::kSend, d.uplink_name, t0 + c.train_end_s,
                t0 + c.arrival_s);
      }
      if (close.kept > 0)
        slice(0, simcore::kComputeStream, OpKind::kCompute, d.aggregation_name,
              t0 + close.collect_end_s, t0 + close.collect_end_s + agg);
    }
    if (r == 0) {
      o.result.makespan = simcore::Time::from_seconds(round_s);
      o.result.compute_s = ph[0] + ph[2];
      o.result.communication_s = ph[1] + ph[3];
      o.result.exposed_communication_s = ph[1] + ph[3];
    }
    t_run += round_s - waited;
    sum_round += round_s;
    total_dropped += n_dropped;
    total_kept += close.kept;
    if (close.kept == 0) ++empty_rounds;
  }
  json bytes = json::object();
  for (const auto& [cls, b] : link_bytes) bytes[cls] = b;
  const double n_rounds = p.rounds;
  const double mean_round = sum_round / n_rounds;
  json classes = json::array();
  for (size_t c = 0; c < pop.classes.size(); ++c) {
    const auto& k = pop.classes[c];
    classes.push_back({{"name", k.name},
                       {"clients", pop.class_begin(c + 1) - pop.class_begin(c)},
                       {"cell", k.cell},
                       {"uplink_rate_bytes_per_s", k.uplink_bytes_per_s},
                       {"downlink_rate_bytes_per_s", k.downlink_bytes_per_s},
                       {"device", k.device},
                       {"train_flops_per_s", k.train_flops_per_s},
                       {"samples", k.samples},
                       {"training_s", p.local_epochs * k.samples * p.train_flops_per_sample /
                                          k.train_flops_per_s}});
    const ClassStats& cs = cls[c];
    const double class_round = mean(cs.round, cs.rounds);
    const double class_up = mean(cs.up, cs.n_up);
    classes.back()["mean_phases_s"] = {{"downlink", mean(cs.down, cs.n_down)},
                                       {"training", mean(cs.train, cs.n_train)},
                                       {"uplink", class_up}};
    classes.back()["mean_round_s"] = class_round;
    classes.back()["uplink_share_of_round"] = class_round > 0 ? class_up / class_round : 0.0;
  }
  // Mean uplink time of each class over each other's (the testbed's "5G uplink is 33.3x
  // Ethernet's"), where both have one.
  json ratios = json::object();
  for (size_t a = 0; a < cls.size(); ++a)
    for (size_t b = 0; b < cls.size(); ++b)
      if (a != b && cls[a].n_up > 0 && cls[b].n_up > 0)
        ratios[pop.classes[a].name + "_over_" + pop.classes[b].name] =
            mean(cls[a].up, cls[a].n_up) / mean(cls[b].up, cls[b].n_up);
  o.kind_report["fedavg"] = {
      {"registered_clients", pop.clients},
      {"availability_intervals", pop.availability.intervals()},
      {"classes", classes},
      {"params", p.params},
      {"local_epochs", p.local_epochs},
      {"sample_fraction", p.sample_fraction},
      {"target_updates", m},
      {"selected_per_round", selected},
      {"over_selection", p.over_selection},
      {"deadline_s", p.deadline_s ? json(*p.deadline_s) : json(nullptr)},
      {"dropout_probability", p.dropout_probability},
      {"algorithm", d.algorithm},
      {"compression",
       {{"quantization", d.scheme},
        {"bits", p.compression.bits},
        {"density", p.compression.density}}},
      {"downlink_bytes_per_client", down},
      {"uplink_bytes_per_client", up},
      {"rounds", p.rounds},
      {"mean_round_time_s", mean_round},
      {"mean_phases_s",
       {{"aggregation", sum_phase[0] / n_rounds},
        {"downlink", sum_phase[1] / n_rounds},
        {"training", sum_phase[2] / n_rounds},
        {"uplink", sum_phase[3] / n_rounds}}},
      {"uplink_share_of_round", mean_round > 0 ? sum_phase[3] / n_rounds / mean_round : 0.0},
      {"uplink_ratios", ratios},
      {"link_bytes", bytes},
      {"total_time_s", t_run},
      {"total_time_days", t_run / 86400},
      {"updates", total_kept},
      {"dropped_updates", total_dropped},
      {"rounds_without_updates", empty_rounds},
      {"per_round", rounds}};
}

void print_summary(const Scenario&, const nlohmann::ordered_json& j) {
  const auto& f = j["fedavg"];
  const auto& ph = f["mean_phases_s"];
  fmt::print(
      "fedavg        {} registered clients, {} selected per round ({} updates wanted), "
      "{} rounds, {} ({} up, {} down per client)\n",
      f["registered_clients"].get<int64_t>(), f["selected_per_round"].get<int64_t>(),
      f["target_updates"].get<int64_t>(), f["rounds"].get<int>(), f["algorithm"].get<std::string>(),
      f["uplink_bytes_per_client"].get<int64_t>(), f["downlink_bytes_per_client"].get<int64_t>());
  fmt::print(
      "round         {:.6f} s mean: aggregation {:.6f}, downlink {:.6f}, training {:.6f}, "
      "uplink {:.6f} s ({:.1f}% of the round)\n",
      f["mean_round_time_s"].get<double>(), ph["aggregation"].get<double>(),
      ph["downlink"].get<double>(), ph["training"].get<double>(), ph["uplink"].get<double>(),
      f["uplink_share_of_round"].get<double>() * 100);
  fmt::print(
      "updates       {} aggregated, {} dropped, {} rounds without updates; total {:.6g} s "
      "({:.3g} days)\n",
      f["updates"].get<int64_t>(), f["dropped_updates"].get<int64_t>(),
      f["rounds_without_updates"].get<int64_t>(), f["total_time_s"].get<double>(),
      f["total_time_days"].get<double>());
}

}  // namespace

WorkloadKind fedavg_kind() {
  WorkloadKind k;
  k.name = "fedavg";
  k.schema = &keys();
  k.load = load;
  k.simulate = simulate;
  k.print_summary = print_summary;
  k.summarize_collectives = false;
  k.sweep_columns = {{"mean_round_time_s", "/fedavg/mean_round_time_s"},
                     {"uplink_s", "/fedavg/mean_phases_s/uplink"},
                     {"dropped_updates", "/fedavg/dropped_updates"}};
  return k;
}

}  // namespace dtsim::cli::kinds
