#include "topologies/builders.h"

#include <cmath>
#include <limits>
#include <string_view>

#include <fmt/format.h>

#include "simcore/error.h"
#include "topologies/builder_checks.h"

namespace dtsim::topologies {

namespace {

using detail::bad;
using detail::check_at_least;
using detail::check_size;

/** Validates a LinkSpec; `check_bw` is false for specs whose bandwidth is computed. */
void check_link(std::string_view builder, std::string_view field, const LinkSpec& l,
                bool check_bw = true) {
  if (l.link_class.empty())
    bad(builder, fmt::format("{}.link_class", field), "a link class, e.g. \"nvlink\"", "\"\"");
  if (check_bw && !(l.bw_bytes_per_s > 0 && std::isfinite(l.bw_bytes_per_s)))
    bad(builder, fmt::format("{}.bw_bytes_per_s", field), "a positive finite bandwidth",
        fmt::format("{}", l.bw_bytes_per_s));
  if (l.latency < Time::zero())
    bad(builder, fmt::format("{}.latency", field), "a non-negative latency", l.latency.str());
}

uint32_t connect(Topology& t, uint32_t a, uint32_t b, const LinkSpec& l, double bw_bytes_per_s) {
  return t.add_link(
      Link{a, b, l.link_class, bw_bytes_per_s, bw_bytes_per_s, l.latency, l.full_duplex});
}
uint32_t connect(Topology& t, uint32_t a, uint32_t b, const LinkSpec& l) {
  return connect(t, a, b, l, l.bw_bytes_per_s);
}

/** Adds accelerators gpu0..gpu{n-1}; returns their ids. */
std::vector<uint32_t> add_gpus(Topology& t, int n, bool forwards) {
  std::vector<uint32_t> ids;
  ids.reserve(n);
  for (int i = 0; i < n; ++i)
    ids.push_back(t.add_node(fmt::format("gpu{}", i), NodeKind::kAccelerator, forwards));
  return ids;
}

}  // namespace

Topology build_switch(int endpoints, const LinkSpec& link) {
  check_at_least("switch", "endpoints", endpoints, 1);
  check_link("switch", "link", link);
  check_size("switch", endpoints, endpoints + 1.0, endpoints);
  Topology t;
  auto gpus = add_gpus(t, endpoints, false);
  uint32_t sw = t.add_node("sw", NodeKind::kSwitch);
  for (uint32_t g : gpus) connect(t, g, sw, link);
  return t;
}

Topology build_ring(int n, const LinkSpec& link) {
  check_at_least("ring", "n", n, 2);
  check_link("ring", "link", link);
  check_size("ring", n, n, n);
  Topology t;
  auto gpus = add_gpus(t, n, true);
  // With n == 2, i = 1 would add a second link 1 <-> 0 in parallel with the first: skip it.
  for (int i = 0; i < (n == 2 ? 1 : n); ++i) connect(t, gpus[i], gpus[(i + 1) % n], link);
  return t;
}

Topology build_fully_connected(int n, const LinkSpec& link) {
  check_at_least("fully_connected", "n", n, 1);
  check_link("fully_connected", "link", link);
  check_size("fully_connected", n, n, 0.5 * n * (n - 1.0));
  Topology t;
  auto gpus = add_gpus(t, n, false);
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) connect(t, gpus[i], gpus[j], link);
  return t;
}

Topology build_torus(const std::vector<int>& dims, const LinkSpec& link) {
  if (dims.size() != 2 && dims.size() != 3)
    bad("torus", "dims", "2 or 3 entries", std::to_string(dims.size()));
  int64_t total = 1;
  for (size_t d = 0; d < dims.size(); ++d) {
    check_at_least("torus", fmt::format("dims[{}]", d), dims[d], 1);
    total *= dims[d];
    if (total > std::numeric_limits<int32_t>::max())
      bad("torus", "dims", "at most 2^31-1 nodes in all", "more");
  }
  check_link("torus", "link", link);
  check_size("torus", static_cast<double>(total), static_cast<double>(total),
             static_cast<double>(total) * static_cast<double>(dims.size()));
  Topology t;
  const int n = static_cast<int>(total);
  auto gpus = add_gpus(t, n, true);
  // Row-major strides: stride[last] = 1.
  std::vector<int> stride(dims.size(), 1);
  for (size_t d = dims.size() - 1; d > 0; --d) stride[d - 1] = stride[d] * dims[d];
  for (int r = 0; r < n; ++r) {
    for (size_t d = 0; d < dims.size(); ++d) {
      const int k = dims[d];
      const int c = (r / stride[d]) % k;
      if (k == 1 || (k == 2 && c == 1)) continue;  // size 2: only the 0 -> 1 link
      const int next = r + (((c + 1) % k) - c) * stride[d];
      connect(t, gpus[r], gpus[next], link);
    }
  }
  return t;
}

