#pragma once
/**
 * A scenario, loaded from YAML and validated into plain structs: the cluster (topology and
 * device), the workload graph (generated or imported), the network model and run options.
 * This is the only place (with the loaders it calls) that reads scenario YAML; the `workload:`
 * block is read by its kind's module (kinds/registry.h), looked up by name.
 *
 * Errors: ConfigError at file:line:column for every bad input (see README, "Bad input").
 */
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "models/collectives/algorithm.h"
#include "models/compute/device_spec.h"
#include "models/workloads/memory_model.h"
#include "models/network/faults.h"
#include "models/network/links/link_model.h"
#include "models/compute/calibration.h"
#include "simcore/resource_guard.h"
#include "simcore/workload.h"
#include "tools/dtsim/config_node.h"
#include "tools/dtsim/node_devices.h"
#include "topologies/topology.h"

namespace dtsim::cli::kinds {
struct WorkloadKind;
class WorkloadInfo;
}  // namespace dtsim::cli::kinds

namespace dtsim::cli {

struct Scenario {
  std::string file;
  std::string name;
  topologies::Topology topology;
  compute::DeviceSpec device;
  /** `cluster.calibration`: the device's measured kernel times; null: the roofline prices all. */
  std::shared_ptr<const compute::CalibrationTable> calibration;
  /** `cluster.node_devices`: the devices of the cluster's first ranks, by class in rank order
   *  (node_devices.h); ranks past them run on `device`. Empty: every rank runs on `device`. */
  std::vector<DeviceClass> node_devices;
  simcore::SourceLocation node_devices_at;  ///< where `cluster.node_devices` is, for errors
  /** The workload's kind (kinds/registry.h): its module reads `info` back for the report. */
  const kinds::WorkloadKind* kind = nullptr;
  std::shared_ptr<const kinds::WorkloadInfo> info;  ///< the kind's own; null for some kinds
  simcore::Workload workload;
  std::string compute_dtype = "bf16";  ///< for MFU
  bool memory_overflow = false;        ///< the model does not fit (on_overflow: warn)
  std::optional<workloads::MemoryBreakdown> memory;  ///< the most loaded rank, bytes
  std::string network_model = "flow";  ///< flow | analytical
  int chunks = 1;
  int connections = collectives::kDefaultConnectionsPerPair;  ///< `network.connections`: TCP connections per peer pair (pccl_ring)
  double batch_tolerance = 1e-4;  ///< flow back-end completion batching (relative)
  bool reuse_timings = true;  ///< `network.reuse_timings`: reuse exclusive collectives' timings
  network::LinkModelSpecs links;  ///< `network.links`: link class -> its model (flow back-end)
  network::FaultPlan faults;      ///< `faults:` (flow back-end); empty: none
  uint64_t seed = 1;
  std::string report_path, trace_path;  ///< from `outputs:` (resolved), may be empty
  /** The scenario file's document after `--set` (scalars as text), for the report. Files it
   *  names (topology, device, model) are recorded by path, not inlined. */
  nlohmann::ordered_json config;
  /** What the scenario may use (`--max-memory`, `--force`): builders and generators check their
   *  estimates against it before they allocate. */
  simcore::ResourceLimits limits;
};

/** The scenario file's YAML with `--set key=value` overrides applied, its keys not yet checked
 *  (a sweep reads its `sweep:` block from it). Errors: ConfigError for a file that cannot be
 *  read, invalid YAML, a document that is not a map, a malformed override. */
ConfigNode load_scenario_document(const std::string& path, const std::vector<std::string>& sets);

/** Loads `path` with `--set key=value` overrides applied; `limits` is the resource guard its
 *  generators check their estimates against (simcore/resource_guard.h). */
Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets = {},
                       const simcore::ResourceLimits& limits = {});
/** Loads a scenario document already parsed (`dtsim nccl-tests` builds one from its flags);
 *  `path` names it in the report and errors. */
Scenario load_scenario(const ConfigNode& root, const std::string& path,
                       const simcore::ResourceLimits& limits = {});

}  // namespace dtsim::cli
