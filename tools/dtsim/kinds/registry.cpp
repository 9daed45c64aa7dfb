#include "tools/dtsim/kinds/registry.h"

namespace dtsim::cli::kinds {

// Each module defines its entry in its own file; adding a kind adds a line here.
WorkloadKind collective_sweep_kind();
WorkloadKind data_parallel_kind();
WorkloadKind transformer_kind();
WorkloadKind graph_json_kind();
WorkloadKind chakra_kind();
WorkloadKind diloco_kind();
WorkloadKind streaming_diloco_kind();
WorkloadKind sparseloco_kind();
WorkloadKind noloco_kind();
WorkloadKind decentralized_kind();
WorkloadKind fedavg_kind();
WorkloadKind moe_dispatch_kind();

const std::vector<WorkloadKind>& workload_kinds() {
  static const std::vector<WorkloadKind> table{collective_sweep_kind(), data_parallel_kind(),
                                               transformer_kind(), graph_json_kind(),
                                               chakra_kind(), diloco_kind(),
                                               streaming_diloco_kind(), sparseloco_kind(),
                                               noloco_kind(), decentralized_kind(), fedavg_kind(),
                                               moe_dispatch_kind()};
  return table;
}

const WorkloadKind& workload_kind(const ConfigNode& kind_node) {
  const auto& table = workload_kinds();
  std::vector<std::string> names;
  for (const WorkloadKind& k : table) names.push_back(k.name);
  const std::string name = kind_node.choice(names);
  for (const WorkloadKind& k : table)
    if (k.name == name) return k;
  kind_node.fail("unknown workload kind");  // unreachable: choice() accepted the name
}

}  // namespace dtsim::cli::kinds
