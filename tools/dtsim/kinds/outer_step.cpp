#include "tools/dtsim/kinds/outer_step.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

#include "tools/dtsim/kinds/common.h"
#include "tools/dtsim/kinds/transformer_keys.h"

namespace dtsim::cli::kinds {

void add_replica_keys(std::vector<KeySpec>& k, const std::string& method) {
  for (KeySpec& x : transformer_keys()) k.push_back(std::move(x));
  k.push_back(KeySpec("replicas", "R, replicas (one per slice of the cluster's ranks), >= 2")
                  .mandatory()
                  .checked([method](const ConfigNode& n) {
                    if (n.integer() < 2)
                      n.fail(
                          fmt::format("{} needs at least 2 replicas; got {}", method, n.integer()));
                    n.integer(2, 1 << 20);
                  }));
  k.push_back(KeySpec("inner_steps", "H, inner steps between outer steps, >= 1")
                  .mandatory()
                  .checked([](const ConfigNode& n) {
                    if (n.integer() < 1)
                      n.fail(fmt::format("H must be at least 1 inner step; got {}", n.integer()));
                    n.integer(1, 1 << 30);
                  }));
}

const std::vector<std::string>& allreduce_algorithms() {
  // One rank per replica and site: the flat all-reduces, and PCCL's WAN ring.
  static const std::vector<std::string> a{"ring", "ring_bidirectional", "halving_doubling",
                                          "double_binary_tree", "pccl_ring"};
  return a;
}

KeySpec outer_algorithm_key(bool all_gather) {
  if (all_gather)
    return KeySpec("outer_algorithm", "algorithm of the outer all-gather")
        .defaults("ring")
        .one_of({"ring", "ring_bidirectional", "halving_doubling"});
  return KeySpec("outer_algorithm", "algorithm of the outer all-reduce")
      .defaults("ring")
      .one_of(allreduce_algorithms());
}

KeySpec outer_steps_key(const std::string& help) {
  return KeySpec("outer_steps", help).defaults("1").checked(integer_in(1, 1 << 30));
}

KeySpec wan_class_key() {
  return KeySpec("wan_class", "the link class whose bytes are the report's WAN bytes")
      .defaults("wan");
}

const std::vector<std::string>& outer_dtypes() {
  static const std::vector<std::string> d{"fp32", "bf16", "int8", "int4"};
  return d;
}

KeySpec outer_dtype_key(const std::string& what) {
  return KeySpec("outer_dtype", "dtype of the " + what + " on the wire")
      .defaults("fp32")
      .one_of(outer_dtypes());
}

int wire_bits(const std::string& dtype) {
  static const std::map<std::string, int> bits{
      {"fp32", 32}, {"bf16", 16}, {"int8", 8}, {"int4", 4}};
  return bits.at(dtype);
}

ReplicaSet load_replicas(Scenario& s, const ConfigNode& w) {
  ReplicaSet r;
  workloads::DilocoParams& p = r.params;
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
  r.inner_steps_at = w["inner_steps"].location();
  if (auto x = w.get("outer_steps")) p.outer_steps = static_cast<int>(x->integer(1, 1 << 30));
  // The kind's schema checked the word against its collective's algorithms.
  if (auto x = w.get("outer_algorithm")) p.outer_algorithm = x->str();
  if (auto x = w.get("wan_class")) r.wan_class = x->str();
  r.inner = workloads::make_transformer(p.replica, &r.replica);
  for (auto& rank : r.inner.ranks)
    for (auto& op : rank.ops) op.tags.replica = 0;
  return r;
}

void check_replica_memory(Scenario& s, const ConfigNode& w, const ReplicaSet& r,
                          double outer_state_bytes) {
  workloads::MemoryBreakdown m = r.replica.memory_first_stage;
  m.optimizer += outer_state_bytes;
  check_memory(s, w, w["parallelism"], m, r.replica.activations_in_flight);
}

simcore::Time repeated_inner_time(int64_t h, const simcore::Time& inner_step,
                                  const simcore::SourceLocation& at) {
  const int64_t inner_ps = inner_step.count_ps();
  if (inner_ps > 0 && inner_ps > (std::numeric_limits<int64_t>::max() / 2) / h)
    throw simcore::ConfigError(
        at,
        fmt::format("H = {} inner steps of {} each is beyond the simulated time range (about 53 "
                    "days per outer step); use fewer inner steps",
                    h, inner_step.str()));
  return inner_step * h;
}

simcore::Time repeated_inner_time(const ReplicaSet& r, const simcore::Time& inner_step) {
  return repeated_inner_time(r.params.inner_steps, inner_step, r.inner_steps_at);
}

Scenario with_devices_of(const Scenario& s, int first, int n) {
  Scenario c = s;
  c.node_devices.clear();
  c.workload = simcore::Workload{};  // not read by a replay of another workload
  for (int r = first; r < first + n; ++r) {
    const size_t k = device_class_of_rank(s, r);
    const bool own = k >= s.node_devices.size();
    const compute::DeviceSpec& dev = own ? s.device : s.node_devices[k].device;
    if (!c.node_devices.empty() && c.node_devices.back().device.name == dev.name &&
        (r == first || device_class_of_rank(s, r - 1) == k)) {
      ++c.node_devices.back().count;
      continue;
    }
    DeviceClass dc;
    dc.device = dev;
    dc.calibration = own ? s.calibration : s.node_devices[k].calibration;
    dc.count = 1;
    c.node_devices.push_back(std::move(dc));
  }
  return c;
}

InnerSteps simulate_inner_steps(const Scenario& s, const simcore::Workload& inner, int replicas,
                                int n) {
  InnerSteps out;
  if (uniform_devices(s)) {
    out.slowest = simulate_workload(s, inner, false);
    return out;
  }
  // One simulation per distinct sequence of device classes over a replica's ranks.
  std::map<std::vector<size_t>, double> by_class;
  double slowest = -1;
  out.simulated = 0;
  out.replicas = nlohmann::ordered_json::array();
  uint64_t events = 0;
  for (int k = 0; k < replicas; ++k) {
    std::vector<size_t> key;
    for (int r = k * n; r < (k + 1) * n; ++r) key.push_back(device_class_of_rank(s, r));
    auto it = by_class.find(key);
    if (it == by_class.end()) {
      RunOutcome o = simulate_workload(with_devices_of(s, k * n, n), inner, false);
      ++out.simulated;
      events += o.events;
      const double t = o.result.makespan.seconds();
      it = by_class.emplace(std::move(key), t).first;
      if (t > slowest) {
        slowest = t;
        out.slowest = std::move(o);
      }
    }
    nlohmann::ordered_json e = nlohmann::ordered_json::object();
    e["replica"] = k;
    e["devices"] = device_runs(s, k * n, n);
    e["inner_step_time_s"] = it->second;
    out.replicas.push_back(std::move(e));
  }
  out.slowest.events = events;
  return out;
}

InnerSteps simulate_inner_steps(const Scenario& s, const ReplicaSet& r) {
  return simulate_inner_steps(s, r.inner, r.params.replicas, r.params.replica_ranks());
}

void add_replica_devices(const InnerSteps& steps, int64_t h, double t_outer,
                         nlohmann::ordered_json& section) {
  if (steps.replicas.is_null()) return;
  nlohmann::ordered_json list = steps.replicas;
  for (auto& e : list) {
    const double busy = static_cast<double>(h) * e["inner_step_time_s"].get<double>();
    e["compute_utilization"] = t_outer > 0 ? busy / t_outer : 0.0;
  }
  section["replica_classes_simulated"] = steps.simulated;
  section["replica_devices"] = list;
}

void require_uniform_devices(const Scenario& s, const std::string& what) {
  if (uniform_devices(s)) return;
  throw simcore::ConfigError(
      s.node_devices_at,
      fmt::format("cluster.node_devices: {} does not model replicas on different devices yet; "
                  "give every rank the cluster's device",
                  what));
}

void shift_result(simcore::ExecutionResult& r, simcore::Time dt) {
  r.makespan = dt + r.makespan;
  for (auto& t : r.rank_finish) t = t + dt;
  for (auto& op : r.ops) {
    op.start = op.start + dt;
    op.end = op.end + dt;
  }
  for (auto& c : r.collectives) {
    c.start = c.start + dt;
    c.end = c.end + dt;
  }
}

void compose_outer_step(const ReplicaSet& r, const RunOutcome& inner, const RunOutcome& sync,
                        simcore::Time inner_time, RunOutcome& o) {
  compose_outer_step(inner, sync, r.params.inner_steps, r.params.replicas, inner_time, o);
}

void compose_outer_step(const RunOutcome& inner, const RunOutcome& sync, int64_t h,
                        int64_t replicas, simcore::Time inner_time, RunOutcome& o) {
  const double hd = static_cast<double>(h);
  o.result = sync.result;
  shift_result(o.result, inner_time);
  // Means over ranks: every replica's inner step is replica 0's.
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
    it->bytes += u.bytes * hd * static_cast<double>(replicas);
  }
  o.events = inner.events + sync.events;
}

