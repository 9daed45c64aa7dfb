// `workload.kind: diloco`: R replicas of a transformer, one per slice of the cluster, H inner
// steps, then a blocking outer all-reduce of the pseudo-gradients (models/workloads/diloco.h).
// Simulated in two levels through the registry's `simulate` hook: a replica's inner step once
// (its time reused H times), the outer sync on every rank, and plain DDP across the sites for
// comparison; its report section `diloco` gives both per outer step.
#include "models/workloads/diloco.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <optional>

#include "tools/dtsim/kinds/common.h"
#include "tools/dtsim/kinds/registry.h"
#include "tools/dtsim/kinds/transformer_keys.h"
#include "tools/dtsim/runner.h"

namespace dtsim::cli::kinds {

namespace {

struct Info {
  workloads::DilocoParams params;
  workloads::TransformerInfo replica;    ///< the inner step's model, FLOPs, memory
  simcore::Workload inner;               ///< one inner step on replica 0's ranks
  std::optional<simcore::Workload> ddp;  ///< one step of plain DDP across the sites
  std::string outer_dtype;
  std::string wan_class;
  double outer_state_bytes = 0;            ///< per rank
  simcore::SourceLocation inner_steps_at;  ///< for an outer step beyond the range of Time
};

const std::vector<std::string>& outer_algorithms() {
  // One rank per replica and site: the flat all-reduces, and PCCL's WAN ring.
  static const std::vector<std::string> a{"ring", "ring_bidirectional", "halving_doubling",
                                          "double_binary_tree", "pccl_ring"};
  return a;
}

const KeySchema& keys() {
  static const KeySchema schema = [] {
    std::vector<KeySpec> k{KeySpec("kind", "diloco").mandatory()};
    for (KeySpec& x : transformer_keys()) k.push_back(std::move(x));
    k.push_back(KeySpec("replicas", "R, replicas (one per slice of the cluster's ranks), >= 2")
                    .mandatory()
                    .checked([](const ConfigNode& n) {
                      if (n.integer() < 2)
                        n.fail(
                            fmt::format("DiLoCo needs at least 2 replicas; got {}", n.integer()));
                      n.integer(2, 1 << 20);
                    }));
    k.push_back(KeySpec("inner_steps", "H, inner steps between outer steps, >= 1")
                    .mandatory()
                    .checked([](const ConfigNode& n) {
                      if (n.integer() < 1)
                        n.fail(fmt::format("H must be at least 1 inner step; got {}", n.integer()));
                      n.integer(1, 1 << 30);
                    }));
    k.push_back(KeySpec("outer_dtype", "dtype of the pseudo-gradients on the wire")
                    .defaults("fp32")
                    .one_of({"fp32", "bf16", "int8", "int4"}));
    k.push_back(KeySpec("outer_algorithm", "algorithm of the outer all-reduce")
                    .defaults("ring")
                    .one_of(outer_algorithms()));
    k.push_back(
        KeySpec("outer_steps", "outer steps (identical: the report gives one and the total)")
            .defaults("1")
            .checked(integer_in(1, 1 << 30)));
    k.push_back(KeySpec("compare_ddp",
                        "also simulate plain DDP across the sites (dp x R) for the same H steps")
                    .defaults("true")
                    .checked(boolean()));
    k.push_back(KeySpec("wan_class", "the link class whose bytes are the report's WAN bytes")
                    .defaults("wan"));
    return KeySchema(std::move(k));
  }();
  return schema;
}

void load(Scenario& s, const ConfigNode& w) {
  Info info;
  workloads::DilocoParams& p = info.params;
  auto rn = w["replicas"];
  p.replicas = static_cast<int>(rn.integer(2, 1 << 20));
  const int64_t cluster = s.topology.rank_count();
  if (cluster % p.replicas != 0)
    rn.fail(fmt::format("the cluster's {} ranks do not split into {} equal replicas", cluster,
                        p.replicas));
  const int64_t n = cluster / p.replicas;
  p.replica = parse_transformer(
      s, w, n, fmt::format("a replica ({} ranks / {} replicas)", cluster, p.replicas));
  if (p.replica_ranks() != n)
    w["parallelism"].fail(fmt::format(
        "a replica spans dp x tp x pp x sp = {} ranks, but each of the {} replicas has {} / {} = "
        "{} ranks of the cluster",
        p.replica_ranks(), p.replicas, cluster, p.replicas, n));
  p.inner_steps = static_cast<int>(w["inner_steps"].integer(1, 1 << 30));
  info.inner_steps_at = w["inner_steps"].location();
  if (auto x = w.get("outer_steps")) p.outer_steps = static_cast<int>(x->integer(1, 1 << 30));
  info.outer_dtype = "fp32";
  if (auto x = w.get("outer_dtype")) info.outer_dtype = x->choice({"fp32", "bf16", "int8", "int4"});
  static const std::map<std::string, int> bits{
      {"fp32", 32}, {"bf16", 16}, {"int8", 8}, {"int4", 4}};
  p.outer_bits = bits.at(info.outer_dtype);
  if (auto x = w.get("outer_algorithm")) p.outer_algorithm = x->choice(outer_algorithms());
  info.wan_class = "wan";
  if (auto x = w.get("wan_class")) info.wan_class = x->str();

  info.inner = workloads::make_transformer(p.replica, &info.replica);
  for (auto& rank : info.inner.ranks)
    for (auto& op : rank.ops) op.tags.replica = 0;
  if (!w.has("compare_ddp") || w["compare_ddp"].boolean()) {
    workloads::TransformerInfo ddp_info;
    info.ddp = workloads::make_transformer(workloads::ddp_across_sites(p), &ddp_info);
  }
  s.workload = workloads::make_outer_sync(p, info.replica.params, 0);
  info.outer_state_bytes = workloads::outer_state_bytes_per_rank(p, info.replica.params);
  // The memory check: the replica's most loaded rank plus its outer state (counted with the
  // optimizer states).
  workloads::MemoryBreakdown m = info.replica.memory_first_stage;
  m.optimizer += info.outer_state_bytes;
  check_memory(s, w, w["parallelism"], m, info.replica.activations_in_flight);
  s.info = std::make_shared<InfoOf<Info>>(std::move(info));
}

/** Bytes carried by the links of class `cls`; null where the back-end does not track links
 *  (analytical). */
nlohmann::ordered_json class_bytes(const std::vector<simcore::LinkClassUsage>& links,
                                   const std::string& cls, double times) {
  if (links.empty()) return nullptr;
  for (const auto& u : links)
    if (u.link_class == cls) return u.bytes * times;
  return 0.0;
}

/** Inner step once, outer sync once, DDP once; the outer step is H inner steps then the sync. */
void simulate(const Scenario& s, bool record_ops, RunOutcome& o) {
  const Info& d = info_of<Info>(s);
  const workloads::DilocoParams& p = d.params;
  const int64_t h = p.inner_steps;
  RunOutcome inner = simulate_workload(s, d.inner, false);
  RunOutcome sync = simulate_workload(s, s.workload, record_ops);
  RunOutcome ddp;
  if (d.ddp) ddp = simulate_workload(s, *d.ddp, false);

  const int64_t inner_ps = inner.result.makespan.count_ps();
  if (inner_ps > 0 && inner_ps > (std::numeric_limits<int64_t>::max() / 2) / h)
    throw simcore::ConfigError(
        d.inner_steps_at,
        fmt::format("H = {} inner steps of {} each is beyond the simulated time range (about 53 "
                    "days per outer step); use fewer inner steps",
                    h, inner.result.makespan.str()));
  const simcore::Time inner_time = inner.result.makespan * h;
  o.result = sync.result;
  o.result.makespan = inner_time + sync.result.makespan;
  for (auto& t : o.result.rank_finish) t = t + inner_time;
  for (auto& op : o.result.ops) {
    op.start = op.start + inner_time;
    op.end = op.end + inner_time;
  }
  for (auto& c : o.result.collectives) {
    c.start = c.start + inner_time;
    c.end = c.end + inner_time;
  }
  // Means over ranks: every replica's inner step is replica 0's.
  const double hd = static_cast<double>(h);
  o.result.compute_s = hd * inner.result.compute_s + sync.result.compute_s;
  o.result.communication_s = hd * inner.result.communication_s + sync.result.communication_s;
  o.result.exposed_communication_s =
      hd * inner.result.exposed_communication_s + sync.result.exposed_communication_s;
  for (const auto& [model, count] : inner.result.ops_priced_by)
    o.result.ops_priced_by[model] += count;
  // Bytes per link class over the outer step: R replicas' inner traffic H times, and the sync.
  o.links = sync.links;
  for (const auto& u : inner.links) {
    auto it = std::find_if(o.links.begin(), o.links.end(),
                           [&](const auto& x) { return x.link_class == u.link_class; });
    if (it == o.links.end())
      it = o.links.insert(o.links.end(), {u.link_class, 0, u.capacity_bytes_per_s});
    it->bytes += u.bytes * hd * p.replicas;
  }
  o.events = inner.events + sync.events + ddp.events;

  const double t_inner = inner.result.makespan.seconds();
  const double t_sync = sync.result.makespan.seconds();
  const double t_outer = o.result.makespan.seconds();
  const nlohmann::ordered_json wan = class_bytes(sync.links, d.wan_class, 1);
  const double ddp_step = ddp.result.makespan.seconds();
  const nlohmann::ordered_json ddp_wan = class_bytes(ddp.links, d.wan_class, hd);
  const int64_t bytes_per_rank = workloads::outer_sync_bytes_per_rank(p, d.replica.params);
  const double ranks = static_cast<double>(s.workload.ranks.size());
  const double gib = 1073741824.0;
  const auto& mem = d.replica.memory_first_stage;
  const double peak = peak_flops_per_s(s);
  const double flops = d.replica.model_flops * p.replicas * hd;  // per outer step
  const double tokens = d.replica.tokens * p.replicas * hd;
  nlohmann::ordered_json& j = o.kind_report;
  j["model"] = {{"params", d.replica.params},
                {"tokens_per_outer_step", tokens},
                {"tokens_per_s", t_outer > 0 ? tokens / t_outer : 0.0},
                {"mfu", t_outer > 0 && peak > 0 ? flops / t_outer / ranks / peak : 0.0}};
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
                 {"wan_class", d.wan_class},
                 {"wan_bytes", wan},
                 {"outer_all_reduce_bytes", static_cast<double>(bytes_per_rank) * ranks},
                 {"memory",
                  {{"replica_total_GiB", mem.total() / gib},
                   {"outer_state_GiB", d.outer_state_bytes / gib},
                   {"total_GiB", (mem.total() + d.outer_state_bytes) / gib}}},
                 {"ddp", nullptr},
                 {"ddp_over_diloco_time", nullptr},
                 {"ddp_over_diloco_wan_bytes", nullptr}};
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

/** "12.345 GB", or "? GB" where the back-end tracks no links. */
std::string gigabytes(const nlohmann::ordered_json& bytes) {
  return bytes.is_number() ? fmt::format("{:.3f} GB", bytes.get<double>() / 1e9) : "? GB";
}
std::string ratio(const nlohmann::ordered_json& x) {
  return x.is_number() ? fmt::format("{:.3g}x", x.get<double>()) : "?x";
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
