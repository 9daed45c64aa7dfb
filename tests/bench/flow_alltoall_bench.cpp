/**
 * Wall time of the flow back-end on one large all-to-all ("direct": every rank sends S/n bytes
 * to every other rank at once, n(n-1) flows) over a rail-optimised fat tree of DGX H100-like
 * nodes (8 GPUs per node; the link figures of configs/topologies/dgx_h100_2node.yaml).
 *
 * One iteration = a fresh Simulator, Router and FlowCommModel, start_collective, sim.run()
 * (topology construction is outside the timed region). Counters: flows started, max-min
 * re-solves, simulated time of the collective, events, and the process's peak RSS (VmHWM,
 * monotonic over the process, so run one size per process for a per-size figure).
 *
 * Targets (issue): 256 ranks (65,280 flows) < 2 s; 1024 ranks (1,047,552 flows) < 30 s and
 * < 4 GiB.
 *
 *     build-bench/bin/flow_alltoall_bench --benchmark_filter=/256/
 *     build-bench/bin/flow_alltoall_bench --benchmark_filter=/1024/
 */
#include <benchmark/benchmark.h>

#include <cstdint>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "models/network/flow_comm_model.h"
#include "simcore/simulator.h"
#include "simcore/workload.h"
#include "topologies/builders.h"
#include "topologies/routing.h"

namespace {

using dtsim::simcore::Time;
namespace topo = dtsim::topologies;
namespace net = dtsim::network;
namespace sc = dtsim::simcore;

constexpr int kGpusPerNode = 8;
constexpr int64_t kBytesPerRank = int64_t{256} << 20;  // 256 MiB, nccl-tests size convention

topo::Topology make_fat_tree(int nodes) {
  topo::RailFatTreeParams p;
  p.nodes = nodes;
  p.gpus_per_node = kGpusPerNode;
  p.nvlink = {"nvlink", 450e9, Time::ns(500)};
  p.pcie = {"pcie", 63e9, Time::ns(500)};
  p.nic = {"infiniband", 50e9, Time::ns(600)};
  p.spine = {"infiniband", 0, Time::ns(300)};
  p.spines = 8;
  return topo::build_rail_optimized_fat_tree(p);
}

/** Peak resident set size of this process in bytes (VmHWM), or 0 when unavailable. */
double peak_rss_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) * 1024.0;  // kB
  return 0;
}

void BM_FlowAllToAll(benchmark::State& state) {
  const int ranks = static_cast<int>(state.range(0));
  const topo::Topology topology = make_fat_tree(ranks / kGpusPerNode);
  std::vector<int> members(ranks);
  std::iota(members.begin(), members.end(), 0);
  uint64_t flows = 0, solves = 0, events = 0;
  double sim_s = 0;
  for (auto _ : state) {
    sc::Simulator sim(1);
    topo::Router router(topology);
    net::FlowCommModel comm(sim, topology, router);
    Time finished = Time::zero();
    sc::CollectiveCall call{sc::CollectiveKind::kAllToAll, "direct", &members, kBytesPerRank, 0};
    comm.start_collective(call, [&] { finished = sim.now(); });
    sim.run();
    flows = comm.fabric().flows_started();
    solves = comm.fabric().solves();
    events = sim.events_processed();
    sim_s = finished.seconds();
  }
  state.counters["flows"] = static_cast<double>(flows);
  state.counters["solves"] = static_cast<double>(solves);
  state.counters["events"] = static_cast<double>(events);
  state.counters["sim_time_s"] = sim_s;
  state.counters["peak_rss_MiB"] = peak_rss_bytes() / (1 << 20);
}

}  // namespace

BENCHMARK(BM_FlowAllToAll)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_FlowAllToAll)
    ->Arg(512)
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();
BENCHMARK(BM_FlowAllToAll)
    ->Arg(1024)
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();