NvswitchBox add_nvswitch_box(Topology& t, int box, const NvswitchNodeParams& params) {
  check_at_least("nvswitch_node", "gpus", params.gpus, 1);
  check_link("nvswitch_node", "nvlink", params.nvlink);
  NvswitchBox out;
  out.gpus.reserve(params.gpus);
  for (int i = 0; i < params.gpus; ++i)
    out.gpus.push_back(
        t.add_node(fmt::format("n{}.gpu{}", box, i), NodeKind::kAccelerator, false, box));
  out.nvswitch = t.add_node(fmt::format("n{}.nvswitch", box), NodeKind::kSwitch, true, box);
  for (uint32_t g : out.gpus) connect(t, g, out.nvswitch, params.nvlink);
  return out;
}

Topology build_nvswitch_node(const NvswitchNodeParams& params) {
  check_size("nvswitch_node", params.gpus, params.gpus + 1.0, params.gpus);
  Topology t;
  add_nvswitch_box(t, 0, params);
  return t;
}

Topology build_rail_optimized_fat_tree(const RailFatTreeParams& p) {
  constexpr std::string_view kName = "rail_optimized_fat_tree";
  check_at_least(kName, "nodes", p.nodes, 1);
  check_at_least(kName, "gpus_per_node", p.gpus_per_node, 1);
  check_at_least(kName, "spines", p.spines, 0);
  check_at_least(kName, "nodes_per_leaf", p.nodes_per_leaf, 0);
  if (p.nodes_per_leaf > 0 && p.nodes % p.nodes_per_leaf != 0)
    bad(kName, "nodes_per_leaf", fmt::format("a divisor of nodes ({})", p.nodes),
        std::to_string(p.nodes_per_leaf));
  const int per_leaf = p.nodes_per_leaf == 0 ? p.nodes : p.nodes_per_leaf;
  check_at_least(kName, "leaf_ports", p.leaf_ports, 0);
  if (p.leaf_ports > 0 && p.leaf_ports < per_leaf)
    bad(kName, "leaf_ports", fmt::format("0 or at least the nodes under a leaf ({})", per_leaf),
        std::to_string(p.leaf_ports));
  if (!(p.oversubscription >= 1.0 && std::isfinite(p.oversubscription)))
    bad(kName, "oversubscription", "a finite ratio >= 1", fmt::format("{}", p.oversubscription));
  check_link(kName, "nvlink", p.nvlink);
  check_link(kName, "pcie", p.pcie);
  check_link(kName, "nic", p.nic);
  check_link(kName, "spine", p.spine, /*check_bw=*/false);

  const int gpn = p.gpus_per_node;
  const int groups = p.nodes / per_leaf;
  const int spines = p.spines == 0 ? gpn : p.spines;
  {  // N(2G + 1) + G L + S nodes; N 3G + G L S links (see the header)
    const double n = p.nodes, g = gpn, l = groups, s = spines;
    check_size(kName, n * g, n * (2 * g + 1) + g * l + s, 3 * n * g + g * l * s);
  }
  const int ports = p.leaf_ports == 0 ? per_leaf : p.leaf_ports;
  const double uplink_bytes_per_s = ports * p.nic.bw_bytes_per_s / p.oversubscription / spines;

  Topology t;
  NvswitchNodeParams box_params{gpn, p.nvlink};
  std::vector<std::vector<uint32_t>> nics(p.nodes);  // [node][rail]
  for (int b = 0; b < p.nodes; ++b) {
    NvswitchBox box = add_nvswitch_box(t, b, box_params);
    for (int i = 0; i < gpn; ++i) {
      uint32_t nic = t.add_node(fmt::format("n{}.nic{}", b, i), NodeKind::kNic, true, b);
      connect(t, box.gpus[i], nic, p.pcie);
      nics[b].push_back(nic);
    }
  }
  std::vector<uint32_t> leaves;
  for (int r = 0; r < gpn; ++r) {
    for (int g = 0; g < groups; ++g) {
      uint32_t leaf = t.add_node(fmt::format("leaf.r{}.g{}", r, g), NodeKind::kSwitch);
      for (int b = g * per_leaf; b < (g + 1) * per_leaf; ++b) connect(t, nics[b][r], leaf, p.nic);
      leaves.push_back(leaf);
    }
  }
  for (int s = 0; s < spines; ++s) {
    uint32_t spine = t.add_node(fmt::format("spine{}", s), NodeKind::kSwitch);
    for (uint32_t leaf : leaves) connect(t, leaf, spine, p.spine, uplink_bytes_per_s);
  }
  return t;
}

