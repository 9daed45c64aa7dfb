/**
 * Import speed of Chakra traces: one rank of N generated nodes (compute nodes with a data
 * dependency on the previous node and a control dependency two back, and every 16th node a
 * collective), serialized as an .et stream in memory, then parsed (et_reader) and mapped onto
 * the workload graph (chakra_import). Counters: nodes, peak RSS (VmHWM).
 *
 * Target (issue 4): one million nodes in under 5 s and under 2 GiB.
 *
 *     build/bin/chakra_import_bench --benchmark_filter=/1000000
 */
#include <benchmark/benchmark.h>

#include <fstream>
#include <string>

#include "models/workloads/chakra/chakra_import.h"
#include "models/workloads/chakra/et_reader.h"

namespace {

namespace ck = dtsim::workloads::chakra;

std::string make_trace(int64_t n) {
  std::vector<ck::pb::Node> nodes;
  nodes.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    ck::pb::Node node;
    node.set_id(i);
    node.set_name(i % 16 == 15 ? "all_reduce" : "aten::mm");
    if (i > 0) node.add_data_deps(i - 1);
    if (i > 1) node.add_ctrl_deps(i - 2);
    auto attr = [&](const char* name, int64_t v) {
      auto* a = node.add_attr();
      a->set_name(name);
      a->set_int64_val(v);
    };
    if (i % 16 == 15) {
      node.set_type(ck::pb::COMM_COLL_NODE);
      attr("comm_type", ck::pb::ALL_REDUCE);
      attr("comm_size", 1 << 20);
    } else {
      node.set_type(ck::pb::COMP_NODE);
      node.set_duration_micros(10);
      attr("num_ops", 1 << 30);
      attr("tensor_size", 1 << 22);
    }
    nodes.push_back(std::move(node));
  }
  return ck::serialize_et("0.0.4", nodes);
}

double peak_rss_mib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

void BM_ChakraImport(benchmark::State& state) {
  const int64_t n = state.range(0);
  const std::string bytes = make_trace(n);
  for (auto _ : state) {
    std::vector<ck::RankTrace> ranks;
    ranks.push_back(ck::parse_et(bytes, "generated.0.et"));
    ck::ImportStats stats;
    auto w = ck::import_chakra(ranks, {}, &stats);
    benchmark::DoNotOptimize(w.ranks[0].ops.size());
  }
  state.counters["nodes"] = static_cast<double>(n);
  state.counters["trace_MiB"] = bytes.size() / 1048576.0;
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}

BENCHMARK(BM_ChakraImport)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