nlohmann::ordered_json class_bytes(const std::vector<simcore::LinkClassUsage>& links,
                                   const std::string& cls, double times) {
  if (links.empty()) return nullptr;
  for (const auto& u : links)
    if (u.link_class == cls) return u.bytes * times;
  return 0.0;
}

nlohmann::ordered_json outer_step_model_section(const Scenario& s, const ReplicaSet& r,
                                                double t_outer) {
  const double hd = static_cast<double>(r.params.inner_steps);
  const double ranks = static_cast<double>(r.params.replica_ranks()) * r.params.replicas;
  const double peak = peak_flops_per_s(s);
  const double flops = r.replica.model_flops * r.params.replicas * hd;  // per outer step
  const double tokens = r.replica.tokens * r.params.replicas * hd;
  return {{"params", r.replica.params},
          {"tokens_per_outer_step", tokens},
          {"tokens_per_s", t_outer > 0 ? tokens / t_outer : 0.0},
          {"mfu", t_outer > 0 && peak > 0 ? flops / t_outer / ranks / peak : 0.0}};
}

nlohmann::ordered_json outer_memory_section(const ReplicaSet& r, double outer_state_bytes) {
  const double gib = 1073741824.0;
  const auto& mem = r.replica.memory_first_stage;
  return {{"replica_total_GiB", mem.total() / gib},
          {"outer_state_GiB", outer_state_bytes / gib},
          {"total_GiB", (mem.total() + outer_state_bytes) / gib}};
}

std::string gigabytes(const nlohmann::ordered_json& bytes) {
  return bytes.is_number() ? fmt::format("{:.3f} GB", bytes.get<double>() / 1e9) : "? GB";
}

std::string ratio(const nlohmann::ordered_json& x) {
  return x.is_number() ? fmt::format("{:.3g}x", x.get<double>()) : "?x";
}

}  // namespace dtsim::cli::kinds
