#include "tools/dtsim/runner.h"

#include <chrono>
#include <map>
#include <memory>

#include "models/compute/roofline.h"
#include "models/network/analytical_comm_model.h"
#include "models/network/flow_comm_model.h"
#include "simcore/simulator.h"
#include "topologies/routing.h"

namespace dtsim::cli {

RunOutcome simulate(const Scenario& s, bool record_ops) {
  auto t0 = std::chrono::steady_clock::now();
  simcore::Simulator sim(s.seed);
  topologies::Router router(s.topology);
  compute::RooflineModel compute(s.device);
  std::unique_ptr<simcore::CommModel> comm;
  network::CollectiveOptions opts;
  opts.chunks = s.chunks;
  opts.batch_tolerance = s.batch_tolerance;
  if (s.network_model == "analytical")
    comm = std::make_unique<network::AnalyticalCommModel>(sim, s.topology, router, opts);
  else
    comm = std::make_unique<network::FlowCommModel>(sim, s.topology, router, opts);
  simcore::Executor exec(sim, s.workload, compute, *comm, record_ops);
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
  j["workload"] = s.workload_kind;
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
  if (s.sweep) {
    // One row per size: the mean over iterations (records are in issue order).
    std::map<int64_t, std::pair<double, int>> by_size;
    std::vector<int64_t> order;
    for (const auto& c : r.collectives) {
      auto [it, fresh] = by_size.try_emplace(c.bytes, 0.0, 0);
      if (fresh) order.push_back(c.bytes);
      it->second.first += (c.end - c.start).seconds();
      it->second.second += 1;
    }
    json rows = json::array();
    for (int64_t b : order) {
      double t = by_size[b].first / by_size[b].second;
      double alg = gbps(static_cast<double>(b), t);
      rows.push_back({{"bytes", b},
                      {"time_s", t},
                      {"algbw_GB_per_s", alg},
                      {"busbw_GB_per_s", alg * simcore::busbw_factor(s.sweep->kind, s.sweep->ranks)}});
    }
    j["sweep"] = rows;
  }
  if (s.data_parallel) {
    const auto& d = *s.data_parallel;
    double t = r.makespan.seconds();
    double peak = 0;
    auto it = s.device.peak_flops_per_s.find(s.compute_dtype);
    if (it != s.device.peak_flops_per_s.end()) peak = it->second;
    j["model"] = {{"params", d.params},
                  {"gradient_buckets", d.buckets},
                  {"tokens_per_rank", d.tokens_per_rank},
                  {"model_flops_per_rank", d.model_flops_per_rank},
                  {"tokens_per_s", t > 0 ? d.tokens_per_rank * s.workload.ranks.size() / t : 0.0},
                  {"mfu", t > 0 && peak > 0 ? d.model_flops_per_rank / t / peak : 0.0}};
  }
  if (s.transformer) {
    const auto& d = *s.transformer;
    double t = r.makespan.seconds();
    double n = static_cast<double>(s.workload.ranks.size());
    auto it = s.device.peak_flops_per_s.find(s.compute_dtype);
    double peak = it == s.device.peak_flops_per_s.end() ? 0.0 : it->second;
    j["model"] = {{"params", d.params},
                  {"micro_batches", d.micro_batches},
                  {"tokens_per_step", d.tokens},
                  {"model_flops", d.model_flops},
                  {"tokens_per_s", t > 0 ? d.tokens / t : 0.0},
                  {"model_tflops_per_gpu", t > 0 ? d.model_flops / t / n / 1e12 : 0.0},
                  {"mfu", t > 0 && peak > 0 ? d.model_flops / t / n / peak : 0.0}};
    if (d.moe.moe_layers > 0)
      j["model"]["moe"] = {{"moe_layers", d.moe.moe_layers},
                           {"dispatch_bytes_per_rank_mean", d.moe.dispatch_sent_mean},
                           {"dispatch_bytes_per_rank_max", d.moe.dispatch_sent_max},
                           {"combine_bytes_per_rank_mean", d.moe.combine_sent_mean},
                           {"combine_bytes_per_rank_max", d.moe.combine_sent_max},
                           {"expert_load_imbalance", d.moe.imbalance},
                           {"dropped_fraction", d.moe.dropped_fraction},
                           {"all_to_all_dim", d.moe.comm_dim},
                           {"node_limited", d.moe.node_limited}};
  }
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
  if (s.chakra) {
    json by_type = json::object(), skipped = json::object();
    for (const auto& [k, v] : s.chakra->nodes_by_type) by_type[k] = v;
    for (const auto& [k, v] : s.chakra->skipped) skipped[k] = v;
    j["chakra"] = {{"nodes_by_type", by_type},
                   {"skipped_nodes", skipped},
                   {"unknown_attributes", s.chakra->unknown_attributes}};
  }
  json priced = json::object();
  for (const auto& [k, v] : r.ops_priced_by) priced[k] = v;
  j["compute_models"] = priced;
  j["wall_time_s"] = reproducible ? json(nullptr) : json(o.wall_time_s);
  j["events"] = o.events;
  return j;
}

}  // namespace dtsim::cli
