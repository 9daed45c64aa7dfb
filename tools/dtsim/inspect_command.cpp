#include <fmt/format.h>

#include "tools/dtsim/commands.h"
#include "tools/dtsim/config_loaders.h"
#include "tools/dtsim/output_file.h"
#include "topologies/analysis.h"
#include "topologies/routing.h"

namespace dtsim::cli {

int inspect_topology_command(const InspectOptions& o) {
  ConfigNode root = ConfigNode::load_file(o.file);
  // A scenario file names its topology under cluster.topology; a topology file is one itself.
  ConfigNode topo_node = root.has("cluster") ? root["cluster"]["topology"] : root;
  topologies::Topology t = load_topology(topo_node);
  if (!o.dot.empty()) check_writable(o.dot, "the DOT file");
  topologies::Router router(t);
  auto sum = topologies::summarize(t, router);
  fmt::print("topology      {}\n", o.file);
  fmt::print("ranks         {}\n", sum.ranks);
  for (const auto& [kind, n] : sum.nodes_by_kind) fmt::print("nodes         {:<12} {}\n", kind, n);
  for (const auto& [cls, n] : sum.links_by_class)
    fmt::print("links         {:<12} {:>6}   capacity {:.1f} GB/s (all directions)\n", cls, n,
               sum.capacity_by_class_bytes_per_s.at(cls) / 1e9);
  if (sum.pair_metrics_computed)
    fmt::print("diameter      {} hops (max rank-to-rank path latency {})\n", sum.diameter_hops,
               sum.max_rank_path_latency.str());
  else
    fmt::print("diameter      not computed: more than {} ranks (it costs ranks^2 routes)\n",
               topologies::kSummaryMaxPairRanks);
  if (sum.pair_metrics_computed)
    fmt::print("narrowest     {:.1f} GB/s (lowest bottleneck of a rank-to-rank route)\n",
               sum.min_rank_path_bottleneck_bytes_per_s / 1e9);
  fmt::print("bisection     {:.1f} GB/s (max-flow between the two halves of the ranks)\n",
             sum.bisection_bytes_per_s / 1e9);
  if (!o.dot.empty()) {
    write_atomically(o.dot, [&](std::ostream& out) { topologies::write_dot(out, t); });
    fmt::print("dot           {}\n", o.dot);
  }
  return 0;
}

}  // namespace dtsim::cli
