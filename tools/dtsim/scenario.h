#pragma once
/**
 * A scenario, loaded from YAML and validated into plain structs: the cluster (topology and
 * device), the workload graph (generated or imported), the network model and run options.
 * This is the only place (with the loaders it calls) that reads scenario YAML.
 *
 * Errors: ConfigError at file:line:column for every bad input (see README, "Bad input").
 */
#include <optional>
#include <string>
#include <vector>

#include "models/compute/device_spec.h"
#include "models/workloads/collective_sweep.h"
#include "models/workloads/chakra/chakra_import.h"
#include "models/workloads/chakra/trace_files.h"
#include "models/workloads/data_parallel.h"
#include "models/workloads/transformer_parallel.h"
#include "simcore/workload.h"
#include "topologies/topology.h"

namespace dtsim::cli {

struct Scenario {
  std::string file;
  std::string name;
  topologies::Topology topology;
  compute::DeviceSpec device;
  std::string workload_kind;  ///< collective_sweep | data_parallel | transformer | graph_json | chakra
  simcore::Workload workload;
  std::optional<workloads::CollectiveSweepParams> sweep;
  std::optional<workloads::DataParallelInfo> data_parallel;
  std::optional<workloads::chakra::ImportStats> chakra;
  std::optional<workloads::TransformerInfo> transformer;
  std::string compute_dtype = "bf16";  ///< for MFU
  bool memory_overflow = false;        ///< the model does not fit (on_overflow: warn)
  std::optional<workloads::MemoryBreakdown> memory;  ///< the most loaded rank, bytes
  std::string network_model = "flow";  ///< flow | analytical
  int chunks = 1;
  double batch_tolerance = 1e-4;  ///< flow back-end completion batching (relative)
  uint64_t seed = 1;
  std::string report_path, trace_path;  ///< from `outputs:` (resolved), may be empty
};

/** Loads `path` with `--set key=value` overrides applied. */
Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets = {});

}  // namespace dtsim::cli
