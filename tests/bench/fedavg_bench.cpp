/**
 * FedAvg at population scale (issue 9's target: under 30 s and 4 GiB): 1,000,000 registered
 * clients with availability traces (two online intervals each, 2,000,000 rows), classes
 * 30% on a 5G cell, 50% on WiFi, 20% on Ethernet, all Raspberry Pi 4; 1000 selected per round
 * (C = 0.001), 100 rounds, every round's downlink and uplink on the flow back-end. Load (the
 * trace) and simulate, as `dtsim run` does minus the report.
 *
 *     ninja -C build fedavg_bench
 *     /usr/bin/time -v build/tests/bench/fedavg_bench --benchmark_repetitions=3
 *     # "Maximum resident set size" is the peak RSS (trace generation included)
 */
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "simcore/rng.h"
#include "tools/dtsim/runner.h"
#include "tools/dtsim/scenario.h"

namespace {

namespace fs = std::filesystem;
const std::string kSource = DTSIM_SOURCE_DIR;

/** Writes the trace and the scenario once; returns the scenario's path. */
std::string write_inputs() {
  static const std::string path = [] {
    const fs::path dir = fs::temp_directory_path() / "dtsim_fedavg_bench";
    fs::create_directories(dir);
    {
      // Client c is online [0, p) and [p + 4 h, p + 16 h), p uniform in [1 h, 9 h) (a
      // counter-based draw): everyone at the start, then about half at a time.
      std::ofstream t(dir / "availability.txt");
      for (uint64_t c = 0; c < 1000000; ++c) {
        const double p = 3600 + 28800 * dtsim::simcore::counter_uniform(7, 1, c, 0);
        t << c << " 0 " << p << '\n' << c << ' ' << p + 14400 << ' ' << p + 57600 << '\n';
      }
    }
    const std::string dev = kSource + "/configs/devices/raspberry_pi4.yaml";
    std::ofstream s(dir / "fedavg_1m.yaml");
    s << "name: fedavg-1m\n"
         "cluster:\n"
         "  topology: "
      << kSource
      << "/configs/topologies/fedavg_testbed.yaml\n"
         "  device: "
      << dev
      << "\n"
         "workload:\n"
         "  kind: fedavg\n"
         "  params: 740554\n"
         "  train_flops_per_sample: 54890688\n"
         "  rounds: 100\n"
         "  sample_fraction: 0.001\n"
         "  clients:\n"
         "    count: 1000000\n"
         "    availability: "
      << (dir / "availability.txt").string()
      << "\n"
         "    classes:\n"
         "      - {name: 5g, share: 0.3, cell: gnb0, rate: 181.9Mbps, downlink_rate: 453.7Mbps,\n"
         "         device: "
      << dev
      << ", samples: 500, speed_spread: 0.5}\n"
         "      - {name: wifi, share: 0.5, cell: ap0, rate: 300Mbps, device: "
      << dev
      << ",\n"
         "         samples: 500, speed_spread: 0.5}\n"
         "      - {name: ethernet, share: 0.2, cell: sw0, rate: 1Gbps, device: "
      << dev
      << ",\n"
         "         samples: 500, speed_spread: 0.5}\n"
         "network:\n"
         "  links:\n"
         "    nr: {model: 5g, duplex: tdd, tdd_pattern: DDDDDDDSUU}\n"
         "    wlan: {model: wifi}\n"
         "    eth: {model: ethernet}\n";
    return (dir / "fedavg_1m.yaml").string();
  }();
  return path;
}

void BM_FedAvgMillionClients(benchmark::State& state) {
  const std::string path = write_inputs();
  double total_s = 0;
  uint64_t events = 0;
  for (auto _ : state) {
    auto s = dtsim::cli::load_scenario(path);
    auto o = dtsim::cli::simulate(s, false);
    events = o.events;
    total_s = o.kind_report["fedavg"]["total_time_s"].get<double>();
  }
  state.counters["events"] = static_cast<double>(events);
  state.counters["simulated_s"] = total_s;
}

}  // namespace

BENCHMARK(BM_FedAvgMillionClients)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
