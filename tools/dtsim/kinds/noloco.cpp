// `workload.kind: noloco`: R replicas of a transformer, H inner steps, then each replica averages
// its weights with a random partner (a group of `group_size`), drawn anew every outer step from
// `run.seed` (models/workloads/noloco.h): point-to-point exchanges over the WAN, all pairs at
// once, no all-reduce. Simulated in two levels like `diloco` (kinds/outer_step.h): the inner step
// once, then each outer step's sync on its own (its pairs differ); for comparison, the all-reduce
// DiLoCo would run over the same bytes, per algorithm. Report section `noloco`.
#include "models/workloads/noloco.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "tools/dtsim/kinds/common.h"
#include "tools/dtsim/kinds/outer_step.h"
#include "tools/dtsim/kinds/registry.h"
#include "tools/dtsim/runner.h"

namespace dtsim::cli::kinds {

namespace {

using simcore::OpTags;

struct Info {
  ReplicaSet r;                    ///< replicas, the inner step and its model
  workloads::NolocoParams params;  ///< params.outer is r.params with outer_bits set
  std::string outer_dtype;
  double outer_state_bytes = 0;      ///< per rank
  std::vector<std::string> compare;  ///< all-reduce algorithms to compare with
  bool routed = false;  ///< pipelined replicas: the inner step is all R replicas, co-simulated
};

/** Most point-to-point transfers a run may simulate over all its outer steps. */
constexpr int64_t kMaxNolocoTransfers = int64_t{1} << 30;

const KeySchema& keys() {
  static const KeySchema schema = [] {
    std::vector<KeySpec> k{KeySpec("kind", "noloco").mandatory()};
    add_replica_keys(k, "NoLoCo");
    k.push_back(outer_dtype_key("weights"));
    k.push_back(KeySpec("group_size",
                        "replicas that average together each outer step (2: pairs), divides R")
                    .defaults("2")
                    .checked([](const ConfigNode& n) {
                      if (n.integer() < 2)
                        n.fail(
                            fmt::format("a group needs at least 2 replicas; got {}", n.integer()));
                      n.integer(2, 1 << 20);
                    }));
    k.push_back(
        outer_steps_key("outer steps, each with its own random groups (the report gives each)"));
    k.push_back(
        KeySpec("compare_allreduce",
                "all-reduce algorithms to time DiLoCo's sync of the same bytes with (a list)")
            .defaults("[double_binary_tree, ring]")
            .checked([](const ConfigNode& n) {
              for (const ConfigNode& a : n.items()) a.choice(allreduce_algorithms());
            }));
    k.push_back(wan_class_key());
    return KeySchema(std::move(k));
  }();
  return schema;
}

void load(Scenario& s, const ConfigNode& w) {
  Info info;
  info.r = load_replicas(s, w);
  workloads::NolocoParams& p = info.params;
  info.outer_dtype = "fp32";
  if (auto x = w.get("outer_dtype")) info.outer_dtype = x->choice(outer_dtypes());
  info.r.params.outer_bits = wire_bits(info.outer_dtype);
  p.outer = info.r.params;
  p.seed = s.seed;
  info.outer_state_bytes = workloads::outer_state_bytes_per_rank(p.outer, info.r.replica.params);
  check_replica_memory(s, w, info.r, info.outer_state_bytes);
  const workloads::TransformerParams& r = p.outer.replica;
  if (r.pp > 1 && (r.dp > 1 || r.sp > 1 || r.virtual_stages > 1))
    w["parallelism"].fail(fmt::format(
        "NoLoCo's random routing of activations between pipelined replicas (pp = {}) is modelled "
        "for replicas of dp 1, sp 1 and one model chunk per stage; got dp {}, sp {}, "
        "virtual_stages {}",
        r.pp, r.dp, r.sp, r.virtual_stages));
  if (r.pp > 1) {
    // The replicas interact during inner steps: co-simulate them all.
    info.r.inner = workloads::make_routed_inner_step(p, nullptr);
    for (auto& rank : info.r.inner.ranks)
      for (auto& op : rank.ops) op.tags.replica = OpTags::kNone;
    info.routed = true;
  }
  if (auto x = w.get("group_size")) {
    p.group_size = static_cast<int>(x->integer(2, 1 << 20));
    if (p.outer.replicas % p.group_size != 0)
      x->fail(fmt::format("groups of {} do not divide the {} replicas", p.group_size,
                          p.outer.replicas));
  } else if (p.outer.replicas % 2 != 0) {
    w["replicas"].fail(fmt::format(
        "NoLoCo pairs the replicas: an even number of replicas is needed; got {} (or set "
        "group_size)",
        p.outer.replicas));
  }
  // Work counted before anything is built: each outer step's sync is simulated on its own.
  const int64_t per_step =
      static_cast<int64_t>(p.outer.replicas) * p.outer.replica_ranks() * (p.group_size - 1);
  if (per_step > kMaxNolocoTransfers)
    w["group_size"].fail(fmt::format("groups of {} make {} transfers per outer step, more than {}",
                                     p.group_size, per_step, kMaxNolocoTransfers));
  // The whole run's transfers: a work cap of the resource guard (--force lifts it; each outer
  // step's are built and freed in turn, so they hold no memory together).
  check_work(s, w, "outer_steps",
             {fmt::format("{} outer steps of {} transfers each", p.outer.outer_steps, per_step),
              "transfers to simulate",
              static_cast<double>(p.outer.outer_steps) * static_cast<double>(per_step), 0,
              static_cast<double>(kMaxNolocoTransfers), "use fewer outer steps"});
  info.compare = {"double_binary_tree", "ring"};
  if (auto x = w.get("compare_allreduce")) {
    info.compare.clear();
    for (const ConfigNode& a : x->items()) {
      info.compare.push_back(a.choice(allreduce_algorithms()));
      const int r = p.outer.replicas;
      if (info.compare.back() == "halving_doubling" && (r & (r - 1)) != 0)
        a.fail(fmt::format("halving_doubling needs a power-of-two number of replicas; got {}", r));
    }
  }
  s.workload = workloads::make_noloco_sync(p, info.r.replica.params, 0);
  s.info = std::make_shared<InfoOf<Info>>(std::move(info));
}

/** The inner step once; every outer step's sync (its own pairs); the all-reduces compared. */
void simulate(const Scenario& s, bool record_ops, RunOutcome& o) {
  const Info& info = info_of<Info>(s);
  const ReplicaSet& d = info.r;
  const workloads::NolocoParams& p = info.params;
  const int64_t params = d.replica.params;
  const double hd = static_cast<double>(p.outer.inner_steps);
  // Routed pipelines span every replica (one inner step over all ranks, priced per rank); else
  // the slowest replica's inner step (each replica's on a mixed cluster, node_devices.h).
  InnerSteps inner_steps = info.routed ? InnerSteps{simulate_workload(s, d.inner, false), nullptr}
                                       : simulate_inner_steps(s, d);
  const RunOutcome& inner = inner_steps.slowest;
  const double t_inner = inner.result.makespan.seconds();
  const simcore::Time inner_span = repeated_inner_time(d, inner.result.makespan);
  const double inner_time = inner_span.seconds();

  nlohmann::ordered_json steps = nlohmann::ordered_json::array();
  double sync_sum = 0, sync_max = 0, wan_sum = 0;
  bool wan_known = true;
  uint64_t events = inner.events;
  topologies::Router router(s.topology);
  for (int64_t k = 0; k < p.outer.outer_steps; ++k) {
    RunOutcome sync;
    if (k == 0) {
      sync = simulate_workload(s, s.workload, record_ops);
      // Links: the inner step's traffic H times, of one replica R times or of all (routed).
      compose_outer_step(inner, sync, p.outer.inner_steps, info.routed ? 1 : p.outer.replicas,
                         inner_span, o);
    } else {
      const simcore::Workload w = workloads::make_noloco_sync(p, params, k);
      // One router for every outer step (routing tables built once), unless faults change it.
      sync = s.faults.empty() ? simulate_workload(s, w, false, router)
                              : simulate_workload(s, w, false);
    }
    events += sync.events;
    const double t_sync = sync.result.makespan.seconds();
    const nlohmann::ordered_json wan = class_bytes(sync.links, d.wan_class, 1);
    sync_sum += t_sync;
    sync_max = std::max(sync_max, t_sync);
    if (wan.is_number())
      wan_sum += wan.get<double>();
    else
      wan_known = false;
    const double t_outer = inner_time + t_sync;
    steps.push_back({{"outer_step", k},
                     {"inner_time_s", inner_time},
                     {"sync_time_s", t_sync},
                     {"outer_step_time_s", t_outer},
                     {"compute_utilization", t_outer > 0 ? inner_time / t_outer : 0.0},
                     {"wan_bytes", wan}});
  }
  const double outer_steps = static_cast<double>(p.outer.outer_steps);
  const double sync_mean = sync_sum / outer_steps;
  const double total = inner_time * outer_steps + sync_sum;
  const double t_outer = total / outer_steps;

  nlohmann::ordered_json allreduce = nlohmann::ordered_json::object();
  for (const std::string& a : info.compare) {
    workloads::DilocoParams dp = p.outer;
    dp.outer_algorithm = a;
    RunOutcome r = simulate_workload(s, workloads::make_outer_sync(dp, params, 0), false);
    events += r.events;
    const double t = r.result.makespan.seconds();
    allreduce[a] = {{"sync_time_s", t},
                    {"over_noloco_sync", sync_mean > 0 ? t / sync_mean : 0.0},
                    {"wan_bytes", class_bytes(r.links, d.wan_class, 1)}};
  }
  o.events = events;

  nlohmann::ordered_json& j = o.kind_report;
  j["model"] = outer_step_model_section(s, d, t_outer);
  j["noloco"] = {{"replicas", p.outer.replicas},
                 {"routed_pipelines", info.routed},
                 {"ranks_per_replica", p.outer.replica_ranks()},
                 {"group_size", p.group_size},
                 {"inner_steps", p.outer.inner_steps},
                 {"outer_steps", p.outer.outer_steps},
                 {"outer_dtype", info.outer_dtype},
                 {"seed", p.seed},
                 {"bytes_sent_per_rank", workloads::noloco_bytes_sent_per_rank(p, params)},
                 {"inner_step_time_s", t_inner},
                 {"inner_time_s", inner_time},
                 {"sync_time_s", sync_mean},
                 {"sync_time_max_s", sync_max},
                 {"outer_step_time_s", t_outer},
                 {"compute_utilization", total > 0 ? inner_time * outer_steps / total : 0.0},
                 {"total_time_s", total},
                 {"wan_class", d.wan_class},
                 {"wan_bytes", wan_known ? nlohmann::ordered_json(wan_sum / outer_steps) : nullptr},
                 {"wan_bytes_total", wan_known ? nlohmann::ordered_json(wan_sum) : nullptr},
                 {"inner_wan_bytes", class_bytes(inner.links, d.wan_class,
                                                 hd * (info.routed ? 1.0 : p.outer.replicas))},
                 {"memory", outer_memory_section(d, info.outer_state_bytes)},
                 {"allreduce", allreduce},
                 {"per_outer_step", steps}};
  add_replica_devices(inner_steps, p.outer.inner_steps, t_outer, j["noloco"]);
}

void print_summary(const Scenario& s, const nlohmann::ordered_json& j) {
  print_model_line(s, j);
  const auto& d = j["noloco"];
  fmt::print("noloco        {} replicas x {} ranks in groups of {}, H = {}, {} outer steps, {}\n",
             d["replicas"].get<int>(), d["ranks_per_replica"].get<int>(),
             d["group_size"].get<int>(), d["inner_steps"].get<int>(), d["outer_steps"].get<int>(),
             d["outer_dtype"].get<std::string>());
  const auto& wan = d["wan_bytes"];
  fmt::print(
      "outer step    {:.3f} s = {} x {:.6f} s inner + {:.6f} s sync (mean; max {:.6f} s); "
      "compute utilization {:.1f}%; {} over '{}'\n",
      d["outer_step_time_s"].get<double>(), d["inner_steps"].get<int>(),
      d["inner_step_time_s"].get<double>(), d["sync_time_s"].get<double>(),
      d["sync_time_max_s"].get<double>(), d["compute_utilization"].get<double>() * 100,
      gigabytes(wan), d["wan_class"].get<std::string>());
  for (const auto& [name, a] : d["allreduce"].items())
    fmt::print("all-reduce    {}: {:.6f} s, {:.3g}x NoLoCo's sync\n", name,
               a["sync_time_s"].get<double>(), a["over_noloco_sync"].get<double>());
}

}  // namespace

WorkloadKind noloco_kind() {
  WorkloadKind k;
  k.name = "noloco";
  k.schema = &keys();
  k.load = load;
  k.simulate = simulate;
  k.print_summary = print_summary;
  k.sweep_columns = {{"compute_utilization", "/noloco/compute_utilization"},
                     {"inner_step_time_s", "/noloco/inner_step_time_s"},
                     {"sync_time_s", "/noloco/sync_time_s"}};
  return k;
}

}  // namespace dtsim::cli::kinds
