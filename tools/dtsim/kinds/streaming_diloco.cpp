// `workload.kind: streaming_diloco`: DiLoCo with P fragments of layers synchronised one every H/P
// inner steps, each fragment's all-reduce overlapped with the next τ inner steps, pseudo-
// gradients at q bits (models/workloads/streaming_diloco.h).
//
// Simulation: composed from co-simulated windows. A replica's inner step is simulated once (its
// time t reused H times, as DiLoCo's). Each fragment's sync is co-simulated with the τ inner steps
// of every replica it overlaps (make_overlap_window): they share links and ranks there, so the
// window's time w_p includes whatever they do to each other. Its exposed time is w_p minus the
// same τ steps simulated without the sync; the outer step is H t + Σ_p exposed_p. The composition
// is exact as long as nothing crosses a window's boundary, which τ < floor(H / P) (checked)
// ensures: a fragment's sync is received before the next one is sent, and between windows only
// inner steps run, which do not interact across replicas. What remains approximate is DiLoCo's
// own assumption: inner steps back to back, H x one step's makespan. Fragments with the same
// bytes per rank share one simulation.
// Mixed devices (`cluster.node_devices`): each distinct replica class (its ranks' device
// sequence) has its inner step simulated once, as DiLoCo's. A fragment's all-reduce needs every
// replica's pseudo-gradient and each replica blocks on its result, so the outer step goes at the
// slowest replica's pace: H t_slow + Σ_p exposed_p, with exposed_p measured against the slowest
// replica's τ steps; the window itself is co-simulated on the whole cluster, every replica on
// its own devices. Faster replicas idle: the report gives each one's utilization.
#include "models/workloads/streaming_diloco.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <memory>

#include "simcore/composition.h"
#include "tools/dtsim/kinds/outer_step.h"
#include "tools/dtsim/kinds/registry.h"
#include "tools/dtsim/runner.h"

