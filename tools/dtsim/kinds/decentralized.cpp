// `workload.kind: decentralized`: N nodes without a server (models/workloads/decentralized.h):
// D-PSGD gossip over a communication graph (ring, torus, exponential, random d-regular), or
// MoDeST's decentralized sampling (s trainers and a aggregators drawn each round), then one
// global merge. Two-level simulation: a node's local step simulated once (the `transformer`
// workload on node 0's ranks) and reused; the exchanges simulated (D-PSGD's once: its graph is
// static; MoDeST's downlink and uplink every round: their samples differ). Report section
// `decentralized`: bytes per node per round and round time.
#include "models/workloads/decentralized.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

#include "models/workloads/diloco.h"
#include "tools/dtsim/config_loaders.h"
#include "tools/dtsim/kinds/common.h"
#include "tools/dtsim/kinds/outer_step.h"
#include "tools/dtsim/kinds/registry.h"
#include "tools/dtsim/kinds/transformer_keys.h"
#include "tools/dtsim/runner.h"

namespace dtsim::cli::kinds {

namespace {

using workloads::CommGraph;
using workloads::PeerTransfer;

struct Info {
  workloads::DilocoParams params;  ///< node (replica), nodes (replicas), H, rounds, bits
  workloads::TransformerInfo node;
  simcore::Workload step;  ///< one local step on node 0's ranks
  std::string protocol;
  std::string dtype;
  std::string wan_class;
  bool final_merge = true;
  // dpsgd
  std::string topology;
  std::optional<CommGraph> graph;
  int64_t components = 1;
  // modest
  int64_t trainers = 0, aggregators = 0;
  double sample_fraction = 1;
  uint64_t seed = 1;
  simcore::SourceLocation local_steps_at;
  /** Heterogeneous nodes (`node_devices`): device classes in order, each with its node count
   *  (nodes 0..c0-1 the first, ...); empty: every node has the cluster's device. */
  std::vector<DeviceClass> devices;
};

/** Most point-to-point transfers a MoDeST run may simulate over all its rounds. */
constexpr int64_t kMaxModestTransfers = int64_t{1} << 30;

const KeySchema& keys() {
  static const KeySchema schema = [] {
    std::vector<KeySpec> k{KeySpec("kind", "decentralized").mandatory()};
    for (KeySpec& x : transformer_keys()) k.push_back(std::move(x));
    k.push_back(KeySpec("nodes", "N, nodes (one per slice of the cluster's ranks), >= 2")
                    .mandatory()
                    .checked([](const ConfigNode& n) {
                      if (n.integer() < 2)
                        n.fail(fmt::format("decentralized learning needs at least 2 nodes; got {}",
                                           n.integer()));
                      n.integer(2, workloads::kMaxGossipNodes);
                    }));
    k.push_back(KeySpec("local_steps", "H, local training steps per round, >= 1")
                    .defaults("1")
                    .checked([](const ConfigNode& n) {
                      if (n.integer() < 1)
                        n.fail(fmt::format("H must be at least 1 local step; got {}", n.integer()));
                      n.integer(1, 1 << 30);
                    }));
    k.push_back(KeySpec("rounds", "rounds (MoDeST draws each one's sample)")
                    .defaults("1")
                    .checked(integer_in(1, 1 << 20)));
    k.push_back(KeySpec("protocol", "who trains and who exchanges with whom each round")
                    .defaults("dpsgd")
                    .one_of({"dpsgd", "modest"}));
    k.push_back(KeySpec("graph", "the communication graph (dpsgd)")
                    .with_keys({KeySpec("topology", "its shape")
                                    .mandatory()
                                    .one_of({"ring", "torus", "exponential", "random_regular"}),
                                KeySpec("degree", "d of random_regular: 1 <= d < N, N d even")
                                    .checked(integer_in(0, workloads::kMaxGossipNodes)),
                                KeySpec("dims", "[rows, cols] of torus, rows x cols = N"),
                                KeySpec("on_disconnected", "when the graph is not connected")
                                    .defaults("error")
                                    .one_of({"error", "warn"})}));
    k.push_back(KeySpec("sample_fraction",
                        "modest: fraction of the nodes that train each round, "
                        "in (0, 1]: s = ceil(fraction N)")
                    .defaults("1")
                    .checked([](const ConfigNode& n) {
                      const double f = n.number();
                      if (!(f > 0 && f <= 1)) n.expected("a sample fraction in (0, 1]");
                    }));
    k.push_back(KeySpec("aggregators", "modest: a, nodes that aggregate each round, 1..N")
                    .defaults("1")
                    .checked(integer_in(1, workloads::kMaxGossipNodes)));
    KeySpec dtype = outer_dtype_key("models");
    dtype.name = "exchange_dtype";
    k.push_back(std::move(dtype));
    k.push_back(KeySpec("node_devices",
                        "heterogeneous nodes: a list of {device: FILE or map, count: N, calibration: "
                        "FILE (optional)}, counts adding up to N, nodes assigned in order")
                    .defaults("the cluster's device for every node"));
    k.push_back(KeySpec("final_merge", "one all-reduce (average) of every node's model at the end")
                    .defaults("true")
                    .checked(boolean()));
    k.push_back(KeySpec("merge_algorithm", "algorithm of the final merge's all-reduce")
                    .defaults("ring")
                    .one_of(allreduce_algorithms()));
    k.push_back(wan_class_key());
    return KeySchema(std::move(k));
  }();
  return schema;
}

/** The D-PSGD graph named by `g` over `nodes` nodes; generator errors at the key they concern. */
CommGraph load_graph(const ConfigNode& g, int64_t nodes, uint64_t seed, std::string& topology) {
  topology = g["topology"].choice({"ring", "torus", "exponential", "random_regular"});
  auto only = [&](const char* key, const char* for_topology) {
    if (auto x = g.get(key); x && topology != for_topology)
      x->fail(fmt::format("applies to topology {}, not {}", for_topology, topology));
  };
  only("degree", "random_regular");
  only("dims", "torus");
  try {
    if (topology == "ring") return workloads::ring_graph(nodes);
    if (topology == "exponential") return workloads::exponential_graph(nodes);
    if (topology == "torus") {
      auto dims = g["dims"];
      auto items = dims.items();
      if (items.size() != 2) dims.expected("[rows, cols]");
      const int64_t rows = items[0].integer(1, workloads::kMaxGossipNodes);
      const int64_t cols = items[1].integer(1, workloads::kMaxGossipNodes);
      if (rows * cols != nodes)
        dims.fail(fmt::format("a torus of {} x {} = {} nodes, but there are {} nodes", rows, cols,
                              rows * cols, nodes));
      return workloads::torus_graph(rows, cols);
    }
    auto d = g["degree"];
    const int64_t degree = d.integer(0, workloads::kMaxGossipNodes);
    try {
      return workloads::random_regular_graph(nodes, degree, seed);
    } catch (const simcore::ConfigError& e) {
      d.fail(e.message());
    }
  } catch (const simcore::ConfigError& e) {
    if (e.where().line > 0) throw;
    g.fail(e.message());
  }
}

/** Round `round`'s MoDeST downlink and uplink, between nodes. */
std::pair<std::vector<PeerTransfer>, std::vector<PeerTransfer>> modest_round(const Info& d,
                                                                             int64_t round) {
  const auto m =
      workloads::modest_sample(d.params.replicas, d.trainers, d.aggregators, d.seed, round);
  return {workloads::modest_downlink(m), workloads::modest_uplink(m)};
}

/** The exchange of `node_transfers` (each rank of a node sends its shard), tagged. */
simcore::Workload exchange(const Info& d, const std::vector<PeerTransfer>& node_transfers,
                           simcore::OpPhase phase, int64_t round) {
  simcore::OpTags tags;
  tags.phase = phase;
  tags.step = static_cast<int32_t>(round);
  const int64_t n = d.params.replica_ranks();
  return workloads::make_peer_exchange(
      static_cast<int64_t>(d.params.replicas) * n, workloads::expand_to_ranks(node_transfers, n),
      workloads::outer_sync_bytes_per_rank(d.params, d.node.params), tags, "model exchange");
}

void load(Scenario& s, const ConfigNode& w) {
  Info info;
  workloads::DilocoParams& p = info.params;
  auto nn = w["nodes"];
  const int64_t nodes = nn.integer(2, workloads::kMaxGossipNodes);
  p.replicas = static_cast<int>(nodes);
  const int64_t cluster = s.topology.rank_count();
  if (cluster % nodes != 0)
    nn.fail(fmt::format("the cluster's {} ranks do not split into {} equal nodes", cluster, nodes));
  const int64_t n = cluster / nodes;
  p.replica =
      parse_transformer(s, w, n, fmt::format("a node ({} ranks / {} nodes)", cluster, nodes));
  if (p.replica_ranks() != n)
    w["parallelism"].fail(fmt::format(
        "a node spans dp x tp x pp x sp = {} ranks, but each of the {} nodes has {} / {} = {} "
        "ranks of the cluster",
        p.replica_ranks(), nodes, cluster, nodes, n));
  if (auto x = w.get("local_steps")) {
    p.inner_steps = static_cast<int>(x->integer(1, 1 << 30));
    info.local_steps_at = x->location();
  } else {
    info.local_steps_at = w.location();
  }
  if (auto x = w.get("rounds")) p.outer_steps = static_cast<int>(x->integer(1, 1 << 20));
  info.dtype = "fp32";
  if (auto x = w.get("exchange_dtype")) info.dtype = x->choice(outer_dtypes());
  p.outer_bits = wire_bits(info.dtype);
  info.protocol = "dpsgd";
  if (auto x = w.get("protocol")) info.protocol = x->choice({"dpsgd", "modest"});
  info.wan_class = "wan";
  if (auto x = w.get("wan_class")) info.wan_class = x->str();
  if (auto x = w.get("final_merge")) info.final_merge = x->boolean();
  if (auto x = w.get("merge_algorithm")) {
    p.outer_algorithm = x->choice(allreduce_algorithms());
    if (p.outer_algorithm == "halving_doubling" && (nodes & (nodes - 1)) != 0)
      x->fail(fmt::format("halving_doubling needs a power-of-two number of nodes; got {}", nodes));
  }
  info.seed = s.seed;

  auto only = [&](const char* key, const char* protocol) {
    if (auto x = w.get(key); x && info.protocol != protocol)
      x->fail(fmt::format("applies to protocol {}, not {}", protocol, info.protocol));
  };
  only("graph", "dpsgd");
  only("sample_fraction", "modest");
  only("aggregators", "modest");
  if (info.protocol == "dpsgd") {
    auto g = w["graph"];
    info.graph = load_graph(g, nodes, info.seed, info.topology);
    info.components = workloads::components(*info.graph);
    if (!workloads::is_strongly_connected(*info.graph)) {
      const std::string msg = fmt::format(
          "the {} graph over {} nodes is disconnected ({} components): gossip never mixes the "
          "models of different components",
          info.topology, nodes, info.components);
      const bool warn =
          g.has("on_disconnected") && g["on_disconnected"].choice({"error", "warn"}) == "warn";
      if (!warn) g.fail(msg + "; use another graph, or set graph.on_disconnected: warn");
      fmt::print(stderr, "{}: warning: {}\n", g.location().str(), msg);
    }
  } else {
    if (auto x = w.get("sample_fraction")) info.sample_fraction = x->number();
    info.trainers = std::clamp<int64_t>(
        static_cast<int64_t>(std::ceil(info.sample_fraction * static_cast<double>(nodes) - 1e-9)),
        1, nodes);
    info.aggregators = 1;
    if (auto x = w.get("aggregators")) {
      info.aggregators = x->integer(1, workloads::kMaxGossipNodes);
      if (info.aggregators > nodes)
        x->fail(
            fmt::format("{} aggregators, but there are only {} nodes", info.aggregators, nodes));
    }
  }

  if (auto list = w.get("node_devices")) {
    // Node devices here, or the cluster's per rank (node_devices.h), not both: one source.
    if (!s.node_devices.empty())
      list->fail("the cluster already gives each rank its device (cluster.node_devices); give "
                 "the nodes' devices in one place");
    info.devices = load_device_classes(*list, nodes, "nodes", true);
    for (const DeviceClass& c : info.devices)
      if (!c.device.peak_flops_per_s.count(s.compute_dtype))
        (*list).fail(fmt::format("device '{}' has no peak rate for dtype '{}'", c.device.name,
                                 s.compute_dtype));
  }
  if (!s.node_devices.empty() && info.devices.empty()) {
    // The cluster gives each rank its device: a node's device is its ranks' one; consecutive
    // nodes of one device type form a class, simulated once (one device type per node).
    for (int64_t k = 0; k < nodes; ++k) {
      const int first = static_cast<int>(k * n);
      const size_t c = device_class_of_rank(s, first);
      for (int r = first + 1; r < first + n; ++r)
        if (device_class_of_rank(s, r) != c)
          w["nodes"].fail(fmt::format(
              "node {} (ranks {} to {}) mixes device types ('{}' and '{}'); a node runs on one",
              k, first, first + n - 1, device_of_rank(s, first).name, device_of_rank(s, r).name));
      const bool same = k > 0 && device_class_of_rank(s, first - static_cast<int>(n)) == c;
      if (same) {
        ++info.devices.back().count;
        continue;
      }
      DeviceClass dc;
      dc.device = device_of_rank(s, first);
      dc.calibration = c < s.node_devices.size() ? s.node_devices[c].calibration : s.calibration;
      dc.count = 1;
      info.devices.push_back(std::move(dc));
    }
    if (info.devices.size() == 1) info.devices.clear();  // one type: the uniform path
  }
  // Work counted before anything is built: MoDeST simulates every round's transfers.
  if (info.protocol == "modest") {
    const int64_t per_round = info.trainers * (info.aggregators + 1);
    if (per_round > workloads::kMaxGossipEdges)
      w["aggregators"].fail(
          fmt::format("{} trainers x {} aggregators are more than {} transfers per round",
                      info.trainers, info.aggregators, workloads::kMaxGossipEdges));
    // A work cap of the resource guard (--force lifts it; rounds are simulated in turn).
    check_work(s, w, "rounds",
               {fmt::format("{} rounds of up to {} transfers each", p.outer_steps, per_round),
                "transfers to simulate",
                static_cast<double>(per_round) * static_cast<double>(p.outer_steps), 0,
                static_cast<double>(kMaxModestTransfers), "use fewer rounds"});
  }
  info.step = workloads::make_transformer(p.replica, &info.node);
  for (auto& rank : info.step.ranks)
    for (auto& op : rank.ops) op.tags.replica = 0;
  check_memory(s, w, w["parallelism"], info.node.memory_first_stage,
               info.node.activations_in_flight);
  for (size_t c = 0; c < info.devices.size(); ++c) {
    const auto& dev = info.devices[c].device;
    const double need = info.node.memory_first_stage.total();
    if (need > dev.hbm_capacity_bytes)
      w["node_devices"].items()[c]["device"].fail(
          fmt::format("a node needs {:.1f} GiB but '{}' has {:.1f} GiB", need / 1073741824.0,
                      dev.name, dev.hbm_capacity_bytes / 1073741824.0));
  }
  s.workload = info.protocol == "dpsgd"
                   ? exchange(info, workloads::gossip_transfers(*info.graph),
                              simcore::OpPhase::kOuterSync, 0)
                   : exchange(info, modest_round(info, 0).second, simcore::OpPhase::kUplink, 0);
  s.info = std::make_shared<InfoOf<Info>>(std::move(info));
}

/** Bytes each rank sends per transfer (its shard of the model, DiLoCo's outer shard). */
int64_t shard_bytes(const Info& d) {
  return workloads::outer_sync_bytes_per_rank(d.params, d.node.params);
}

struct RoundBytes {
  double sent_mean = 0, sent_max = 0, received_max = 0;
};

/** Per node (all its ranks) over `transfers` between nodes. */
RoundBytes round_bytes(const Info& d, const std::vector<PeerTransfer>& transfers) {
  const double per_node = static_cast<double>(shard_bytes(d)) * d.params.replica_ranks();
  const auto b = workloads::bytes_per_node(d.params.replicas, transfers, per_node);
  RoundBytes r;
  for (size_t i = 0; i < b.sent.size(); ++i) {
    r.sent_mean += b.sent[i];
    r.sent_max = std::max(r.sent_max, b.sent[i]);
    r.received_max = std::max(r.received_max, b.received[i]);
  }
  r.sent_mean /= static_cast<double>(b.sent.size());
  return r;
}

nlohmann::ordered_json to_json(const RoundBytes& b) {
  return {{"sent_mean", b.sent_mean}, {"sent_max", b.sent_max}, {"received_max", b.received_max}};
}

void simulate(const Scenario& s, bool record_ops, RunOutcome& o) {
  const Info& d = info_of<Info>(s);
  const workloads::DilocoParams& p = d.params;
  const int64_t h = p.inner_steps;
  RunOutcome step = simulate_workload(s, d.step, false);
  // Heterogeneous nodes: each device class's local step, simulated once on its device. A round
  // waits for its slowest training node (D-PSGD: every node; MoDeST: the round's trainers).
  std::vector<double> class_step;  // seconds, per device class
  std::vector<int64_t> class_end;  // nodes [class_end[c-1], class_end[c]) have class c
  nlohmann::ordered_json classes = nlohmann::ordered_json::array();
  for (const auto& [dev, calibration, count] : d.devices) {
    Scenario sc = s;
    sc.device = dev;
    sc.calibration = calibration;
    sc.node_devices.clear();  // the class's device on the node's ranks
    RunOutcome r = simulate_workload(sc, d.step, false);
    class_step.push_back(r.result.makespan.seconds());
    class_end.push_back((class_end.empty() ? 0 : class_end.back()) + count);
    classes.push_back(
        {{"device", dev.name}, {"nodes", count}, {"local_step_time_s", class_step.back()}});
  }
  auto slowest_step = [&](const std::vector<int32_t>* trainers) {
    if (class_step.empty()) return step.result.makespan.seconds();
    double t = 0;
    if (!trainers) return *std::max_element(class_step.begin(), class_step.end());
    for (int32_t node : *trainers) {
      const size_t c = static_cast<size_t>(
          std::upper_bound(class_end.begin(), class_end.end(), node) - class_end.begin());
      t = std::max(t, class_step[c]);
    }
    return t;
  };
  const double t_train_all = static_cast<double>(h) * slowest_step(nullptr);
  double t_train = class_step.empty() ? (step.result.makespan * h).seconds() : t_train_all;
  double train_sum = 0;
  std::optional<topologies::Router> shared;
  if (s.faults.empty()) shared.emplace(s.topology);
  auto run = [&](const simcore::Workload& w) {
    return shared ? simulate_workload(s, w, false, *shared) : simulate_workload(s, w, false);
  };
  uint64_t events = step.events;
  nlohmann::ordered_json rounds = nlohmann::ordered_json::array();
  double round_sum = 0, round_max = 0, exchange_sum = 0, wan_sum = 0;
  bool wan_known = true;
  RoundBytes bytes;  // dpsgd: its one exchange; modest: mean of sent_mean, max of the maxima
  auto add_wan = [&](const RunOutcome& r) {
    const auto w = class_bytes(r.links, d.wan_class, 1);
    if (w.is_number())
      wan_sum += w.get<double>();
    else
      wan_known = false;
  };
  const double n_rounds = static_cast<double>(p.outer_steps);
  if (d.protocol == "dpsgd") {
    RunOutcome ex = simulate_workload(s, s.workload, record_ops);
    compose_outer_step(step, ex, h, p.replicas,
                       repeated_inner_time(h, step.result.makespan, d.local_steps_at), o);
    events += ex.events;
    const double t_ex = ex.result.makespan.seconds();
    exchange_sum = t_ex * n_rounds;
    round_sum = (t_train + t_ex) * n_rounds;
    round_max = t_train + t_ex;
    const auto w = class_bytes(ex.links, d.wan_class, 1);
    if (w.is_number())
      wan_sum = w.get<double>() * n_rounds;
    else
      wan_known = false;
    bytes = round_bytes(d, workloads::gossip_transfers(*d.graph));
    train_sum = t_train * n_rounds;
  } else {
    for (int64_t k = 0; k < p.outer_steps; ++k) {
      auto [down, up] = modest_round(d, k);
      if (!class_step.empty()) {
        const auto m = workloads::modest_sample(p.replicas, d.trainers, d.aggregators, d.seed, k);
        t_train = static_cast<double>(h) * slowest_step(&m.trainers);
      }
      train_sum += t_train;
      RunOutcome rd = run(exchange(d, down, simcore::OpPhase::kDownlink, k));
      RunOutcome ru = k == 0 ? simulate_workload(s, s.workload, record_ops)
                             : run(exchange(d, up, simcore::OpPhase::kUplink, k));
      if (k == 0) {
        compose_outer_step(step, ru, h, d.trainers,
                           repeated_inner_time(h, step.result.makespan, d.local_steps_at), o);
        shift_result(o.result, rd.result.makespan);
      }
      events += rd.events + ru.events;
      add_wan(rd);
      add_wan(ru);
      const double t_down = rd.result.makespan.seconds(), t_up = ru.result.makespan.seconds();
      const double t_round = t_down + t_train + t_up;
      round_sum += t_round;
      round_max = std::max(round_max, t_round);
      exchange_sum += t_down + t_up;
      std::vector<PeerTransfer> all = down;
      all.insert(all.end(), up.begin(), up.end());
      const RoundBytes b = round_bytes(d, all);
      bytes.sent_mean += b.sent_mean / n_rounds;
      bytes.sent_max = std::max(bytes.sent_max, b.sent_max);
      bytes.received_max = std::max(bytes.received_max, b.received_max);
      rounds.push_back({{"round", k},
                        {"downlink_time_s", t_down},
                        {"training_time_s", t_train},
                        {"uplink_time_s", t_up},
                        {"round_time_s", t_round},
                        {"bytes_per_node", to_json(b)}});
    }
  }
  double t_merge = 0;
  nlohmann::ordered_json merge = nullptr;
  if (d.final_merge) {
    RunOutcome m = run(workloads::make_outer_sync(p, d.node.params, p.outer_steps));
    events += m.events;
    t_merge = m.result.makespan.seconds();
    merge = {{"algorithm", p.outer_algorithm},
             {"time_s", t_merge},
             {"bytes_per_rank", shard_bytes(d)},
             {"wan_bytes", class_bytes(m.links, d.wan_class, 1)}};
  }
  o.events = events;

  const double t_round = round_sum / n_rounds;
  const double training_nodes =
      d.protocol == "dpsgd" ? static_cast<double>(p.replicas) : static_cast<double>(d.trainers);
  const double tokens = d.node.tokens * training_nodes * static_cast<double>(h);
  const double flops = d.node.model_flops * training_nodes * static_cast<double>(h);
  const double ranks = static_cast<double>(s.topology.rank_count());
  const double peak = peak_flops_per_s(s);
  nlohmann::ordered_json& j = o.kind_report;
  j["model"] = {{"params", d.node.params},
                {"tokens_per_round", tokens},
                {"tokens_per_s", t_round > 0 ? tokens / t_round : 0.0},
                {"mfu", t_round > 0 && peak > 0 ? flops / t_round / ranks / peak : 0.0}};
  nlohmann::ordered_json dj = {{"protocol", d.protocol},
                               {"nodes", p.replicas},
                               {"ranks_per_node", p.replica_ranks()},
                               {"rounds", p.outer_steps},
                               {"local_steps", p.inner_steps},
                               {"exchange_dtype", d.dtype},
                               {"seed", d.seed},
                               {"model_bytes_per_rank", shard_bytes(d)}};
  if (d.protocol == "dpsgd") {
    int64_t dmax = 0;
    for (const auto& out : d.graph->out) dmax = std::max<int64_t>(dmax, out.size());
    dj["graph"] = {{"topology", d.topology},
                   {"edges", d.graph->edges()},
                   {"out_degree_mean",
                    static_cast<double>(d.graph->edges()) / static_cast<double>(p.replicas)},
                   {"out_degree_max", dmax},
                   {"connected", workloads::is_strongly_connected(*d.graph)},
                   {"components", d.components}};
  } else {
    dj["sampling"] = {{"sample_fraction", d.sample_fraction},
                      {"trainers", d.trainers},
                      {"aggregators", d.aggregators}};
  }
  dj["local_step_time_s"] = step.result.makespan.seconds();
  dj["training_time_s"] = train_sum / n_rounds;
  dj["node_devices"] = d.devices.empty() ? nlohmann::ordered_json(nullptr) : classes;
  dj["exchange_time_s"] = exchange_sum / n_rounds;
  dj["round_time_s"] = t_round;
  dj["round_time_max_s"] = round_max;
  dj["compute_utilization"] = t_round > 0 ? train_sum / n_rounds / t_round : 0.0;
  dj["bytes_per_node_per_round"] = to_json(bytes);
  dj["wan_class"] = d.wan_class;
  dj["wan_bytes_per_round"] = wan_known ? nlohmann::ordered_json(wan_sum / n_rounds) : nullptr;
  dj["final_merge"] = merge;
  dj["total_time_s"] = round_sum + t_merge;
  if (d.protocol == "modest") dj["per_round"] = rounds;
  j["decentralized"] = dj;
}

void print_summary(const Scenario& s, const nlohmann::ordered_json& j) {
  print_model_line(s, j);
  const auto& d = j["decentralized"];
  std::string how =
      d["protocol"] == "dpsgd"
          ? fmt::format("{} graph", d["graph"]["topology"].get<std::string>())
          : fmt::format("{} trainers, {} aggregators", d["sampling"]["trainers"].get<int64_t>(),
                        d["sampling"]["aggregators"].get<int64_t>());
  fmt::print("decentralized {} nodes, {} ({}), {} rounds of H = {}\n", d["nodes"].get<int64_t>(),
             d["protocol"].get<std::string>(), how, d["rounds"].get<int64_t>(),
             d["local_steps"].get<int64_t>());
  fmt::print(
      "round         {:.6f} s (mean; max {:.6f} s) = {:.6f} s training + {:.6f} s exchange; "
      "{:.3f} MB sent per node (mean; max {:.3f} MB)\n",
      d["round_time_s"].get<double>(), d["round_time_max_s"].get<double>(),
      d["training_time_s"].get<double>(), d["exchange_time_s"].get<double>(),
      d["bytes_per_node_per_round"]["sent_mean"].get<double>() / 1e6,
      d["bytes_per_node_per_round"]["sent_max"].get<double>() / 1e6);
  if (!d["final_merge"].is_null())
    fmt::print("final merge   {:.6f} s ({}); total {:.3f} s\n",
               d["final_merge"]["time_s"].get<double>(),
               d["final_merge"]["algorithm"].get<std::string>(), d["total_time_s"].get<double>());
}

}  // namespace

WorkloadKind decentralized_kind() {
  WorkloadKind k;
  k.name = "decentralized";
  k.schema = &keys();
  k.load = load;
  k.simulate = simulate;
  k.print_summary = print_summary;
  k.sweep_columns = {
      {"round_time_s", "/decentralized/round_time_s"},
      {"bytes_per_node_per_round", "/decentralized/bytes_per_node_per_round/sent_mean"}};
  return k;
}

}  // namespace dtsim::cli::kinds