Topology build_ub_supernode(const UbSupernodeParams& p) {
  constexpr std::string_view kName = "ub_supernode";
  check_at_least(kName, "supernodes", p.supernodes, 1);
  check_at_least(kName, "nodes", p.nodes, 1);
  check_at_least(kName, "npus_per_node", p.npus_per_node, 1);
  check_at_least(kName, "l2_switches", p.l2_switches, 1);
  check_link(kName, "ub", p.ub);
  check_link(kName, "ub_l2", p.ub_l2, /*check_bw=*/false);
  check_link(kName, "rdma", p.rdma);
  check_link(kName, "rdma_uplink", p.rdma_uplink, /*check_bw=*/false);
  const int P = p.npus_per_node;
  {  // per node: P NPUs, P NICs, a UB switch, a ToR; per supernode: L2 switches and a leaf
    const double s = p.supernodes, n = p.nodes, np = P, l2 = p.l2_switches;
    check_size(kName, s * n * np, s * n * (2 * np + 2) + s * (l2 + 1) + 1,
               s * n * (3 * np + l2 + 1) + s);
  }
  Topology t;
  std::vector<uint32_t> leaves;
  for (int s = 0; s < p.supernodes; ++s) {
    std::vector<uint32_t> node_switches, tors;
    for (int n = 0; n < p.nodes; ++n) {
      const int box = s * p.nodes + n;
      std::vector<uint32_t> npus;
      for (int i = 0; i < P; ++i)
        npus.push_back(t.add_node(fmt::format("s{}.n{}.npu{}", s, n, i), NodeKind::kAccelerator,
                                  std::nullopt, box));
      uint32_t ub = t.add_node(fmt::format("s{}.n{}.ub", s, n), NodeKind::kSwitch, std::nullopt, box);
      uint32_t tor = t.add_node(fmt::format("s{}.n{}.tor", s, n), NodeKind::kSwitch, std::nullopt, box);
      for (int i = 0; i < P; ++i) {
        connect(t, npus[i], ub, p.ub);
        uint32_t nic = t.add_node(fmt::format("s{}.n{}.nic{}", s, n, i), NodeKind::kNic, true, box);
        connect(t, npus[i], nic, p.rdma);
        connect(t, nic, tor, p.rdma);
      }
      node_switches.push_back(ub);
      tors.push_back(tor);
    }
    for (int k = 0; k < p.l2_switches; ++k) {
      uint32_t l2 = t.add_node(fmt::format("s{}.ub_l2.{}", s, k), NodeKind::kSwitch);
      for (uint32_t ub : node_switches) connect(t, ub, l2, p.ub_l2, P * p.ub.bw_bytes_per_s / p.l2_switches);
    }
    uint32_t leaf = t.add_node(fmt::format("s{}.roce_leaf", s), NodeKind::kSwitch);
    for (uint32_t tor : tors) connect(t, tor, leaf, p.rdma_uplink, P * p.rdma.bw_bytes_per_s);
    leaves.push_back(leaf);
  }
  uint32_t roce_spine = t.add_node("roce_spine", NodeKind::kSwitch);
  for (uint32_t leaf : leaves)
    connect(t, leaf, roce_spine, p.rdma_uplink, p.nodes * P * p.rdma.bw_bytes_per_s);
  return t;
}

}  // namespace dtsim::topologies
