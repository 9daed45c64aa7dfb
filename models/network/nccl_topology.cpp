#include "models/network/nccl_topology.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

namespace dtsim::network {

collectives::NcclGroupFacts nccl_group_facts(const topologies::Topology& topo,
                                             const std::vector<int>& members) {
  struct Box {
    std::set<uint32_t> nics;
    std::set<uint32_t> switches;  // NVSwitches seen by its GPUs
    int gpus = 0;
    int on_switch = 0;  // GPUs with an NVLink to a switch of the box
    int nvlinked = 0;   // GPUs with any NVLink
  };
  std::map<int, Box> boxes;
  const auto& g = topo.graph();
  for (int m : members) {
    const uint32_t v = topo.ranks().at(m);
    Box& b = boxes[topo.nodes()[v].box];
    ++b.gpus;
    bool sw = false, nvl = false;
    for (auto [e, end] = boost::out_edges(v, g); e != end; ++e) {
      const uint32_t u = static_cast<uint32_t>(boost::target(*e, g));
      const auto& link = topo.links()[g[*e]];
      const auto& node = topo.nodes()[u];
      const bool nvlink = link.link_class == "nvlink";
      nvl = nvl || nvlink;
      if (node.kind == topologies::NodeKind::kNic) b.nics.insert(u);
      if (nvlink && node.kind == topologies::NodeKind::kSwitch && node.box == topo.nodes()[v].box) {
        b.switches.insert(u);
        sw = true;
      }
    }
    b.on_switch += sw;
    b.nvlinked += nvl;
  }
  collectives::NcclGroupFacts f;
  f.nics_per_box = std::numeric_limits<int>::max();
  f.nvswitch = true;
  f.intra_nvlink = true;
  for (const auto& [id, b] : boxes) {
    f.nics_per_box = std::min(f.nics_per_box, static_cast<int>(b.nics.size()));
    f.nvswitch = f.nvswitch && b.switches.size() == 1 && b.on_switch == b.gpus;
    f.intra_nvlink = f.intra_nvlink && b.nvlinked == b.gpus;
  }
  if (boxes.empty()) f = {};
  return f;
}

}  // namespace dtsim::network
