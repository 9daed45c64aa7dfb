#include "topologies/presets.h"

#include <fmt/format.h>

#include "topologies/builder_checks.h"

namespace dtsim::topologies {

using detail::bad;
using detail::check_at_least;

Topology build_nvl72(const Nvl72Params& p) {
  constexpr std::string_view kName = "nvl72";
  check_at_least(kName, "racks", p.racks, 1);
  check_at_least(kName, "gpus_per_rack", p.gpus_per_rack, 1);
  if (p.racks == 1) return build_nvswitch_node({p.gpus_per_rack, p.nvlink});
  RailFatTreeParams f;
  f.nodes = p.racks;
  f.gpus_per_node = p.gpus_per_rack;
  f.nvlink = p.nvlink;
  f.pcie = p.pcie;
  f.nic = p.nic;
  f.spine = p.spine;
  f.spines = p.spines;
  return build_rail_optimized_fat_tree(f);
}

Topology build_dgx_superpod(const DgxSuperpodParams& p) {
  constexpr std::string_view kName = "dgx_superpod";
  check_at_least(kName, "nodes", p.nodes, 1);
  check_at_least(kName, "gpus_per_node", p.gpus_per_node, 1);
  check_at_least(kName, "scalable_unit", p.scalable_unit, 1);
  if (p.nodes > p.scalable_unit && p.nodes % p.scalable_unit != 0)
    bad(kName, "nodes",
        fmt::format("at most scalable_unit ({0}) or a multiple of it", p.scalable_unit),
        std::to_string(p.nodes));
  RailFatTreeParams f;
  f.nodes = p.nodes;
  f.gpus_per_node = p.gpus_per_node;
  f.nvlink = p.nvlink;
  f.pcie = p.pcie;
  f.nic = p.nic;
  f.spine = p.spine;
  f.spines = p.spines;
  f.oversubscription = p.oversubscription;
  f.nodes_per_leaf = p.nodes > p.scalable_unit ? p.scalable_unit : 0;  // 0: one leaf group
  f.leaf_ports = p.scalable_unit;  // a leaf is built for a whole SU, however many nodes are present
  return build_rail_optimized_fat_tree(f);
}

}  // namespace dtsim::topologies
