// `workload.kind: diloco`: R replicas of a transformer, one per slice of the cluster, H inner
// steps, then a blocking outer all-reduce of the pseudo-gradients (models/workloads/diloco.h).
// Simulated in two levels through the registry's `simulate` hook: a replica's inner step once
// (its time reused H times), the outer sync on every rank, and plain DDP across the sites for
// comparison; its report section `diloco` gives both per outer step.
// Under PCCL's peer churn (`faults.peers`, outer_algorithm pccl_ring) a peer is a replica: the
// outer steps run in turn (models/collectives/peer_churn.h), each H inner steps (a prelude: a
// replica that drops during them is absent from the sync, one that joins waits for the next
// outer step) then the outer all-reduce over the replicas present, restarted over the survivors
// when one drops during it; the `pccl_churn` section (pccl_churn_report.h) gives the timeline.
#include "models/workloads/diloco.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/collectives/peer_churn.h"
#include "tools/dtsim/kinds/outer_step.h"
#include "tools/dtsim/kinds/pccl_churn_report.h"
#include "tools/dtsim/kinds/registry.h"
#include "tools/dtsim/runner.h"

namespace dtsim::cli::kinds {

namespace {

struct Info {
  ReplicaSet r;                          ///< replicas, the inner step and its model
  std::vector<std::string> peer_names;   ///< per replica: the node faults.peers names it by
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

/** faults.peers under DiLoCo: PCCL's peers are the replicas (a node names its replica: the one
 *  holding its rank); the outer all-reduce must be pccl_ring. Returns each replica's name for
 *  the report: the node faults.peers names it by, else its first rank's node. Errors:
 *  ConfigError at outer_algorithm, or at the peer naming a replica another node named. */
std::vector<std::string> load_peer_replicas(const Scenario& s, const ConfigNode& w,
                                            const workloads::DilocoParams& p) {
  if (p.outer_algorithm != "pccl_ring")
    (w.has("outer_algorithm") ? w["outer_algorithm"] : w)
        .fail(fmt::format("faults.peers leave and join a PCCL run: expected outer_algorithm "
                          "pccl_ring; got {}",
                          p.outer_algorithm));
  const int n = p.replica_ranks();
  std::vector<std::string> names;
  for (int k = 0; k < p.replicas; ++k)
    names.push_back(s.topology.nodes()[s.topology.ranks()[static_cast<size_t>(k * n)]].name);
  std::vector<bool> named(static_cast<size_t>(p.replicas), false);
  for (size_t i = 0; i < s.faults.peers.size(); ++i) {
    const auto& f = s.faults.peers[i];
    const auto k = static_cast<size_t>(f.rank / n);
    if (named[k] && names[k] != f.name)
      throw simcore::ConfigError(
          f.where, fmt::format("faults.peers: '{}' and '{}' are both in replica {} (a peer is a "
                               "replica: name it by one node)",
                               names[k], f.name, k));
    named[k] = true;
    names[k] = f.name;
  }
  return names;
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
  if (!s.faults.peers.empty()) info.peer_names = load_peer_replicas(s, w, p);
  s.workload = workloads::make_outer_sync(p, params, 0);
  info.outer_state_bytes = workloads::outer_state_bytes_per_rank(p, params);
  check_replica_memory(s, w, info.r, info.outer_state_bytes);
  s.info = std::make_shared<InfoOf<Info>>(std::move(info));
}

/** The outer steps in turn under faults.peers (see the file's comment): the headline becomes
 *  the last outer step's end; `pccl_churn` gives each outer step's sync (start_s, end_s, its
 *  replicas, restarts), its inner phase (`inner_start_s`, `inner_time_s`: H x the slowest
 *  present replica's inner step), and the run's `total_time_s` and `compute_utilization`
 *  (inner phases over the total). Each sync is simulated once per set of replicas. */
void simulate_churn(const Scenario& s, const InnerSteps& steps, simcore::Time inner_time,
                    RunOutcome& o) {
  const Info& d = info_of<Info>(s);
  const workloads::DilocoParams& p = d.r.params;
  const int n = p.replica_ranks();
  // Each replica's H inner steps (on a mixed cluster its own; else all alike).
  std::vector<simcore::Time> inner_of(static_cast<size_t>(p.replicas), inner_time);
  if (!steps.replicas.is_null())
    for (const auto& e : steps.replicas)
      inner_of[e["replica"].get<size_t>()] = repeated_inner_time(
          d.r, simcore::Time::from_seconds(e["inner_step_time_s"].get<double>()));
  std::vector<int> peers(static_cast<size_t>(p.replicas));
  for (int k = 0; k < p.replicas; ++k) peers[static_cast<size_t>(k)] = k;
  std::vector<collectives::PeerEvent> events;
  for (const auto& f : s.faults.peers) events.push_back({f.rank / n, f.at, f.joins});
  std::map<std::vector<int>, simcore::Time> sync_of;
  uint64_t sync_events = 0;
  auto sync_time = [&](int, const std::vector<int>& m) {
    auto it = sync_of.find(m);
    if (it == sync_of.end()) {
      RunOutcome r = simulate_workload(
          s, workloads::make_outer_sync(p, d.r.replica.params, 0, m), false);
      sync_events += r.events;
      it = sync_of.emplace(m, r.result.makespan).first;
    }
    return it->second;
  };
  auto prelude = [&](int, const std::vector<int>& m) {
    simcore::Time w;
    for (int k : m) w = std::max(w, inner_of[static_cast<size_t>(k)]);
    return w;
  };
  const std::vector<collectives::ChurnOp> ops =
      collectives::run_with_churn(p.outer_steps, peers, events, sync_time, prelude);
  const simcore::Time end = ops.empty() ? simcore::Time{} : ops.back().end;
  double busy = 0;
  for (const auto& op : ops) busy += (op.start - op.begin).seconds();
  o.result.makespan = end;
  o.result.rank_finish.assign(o.result.rank_finish.size(), end);
  o.events += sync_events;
  nlohmann::ordered_json c = pccl_churn_section(
      ops, s.faults.peers, [&](int k) { return d.peer_names[static_cast<size_t>(k)]; },
      [&](size_t i, nlohmann::ordered_json& e) {
        e["inner_start_s"] = ops[i].begin.seconds();
        e["inner_time_s"] = (ops[i].start - ops[i].begin).seconds();
      });
  c["total_time_s"] = end.seconds();
  c["compute_utilization"] = end.seconds() > 0 ? busy / end.seconds() : 0.0;
  o.kind_report["pccl_churn"] = std::move(c);
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
  if (!s.faults.peers.empty()) simulate_churn(s, steps, inner_time, o);
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
  k.peer_churn = true;
  k.print_summary = print_summary;
  k.sweep_columns = {{"compute_utilization", "/diloco/compute_utilization"},
                     {"inner_step_time_s", "/diloco/inner_step_time_s"},
                     {"sync_time_s", "/diloco/sync_time_s"},
                     {"ddp_time_s", "/diloco/ddp/time_s"}};
  return k;
}

}  // namespace dtsim::cli::kinds
