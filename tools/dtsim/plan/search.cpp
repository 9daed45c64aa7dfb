#include "tools/dtsim/plan/search.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "tools/dtsim/config_loaders.h"
#include "tools/dtsim/kinds/transformer_keys.h"
#include "tools/dtsim/progress.h"

namespace dtsim::cli::plan {

namespace {

/** GPUs per node: the ranks in rank 0's box (all ranks when the cluster has no boxes). */
int gpus_per_node(const Scenario& s) {
  const auto& ranks = s.topology.ranks();
  const auto& nodes = s.topology.nodes();
  if (ranks.empty() || nodes[ranks[0]].box < 0) return static_cast<int>(ranks.size());
  int n = 0;
  for (int r : ranks)
    if (nodes[r].box == nodes[ranks[0]].box) ++n;
  return n;
}

}  // namespace

PlanInputs load_plan_inputs(const std::string& path, const std::vector<std::string>& sets,
                            const simcore::ResourceLimits& limits, int64_t global_batch) {
  const ConfigNode doc = load_scenario_document(path, sets);
  const ConfigNode w = doc["workload"];
  const std::string kind = w["kind"].str();
  if (kind != "transformer")
    w["kind"].fail(fmt::format("dtsim plan searches the layouts of a transformer step (kind: "
                               "transformer); this scenario's workload is '{}'",
                               kind));
  const workloads::TransformerConfig model = load_transformer(w["model"]);
  if (model.moe.enabled())
    w["model"].fail(fmt::format("dtsim plan searches dense models only for now; '{}' has a moe "
                                "block (expert parallelism is not searched yet)",
                                model.name));
  // The stand-in's pp: the largest divisor of the layers the cluster holds (one layer per stage
  // fits where the whole model would not, so the memory check stays quiet).
  const int cluster_ranks = load_topology(doc["cluster"]["topology"]).rank_count();
  int pp = 1;
  for (int k = 1; k <= model.layers; ++k)
    if (model.layers % k == 0 && k <= cluster_ranks) pp = k;
  std::vector<std::string> stand_in = sets;
  stand_in.push_back(fmt::format("workload.parallelism={{pp: {}}}", pp));
  stand_in.push_back(fmt::format("workload.batch.global_batch={}", 1));
  stand_in.push_back(fmt::format("workload.batch.micro_batch={}", 1));
  stand_in.push_back(fmt::format("workload.memory={{on_overflow: {}}}", "warn"));
  PlanInputs in{load_scenario(path, stand_in, limits), {}, 1, {}};
  in.base = kinds::parse_transformer(in.scenario, w, INT64_MAX, "the cluster");
  if (global_batch > 0) in.base.global_batch = global_batch;
  in.scenario.network_model = "analytical";
  in.gpus_per_node = gpus_per_node(in.scenario);
  in.economics = load_device_economics(load_ref(doc["cluster"]["device"]));
  return in;
}

SearchResult search_layouts(const PlanInputs& in, const std::vector<int>& gpus, unsigned jobs,
                            bool show_progress) {
  const auto t0 = std::chrono::steady_clock::now();
  Enumeration e = enumerate_layouts(in.base, gpus, in.gpus_per_node);
  SearchResult r;
  r.excluded = std::move(e.excluded);
  r.layouts.resize(e.layouts.size());
  Progress progress("plan", "layouts", e.layouts.size(), show_progress);
  jobs = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(e.layouts.size())));
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex mu;
  auto worker = [&] {
    try {
      LayoutPricer pricer(in.scenario, in.base);  // its caches are this thread's
      for (size_t i = next++; i < e.layouts.size(); i = next++) {
        PricedLayout& p = r.layouts[i];
        p.layout = e.layouts[i];
        p.fit = pricer.memory(p.layout);
        if (p.fit.fits) p.estimate = pricer.price(p.layout);
        progress.advance();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu);
      if (!error) error = std::current_exception();
      next = e.layouts.size();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < jobs; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  progress.finish();
  if (error) std::rethrow_exception(error);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace dtsim::cli::plan
