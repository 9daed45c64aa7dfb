/**
 * `dtsim plan`'s search for Llama-3 70B (scenarios/plan_llama3_70b.yaml, global batch 1024 x 8192
 * tokens) over every layout on 64 to 4096 H100s (powers of two): enumeration, memory pruning and
 * analytical pricing, as `dtsim plan --no-rerun` runs them (the full re-runs of the best layouts
 * are not part of it). Target (issue 13): under 60 s on a 2-core machine; Calculon's figure is
 * about 23 ms per layout.
 *
 *     build/tests/bench/plan_bench --benchmark_repetitions=3 \
 *         --benchmark_report_aggregates_only=true
 *
 * Measured (2-core machine shared with other builds, load average 12-14; medians of 3):
 * -j 1: 18.7 s wall, 3.75 s CPU (54,432 layouts with Ulysses, 16,134 priced: 69 us of CPU a
 * layout); -j 2: 21.5 s wall (the machine had no idle core to give); loading the inputs: 72 ms.
 * With context parallelism searched (cp 2-16, one run, load average 7 on 2 cores): -j 1: 11.0 s
 * wall, 5.35 s CPU for 219,012 layouts (110,310 priced: 50 us of wall a layout, about 460 x
 * Calculon's 23 ms); -j 2: 17.0 s wall; the 64-GPU case 1.65 s (25,776 layouts).
 *
 * The extensive tier's smoke run keeps the 64-GPU case (tests/bench/CMakeLists.txt):
 */
// smoke: --benchmark_filter=BM_PlanLlama70b64Gpus
#include <benchmark/benchmark.h>

#include <string>

#include "tools/dtsim/plan/search.h"

namespace {

const std::string kScenario = std::string(DTSIM_SOURCE_DIR) + "/scenarios/plan_llama3_70b.yaml";

void run_search(benchmark::State& state, const std::vector<int>& gpus, unsigned jobs) {
  const auto in = dtsim::cli::plan::load_plan_inputs(kScenario, {}, {}, 1024);
  size_t layouts = 0, priced = 0;
  for (auto _ : state) {
    const auto r = dtsim::cli::plan::search_layouts(in, gpus, jobs, false);
    layouts = r.layouts.size();
    priced = 0;
    for (const auto& l : r.layouts) priced += l.estimate ? 1 : 0;
  }
  state.counters["layouts"] = static_cast<double>(layouts);
  state.counters["priced"] = static_cast<double>(priced);
  state.counters["s_per_layout"] = benchmark::Counter(
      static_cast<double>(layouts), benchmark::Counter::kIsIterationInvariantRate |
                                        benchmark::Counter::kInvert);
}

/** Every layout on 64, 128, ..., 4096 GPUs on `jobs` threads (the target). */
void BM_PlanLlama70b64To4096(benchmark::State& state) {
  run_search(state, {64, 128, 256, 512, 1024, 2048, 4096}, static_cast<unsigned>(state.range(0)));
}
BENCHMARK(BM_PlanLlama70b64To4096)->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

/** Loading the planning inputs (the 4096-GPU cluster, the scenario): once per plan. */
void BM_PlanLoadInputs(benchmark::State& state) {
  for (auto _ : state) {
    const auto in = dtsim::cli::plan::load_plan_inputs(kScenario, {}, {}, 1024);
    benchmark::DoNotOptimize(in.gpus_per_node);
  }
}
BENCHMARK(BM_PlanLoadInputs)->Unit(benchmark::kMillisecond)->Iterations(1);

/** One GPU count (the smoke run). */
void BM_PlanLlama70b64Gpus(benchmark::State& state) { run_search(state, {64}, 1); }
BENCHMARK(BM_PlanLlama70b64Gpus)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

}  // namespace
