// `workload.kind: graph_json`: the workload graph read from its JSON form
// (tools/dtsim/graph_json_loader.h); no report section of its own.
#include "tools/dtsim/config_schema.h"
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
  static const KeySchema schema(
      {KeySpec("kind", "graph_json").mandatory(),
       KeySpec("file", "the workload graph's JSON file (tools/dtsim/graph_json_loader.h)")
           .mandatory()});
  k.schema = &schema;
  k.load = load;
  return k;
}

}  // namespace dtsim::cli::kinds
