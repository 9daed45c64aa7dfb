#include "topologies/edge_cell.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "topologies/builder_checks.h"

namespace dtsim::topologies {

namespace {

using detail::bad;
constexpr const char* kB = "edge_cell";

void check_link(std::string_view field, const LinkSpec& l, bool check_bw) {
  if (l.link_class.empty()) bad(kB, fmt::format("{}.link_class", field), "a link class", "\"\"");
  if (check_bw && !(l.bw_bytes_per_s > 0 && std::isfinite(l.bw_bytes_per_s)))
    bad(kB, fmt::format("{}.bw_bytes_per_s", field), "a positive finite bandwidth",
        fmt::format("{}", l.bw_bytes_per_s));
  if (l.latency < Time::zero())
    bad(kB, fmt::format("{}.latency", field), "a non-negative latency", l.latency.str());
}

void check_rate(std::string_view field, double r) {
  if (!(r > 0 && std::isfinite(r))) bad(kB, field, "a positive finite rate", fmt::format("{}", r));
}

}  // namespace

Topology build_edge_cell(const EdgeCellParams& p) {
  if (p.cells.empty()) bad(kB, "cells", "at least one cell", "none");
  if (p.clients.empty()) bad(kB, "clients", "at least one client", "none");
  check_link("backhaul", p.backhaul, true);
  std::vector<std::string> names;
  for (size_t c = 0; c < p.cells.size(); ++c) {
    const auto& cell = p.cells[c];
    const std::string f = fmt::format("cells[{}]", c);
    if (cell.name.empty() || cell.name == "server" || cell.name == "core" ||
        cell.name.rfind("client", 0) == 0 ||
        std::find(names.begin(), names.end(), cell.name) != names.end())
      bad(kB, f + ".name", "a new name (not server, core, client...)",
          fmt::format("\"{}\"", cell.name));
    names.push_back(cell.name);
    check_link(f + ".uplink", cell.uplink, true);
    check_link(f + ".access", cell.access, false);
  }
  for (size_t i = 0; i < p.clients.size(); ++i) {
    const auto& cl = p.clients[i];
    const std::string f = fmt::format("clients[{}]", i);
    if (std::find(names.begin(), names.end(), cl.cell) == names.end())
      bad(kB, f + ".cell", fmt::format("one of the cells ({})", fmt::join(names, ", ")),
          fmt::format("\"{}\"", cl.cell));
    check_rate(f + ".uplink_bytes_per_s", cl.uplink_bytes_per_s);
    check_rate(f + ".downlink_bytes_per_s", cl.downlink_bytes_per_s);
  }
  Topology t;
  const uint32_t server = t.add_node("server", NodeKind::kAccelerator);
  std::vector<uint32_t> clients;
  for (size_t i = 0; i < p.clients.size(); ++i)
    clients.push_back(t.add_node(fmt::format("client{}", i), NodeKind::kAccelerator));
  const uint32_t core = t.add_node("core", NodeKind::kSwitch);
  auto link = [&t](uint32_t a, uint32_t b, const LinkSpec& l, double ab, double ba) {
    t.add_link(Link{a, b, l.link_class, ab, ba, l.latency, l.full_duplex});
  };
  link(server, core, p.backhaul, p.backhaul.bw_bytes_per_s, p.backhaul.bw_bytes_per_s);
  std::vector<uint32_t> cell_nodes;
  for (const auto& cell : p.cells) {
    cell_nodes.push_back(t.add_node(cell.name, NodeKind::kSwitch));
    link(cell_nodes.back(), core, cell.uplink, cell.uplink.bw_bytes_per_s,
         cell.uplink.bw_bytes_per_s);
  }
  for (size_t i = 0; i < p.clients.size(); ++i) {
    const auto& cl = p.clients[i];
    const size_t c = std::find(names.begin(), names.end(), cl.cell) - names.begin();
    link(clients[i], cell_nodes[c], p.cells[c].access, cl.uplink_bytes_per_s,
         cl.downlink_bytes_per_s);
  }
  return t;
}

EdgeCellParams edge_cell_cells(const Topology& t) {
  const auto server = t.find_node("server");
  const auto core = t.find_node("core");
  if (!server || !core)
    throw simcore::ConfigError(
        {}, "the cluster is not an edge_cell topology (builder: edge_cell): it has no 'server' "
            "and 'core' nodes");
  EdgeCellParams p;
  std::vector<uint32_t> cell_nodes;
  auto spec = [](const Link& l) {
    return LinkSpec{l.link_class, l.bw_ab_bytes_per_s, l.latency, l.full_duplex};
  };
  for (const Link& l : t.links()) {
    if (l.b != *core) continue;
    if (l.a == *server) {
      p.backhaul = spec(l);
    } else {
      p.cells.push_back({t.nodes()[l.a].name, spec(l), {}});
      cell_nodes.push_back(l.a);
    }
  }
  for (size_t c = 0; c < p.cells.size(); ++c) {
    const Link* first = nullptr;
    for (const Link& l : t.links())
      if (l.b == cell_nodes[c] && t.nodes()[l.a].kind == NodeKind::kAccelerator) {
        first = &l;
        break;
      }
    if (first == nullptr)
      throw simcore::ConfigError(
          {}, fmt::format("cell '{}' of the edge_cell cluster has no client to give its access "
                          "link's class and latency",
                          p.cells[c].name));
    p.cells[c].access = spec(*first);
    p.cells[c].access.bw_bytes_per_s = 0;
  }
  return p;
}

}  // namespace dtsim::topologies
