/**
 * Wall time of one DeepSeek-V3 training step on 2048 H800s,
 * scenarios/deepseek_v3_ep64_pp16.yaml (PP 16, EP 64, DP 128; 24 micro-batches per pipeline),
 * load + simulate as `dtsim run` does minus the report, with the flow back-end and with the
 * analytical one. Targets (issue 3): under 60 s and 8 GiB (flow), under 5 s (analytical).
 * Peak memory is the process's (getrusage), so run one benchmark per process:
 *
 *     build/bin/deepseek_v3_bench --benchmark_filter=Flow --benchmark_repetitions=3
 *     build/bin/deepseek_v3_bench --benchmark_filter=Analytical --benchmark_repetitions=3
 */
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <string>

#include "tools/dtsim/runner.h"
#include "tools/dtsim/scenario.h"

namespace {

const std::string kScenario =
    std::string(DTSIM_SOURCE_DIR) + "/scenarios/deepseek_v3_ep64_pp16.yaml";

void run(benchmark::State& state, const char* model) {
  uint64_t events = 0;
  double step_s = 0;
  for (auto _ : state) {
    auto s = dtsim::cli::load_scenario(kScenario, {std::string("network.model=") + model});
    auto o = dtsim::cli::simulate(s, false);
    events = o.events;
    step_s = o.result.makespan.seconds();
  }
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  state.counters["events"] = static_cast<double>(events);
  state.counters["step_time_s"] = step_s;
  state.counters["peak_rss_GiB"] = static_cast<double>(u.ru_maxrss) / (1024.0 * 1024.0);
}

void BM_DeepSeekV3StepFlow(benchmark::State& state) { run(state, "flow"); }
void BM_DeepSeekV3StepAnalytical(benchmark::State& state) { run(state, "analytical"); }

}  // namespace

BENCHMARK(BM_DeepSeekV3StepFlow)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_DeepSeekV3StepAnalytical)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
