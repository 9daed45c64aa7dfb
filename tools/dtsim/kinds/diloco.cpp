// `workload.kind: diloco`: R replicas of a transformer, one per slice of the cluster, H inner
// steps, then a blocking outer all-reduce of the pseudo-gradients (models/workloads/diloco.h).
// Simulated in two levels through the registry's `simulate` hook: a replica's inner step once
// (its time reused H times), the outer sync on every rank, and plain DDP across the sites for
// comparison; its report section `diloco` gives both per outer step.
#include "models/workloads/diloco.h"

#include <fmt/format.h>

#include <memory>
#include <optional>

#include "tools/dtsim/kinds/outer_step.h"
#include "tools/dtsim/kinds/registry.h"
#include "tools/dtsim/runner.h"

namespace dtsim::cli::kinds {

namespace {

struct Info {
  ReplicaSet r;                          ///< replicas, the inner step and its model
  std::optional<simcore::Workload> ddp;  ///< one step of plain DDP across the sites
  std::string outer_dtype;
  double outer_state_bytes = 0;  ///< per rank
};

const KeySchema& keys() {
  static const KeySchema schema = [] {
    std::vector<KeySpec> k{KeySpec("kind", "diloco").mandatory()};
    add_replica_keys(k);
    k.push_back(outer_dtype_key("pseudo-gradients"));
    k.push_back(outer_algorithm_key());
    k.push_back(outer_steps_key());
    k.push_back(KeySpec("compare_ddp",
                        "also simulate plain DDP across the sites (dp x R) for the same H steps")
                    .defaults("true")
                    .checked(boolean()));
    k.push_back(wan_class_key());
    return KeySchema(std::move(k));
  }();
  return schema;
}

void load(Scenario& s, const ConfigNode& w) {
  Info info;
  info.r = load_replicas(s, w);
  workloads::DilocoParams& p = info.r.params;
  info.outer_dtype = "fp32";
  if (auto x = w.get("outer_dtype")) info.outer_dtype = x->choice(outer_dtypes());
  p.outer_bits = wire_bits(info.outer_dtype);
  if (!w.has("compare_ddp") || w["compare_ddp"].boolean()) {
    workloads::TransformerInfo ddp_info;
    info.ddp = workloads::make_transformer(workloads::ddp_across_sites(p), &ddp_info);
  }
  const int64_t params = info.r.replica.params;
  s.workload = workloads::make_outer_sync(p, params, 0);
  info.outer_state_bytes = workloads::outer_state_bytes_per_rank(p, params);
  check_replica_memory(s, w, info.r, info.outer_state_bytes);
  s.info = std::make_shared<InfoOf<Info>>(std::move(info));
}

/** Inner step once, outer sync once, DDP once; the outer step is H inner steps then the sync. */
void simulate(const Scenario& s, bool record_ops, RunOutcome& o) {
  const Info& d = info_of<Info>(s);
  const workloads::DilocoParams& p = d.r.params;
  const int64_t h = p.inner_steps;
  // The slowest replica's inner step (each replica's on a mixed cluster, node_devices.h).
  InnerSteps steps = simulate_inner_steps(s, d.r);
  const RunOutcome& inner = steps.slowest;
  RunOutcome sync = simulate_workload(s, s.workload, record_ops);
  RunOutcome ddp;
  if (d.ddp) ddp = simulate_workload(s, *d.ddp, false);

  const simcore::Time inner_time = repeated_inner_time(d.r, inner.result.makespan);
  compose_outer_step(d.r, inner, sync, inner_time, o);
  o.events += ddp.events;

  const double hd = static_cast<double>(h);
  const double t_inner = inner.result.makespan.seconds();
  const double t_sync = sync.result.makespan.seconds();
  const double t_outer = o.result.makespan.seconds();
  const nlohmann::ordered_json wan = class_bytes(sync.links, d.r.wan_class, 1);
  const double ddp_step = ddp.result.makespan.seconds();
  const nlohmann::ordered_json ddp_wan = class_bytes(ddp.links, d.r.wan_class, hd);
  const int64_t bytes_per_rank = workloads::outer_sync_bytes_per_rank(p, d.r.replica.params);
  const double ranks = static_cast<double>(s.workload.ranks.size());
  nlohmann::ordered_json& j = o.kind_report;
  j["model"] = outer_step_model_section(s, d.r, t_outer);
  j["diloco"] = {{"replicas", p.replicas},
                 {"ranks_per_replica", p.replica_ranks()},
                 {"inner_steps", p.inner_steps},
                 {"outer_steps", p.outer_steps},
                 {"outer_dtype", d.outer_dtype},
                 {"outer_algorithm", p.outer_algorithm},
                 {"pseudo_gradient_bytes_per_rank", bytes_per_rank},
                 {"inner_step_time_s", t_inner},
                 {"inner_time_s", inner_time.seconds()},
                 {"sync_time_s", t_sync},
                 {"outer_step_time_s", t_outer},
                 {"compute_utilization", t_outer > 0 ? inner_time.seconds() / t_outer : 0.0},
                 {"total_time_s", t_outer * p.outer_steps},
                 {"wan_class", d.r.wan_class},
                 {"wan_bytes", wan},
                 {"outer_all_reduce_bytes", static_cast<double>(bytes_per_rank) * ranks},
                 {"memory", outer_memory_section(d.r, d.outer_state_bytes)},
                 {"ddp", nullptr},
                 {"ddp_over_diloco_time", nullptr},
                 {"ddp_over_diloco_wan_bytes", nullptr}};
  add_replica_devices(steps, h, t_outer, j["diloco"]);
  if (!d.ddp) return;  // compare_ddp: false
  j["diloco"]["ddp"] = {{"step_time_s", ddp_step},
                        {"steps", p.inner_steps},
                        {"time_s", ddp_step * hd},
                        {"compute_utilization", ddp_step > 0 ? t_inner / ddp_step : 0.0},
                        {"wan_bytes", ddp_wan}};
  j["diloco"]["ddp_over_diloco_time"] = t_outer > 0 ? ddp_step * hd / t_outer : 0.0;
  if (wan.is_number() && ddp_wan.is_number() && wan.get<double>() > 0)
    j["diloco"]["ddp_over_diloco_wan_bytes"] = ddp_wan.get<double>() / wan.get<double>();
}

void print_summary(const Scenario&, const nlohmann::ordered_json& j) {
  const auto& m = j["model"];
  const auto& d = j["diloco"];
  const auto& ddp = d["ddp"];
  fmt::print("model         {:.3f} B params, {:.0f} tokens/s, MFU {:.1f}%\n",
             m["params"].get<double>() / 1e9, m["tokens_per_s"].get<double>(),
             m["mfu"].get<double>() * 100);
  fmt::print("diloco        {} replicas x {} ranks, H = {}, outer {} ({})\n",
             d["replicas"].get<int>(), d["ranks_per_replica"].get<int>(),
             d["inner_steps"].get<int>(), d["outer_dtype"].get<std::string>(),
             d["outer_algorithm"].get<std::string>());
  fmt::print(
      "outer step    {:.3f} s = {} x {:.6f} s inner + {:.6f} s sync; compute utilization "
      "{:.1f}%; {} over '{}'\n",
      d["outer_step_time_s"].get<double>(), d["inner_steps"].get<int>(),
      d["inner_step_time_s"].get<double>(), d["sync_time_s"].get<double>(),
      d["compute_utilization"].get<double>() * 100, gigabytes(d["wan_bytes"]),
      d["wan_class"].get<std::string>());
  if (ddp.is_null()) return;
  fmt::print(
      "plain DDP     {:.3f} s = {} x {:.6f} s; compute utilization {:.1f}%; {} over '{}' "
      "({:.3g}x DiLoCo's time, {} its WAN bytes)\n",
      ddp["time_s"].get<double>(), ddp["steps"].get<int>(), ddp["step_time_s"].get<double>(),
      ddp["compute_utilization"].get<double>() * 100, gigabytes(ddp["wan_bytes"]),
      d["wan_class"].get<std::string>(), d["ddp_over_diloco_time"].get<double>(),
      ratio(d["ddp_over_diloco_wan_bytes"]));
}

}  // namespace

WorkloadKind diloco_kind() {
  WorkloadKind k;
  k.name = "diloco";
  k.schema = &keys();
  k.load = load;
  k.simulate = simulate;
  k.print_summary = print_summary;
  k.sweep_columns = {{"compute_utilization", "/diloco/compute_utilization"},
                     {"inner_step_time_s", "/diloco/inner_step_time_s"},
                     {"sync_time_s", "/diloco/sync_time_s"},
                     {"ddp_time_s", "/diloco/ddp/time_s"}};
  return k;
}

}  // namespace dtsim::cli::kinds
