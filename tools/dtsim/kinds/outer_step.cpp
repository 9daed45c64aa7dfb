#include "tools/dtsim/kinds/outer_step.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

#include "tools/dtsim/kinds/common.h"
#include "tools/dtsim/kinds/transformer_keys.h"

namespace dtsim::cli::kinds {

KeySpec replicas_key(const std::string& method) {
  return KeySpec("replicas", "R, replicas (one per slice of the cluster's ranks), >= 2")
      .mandatory()
      .checked([method](const ConfigNode& n) {
        if (n.integer() < 2)
          n.fail(fmt::format("{} needs at least 2 replicas; got {}", method, n.integer()));
        n.integer(2, 1 << 20);
      });
}

KeySpec inner_steps_key() {
  return KeySpec("inner_steps", "H, inner steps between outer steps, >= 1")
      .mandatory()
      .checked([](const ConfigNode& n) {
        if (n.integer() < 1)
          n.fail(fmt::format("H must be at least 1 inner step; got {}", n.integer()));
        n.integer(1, 1 << 30);
      });
}

KeySpec outer_dtype_key(const std::string& what) {
  return KeySpec("outer_dtype", "dtype of the " + what + " on the wire")
      .defaults("fp32")
      .one_of({"fp32", "bf16", "int8", "int4"});
}

KeySpec outer_steps_key(const std::string& help) {
  return KeySpec("outer_steps", help).defaults("1").checked(integer_in(1, 1 << 30));
}

KeySpec wan_class_key() {
  return KeySpec("wan_class", "the link class whose bytes are the report's WAN bytes")
      .defaults("wan");
}

OuterSetup load_outer_setup(Scenario& s, const ConfigNode& w) {
  OuterSetup info;
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
  p.outer_bits = wire_bits(info.outer_dtype);
  info.wan_class = "wan";
  if (auto x = w.get("wan_class")) info.wan_class = x->str();

  info.inner = workloads::make_transformer(p.replica, &info.replica);
  for (auto& rank : info.inner.ranks)
    for (auto& op : rank.ops) op.tags.replica = 0;
  info.outer_state_bytes = workloads::outer_state_bytes_per_rank(p, info.replica.params);
  workloads::MemoryBreakdown m = info.replica.memory_first_stage;
  m.optimizer += info.outer_state_bytes;
  check_memory(s, w, w["parallelism"], m, info.replica.activations_in_flight);
  return info;
}

nlohmann::ordered_json class_bytes(const std::vector<simcore::LinkClassUsage>& links,
                                   const std::string& cls, double times) {
  if (links.empty()) return nullptr;
  for (const auto& u : links)
    if (u.link_class == cls) return u.bytes * times;
  return 0.0;
}

void compose_outer_step(const RunOutcome& inner, const RunOutcome& sync, const OuterSetup& d,
                        RunOutcome& o) {
  compose_outer_step(inner, sync, d.params.inner_steps, d.params.replicas, d.inner_steps_at, o);
}

void shift_result(simcore::ExecutionResult& r, simcore::Time dt) {
  r.makespan = r.makespan + dt;
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

int wire_bits(const std::string& dtype) {
  static const std::map<std::string, int> bits{
      {"fp32", 32}, {"bf16", 16}, {"int8", 8}, {"int4", 4}};
  return bits.at(dtype);
}

void compose_outer_step(const RunOutcome& inner, const RunOutcome& sync, int64_t h,
                        int64_t replicas, const simcore::SourceLocation& inner_steps_at,
                        RunOutcome& o) {
  const int64_t inner_ps = inner.result.makespan.count_ps();
  if (inner_ps > 0 && inner_ps > (std::numeric_limits<int64_t>::max() / 2) / h)
    throw simcore::ConfigError(
        inner_steps_at,
        fmt::format("H = {} inner steps of {} each is beyond the simulated time range (about 53 "
                    "days per outer step); use fewer inner steps",
                    h, inner.result.makespan.str()));
  const simcore::Time inner_time = inner.result.makespan * h;
  o.result = sync.result;
  shift_result(o.result, inner_time);
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
    it->bytes += u.bytes * hd * static_cast<double>(replicas);
  }
}

}  // namespace dtsim::cli::kinds
