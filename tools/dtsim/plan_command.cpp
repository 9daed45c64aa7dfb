// `dtsim plan`: searches the parallel layouts of a transformer step over one or more cluster
// sizes (tools/dtsim/plan/): prunes what does not fit in memory, prices the rest with the
// analytical back-end (plan/pricer.h), re-runs the best as full simulations on the analytical and
// the flow back-ends, and prints the Pareto front of step time against GPUs.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "tools/dtsim/commands.h"
#include "tools/dtsim/output_file.h"
#include "tools/dtsim/plan/goodput.h"
#include "tools/dtsim/plan/inverse.h"
#include "tools/dtsim/plan/layouts.h"
#include "tools/dtsim/plan/pricer.h"
#include "tools/dtsim/plan/search.h"
#include "tools/dtsim/plot.h"
#include "tools/dtsim/progress.h"
#include "tools/dtsim/runner.h"

namespace dtsim::cli {

namespace {

using json = nlohmann::ordered_json;
using simcore::ConfigError;
using simcore::SourceLocation;

constexpr double kGiB = 1073741824.0;

/** A priced layout; `rerun` holds the full simulations' step times (or why they did not run). */
struct Row {
  plan::Layout layout;
  plan::MemoryFit fit;
  plan::Estimate estimate;
  std::optional<double> analytical_s, flow_s;
  std::string rerun_note;
  std::optional<plan::Goodput> goodput;  ///< with --reliability
};

/** `out`'s format from its extension: "json" or "csv". Errors: ConfigError otherwise. */
std::string output_format(const std::string& out) {
  auto ends = [&](const char* ext) {
    const std::string e = ext;
    return out.size() > e.size() && out.compare(out.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".json")) return "json";
  if (ends(".csv")) return "csv";
  throw ConfigError(SourceLocation{"<--out " + out + ">", 0, 0},
                    "expected a file name ending in .json or .csv; got \"" + out + "\"");
}

json row_json(const Row& r) {
  const auto& l = r.layout;
  const auto& e = r.estimate;
  auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  return {{"gpus", l.gpus},
          {"dp", l.dp},
          {"tp", l.tp},
          {"pp", l.pp},
          {"sp", l.sp},
          {"cp", l.cp},
          {"virtual_stages", l.virtual_stages},
          {"micro_batch", l.micro_batch},
          {"zero", l.zero},
          {"recompute", l.recompute == workloads::Recompute::kFull        ? "full"
                        : l.recompute == workloads::Recompute::kSelective ? "selective"
                                                                          : "none"},
          {"sequence_parallel", l.sequence_parallel},
          {"flags", l.flags()},
          {"memory_GiB", r.fit.memory.total() / kGiB},
          {"step_time_s", e.step_s},
          {"tokens_per_s", e.tokens_per_s},
          {"mfu", e.mfu},
          {"bubble_s", e.bubble_s},
          {"dp_exposed_s", e.dp_exposed_s},
          {"optimizer_s", e.optimizer_s},
          {"analytical_step_time_s", opt(r.analytical_s)},
          {"flow_step_time_s", opt(r.flow_s)},
          {"rerun_note", r.rerun_note},
          {"goodput", r.goodput ? json(r.goodput->goodput) : json(nullptr)},
          {"useful_tokens_per_s",
           r.goodput ? json(r.goodput->goodput * e.tokens_per_s) : json(nullptr)},
          {"job_mtbf_h", r.goodput ? json(r.goodput->mtbf_s / 3600) : json(nullptr)},
          {"checkpoint_s", r.goodput ? json(r.goodput->checkpoint_s) : json(nullptr)},
          {"checkpoint_period_s", r.goodput ? json(r.goodput->period_s) : json(nullptr)}};
}

std::string csv_cell(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  }
  return v.dump();
}

/** `--plot`: the step time of each GPU count's best layout (the analytical estimate), the Pareto
 *  front, and the flow back-end's re-runs of the best, against GPUs (log2 axis). */
plot::Figure plan_figure(const std::string& title, const std::vector<Row>& rows,
                         const std::vector<std::vector<size_t>>& best,
                         const std::vector<size_t>& front) {
  plot::Figure f;
  f.title = title;
  f.x_label = "GPUs";
  f.y_label = "step time (s)";
  f.log_x_base = 2;
  plot::Series estimate{"best layout (analytical estimate)", {}}, pareto{"Pareto front", {}},
      flow{"best layout re-run on the flow back-end", {}};
  for (const auto& b : best)
    if (!b.empty()) {
      const Row& r = rows[b[0]];
      estimate.points.emplace_back(r.layout.gpus, r.estimate.step_s);
      if (r.flow_s) flow.points.emplace_back(r.layout.gpus, *r.flow_s);
    }
  for (size_t i : front) pareto.points.emplace_back(rows[i].layout.gpus, rows[i].estimate.step_s);
  f.series = {estimate, pareto, flow};
  return f;
}

/** Runs `f(i)` for i in [0, n) on `jobs` threads. */
template <class F>
void parallel_for(size_t n, unsigned jobs, F f) {
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex mu;
  auto worker = [&] {
    try {
      for (size_t i = next++; i < n; i = next++) f(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu);
      if (!error) error = std::current_exception();
      next = n;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < jobs; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace

int plan_command(const PlanOptions& o) {
  const simcore::ResourceLimits limits = o.resources.limits();
  std::vector<int> gpus;
  if (o.gpus_given) gpus = plan::parse_gpu_counts(o.gpus);
  std::string format;
  if (!o.out.empty()) {
    format = output_format(o.out);
    check_writable(o.out, "the plan");
    check_distinct_outputs(o.scenario, {o.out});
  }
  if (!o.plot.empty()) {
    plot::check_gnuplot(o.plot);
    check_distinct_outputs(o.scenario, {o.out, o.plot});
  }

  std::optional<plan::ReliabilitySpec> reliability;
  if (!o.reliability.empty()) reliability = plan::load_reliability(ConfigNode::load_file(o.reliability));
  if (o.train_tokens > 0 && !(o.target_tokens_per_s > 0))
    throw ConfigError(SourceLocation{fmt::format("<--train-tokens {}>", o.train_tokens), 0, 0},
                      "needs a target: give --target-tokens-per-s X");

  plan::PlanInputs in = plan::load_plan_inputs(o.scenario, o.sets, limits, o.global_batch);
  const Scenario& s = in.scenario;
  const workloads::TransformerParams& base = in.base;
  const workloads::TransformerConfig& model = base.model;
  const int per_node = in.gpus_per_node;
  const int ranks = s.topology.rank_count();
  if (gpus.empty()) gpus.push_back(ranks);  // no --gpus: the scenario's cluster
  const std::string gpus_text = o.gpus.empty() ? std::to_string(ranks) : o.gpus;
  if (gpus.back() > ranks)
    throw ConfigError(
        SourceLocation{"<--gpus " + o.gpus + ">", 0, 0},
        fmt::format("asks for up to {} GPUs, but the cluster of {} has {}; give a larger cluster "
                    "(e.g. --set cluster.topology.nodes=N with a builder topology)",
                    gpus.back(), o.scenario, ranks));

  // Enumerate, prune by memory, price.
  const unsigned jobs = o.jobs > 0 ? static_cast<unsigned>(o.jobs)
                                   : std::max(1u, std::thread::hardware_concurrency());
  plan::SearchResult found = plan::search_layouts(in, gpus, jobs, !o.quiet);
  const double search_s = found.wall_s;
  std::vector<Row> rows(found.layouts.size());
  std::vector<char> priced(rows.size(), 0);
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].layout = found.layouts[i].layout;
    rows[i].fit = found.layouts[i].fit;
    if (found.layouts[i].estimate) {
      rows[i].estimate = *found.layouts[i].estimate;
      priced[i] = 1;
    }
  }
  const auto& excluded_by = found.excluded;

  std::map<std::string, int64_t> unfit;
  size_t priced_count = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (priced[i])
      ++priced_count;
    else
      ++unfit[rows[i].fit.reason];
  }
  int64_t excluded = 0;
  for (const auto& [why, n] : excluded_by) excluded += n;

  // The best --top of each GPU count, fastest first.
  std::vector<std::vector<size_t>> best(gpus.size());
  for (size_t g = 0; g < gpus.size(); ++g) {
    std::vector<size_t> idx;
    for (size_t i = 0; i < rows.size(); ++i)
      if (priced[i] && rows[i].layout.gpus == gpus[g]) idx.push_back(i);
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
      return rows[a].estimate.step_s < rows[b].estimate.step_s;
    });
    idx.resize(std::min<size_t>(idx.size(), static_cast<size_t>(o.top)));
    best[g] = std::move(idx);
  }
  if (priced_count == 0) {
    std::string why;
    for (const auto& [reason, n] : unfit) why += fmt::format("; {} by {}", n, reason);
    throw ConfigError(SourceLocation{o.scenario, 0, 0},
                      fmt::format("no layout of '{}' on {} GPUs fits the {} ({:.1f} GiB): {} "
                                  "layouts tried{}",
                                  model.name, gpus_text, s.device.name,
                                  s.device.hbm_capacity_bytes / kGiB, rows.size(), why));
  }
  // The target: the smallest and the cheapest cluster whose fastest layout reaches it
  // (plan/inverse.h); with --least-inter-node-bandwidth, the least bandwidth that does.
  // With --reliability, throughput is useful tokens/s: the goodput depends on the GPU count
  // (failures) and the model (checkpoint size), not on the layout.
  const double checkpoint_bytes =
      reliability ? static_cast<double>(model.total_params()) * reliability->checkpoint_bytes_per_param
                  : 0;
  auto goodput_of = [&](int g) {
    return plan::goodput(*reliability, g, per_node, checkpoint_bytes);
  };
  for (Row& r : rows)
    if (reliability) r.goodput = goodput_of(r.layout.gpus);
  auto throughput = [&](const plan::PricedLayout& p) {
    return p.estimate->tokens_per_s * (reliability ? goodput_of(p.layout.gpus).goodput : 1.0);
  };
  const SourceLocation target_at{fmt::format("<--target-tokens-per-s {}>", o.target_tokens_per_s),
                                 0, 0};
  if (o.least_bandwidth && !(o.target_tokens_per_s > 0))
    throw ConfigError(SourceLocation{"<--least-inter-node-bandwidth>", 0, 0},
                      "needs a target: give --target-tokens-per-s X");
  std::vector<plan::Candidate> candidates;
  std::optional<plan::TargetChoice> target;
  if (o.target_tokens_per_s > 0) {
    candidates = plan::fastest_per_gpu_count(found, gpus, throughput);
    target = plan::choose_for_target(candidates, o.target_tokens_per_s);
    if (!target->smallest && !o.least_bandwidth) {
      const plan::Candidate& b = candidates[target->best];
      const plan::Layout& l = found.layouts[b.layout].layout;
      throw ConfigError(
          target_at,
          fmt::format("no layout on {} GPUs reaches {:.6g} tokens/s; the best found is {:.6g} "
                      "tokens/s ({} on {} GPUs, step {:.4g} s)",
                      gpus_text, o.target_tokens_per_s, b.tokens_per_s, l.flags(), l.gpus,
                      found.layouts[b.layout].estimate->step_s));
    }
  }
  struct BandwidthAnswer {
    double factor = 1, tokens_per_s = 0;
    int searches = 0;
    std::map<std::string, std::vector<double>> classes;  ///< link class -> bytes/s at factor 1
  };
  std::optional<BandwidthAnswer> bandwidth;
  if (o.least_bandwidth) {
    BandwidthAnswer a;
    a.classes = plan::inter_node_bandwidths(s.topology);
    if (a.classes.empty())
      throw ConfigError(SourceLocation{"<--least-inter-node-bandwidth>", 0, 0},
                        fmt::format("the cluster of {} has no links between nodes (every link "
                                    "joins two nodes of one box)",
                                    o.scenario));
    // From 1/1024 to 1024 times the cluster's inter-node bandwidth, to within 1%.
    constexpr double kLow = 1.0 / 1024, kHigh = 1024, kTolerance = 0.01;
    auto best_at = [&](double factor) {
      plan::PlanInputs scaled = in;
      scaled.scenario.topology = plan::scale_inter_node_bandwidth(s.topology, factor);
      const plan::SearchResult r = plan::search_layouts(scaled, gpus, jobs, false);
      ++a.searches;
      double best_tps = 0;
      for (const auto& c : plan::fastest_per_gpu_count(r, gpus, throughput))
        best_tps = std::max(best_tps, c.tokens_per_s);
      return best_tps;
    };
    const std::optional<double> f = plan::least_bandwidth_factor(
        best_at, o.target_tokens_per_s, kLow, kHigh, kTolerance, &a.tokens_per_s);
    if (!f)
      throw ConfigError(target_at,
                        fmt::format("no layout on {} GPUs reaches {:.6g} tokens/s even with {} "
                                    "times the inter-node bandwidth; the best found there is "
                                    "{:.6g} tokens/s",
                                    gpus_text, o.target_tokens_per_s, kHigh, a.tokens_per_s));
    a.factor = *f;
    bandwidth = a;
  }

  // Re-run the best as full simulations on both back-ends (reported apart from the search).
  std::vector<size_t> reruns;
  for (const auto& b : best) reruns.insert(reruns.end(), b.begin(), b.end());
  const auto t1 = std::chrono::steady_clock::now();
  if (!o.no_rerun) {
    Progress progress("plan re-runs", "simulations", 2 * reruns.size(), !o.quiet);
    parallel_for(2 * reruns.size(), std::min<unsigned>(jobs, 2 * reruns.size()), [&](size_t k) {
      Row& r = rows[reruns[k / 2]];
      const bool flow = k % 2 == 1;
      std::vector<std::string> run_sets = o.sets;
      for (auto& x : r.layout.scenario_sets(base.global_batch, base.overlap_grad_reduce))
        run_sets.push_back(std::move(x));
      run_sets.push_back(std::string("network.model=") + (flow ? "flow" : "analytical"));
      std::string note;
      try {
        const Scenario full = load_scenario(o.scenario, run_sets, limits);
        const RunOutcome out = simulate(full, false);
        (flow ? r.flow_s : r.analytical_s) = out.result.makespan.seconds();
      } catch (const ConfigError& e) {
        note = fmt::format("{} not simulated: {}", flow ? "flow" : "analytical", e.message());
      }
      progress.advance();
      if (!note.empty()) {
        static std::mutex note_mu;
        std::lock_guard<std::mutex> lock(note_mu);
        r.rerun_note += (r.rerun_note.empty() ? "" : "; ") + note;
      }
    });
    progress.finish();
  }
  const double rerun_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();

  // Pareto front of step time against GPUs: a GPU count's best layout is on it when no smaller
  // count's best is as fast.
  std::vector<size_t> front;
  for (const auto& b : best) {
    if (b.empty()) continue;
    if (front.empty() || rows[b[0]].estimate.step_s < rows[front.back()].estimate.step_s)
      front.push_back(b[0]);
  }

  if (!o.quiet) {
    fmt::print("plan          {}: global batch {} x {} tokens on {} ({} GPUs a node), GPUs {}\n",
               model.name, base.global_batch, base.seq_len, s.device.name, per_node,
               fmt::join(gpus, ", "));
    fmt::print("layouts       {} built ({} excluded by divisibility), {} do not fit, {} priced "
               "in {:.2f} s on {} thread{} ({:.3f} ms per layout)\n",
               rows.size(), excluded, rows.size() - priced_count, priced_count, search_s, jobs,
               jobs == 1 ? "" : "s", rows.empty() ? 0.0 : 1e3 * search_s / rows.size());
    for (const auto& [why, n] : excluded_by) fmt::print("  excluded    {:>8}  {}\n", n, why);
    for (const auto& [why, n] : unfit)
      fmt::print("  no fit      {:>8}  {} exceed {:.1f} GiB\n", n,
                 why == "model states" ? "weights, gradients and optimizer states"
                                       : "states plus activations in flight",
                 s.device.hbm_capacity_bytes / kGiB);
    fmt::print("\n{:>6}  {:>9}  {:>11}  {:>6}  {:>8}  {:>12}  {:>9}  {}\n", "GPUs", "step_s",
               "tokens/s", "MFU", "mem_GiB", "analytical_s", "flow_s", "layout");
    auto cell = [](const std::optional<double>& v) {
      return v ? fmt::format("{:.4g}", *v) : std::string("-");
    };
    for (const auto& b : best)
      for (size_t i : b) {
        const Row& r = rows[i];
        fmt::print("{:>6}  {:>9.4g}  {:>11.0f}  {:>5.1f}%  {:>8.1f}  {:>12}  {:>9}  {}{}\n",
                   r.layout.gpus, r.estimate.step_s, r.estimate.tokens_per_s,
                   100 * r.estimate.mfu, r.fit.memory.total() / kGiB, cell(r.analytical_s),
                   cell(r.flow_s), r.layout.flags(),
                   r.rerun_note.empty() ? "" : "  (" + r.rerun_note + ")");
      }
    fmt::print("\nPareto front (step time against GPUs):\n");
    for (size_t i : front) {
      const Row& r = rows[i];
      fmt::print("  {:>6} GPUs  {:>9.4g} s  {:>11.0f} tokens/s  {:>6.1f} GiB  {}\n", r.layout.gpus,
                 r.estimate.step_s, r.estimate.tokens_per_s, r.fit.memory.total() / kGiB,
                 r.layout.flags());
    }
    if (reliability) {
      fmt::print("\ngoodput       {} (checkpoint {:.4g} GB; {})\n", reliability->name,
                 checkpoint_bytes / 1e9,
                 o.reliability);
      fmt::print("{:>8}  {:>10}  {:>12}  {:>10}  {:>8}  {:>13}\n", "GPUs", "job_MTBF_h",
                 "checkpoint_s", "period_s", "goodput", "useful_tok/s");
      for (const auto& b : best)
        if (!b.empty()) {
          const Row& r = rows[b[0]];
          const plan::Goodput& g = *r.goodput;
          fmt::print("{:>8}  {:>10.4g}  {:>12.4g}  {:>10.4g}  {:>7.2f}%  {:>13.0f}{}\n", r.layout.gpus,
                     g.mtbf_s / 3600, g.checkpoint_s, g.period_s, 100 * g.goodput,
                     g.goodput * r.estimate.tokens_per_s,
                     g.first_order_valid ? "" : "  (checkpoint > MTBF / 2: first-order model off)");
        }
    }
    if (target) {
      auto line = [&](const char* what, const plan::Candidate& c) {
        const plan::ClusterCost k = plan::cluster_cost(in.economics, c.gpus, c.tokens_per_s);
        std::string money;
        if (in.economics.price_per_gpu_hour_usd > 0)
          money += fmt::format(", ${:.2f}/h, ${:.4g} per million tokens", k.usd_per_hour,
                               k.usd_per_million_tokens);
        if (in.economics.power_watts > 0)
          money += fmt::format(", {:.1f} kW of GPUs, {:.4g} J/token", k.power_kw,
                               k.joules_per_token);
        if (o.train_tokens > 0) {
          const double hours = o.train_tokens / c.tokens_per_s / 3600;
          money += fmt::format("; {:.4g} tokens in {:.1f} days", o.train_tokens, hours / 24);
          if (in.economics.price_per_gpu_hour_usd > 0)
            money += fmt::format(" for ${:.4g}", hours * k.usd_per_hour);
        }
        fmt::print("  {:<9} {:>6} GPUs  {:>11.0f} tokens/s  {}{}\n", what, c.gpus, c.tokens_per_s,
                   found.layouts[c.layout].layout.flags(), money);
      };
      fmt::print("\ntarget        {:.6g} {}tokens/s{}\n", o.target_tokens_per_s,
                 reliability ? "useful " : "",
                 target->smallest ? "" : ": not reached at the cluster's bandwidth");
      if (target->smallest) line("smallest", candidates[*target->smallest]);
      if (target->cheapest) line("cheapest", candidates[*target->cheapest]);
      if (in.economics.price_per_gpu_hour_usd <= 0)
        fmt::print("  (no price_per_gpu_hour in the device file: cheapest = fewest GPU-hours per "
                   "token)\n");
    }
    if (bandwidth) {
      fmt::print("least inter-node bandwidth  {:.4g} x the cluster's ({} searches, {:.0f} "
                 "tokens/s):",
                 bandwidth->factor, bandwidth->searches, bandwidth->tokens_per_s);
      for (const auto& [cls, bws] : bandwidth->classes)
        for (double bw : bws)
          fmt::print(" {} {:.4g} Gb/s -> {:.4g} Gb/s;", cls.empty() ? "(no class)" : cls,
                     bw * 8 / 1e9, bw * bandwidth->factor * 8 / 1e9);
      fmt::print("\n");
    }
    if (!o.no_rerun)
      fmt::print("re-runs       {} full simulations (analytical and flow) in {:.2f} s\n",
                 2 * reruns.size(), rerun_s);
  }

  if (!o.out.empty()) {
    json rows_j = json::array();
    for (size_t i : reruns) rows_j.push_back(row_json(rows[i]));
    if (o.no_rerun) {
      rows_j = json::array();
      for (const auto& b : best)
        for (size_t i : b) rows_j.push_back(row_json(rows[i]));
    }
    if (format == "json") {
      json excl = json::object(), nofit = json::object();
      for (const auto& [why, n] : excluded_by) excl[why] = n;
      for (const auto& [why, n] : unfit) nofit[why] = n;
      json front_j = json::array();
      for (size_t i : front) front_j.push_back(row_json(rows[i]));
      json j = {{"scenario", o.scenario},
                {"model", model.name},
                {"device", s.device.name},
                {"global_batch", base.global_batch},
                {"seq_len", base.seq_len},
                {"gpus", gpus},
                {"layouts", rows.size()},
                {"excluded", excl},
                {"does_not_fit", nofit},
                {"priced", priced_count},
                {"best", rows_j},
                {"pareto_front", front_j}};
      if (target) {
        auto cand = [&](const std::optional<size_t>& i) {
          if (!i) return json(nullptr);
          const plan::Candidate& c = candidates[*i];
          const plan::ClusterCost k = plan::cluster_cost(in.economics, c.gpus, c.tokens_per_s);
          const double hours = o.train_tokens > 0 ? o.train_tokens / c.tokens_per_s / 3600 : 0;
          return json{{"gpus", c.gpus},
                      {"tokens_per_s", c.tokens_per_s},
                      {"train_days", o.train_tokens > 0 ? json(hours / 24) : json(nullptr)},
                      {"train_cost_usd", o.train_tokens > 0 ? json(hours * k.usd_per_hour)
                                                            : json(nullptr)},
                      {"flags", found.layouts[c.layout].layout.flags()},
                      {"usd_per_hour", k.usd_per_hour},
                      {"usd_per_million_tokens", k.usd_per_million_tokens},
                      {"power_kW", k.power_kw},
                      {"joules_per_token", k.joules_per_token}};
        };
        j["target"] = {{"tokens_per_s", o.target_tokens_per_s},
                       {"counts", reliability ? "useful tokens/s (x goodput)" : "tokens/s"},
                       {"price_per_gpu_hour_usd", in.economics.price_per_gpu_hour_usd},
                       {"power_W", in.economics.power_watts},
                       {"smallest", cand(target->smallest)},
                       {"cheapest", cand(target->cheapest)}};
      }
      if (bandwidth) {
        json classes = json::object();
        for (const auto& [cls, bws] : bandwidth->classes) {
          json least = json::array();
          for (double bw : bws) least.push_back(bw * bandwidth->factor);
          classes[cls] = {{"bytes_per_s", bws}, {"least_bytes_per_s", least}};
        }
        j["least_inter_node_bandwidth"] = {{"factor", bandwidth->factor},
                                           {"tokens_per_s", bandwidth->tokens_per_s},
                                           {"searches", bandwidth->searches},
                                           {"link_classes", classes}};
      }
      write_atomically(o.out, [&](std::ostream& os) { os << j.dump(2) << "\n"; });
    } else {
      write_atomically(o.out, [&](std::ostream& os) {
        bool header = true;
        for (const auto& r : rows_j) {
          if (header) {
            bool first = true;
            for (const auto& [k, v] : r.items()) os << (first ? "" : ",") << k, first = false;
            os << "\n";
            header = false;
          }
          bool first = true;
          for (const auto& [k, v] : r.items()) os << (first ? "" : ",") << csv_cell(v), first = false;
          os << "\n";
        }
      });
    }
    if (!o.quiet) fmt::print("results       {}\n", o.out);
  }
  if (!o.plot.empty()) {
    plot::render(plan_figure(fmt::format("{}: global batch {} x {} tokens on {}", model.name,
                                         base.global_batch, base.seq_len, s.device.name),
                             rows, best, front),
                 o.plot);
    if (!o.quiet) fmt::print("plot          {}\n", o.plot);
  }
  return 0;
}

}  // namespace dtsim::cli
