#include "tools/dtsim/runner.h"

#include <chrono>
#include <memory>

#include "models/compute/roofline.h"
#include "models/network/analytical_comm_model.h"
#include "models/network/flow_comm_model.h"
#include "simcore/simulator.h"
#include "tools/dtsim/kinds/registry.h"
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

RunOutcome simulate_workload(const Scenario& s, const simcore::Workload& w, bool record_ops) {
  auto t0 = std::chrono::steady_clock::now();
  simcore::Simulator sim(s.seed);
  topologies::Router router(s.topology);
  compute::RooflineModel compute(s.device);
  std::unique_ptr<simcore::CommModel> comm;
  network::CollectiveOptions opts;
  opts.chunks = s.chunks;
  opts.batch_tolerance = s.batch_tolerance;
  if (s.network_model == "analytical")
    comm = std::make_unique<network::AnalyticalCommModel>(sim, s.topology, router, opts, s.links);
  else
    comm = std::make_unique<network::FlowCommModel>(sim, s.topology, router, opts, s.links);
  simcore::Executor exec(sim, w, compute, *comm, record_ops);
  exec.start();
  sim.run();
  RunOutcome o;
  o.result = exec.finish();
  o.links = comm->link_usage();
  o.events = sim.events_processed();
  o.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return o;
}

namespace {
double gbps(double bytes, double seconds) { return seconds > 0 ? bytes / seconds / 1e9 : 0.0; }
}  // namespace

nlohmann::ordered_json make_report(const Scenario& s, const RunOutcome& o, bool reproducible) {
  using json = nlohmann::ordered_json;
  const auto& r = o.result;
  json j;
  j["scenario"] = s.name;
  j["workload"] = s.kind->name;
  j["network_model"] = s.network_model;
  j["seed"] = s.seed;
  j["ranks"] = s.workload.ranks.size();
  j["step_time_s"] = r.makespan.seconds();
  j["breakdown"] = {{"compute_s", r.compute_s},
                    {"communication_s", r.communication_s},
                    {"exposed_communication_s", r.exposed_communication_s}};
  json colls = json::array();
  for (const auto& c : r.collectives) {
    double t = (c.end - c.start).seconds();
    double alg = gbps(static_cast<double>(c.bytes), t);
    colls.push_back({{"name", c.name},
                     {"kind", simcore::to_string(c.kind)},
                     {"algorithm", c.algorithm},
                     {"ranks", c.ranks},
                     {"bytes", c.bytes},
                     {"time_s", t},
                     {"algbw_GB_per_s", alg},
                     {"busbw_GB_per_s", alg * simcore::busbw_factor(c.kind, c.ranks)}});
  }
  j["collectives"] = colls;
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
                   {"capacity_GiB", s.device.hbm_capacity_bytes / gib},
                   {"fits", !s.memory_overflow}};
  }
  json priced = json::object();
  for (const auto& [k, v] : r.ops_priced_by) priced[k] = v;
  j["compute_models"] = priced;
  j["wall_time_s"] = reproducible ? json(nullptr) : json(o.wall_time_s);
  j["events"] = o.events;
  return j;
}

}  // namespace dtsim::cli