namespace dtsim::cli::kinds {

namespace {

struct Info {
  ReplicaSet r;
  workloads::StreamingDilocoParams params;  ///< params.diloco is r.params with q set
  double outer_state_bytes = 0;             ///< per rank
};

const KeySchema& keys() {
  static const KeySchema schema = [] {
    std::vector<KeySpec> k{KeySpec("kind", "streaming_diloco").mandatory()};
    add_replica_keys(k);
    k.push_back(KeySpec("fragments", "P, fragments of whole layers, 1 to the model's layers")
                    .mandatory()
                    .checked([](const ConfigNode& n) {
                      if (n.integer() < 1)
                        n.fail(fmt::format("expected at least 1 fragment; got {}", n.integer()));
                      n.integer(1, 1 << 20);
                    }));
    k.push_back(KeySpec("fragment_pattern",
                        "layers of a fragment: consecutive (sequential) or every P-th (strided)")
                    .defaults("strided")
                    .one_of({"strided", "sequential"}));
    k.push_back(KeySpec("overlap_steps",
                        "τ, inner steps a fragment's sync overlaps (0: blocking), < floor(H / P)")
                    .defaults("1")
                    .checked([](const ConfigNode& n) {
                      if (n.integer() < 0)
                        n.fail(
                            fmt::format("τ counts inner steps, at least 0; got {}", n.integer()));
                      n.integer(0, 1 << 30);
                    }));
    k.push_back(KeySpec("outer_bits", "q, bits per pseudo-gradient element on the wire (E3M0: 4)")
                    .defaults("4")
                    .checked([](const ConfigNode& n) {
                      if (n.integer() == 0)
                        n.fail(
                            "a quantisation of 0 bits sends nothing; expected 1 to 32 bits per "
                            "pseudo-gradient element; got 0");
                      n.integer(1, 32);
                    }));
    k.push_back(outer_algorithm_key());
    k.push_back(outer_steps_key());
    k.push_back(wan_class_key());
    return KeySchema(std::move(k));
  }();
  return schema;
}

void load(Scenario& s, const ConfigNode& w) {
  Info info;
  info.r = load_replicas(s, w);
  workloads::StreamingDilocoParams& sp = info.params;
  workloads::DilocoParams& p = info.r.params;
  if (auto x = w.get("outer_bits"))
    p.outer_bits = static_cast<int>(x->integer(1, 32));
  else
    p.outer_bits = 4;
  const int layers = p.replica.model.layers;
  auto fn = w["fragments"];
  sp.fragments = static_cast<int>(fn.integer(1, 1 << 20));
  if (sp.fragments > layers)
    fn.fail(
        fmt::format("P = {} fragments of whole layers, but the model has only {} layers: "
                    "expected at most {}",
                    sp.fragments, layers, layers));
  if (p.inner_steps < sp.fragments)
    w["inner_steps"].fail(fmt::format(
        "one fragment every H / P inner steps needs H >= P; got H = {} with P = {} fragments",
        p.inner_steps, sp.fragments));
  sp.pattern = workloads::FragmentPattern::kStrided;
  if (auto x = w.get("fragment_pattern"); x && x->choice({"strided", "sequential"}) == "sequential")
    sp.pattern = workloads::FragmentPattern::kSequential;
  sp.overlap_steps = 1;
  if (auto x = w.get("overlap_steps")) sp.overlap_steps = static_cast<int>(x->integer(0, 1 << 30));
  const int gap = p.inner_steps / sp.fragments;
  if (sp.overlap_steps >= gap) {
    const std::string why = fmt::format(
        "τ = {} overlapped inner steps must be fewer than floor(H / P) = floor({} / {}) = {}, the "
        "steps between two fragments' syncs (one fragment in flight at a time)",
        sp.overlap_steps, p.inner_steps, sp.fragments, gap);
    if (w.has("overlap_steps")) w["overlap_steps"].fail(why);
    w.fail(why + "; τ is 1 by default: set overlap_steps: 0 for blocking syncs");
  }
  sp.diloco = p;
  s.workload = workloads::make_fragment_sync(sp, 0);
  // Outer parameters and Nesterov momentum of the rank's whole shard on the device, as DiLoCo's
  // (the paper, Sec. 2.5, notes that all but the fragment in flight may be offloaded).
  info.outer_state_bytes = workloads::outer_state_bytes_per_rank(p, info.r.replica.params);
  check_replica_memory(s, w, info.r, info.outer_state_bytes);
  s.info = std::make_shared<InfoOf<Info>>(std::move(info));
}

struct FragmentRun {
  RunOutcome sync;       ///< the fragment's all-reduce alone
  simcore::Time window;  ///< the co-simulated window: send to the end of the blocking receive
  uint64_t window_events = 0;
};

void simulate(const Scenario& s, bool record_ops, RunOutcome& o) {
  const Info& d = info_of<Info>(s);
  const workloads::StreamingDilocoParams& sp = d.params;
  const workloads::DilocoParams& p = sp.diloco;
  // The slowest replica's inner step (each replica class's on a mixed cluster).
  const InnerSteps classes = simulate_inner_steps(s, d.r);
  const RunOutcome& inner = classes.slowest;
  const simcore::Time inner_time = repeated_inner_time(d.r, inner.result.makespan);
  const double t_inner = inner.result.makespan.seconds();
  // The window's baseline: τ inner steps without the sync, on the slowest replica alone (the
  // replicas do not interact during inner steps; on a uniform cluster replica 0's, every one's).
  RunOutcome steps;
  if (sp.overlap_steps > 0) {
    simcore::Workload alone;
    for (int k = 0; k < sp.overlap_steps; ++k) simcore::append(alone, d.r.inner, k);
    if (classes.replicas.is_null()) {
      steps = simulate_workload(s, alone, false);
    } else {
      int slowest = 0;
      double t_max = -1;
      for (const auto& e : classes.replicas)
        if (e["inner_step_time_s"].get<double>() > t_max) {
          t_max = e["inner_step_time_s"].get<double>();
          slowest = e["replica"].get<int>();
        }
      const int n = p.replica_ranks();
      steps = simulate_workload(with_devices_of(s, slowest * n, n), alone, false);
    }
  }
  const simcore::Time t_steps = steps.result.makespan;

  // One simulation per distinct vector of bytes per position.
  std::map<std::vector<int64_t>, FragmentRun> runs;
  std::vector<const FragmentRun*> of(static_cast<size_t>(sp.fragments));
  std::vector<std::vector<int64_t>> bytes(static_cast<size_t>(sp.fragments));
  for (int f = 0; f < sp.fragments; ++f) {
    bytes[f] = workloads::fragment_bytes_per_position(sp, f);
    auto [it, fresh] = runs.try_emplace(bytes[f]);
    if (fresh) {
      const simcore::Workload sync = f == 0 ? s.workload : workloads::make_fragment_sync(sp, f);
      it->second.sync = simulate_workload(s, sync, record_ops && f == 0);
      it->second.window = it->second.sync.result.makespan;
      if (sp.overlap_steps > 0) {
        RunOutcome win =
            simulate_workload(s, workloads::make_overlap_window(sp, sync, d.r.inner), false);
        it->second.window = win.result.makespan;
        it->second.window_events = win.events;
      }
    }
    of[f] = &it->second;
  }

  nlohmann::ordered_json fragments = nlohmann::ordered_json::array();
  simcore::Time exposed_total;
  double sync_total = 0, wan_total = 0, all_reduce_bytes = 0;
  double wan_peak = 0;
  bool wan_tracked = true;
  for (int f = 0; f < sp.fragments; ++f) {
    const FragmentRun& run = *of[f];
    // A sync never shortens the inner steps beside it; max() guards the solver's rounding.
    const simcore::Time exposed = std::max(simcore::Time(), run.window - t_steps);
    const nlohmann::ordered_json wan = class_bytes(run.sync.links, d.r.wan_class, 1);
    wan_tracked = wan_tracked && wan.is_number();
    if (wan.is_number()) {
      wan_total += wan.get<double>();
      wan_peak = std::max(wan_peak, wan.get<double>());
    }
    double ar = 0;
    for (int64_t b : bytes[f]) ar += static_cast<double>(b);
    ar *= p.replicas;
    all_reduce_bytes += ar;
    exposed_total = exposed_total + exposed;
    sync_total += run.sync.result.makespan.seconds();
    const int64_t offset = workloads::fragment_offset(f, sp.fragments, p.inner_steps);
    fragments.push_back({{"fragment", f},
                         {"layers", workloads::fragment_layers(p.replica.model.layers, sp.fragments,
                                                               sp.pattern, f)},
                         {"params", workloads::fragment_params(sp, f)},
                         {"sent_after_inner_step", offset == 0 ? p.inner_steps : offset},
                         {"bytes_per_rank", *std::max_element(bytes[f].begin(), bytes[f].end())},
                         {"sync_time_s", run.sync.result.makespan.seconds()},
                         {"window_time_s", run.window.seconds()},
                         {"exposed_time_s", exposed.seconds()},
                         {"wan_bytes", wan},
                         {"outer_all_reduce_bytes", ar}});
  }
  // The outer step's outcome: fragment 0's sync (the recorded one: the trace's and the report's
  // `collectives`) placed so that it ends with the outer step, its window overlapping the last
  // inner steps; the other fragments' communication and link bytes added.
  const simcore::Time outer = inner_time + exposed_total;
  const simcore::Time sync0 = of[0]->sync.result.makespan;
  compose_outer_step(d.r, inner, of[0]->sync, outer - std::min(outer, sync0), o);
  o.result.makespan = outer;
  o.events = inner.events + steps.events;
  for (const auto& [key, run] : runs) o.events += run.sync.events + run.window_events;
  for (int f = 1; f < sp.fragments; ++f) {
    o.result.communication_s += of[f]->sync.result.communication_s;
    for (const auto& u : of[f]->sync.links) {
      auto it = std::find_if(o.links.begin(), o.links.end(),
                             [&](const auto& x) { return x.link_class == u.link_class; });
      if (it == o.links.end())
        it = o.links.insert(o.links.end(), {u.link_class, 0, u.capacity_bytes_per_s});
      it->bytes += u.bytes;
    }
  }
  const double t_outer = outer.seconds();
  o.result.exposed_communication_s =
      static_cast<double>(p.inner_steps) * inner.result.exposed_communication_s +
      exposed_total.seconds();

  const double window = sp.overlap_steps * t_inner;
  nlohmann::ordered_json peak_rate = nullptr, peak = nullptr, reduction = nullptr, wan = nullptr;
  if (wan_tracked) {
    wan = wan_total;
    peak = wan_peak;
    if (wan_peak > 0) reduction = wan_total / wan_peak;
    if (window > 0) peak_rate = wan_peak / window;
  }
  nlohmann::ordered_json& j = o.kind_report;
  j["model"] = outer_step_model_section(s, d.r, t_outer);
  j["streaming_diloco"] = {
      {"replicas", p.replicas},
      {"ranks_per_replica", p.replica_ranks()},
      {"inner_steps", p.inner_steps},
      {"outer_steps", p.outer_steps},
      {"fragments", sp.fragments},
      {"fragment_pattern",
       sp.pattern == workloads::FragmentPattern::kStrided ? "strided" : "sequential"},
      {"overlap_steps", sp.overlap_steps},
      {"outer_bits", p.outer_bits},
      {"outer_algorithm", p.outer_algorithm},
      {"inner_step_time_s", t_inner},
      {"inner_time_s", inner_time.seconds()},
      {"fragment_syncs", fragments},
      {"sync_time_s", sync_total},
      {"exposed_sync_time_s", exposed_total.seconds()},
      {"outer_step_time_s", t_outer},
      {"compute_utilization", t_outer > 0 ? inner_time.seconds() / t_outer : 0.0},
      {"total_time_s", t_outer * p.outer_steps},
      {"wan_class", d.r.wan_class},
      {"wan_bytes", wan},
      {"outer_all_reduce_bytes", all_reduce_bytes},
      {"peak_sync_wan_bytes", peak},
      {"peak_wan_bandwidth_bytes_per_s", peak_rate},
      {"peak_reduction_vs_full_sync", reduction},
      {"memory", outer_memory_section(d.r, d.outer_state_bytes)}};
  add_replica_devices(classes, p.inner_steps, t_outer, j["streaming_diloco"]);
}

void print_summary(const Scenario&, const nlohmann::ordered_json& j) {
  const auto& m = j["model"];
  const auto& d = j["streaming_diloco"];
  fmt::print("model         {:.3f} B params, {:.0f} tokens/s, MFU {:.1f}%\n",
             m["params"].get<double>() / 1e9, m["tokens_per_s"].get<double>(),
             m["mfu"].get<double>() * 100);
  fmt::print(
      "streaming     {} replicas x {} ranks, H = {}, P = {} fragments ({}), τ = {}, "
      "outer {} bits ({})\n",
      d["replicas"].get<int>(), d["ranks_per_replica"].get<int>(), d["inner_steps"].get<int>(),
      d["fragments"].get<int>(), d["fragment_pattern"].get<std::string>(),
      d["overlap_steps"].get<int>(), d["outer_bits"].get<int>(),
      d["outer_algorithm"].get<std::string>());
  fmt::print(
      "outer step    {:.3f} s = {} x {:.6f} s inner + {:.6f} s exposed of {:.6f} s of syncs; "
      "compute utilization {:.1f}%; {} over '{}'\n",
      d["outer_step_time_s"].get<double>(), d["inner_steps"].get<int>(),
      d["inner_step_time_s"].get<double>(), d["exposed_sync_time_s"].get<double>(),
      d["sync_time_s"].get<double>(), d["compute_utilization"].get<double>() * 100,
      gigabytes(d["wan_bytes"]), d["wan_class"].get<std::string>());
  const auto& rate = d["peak_wan_bandwidth_bytes_per_s"];
  fmt::print("peak WAN      {} in the largest fragment's sync ({} less than a full sync){}\n",
             gigabytes(d["peak_sync_wan_bytes"]), ratio(d["peak_reduction_vs_full_sync"]),
             rate.is_number()
                 ? fmt::format(", {:.3f} Gb/s to fit τ inner steps", rate.get<double>() * 8e-9)
                 : std::string());
}

}  // namespace

WorkloadKind streaming_diloco_kind() {
  WorkloadKind k;
  k.name = "streaming_diloco";
  k.schema = &keys();
  k.load = load;
  k.simulate = simulate;
  k.print_summary = print_summary;
  k.sweep_columns = {
      {"compute_utilization", "/streaming_diloco/compute_utilization"},
      {"exposed_sync_time_s", "/streaming_diloco/exposed_sync_time_s"},
      {"peak_wan_bandwidth_bytes_per_s", "/streaming_diloco/peak_wan_bandwidth_bytes_per_s"}};
  return k;
}

}  // namespace dtsim::cli::kinds
