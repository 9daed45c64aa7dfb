// `workload.kind: graph_json`: the workload graph read from its JSON form
// (tools/dtsim/graph_json_loader.h); no report section of its own.
#include "tools/dtsim/graph_json_loader.h"
#include "tools/dtsim/kinds/registry.h"

namespace dtsim::cli::kinds {

namespace {

void load(Scenario& s, const ConfigNode& w) {
  s.workload = load_graph_json(w["file"], s.topology.rank_count());
}

}  // namespace

WorkloadKind graph_json_kind() {
  WorkloadKind k;
  k.name = "graph_json";
  k.keys = {"kind", "file"};
  k.load = load;
  return k;
}

}  // namespace dtsim::cli::kinds
