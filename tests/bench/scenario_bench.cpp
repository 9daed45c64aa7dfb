/**
 * Wall time of the default scenario, scenarios/llama3_8b_dp16_dgx_h100.yaml (Llama-3 8B, DP16
 * over two DGX H100-like nodes, flow back-end): load + simulate, as `dtsim run` does minus the
 * report. Target (issue): under 1 s.
 *
 *     build-bench/bin/scenario_bench --benchmark_repetitions=5 \
 *         --benchmark_report_aggregates_only=true
 */
#include <benchmark/benchmark.h>

#include <string>

#include "tools/dtsim/runner.h"
#include "tools/dtsim/scenario.h"

namespace {

const std::string kScenario =
    std::string(DTSIM_SOURCE_DIR) + "/scenarios/llama3_8b_dp16_dgx_h100.yaml";

/** Loading and simulating together (what a user waits for). */
void BM_DefaultScenario(benchmark::State& state) {
  uint64_t events = 0;
  double step_s = 0;
  for (auto _ : state) {
    auto s = dtsim::cli::load_scenario(kScenario);
    auto o = dtsim::cli::simulate(s, false);
    events = o.events;
    step_s = o.result.makespan.seconds();
  }
  state.counters["events"] = static_cast<double>(events);
  state.counters["step_time_s"] = step_s;
}

/** Simulation only (the scenario is loaded once, outside the timed region). */
void BM_DefaultScenarioSimulateOnly(benchmark::State& state) {
  const auto s = dtsim::cli::load_scenario(kScenario);
  for (auto _ : state) {
    auto o = dtsim::cli::simulate(s, false);
    benchmark::DoNotOptimize(o.events);
  }
}

}  // namespace

BENCHMARK(BM_DefaultScenario)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_DefaultScenarioSimulateOnly)->Unit(benchmark::kMillisecond)->UseRealTime();
