// `workload.kind: sparseloco`: DiLoCo with top-k sparsified, quantised pseudo-gradients and error
// feedback (models/workloads/sparseloco.h): R replicas of a transformer, H inner steps, then a
// blocking all-gather of each replica's compressed payload. Simulated in two levels as DiLoCo
// (kinds/outer_step.h): a replica's inner step once, its time reused H times, then the sync on
// every rank. Heterogeneous replicas (arXiv 2601.02360) are not modelled yet.
#include "models/workloads/sparseloco.h"

#include <fmt/format.h>

#include <memory>

#include "tools/dtsim/kinds/outer_step.h"
#include "tools/dtsim/kinds/registry.h"
#include "tools/dtsim/runner.h"

namespace dtsim::cli::kinds {

namespace {

struct Info {
  ReplicaSet r;
  workloads::SparseLocoParams params;  ///< params.diloco is r.params with q set
  double outer_state_bytes = 0;        ///< per rank
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
  check_replica_memory(s, w, info.r, info.outer_state_bytes);
  s.info = std::make_shared<InfoOf<Info>>(std::move(info));
}

void simulate(const Scenario& s, bool record_ops, RunOutcome& o) {
  const Info& d = info_of<Info>(s);
  const workloads::SparseLocoParams& sp = d.params;
  const workloads::DilocoParams& p = sp.diloco;
  RunOutcome inner = simulate_workload(s, d.r.inner, false);
  RunOutcome sync = simulate_workload(s, s.workload, record_ops);
  const simcore::Time inner_time = repeated_inner_time(d.r, inner.result.makespan);
  compose_outer_step(d.r, inner, sync, inner_time, o);

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
