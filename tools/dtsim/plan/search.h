#pragma once
/**
 * `dtsim plan`'s search: the planning inputs read from a scenario, and every layout of the
 * model on each GPU count pruned by memory and priced (layouts.h, pricer.h) on several threads.
 *
 * Errors: ConfigError at the key for a scenario that is not a `transformer` step or trains a
 * mixture-of-experts model (not searched yet), and every error of loading the scenario.
 *
 *     PlanInputs in = load_plan_inputs("scenarios/plan_llama3_70b.yaml", {}, limits);
 *     SearchResult r = search_layouts(in, {64, 128}, 2, false);
 */
#include <optional>
#include <string>
#include <vector>

#include "tools/dtsim/device_economics.h"
#include "tools/dtsim/plan/layouts.h"
#include "tools/dtsim/plan/pricer.h"
#include "tools/dtsim/scenario.h"

namespace dtsim::cli::plan {

/** What the plan takes from its scenario. */
struct PlanInputs {
  /** The scenario's cluster, device and options with a small stand-in workload (one sequence,
   *  one layer per stage where the cluster has the ranks; the plan builds its own), and
   *  `network_model` analytical: what the pricer simulates on. */
  Scenario scenario;
  workloads::TransformerParams base;  ///< the model, batch and precision
  int gpus_per_node = 1;              ///< ranks in rank 0's box (all ranks without boxes)
  DeviceEconomics economics;          ///< the device file's price and power (may be absent)
};

/** Reads `path` with `sets`; `global_batch` > 0 replaces the scenario's. Errors: see the file. */
PlanInputs load_plan_inputs(const std::string& path, const std::vector<std::string>& sets,
                            const simcore::ResourceLimits& limits, int64_t global_batch = 0);

/** A layout, its memory and, when it fits, its estimate. */
struct PricedLayout {
  Layout layout;
  MemoryFit fit;
  std::optional<Estimate> estimate;
};

struct SearchResult {
  std::map<std::string, int64_t> excluded;  ///< combinations not built, per reason
  std::vector<PricedLayout> layouts;        ///< in enumeration order
  double wall_s = 0;                        ///< enumeration, pruning and pricing
};

/** Every layout on each of `gpus`, pruned and priced on `jobs` threads, with progress on
 *  stderr when `show_progress` (progress.h). Same result whatever `jobs`.
 *  Errors: ConfigError from the back-end. */
SearchResult search_layouts(const PlanInputs& in, const std::vector<int>& gpus, unsigned jobs,
                            bool show_progress);

}  // namespace dtsim::cli::plan
