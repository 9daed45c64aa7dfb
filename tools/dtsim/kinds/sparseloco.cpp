// `workload.kind: sparseloco`: DiLoCo with top-k sparsified, quantised pseudo-gradients and error
// feedback (models/workloads/sparseloco.h): R replicas of a transformer, H inner steps, then a
// blocking all-gather of each replica's compressed payload. Simulated in two levels as DiLoCo
// (kinds/outer_step.h): a replica's inner step once, its time reused H times, then the sync on
// every rank. Heterogeneous replicas (arXiv 2601.02360, `pipeline_replicas`): the last M
// replicas are pipelines of n stages over low-bandwidth participants, their inter-stage traffic
// compressed (models/workloads/heterogeneous_replicas.h); each replica class is simulated on its
// own ranks and the blocking sync waits for the slowest.
#include "models/workloads/sparseloco.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>

#include "models/workloads/heterogeneous_replicas.h"
#include "models/workloads/transformer_validation.h"
#include "tools/dtsim/kinds/common.h"
#include "tools/dtsim/kinds/outer_step.h"
#include "tools/dtsim/kinds/registry.h"
#include "tools/dtsim/runner.h"

namespace dtsim::cli::kinds {

namespace {

struct Info {
  ReplicaSet r;
  workloads::SparseLocoParams params;  ///< params.diloco is r.params with q set
  double outer_state_bytes = 0;        ///< per rank
  /** `pipeline_replicas`: the last `pipelines` replicas are pipelines of n stages; 0: none. */
  int pipelines = 0;
  workloads::TransformerParams pipe;  ///< a pipeline replica's transformer
  workloads::TransformerInfo pipe_info;
  simcore::Workload pipe_inner;  ///< its inner step on ranks 0..n-1 (placed on its own to run)
};

const KeySchema& keys() {
  static const KeySchema schema = [] {
    std::vector<KeySpec> k{KeySpec("kind", "sparseloco").mandatory()};
    add_replica_keys(k);
    k.push_back(KeySpec("density", "d, fraction of each chunk's entries kept (top-k), in (0, 1]")
                    .mandatory()
                    .checked([](const ConfigNode& n) {
                      const double d = n.number();
                      if (!(d > 0 && d <= 1))
                        n.fail(fmt::format("a top-k density is a fraction in (0, 1]; got {}", d));
                    }));
    k.push_back(KeySpec("outer_bits", "q, bits per kept value on the wire (SparseLoCo: 2)")
                    .defaults("2")
                    .checked([](const ConfigNode& n) {
                      if (n.integer() == 0)
                        n.fail(
                            "a quantisation of 0 bits sends nothing; expected 1 to 32 bits per "
                            "kept value; got 0");
                      n.integer(1, 32);
                    }));
    k.push_back(
        KeySpec("chunk_elements", "C, elements per top-k chunk; an index costs ceil(log2 C) bits")
            .defaults("4096")
            .checked(integer_in(2, int64_t{1} << 40)));
    k.push_back(
        KeySpec("pipeline_replicas",
                "heterogeneous replicas (arXiv 2601.02360): the last M replicas are pipelines of "
                "one stage per rank over low-bandwidth participants")
            .defaults("none: every replica is a full one")
            .with_keys(
                {KeySpec("count", "M, pipeline replicas (the last M of the R), 1 to R")
                     .mandatory()
                     .checked(integer_in(1, 1 << 20)),
                 KeySpec("activation_compression",
                         "c, ratio by which activations and their gradients between stages are "
                         "compressed, >= 1")
                     .defaults("1")
                     .checked([](const ConfigNode& n) {
                       const double c = n.number();
                       if (!(c >= 1 && c <= 1e9))
                         n.fail(fmt::format(
                             "a compression ratio divides the bytes sent: expected a ratio in "
                             "[1, 1e9]; got {}",
                             n.str()));
                     })}));
    k.push_back(outer_algorithm_key(true));
    k.push_back(outer_steps_key());
    k.push_back(wan_class_key());
    return KeySchema(std::move(k));
  }();
  return schema;
}

void load(Scenario& s, const ConfigNode& w) {
  Info info;
  info.r = load_replicas(s, w);
  workloads::SparseLocoParams& sp = info.params;
  workloads::DilocoParams& p = info.r.params;
  p.outer_bits = 2;
  if (auto x = w.get("outer_bits")) p.outer_bits = static_cast<int>(x->integer(1, 32));
  sp.density = w["density"].number();
  if (auto x = w.get("chunk_elements")) sp.chunk_elements = x->integer(2, int64_t{1} << 40);
  sp.diloco = p;
  const int64_t params = info.r.replica.params;
  s.workload = workloads::make_sparse_sync(sp, params, 0);
  // Outer parameters and the error-feedback buffer (in place of DiLoCo's outer momentum), fp32:
  // 8 B per shard parameter, as DiLoCo's outer state.
  info.outer_state_bytes = workloads::outer_state_bytes_per_rank(p, params);
  if (auto pr = w.get("pipeline_replicas")) {
    auto cn = (*pr)["count"];
    info.pipelines = static_cast<int>(cn.integer(1, 1 << 20));
    if (info.pipelines > p.replicas)
      cn.fail(fmt::format("{} pipeline replicas, but there are only {} replicas", info.pipelines,
                          p.replicas));
    double c = 1;
    if (auto x = pr->get("activation_compression")) c = x->number();
    const int stages = p.replica_ranks();
    info.pipe = workloads::pipeline_replica(p.replica, stages, c);
    try {
      workloads::validate_transformer(info.pipe);
      info.pipe_inner = workloads::make_transformer(info.pipe, &info.pipe_info);
    } catch (const simcore::ConfigError& e) {
      pr->fail(fmt::format("a pipeline replica of {} stages (one per rank of a replica): {}",
                           stages, e.message()));
    }
    for (auto& rank : info.pipe_inner.ranks)
      for (auto& op : rank.ops) op.tags.replica = p.replicas - info.pipelines;
    // Its most loaded stage, with the same outer state per rank, against the smallest device.
    workloads::MemoryBreakdown m = info.pipe_info.memory_first_stage;
    m.optimizer += info.outer_state_bytes;
    check_memory(s, w, *pr, m, info.pipe_info.activations_in_flight);
  }
  const std::optional<workloads::MemoryBreakdown> pipe_memory = s.memory;
  check_replica_memory(s, w, info.r, info.outer_state_bytes);
  if (pipe_memory && pipe_memory->total() > s.memory->total()) s.memory = pipe_memory;
  s.info = std::make_shared<InfoOf<Info>>(std::move(info));
}

/** The pipeline replicas' inner steps, and the per-replica list of all replicas. */
struct HeterogeneousSteps {
  const RunOutcome* slowest = nullptr;  ///< into `pipes` or the full replicas' InnerSteps
  std::vector<RunOutcome> pipes;        ///< one per distinct device sequence
  double full_step_s = 0, pipeline_step_s = 0;  ///< slowest of each kind
  std::vector<simcore::LinkClassUsage> links;   ///< inner traffic of all replicas, one step
  nlohmann::ordered_json replicas = nlohmann::ordered_json::array();
};

/** Adds `u` x `times` to `links`, by class. */
void add_links(std::vector<simcore::LinkClassUsage>& links,
               const std::vector<simcore::LinkClassUsage>& u, double times) {
  for (const auto& x : u) {
    auto it = std::find_if(links.begin(), links.end(),
                           [&](const auto& y) { return y.link_class == x.link_class; });
    if (it == links.end()) it = links.insert(links.end(), {x.link_class, 0, x.capacity_bytes_per_s});
    it->bytes += x.bytes * times;
  }
}

/** `{replica, kind, devices, inner_step_time_s}` of replica k (ranks [k n, (k + 1) n)). */
nlohmann::ordered_json replica_entry(const Scenario& s, int k, const char* kind, int n, double t) {
  nlohmann::ordered_json e = nlohmann::ordered_json::object();
  e["replica"] = k;
  e["kind"] = kind;
  e["devices"] = device_runs(s, k * n, n);
  e["inner_step_time_s"] = t;
  return e;
}

/** Each pipeline replica (replicas full..R-1, ranks [k n, (k + 1) n)) runs its inner step placed
 *  on its own ranks: its stages talk over the cluster's links between those ranks (the
 *  participants' low-bandwidth ones), each stage on its rank's device. Replicas with the same
 *  devices are simulated once (their sites are taken to be alike). */
HeterogeneousSteps simulate_pipeline_replicas(const Scenario& s, const Info& d,
                                              const InnerSteps& steps) {
  const workloads::DilocoParams& p = d.r.params;
  const int full = p.replicas - d.pipelines;
  const int n = p.replica_ranks();
  const int cluster = s.topology.rank_count();
  HeterogeneousSteps h;
  h.pipes.reserve(static_cast<size_t>(d.pipelines));
  double slowest = -1;
  if (full > 0) {
    h.full_step_s = steps.slowest.result.makespan.seconds();
    slowest = h.full_step_s;
    h.slowest = &steps.slowest;
    // Every full replica's inner traffic is the simulated one's.
    add_links(h.links, steps.slowest.links, full);
    for (int k = 0; k < full; ++k)
      h.replicas.push_back(replica_entry(
          s, k, "full", n,
          steps.replicas.is_null()
              ? h.full_step_s
              : steps.replicas[static_cast<size_t>(k)]["inner_step_time_s"].get<double>()));
  }
  std::map<std::vector<size_t>, size_t> by_class;  // device sequence -> index into pipes
  for (int k = full; k < p.replicas; ++k) {
    std::vector<size_t> key;
    for (int r = k * n; r < (k + 1) * n; ++r) key.push_back(device_class_of_rank(s, r));
    auto it = by_class.find(key);
    if (it == by_class.end()) {
      std::vector<int> placement(static_cast<size_t>(n));
      for (int r = 0; r < n; ++r) placement[static_cast<size_t>(r)] = k * n + r;
      RunOutcome o = simulate_workload(s, d.pipe_inner.placed(placement, cluster), false);
      // Its means are over the cluster's ranks, of which n ran: back to a replica's means.
      const double scale = static_cast<double>(cluster) / n;
      o.result.compute_s *= scale;
      o.result.communication_s *= scale;
      o.result.exposed_communication_s *= scale;
      h.pipes.push_back(std::move(o));
      it = by_class.emplace(std::move(key), h.pipes.size() - 1).first;
    }
    const RunOutcome& o = h.pipes[it->second];
    const double t = o.result.makespan.seconds();
    add_links(h.links, o.links, 1);
    h.pipeline_step_s = std::max(h.pipeline_step_s, t);
    if (t > slowest) {
      slowest = t;
      h.slowest = &o;
    }
    h.replicas.push_back(replica_entry(s, k, "pipeline", n, t));
  }
  return h;
}

void simulate(const Scenario& s, bool record_ops, RunOutcome& o) {
  const Info& d = info_of<Info>(s);
  const workloads::SparseLocoParams& sp = d.params;
  const workloads::DilocoParams& p = sp.diloco;
  // The slowest replica's inner step (each replica's on a mixed cluster, node_devices.h; the
  // pipeline replicas' on their own ranks).
  const int full = p.replicas - d.pipelines;
  const int stages = p.replica_ranks();
  InnerSteps steps;
  if (full > 0) steps = simulate_inner_steps(s, d.r.inner, full, stages);
  HeterogeneousSteps het;
  if (d.pipelines > 0) het = simulate_pipeline_replicas(s, d, steps);
  const RunOutcome& inner = het.slowest ? *het.slowest : steps.slowest;
  RunOutcome sync = simulate_workload(s, s.workload, record_ops);
  const simcore::Time inner_time = repeated_inner_time(d.r, inner.result.makespan);
  if (d.pipelines == 0) {
    compose_outer_step(d.r, inner, sync, inner_time, o);
  } else {
    // Links: each class's inner traffic per replica times its replicas (already in het.links).
    RunOutcome all = inner;
    all.links = het.links;
    compose_outer_step(all, sync, p.inner_steps, 1, inner_time, o);
  }

  const int64_t params = d.r.replica.params;
  const int64_t n = workloads::shard_elements(p, params);
  const int64_t kept = workloads::kept_elements(n, sp.density, sp.chunk_elements);
  const int64_t payload = workloads::sparse_payload_bytes(sp, params);
  const double dense = 4.0 * static_cast<double>(n);  // fp32, as DiLoCo's default
  const double t_outer = o.result.makespan.seconds();
  const double ranks = static_cast<double>(s.workload.ranks.size());
  nlohmann::ordered_json& j = o.kind_report;
  j["model"] = outer_step_model_section(s, d.r, t_outer);
  j["sparseloco"] = {
      {"replicas", p.replicas},
      {"ranks_per_replica", p.replica_ranks()},
      {"inner_steps", p.inner_steps},
      {"outer_steps", p.outer_steps},
      {"density", sp.density},
      {"value_bits", p.outer_bits},
      {"chunk_elements", sp.chunk_elements},
      {"index_bits", workloads::index_bits(sp.chunk_elements)},
      {"outer_algorithm", p.outer_algorithm},
      {"shard_elements_per_rank", n},
      {"kept_elements_per_rank", kept},
      {"dense_fp32_bytes_per_rank", dense},
      {"pseudo_gradient_bytes_per_rank", payload},
      {"compression_ratio", payload > 0 ? dense / static_cast<double>(payload) : 0.0},
      {"inner_step_time_s", inner.result.makespan.seconds()},
      {"inner_time_s", inner_time.seconds()},
      {"sync_time_s", sync.result.makespan.seconds()},
      {"outer_step_time_s", t_outer},
      {"compute_utilization", t_outer > 0 ? inner_time.seconds() / t_outer : 0.0},
      {"total_time_s", t_outer * p.outer_steps},
      {"wan_class", d.r.wan_class},
      {"wan_bytes", class_bytes(sync.links, d.r.wan_class, 1)},
      {"outer_all_gather_bytes", static_cast<double>(payload) * p.replicas * ranks},
      {"memory", outer_memory_section(d.r, d.outer_state_bytes)}};
  if (d.pipelines == 0) {
    add_replica_devices(steps, p.inner_steps, t_outer, j["sparseloco"]);
    return;
  }
  const double hd = static_cast<double>(p.inner_steps);
  for (auto& e : het.replicas)
    e["compute_utilization"] =
        t_outer > 0 ? hd * e["inner_step_time_s"].get<double>() / t_outer : 0.0;
  const double boundary = workloads::boundary_bytes_per_inner_step(d.pipe);
  nlohmann::ordered_json x = nlohmann::ordered_json::object();
  x["full_replicas"] = full;
  x["pipeline_replicas"] = d.pipelines;
  x["stages"] = stages;
  x["activation_compression"] = d.pipe.pp_compression;
  x["boundary_bytes_per_inner_step"] = boundary;
  x["pipeline_bytes_per_inner_step"] = boundary * (stages - 1);
  x["full_replica_inner_step_time_s"] =
      full > 0 ? nlohmann::ordered_json(het.full_step_s) : nlohmann::ordered_json(nullptr);
  x["pipeline_replica_inner_step_time_s"] = het.pipeline_step_s;
  x["pipeline_memory_GiB"] = d.pipe_info.memory_first_stage.total() / 1073741824.0;
  x["replicas"] = het.replicas;
  j["sparseloco"]["heterogeneous"] = std::move(x);
}

void print_summary(const Scenario&, const nlohmann::ordered_json& j) {
  const auto& m = j["model"];
  const auto& d = j["sparseloco"];
  fmt::print("model         {:.3f} B params, {:.0f} tokens/s, MFU {:.1f}%\n",
             m["params"].get<double>() / 1e9, m["tokens_per_s"].get<double>(),
             m["mfu"].get<double>() * 100);
  fmt::print(
      "sparseloco    {} replicas x {} ranks, H = {}, top-k density {:g} of chunks of {}, "
      "{}-bit values + {}-bit indices: {} B per rank ({:.3g}x less than fp32), "
      "all-gather ({})\n",
      d["replicas"].get<int>(), d["ranks_per_replica"].get<int>(), d["inner_steps"].get<int>(),
      d["density"].get<double>(), d["chunk_elements"].get<int64_t>(), d["value_bits"].get<int>(),
      d["index_bits"].get<int>(), d["pseudo_gradient_bytes_per_rank"].get<int64_t>(),
      d["compression_ratio"].get<double>(), d["outer_algorithm"].get<std::string>());
  fmt::print(
      "outer step    {:.3f} s = {} x {:.6f} s inner + {:.6f} s sync; compute utilization "
      "{:.1f}%; {} over '{}'\n",
      d["outer_step_time_s"].get<double>(), d["inner_steps"].get<int>(),
      d["inner_step_time_s"].get<double>(), d["sync_time_s"].get<double>(),
      d["compute_utilization"].get<double>() * 100, gigabytes(d["wan_bytes"]),
      d["wan_class"].get<std::string>());
}

}  // namespace

WorkloadKind sparseloco_kind() {
  WorkloadKind k;
  k.name = "sparseloco";
  k.schema = &keys();
  k.load = load;
  k.simulate = simulate;
  k.print_summary = print_summary;
  k.sweep_columns = {
      {"compute_utilization", "/sparseloco/compute_utilization"},
      {"sync_time_s", "/sparseloco/sync_time_s"},
      {"pseudo_gradient_bytes_per_rank", "/sparseloco/pseudo_gradient_bytes_per_rank"}};
  return k;
}

}  // namespace dtsim::cli::kinds
