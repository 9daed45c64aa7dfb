#include "tools/dtsim/runner.h"

#include <chrono>
#include <map>
#include <memory>
#include <tuple>

#include "models/compute/calibrated_model.h"
#include "models/compute/per_rank_model.h"
#include "models/compute/roofline.h"
#include "models/network/analytical_comm_model.h"
#include "models/network/flow_comm_model.h"
#include "simcore/simulator.h"
#include "tools/dtsim/kinds/registry.h"
#include "tools/dtsim/nccl_tuning_loader.h"
#include "tools/dtsim/version.h"
#include "topologies/routing.h"

namespace dtsim::cli {

RunOutcome simulate(const Scenario& s, bool record_ops) {
  if (s.kind != nullptr && s.kind->simulate != nullptr) {
    auto t0 = std::chrono::steady_clock::now();
    RunOutcome o;
    s.kind->simulate(s, record_ops, o);
    o.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return o;
  }
  return simulate_workload(s, s.workload, record_ops);
}

network::CollectiveOptions collective_options(const Scenario& s) {
  network::CollectiveOptions opts;
  opts.chunks = s.chunks;
  opts.connections = s.connections;
  opts.batch_tolerance = s.batch_tolerance;
  opts.reuse_timings = s.reuse_timings;
  opts.nccl = builtin_nccl_tuning(s.device.name);
  return opts;
}

std::unique_ptr<simcore::ComputeModel> make_compute_model(const Scenario& s) {
  if (!s.node_devices.empty()) {
    // One model per device class, the cluster's own device last; each rank priced by its own.
    std::vector<std::unique_ptr<simcore::ComputeModel>> models;
    for (const auto& c : s.node_devices)
      models.push_back(device_compute_model(c.device, c.calibration));
    models.push_back(device_compute_model(s.device, s.calibration));
    std::vector<uint32_t> model_of_rank(static_cast<size_t>(s.topology.rank_count()));
    for (size_t r = 0; r < model_of_rank.size(); ++r)
      model_of_rank[r] = static_cast<uint32_t>(device_class_of_rank(s, static_cast<int>(r)));
    return std::make_unique<compute::PerRankModel>(std::move(models), std::move(model_of_rank));
  }
  if (s.calibration) return std::make_unique<compute::CalibratedModel>(s.device, s.calibration);
  return std::make_unique<compute::RooflineModel>(s.device);
}

namespace {

/** The most transfers one flow replay may start without --force: about 9 minutes at the 0.5 us
 *  per transfer the flow back-end takes on a data-parallel step (tests/bench/flow_scale_bench,
 *  reused timings off); reused timings often make it far less. */
constexpr double kMaxReplayTransfers = 1e9;
/** Memory while one collective's schedule is built and run: its transfer (32 B) and dependency
 *  (4 B) arrays, then its steps (32 B) and dependents (4 B), plus slack: bytes per transfer. */
constexpr double kBytesPerScheduledTransfer = 96;

/** The resource guard (simcore/resource_guard.h) on a flow replay, before it runs: the work of
 *  every transfer, and the memory of the largest collective's schedule. Errors: ConfigError. */
void check_replay_work(const Scenario& s, const network::FlowCommModel::TransferEstimate& e) {
  s.limits.check({"the flow replay", "transfers", e.total, 0, kMaxReplayTransfers,
                  "fewer collectives, fewer chunks (network.chunks), or the analytical back-end "
                  "(network.model: analytical)"});
  s.limits.check({"the flow replay's largest collective", "transfers", e.largest_collective,
                  kBytesPerScheduledTransfer, 0, "a smaller group or fewer chunks (network.chunks)"});
}

}  // namespace

RunOutcome simulate_workload(const Scenario& s, const simcore::Workload& w, bool record_ops) {
  topologies::Router router(s.topology);
  return simulate_workload(s, w, record_ops, router);
}

RunOutcome simulate_workload(const Scenario& s, const simcore::Workload& w, bool record_ops,
                             topologies::Router& router) {
  auto t0 = std::chrono::steady_clock::now();
  simcore::Simulator sim(s.seed);
  const std::unique_ptr<simcore::ComputeModel> pricing = make_compute_model(s);
  std::unique_ptr<simcore::CommModel> comm;
  std::unique_ptr<network::FaultInjector> faults;
  const network::CollectiveOptions opts = collective_options(s);
  if (s.network_model == "analytical")
    comm = std::make_unique<network::AnalyticalCommModel>(sim, s.topology, router, opts, s.links);
  else {
    auto flow = std::make_unique<network::FlowCommModel>(sim, s.topology, router, opts, s.links);
    check_replay_work(s, flow->estimate_transfers(w));
    if (!s.faults.empty())
      faults = std::make_unique<network::FaultInjector>(sim, s.topology, router, flow->fabric(),
                                                        s.faults);
    comm = std::move(flow);
  }
  simcore::Executor exec(sim, w, *pricing, *comm, record_ops);
  if (faults) faults->start();
  exec.start();
  sim.run();
  // Flows still waiting when nothing else can happen wait on links that never return: they
  // fail (reported), which may end other work; never a hang, never lost silently.
  while (faults && faults->fail_stuck()) sim.run();
  RunOutcome o;
  o.result = exec.finish();
  if (faults) {
    o.fault_hits = faults->hits();
    o.failed_transfers = faults->failed_transfers();
  }
  o.links = comm->link_usage();
  o.events = sim.events_processed();
  o.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return o;
}

namespace {
double gbps(double bytes, double seconds) { return seconds > 0 ? bytes / seconds / 1e9 : 0.0; }

/** `faults`, `failed_transfers`, `failed_ops` and `ops_not_run` (schema in README.md). */
void add_faults(const Scenario& s, const RunOutcome& o, nlohmann::ordered_json& j) {
  using json = nlohmann::ordered_json;
  const auto& plan = s.faults;
  json fl = json::array();
  for (size_t k = 0; k < plan.faults.size(); ++k) {
    const auto& f = plan.faults[k];
    const auto& h = o.fault_hits.at(k);
    json e = {{"link", f.name},
              {"at_s", f.at.seconds()},
              {"until_s", f.until ? json(f.until->seconds()) : json(nullptr)},
              {"kind", f.down ? "down" : "degraded"}};
    if (!f.down) {
      e["capacity_fraction"] = f.capacity_fraction;
      e["extra_latency_s"] = f.extra_latency.seconds();
    }
    e["flows_hit"] = h.flows;
    e["bytes_hit"] = h.bytes;
    e["rerouted"] = h.rerouted;
    e["bytes_rerouted"] = h.bytes_rerouted;
    e["stalled"] = h.stalled;
    e["failed"] = h.failed;
    fl.push_back(e);
  }
  j["on_link_down"] = network::to_string(plan.on_link_down);
  j["faults"] = fl;
  json ft = json::array();
  for (const auto& t : o.failed_transfers)
    ft.push_back({{"src", t.src},
                  {"dst", t.dst},
                  {"bytes", t.bytes},
                  {"bytes_left", t.bytes_left},
                  {"at_s", t.at.seconds()},
                  {"fault", t.fault >= 0 ? json(t.fault) : json(nullptr)},
                  {"why", t.why}});
  j["failed_transfers"] = ft;
  const auto& r = o.result;
  json fo = json::array();
  for (const auto& f : r.failed_ops)
    fo.push_back({{"rank", f.rank}, {"op", f.op}, {"name", f.name}, {"why", f.why}});
  j["failed_ops"] = fo;
  json nr = json::array();
  for (const auto& f : r.not_run)
    nr.push_back({{"rank", f.rank}, {"op", f.op}, {"name", f.name}});
  j["ops_not_run"] = {{"count", r.ops_not_run}, {"first_per_rank", nr}};
}

/** The report's `collectives`: one entry per class of equal collectives (communicator, kind,
 *  algorithm, ranks, bytes), in order of first appearance, with the count and the spread of the
 *  instances' times (schema in README.md). */
nlohmann::ordered_json collective_classes(const std::vector<simcore::CollectiveRecord>& all) {
  using json = nlohmann::ordered_json;
  struct Class {
    const simcore::CollectiveRecord* first;
    int64_t count = 0, failed = 0;
    double total_s = 0, min_s = 0, max_s = 0;
  };
  using Key = std::tuple<std::string_view, int, std::string_view, int, int64_t>;
  std::map<Key, size_t> index;
  std::vector<Class> classes;
  for (const auto& c : all) {
    const Key key{c.communicator, static_cast<int>(c.kind), c.algorithm, c.ranks, c.bytes};
    auto [it, fresh] = index.try_emplace(key, classes.size());
    if (fresh) classes.push_back({&c});
    Class& k = classes[it->second];
    const double t = (c.end - c.start).seconds();
    k.min_s = k.count == 0 ? t : std::min(k.min_s, t);
    k.max_s = k.count == 0 ? t : std::max(k.max_s, t);
    k.total_s += t;
    k.failed += c.failed;
    ++k.count;
  }
  json out = json::array();
  for (const Class& k : classes) {
    const auto& c = *k.first;
    const double mean = k.total_s / static_cast<double>(k.count);
    const double alg = gbps(static_cast<double>(c.bytes), mean);
    out.push_back({{"communicator", c.communicator},
                   {"kind", simcore::to_string(c.kind)},
                   {"algorithm", c.algorithm},
                   {"ranks", c.ranks},
                   {"bytes", c.bytes},
                   {"count", k.count},
                   {"first", c.name},
                   {"time_s", mean},
                   {"min_time_s", k.min_s},
                   {"max_time_s", k.max_s},
                   {"total_time_s", k.total_s},
                   {"algbw_GB_per_s", alg},
                   {"busbw_GB_per_s", alg * simcore::busbw_factor(c.kind, c.ranks)}});
    if (k.failed > 0) out.back()["failed"] = k.failed;  // their time_s: until they failed
  }
  return out;
}

}  // namespace

nlohmann::ordered_json make_report(const Scenario& s, const RunOutcome& o, bool reproducible,
                                   bool collective_instances) {
  using json = nlohmann::ordered_json;
  const auto& r = o.result;
  json j;
  j["scenario"] = s.name;
  j["workload"] = s.kind->name;
  j["network_model"] = s.network_model;
  j["seed"] = s.seed;
  j["ranks"] = s.workload.ranks.size();
  // A run with failed transfers has no step time (the step did not complete).
  j["step_time_s"] = r.failed() ? json(nullptr) : json(r.makespan.seconds());
  j["breakdown"] = {{"compute_s", r.compute_s},
                    {"communication_s", r.communication_s},
                    {"exposed_communication_s", r.exposed_communication_s}};
  // The splits of one replay (a kind that composes several simulations has its own sections).
  if (!s.kind->simulate || o.one_replay) {
    auto& b = j["breakdown"];
    b["idle_s"] = r.idle_s;
    json groups = json::object();
    for (const auto& [name, share] : r.communication_by_group)
      groups[name] = {{"time_s", share.time_s}, {"exposed_s", share.exposed_s}};
    b["communication_by_group"] = groups;
    json phases = json::object();
    for (const auto& [name, share] : r.by_phase)
      phases[name] = {{"compute_s", share.compute_s}, {"communication_s", share.communication_s}};
    b["by_phase"] = phases;
  }
  j["collectives"] = collective_classes(r.collectives);
  if (collective_instances) {
    json colls = json::array();
    for (const auto& c : r.collectives) {
      double t = (c.end - c.start).seconds();
      double alg = gbps(static_cast<double>(c.bytes), t);
      colls.push_back({{"name", c.name},
                       {"communicator", c.communicator},
                       {"kind", simcore::to_string(c.kind)},
                       {"algorithm", c.algorithm},
                       {"ranks", c.ranks},
                       {"bytes", c.bytes},
                       {"time_s", t},
                       {"algbw_GB_per_s", alg},
                       {"busbw_GB_per_s", alg * simcore::busbw_factor(c.kind, c.ranks)}});
      if (c.failed) colls.back()["failed"] = true;  // time_s: until it failed
    }
    j["collective_instances"] = colls;
  }
  json finish = json::array();
  for (auto t : r.rank_finish) finish.push_back(t.seconds());
  j["rank_finish_s"] = finish;
  json links = json::object();
  for (const auto& u : o.links) {
    double denom = u.capacity_bytes_per_s * r.makespan.seconds();
    links[u.link_class] = {{"bytes", u.bytes}, {"utilization", denom > 0 ? u.bytes / denom : 0.0}};
  }
  j["links"] = links;
  if (s.kind->report) s.kind->report(s, r, j);
  if (o.kind_report.is_object())
    for (const auto& [key, value] : o.kind_report.items()) j[key] = value;
  if (s.memory) {
    const auto& m = *s.memory;
    const double gib = 1073741824.0;
    j["memory"] = {{"rank", "the most loaded pipeline stage (stage 0 with an even split)"},
                   {"weights_GiB", m.params / gib},
                   {"gradients_GiB", m.grads / gib},
                   {"optimizer_GiB", m.optimizer / gib},
                   {"activations_GiB", m.activations / gib},
                   {"total_GiB", m.total() / gib},
                   {"capacity_GiB", smallest_memory_device(s).hbm_capacity_bytes / gib},
                   {"fits", !s.memory_overflow}};
  }
  // Heterogeneous clusters: which device each rank ran on (absent on a uniform one).
  if (!s.node_devices.empty()) j["node_devices"] = device_runs(s, 0, s.topology.rank_count());
  if (!s.faults.empty()) add_faults(s, o, j);
  json priced = json::object();
  for (const auto& [k, v] : r.ops_priced_by) priced[k] = v;
  j["compute_models"] = priced;
  j["compute_models_by_op_class"] = r.ops_priced_by_class;
  j["wall_time_s"] = reproducible ? json(nullptr) : json(o.wall_time_s);
  j["events"] = o.events;
  j["dtsim"] = {{"version", dtsim_version()}, {"commit", dtsim_commit()}};
  j["config"] = s.config;
  return j;
}

}  // namespace dtsim::cli
