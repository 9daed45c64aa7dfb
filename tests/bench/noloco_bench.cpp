/**
 * Wall time of scenarios/noloco_256_replicas.yaml (NoLoCo, 256 replicas of Llama-3.2 1B without
 * pipeline over the internet, flow back-end with the wan_tcp link model) over 1000 outer steps,
 * each with its own random pairs: load + simulate, as `dtsim run` does minus the report, without
 * the all-reduce comparison (`compare_allreduce: []`). Target (issue 9): under 10 s.
 *
 *     build/bin/noloco_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
 */
#include <benchmark/benchmark.h>

#include <string>

#include "tools/dtsim/runner.h"
#include "tools/dtsim/scenario.h"

namespace {

const std::string kScenario = std::string(DTSIM_SOURCE_DIR) + "/scenarios/noloco_256_replicas.yaml";

void BM_Noloco256Replicas1000OuterSteps(benchmark::State& state) {
  uint64_t events = 0;
  double total_s = 0;
  for (auto _ : state) {
    auto s = dtsim::cli::load_scenario(
        kScenario, {"workload.outer_steps=1000", "workload.compare_allreduce=[]"});
    auto o = dtsim::cli::simulate(s, false);
    events = o.events;
    total_s = o.kind_report["noloco"]["total_time_s"].get<double>();
  }
  state.counters["events"] = static_cast<double>(events);
  state.counters["simulated_s"] = total_s;
}

}  // namespace

BENCHMARK(BM_Noloco256Replicas1000OuterSteps)->Unit(benchmark::kMillisecond)->UseRealTime();
