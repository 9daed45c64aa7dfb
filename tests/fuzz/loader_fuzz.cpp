// libFuzzer target for the loaders that scenario_fuzz reaches only through a scenario (see
// tests/fuzz/README.md). One binary, one loader per run, chosen with `--loader=NAME` (libFuzzer
// ignores flags that start with "--"), so each loader keeps its own corpus and seeds:
//
//   topology     a topology file (inline nodes and links, or a builder) -> load_topology
//   device       a device file -> load_device
//   model        a model file -> load_transformer
//   calibration  a calibration table (configs/calibration/) -> load_calibration_document
//   graph_json   a workload graph JSON file -> load_graph_json on an 8-rank cluster
//   chakra_json  an ASTRA-sim feeder JSON trace -> parse_feeder_json, then import_chakra
//   faults       a `faults:` block on a fixed 2-node DGX SuperPOD-like tree -> load_faults
//   availability a fedavg availability trace (text rows) -> read_availability_trace
//   grid         one `--grid` argument -> parse_grid_axis
//   set          `--set` arguments, one per line, on a fixed small scenario -> load_scenario
//
// Contract under test: on any bytes, the loader either returns or throws simcore::ConfigError.
// Another exception, a crash, a hang (libFuzzer's -timeout) or a sanitizer report (ASan, UBSan)
// is a bug. Inputs that name files resolve against the memfd's folder (/proc/self/fd), so only
// inline content loads.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "models/workloads/chakra/chakra_import.h"
#include "models/workloads/chakra/json_reader.h"
#include "simcore/error.h"
#include "tools/dtsim/calibration_loader.h"
#include "tools/dtsim/client_traces.h"
#include "tools/dtsim/config_loaders.h"
#include "tools/dtsim/config_node.h"
#include "tools/dtsim/fault_config.h"
#include "tools/dtsim/graph_json_loader.h"
#include "tools/dtsim/scenario.h"
#include "tools/dtsim/sweep/grid.h"

namespace {

using dtsim::cli::ConfigNode;
namespace chakra = dtsim::workloads::chakra;

/** An in-memory file (memfd); its /proc path is what path-taking loaders open. */
struct MemFile {
  int fd = -1;
  std::string path;
  explicit MemFile(const char* name) {
    fd = memfd_create(name, 0);
    if (fd >= 0) path = "/proc/self/fd/" + std::to_string(fd);
  }
  bool write(const std::string& bytes) {
    if (fd < 0 || ftruncate(fd, 0) != 0) return false;
    return pwrite(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size());
  }
};

/** A YAML node `key: <path of file>` pointing at the input, for loaders that take a file key. */
ConfigNode file_key(MemFile& file, const std::string& bytes) {
  if (!file.write(bytes)) std::abort();
  return ConfigNode::load_string("f: " + file.path, "fuzz.yaml")["f"];
}

const char* kFaultTopology = R"(builder: dgx_superpod
nodes: 2
gpus_per_node: 8
scalable_unit: 32
nvlink: {class: nvlink, bandwidth: 450GB/s, latency: 0.5us}
pcie: {class: pcie, bandwidth: 63GB/s, latency: 0.5us}
nic: {class: infiniband, bandwidth: 400Gbps, latency: 0.6us}
spine: {class: infiniband, latency: 0.3us}
spines: 8
)";

const char* kSetScenario = R"(name: set_fuzz
cluster:
  topology: {builder: switch, endpoints: 8, link: {class: nvlink, bandwidth: 450GB/s, latency: 1us}}
  device: {name: gpu, peak_flops: {bf16: 989TFLOPS, fp32: 67TFLOPS}, hbm_capacity: 80GiB, hbm_bandwidth: 3.35TB/s}
workload: {kind: collective_sweep, collective: all_reduce, algorithm: ring, sizes: {min: 8B, max: 1MiB, factor: 4}}
network: {model: flow, chunks: 1}
run: {seed: 1}
)";

void import_all_ways(const chakra::RankTrace& t) {
  std::vector<chakra::RankTrace> ranks(4, t);
  for (bool replay : {true, false}) {
    chakra::ImportOptions opt;
    opt.replay_durations = replay;
    opt.comm_groups["pg_all"] = {0, 1, 2, 3};
    opt.comm_groups["pg_pair"] = {0, 1};
    dtsim::simcore::Workload w = chakra::import_chakra(ranks, opt, nullptr);
    (void)w.op_count();
  }
}

using Loader = std::function<void(const std::string&)>;

const std::map<std::string, Loader>& loaders() {
  static MemFile file("loader_fuzz");
  static const std::map<std::string, Loader> table = {
      {"topology",
       [](const std::string& b) {
         (void)dtsim::cli::load_topology(ConfigNode::load_string(b, "fuzz.yaml"));
       }},
      {"device",
       [](const std::string& b) {
         (void)dtsim::cli::load_device(ConfigNode::load_string(b, "fuzz.yaml"));
       }},
      {"model",
       [](const std::string& b) {
         (void)dtsim::cli::load_transformer(ConfigNode::load_string(b, "fuzz.yaml"));
       }},
      {"calibration",
       [](const std::string& b) {
         (void)dtsim::cli::load_calibration_document(ConfigNode::load_string(b, "fuzz.yaml"));
       }},
      {"graph_json",
       [](const std::string& b) {
         dtsim::simcore::Workload w = dtsim::cli::load_graph_json(file_key(file, b), 8);
         (void)w.op_count();
       }},
      {"chakra_json",
       [](const std::string& b) { import_all_ways(chakra::parse_feeder_json(b, "fuzz.json")); }},
      {"faults",
       [](const std::string& b) {
         static const dtsim::topologies::Topology topo =
             dtsim::cli::load_topology(ConfigNode::load_string(kFaultTopology, "topology.yaml"));
         (void)dtsim::cli::load_faults(ConfigNode::load_string(b, "fuzz.yaml"), topo);
       }},
      {"availability",
       [](const std::string& b) {
         (void)dtsim::cli::read_availability_trace(file_key(file, b), 1000);
       }},
      {"grid", [](const std::string& b) { (void)dtsim::cli::sweep::parse_grid_axis(b); }},
      {"set",
       [](const std::string& b) {
         static MemFile scenario("set_fuzz_scenario");
         static const bool written = scenario.write(kSetScenario);
         if (!written) std::abort();
         std::vector<std::string> sets;
         size_t start = 0;
         while (start <= b.size() && sets.size() < 16) {
           size_t end = b.find('\n', start);
           if (end == std::string::npos) end = b.size();
           sets.push_back(b.substr(start, end - start));
           start = end + 1;
         }
         dtsim::cli::Scenario s = dtsim::cli::load_scenario(scenario.path, sets);
         (void)s.workload.op_count();
       }},
  };
  return table;
}

const Loader* g_loader = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  std::string name;
  for (int i = 1; i < *argc; ++i)
    if (std::strncmp((*argv)[i], "--loader=", 9) == 0) name = (*argv)[i] + 9;
  if (const char* env = std::getenv("DTSIM_FUZZ_LOADER"); name.empty() && env) name = env;
  auto it = loaders().find(name);
  if (it == loaders().end()) {
    std::fprintf(stderr, "loader_fuzz: pass --loader=NAME (or DTSIM_FUZZ_LOADER); NAME is one of:");
    for (const auto& [n, _] : loaders()) std::fprintf(stderr, " %s", n.c_str());
    std::fprintf(stderr, "\n");
    std::exit(2);
  }
  g_loader = &it->second;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (*g_loader)(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const dtsim::simcore::ConfigError&) {
  }
  return 0;
}
