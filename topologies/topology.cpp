#include "topologies/topology.h"

#include <fmt/format.h>

namespace dtsim::topologies {

using simcore::ConfigError;

namespace {
constexpr std::pair<NodeKind, std::string_view> kKinds[] = {
    {NodeKind::kAccelerator, "accelerator"},
    {NodeKind::kNic, "nic"},
    {NodeKind::kSwitch, "switch"},
    {NodeKind::kHost, "host"}};
}

std::string_view to_string(NodeKind k) {
  for (auto& [kind, name] : kKinds)
    if (kind == k) return name;
  return "?";
}

std::optional<NodeKind> parse_node_kind(std::string_view s) {
  for (auto& [kind, name] : kKinds)
    if (name == s) return kind;
  return std::nullopt;
}

uint32_t Topology::add_node(std::string name, NodeKind kind, std::optional<bool> forwards,
                            int box) {
  if (by_name_.count(name)) throw ConfigError(fmt::format("duplicate node name '{}'", name));
  uint32_t id = static_cast<uint32_t>(nodes_.size());
  bool fwd = forwards.value_or(kind == NodeKind::kSwitch || kind == NodeKind::kNic);
  by_name_.emplace(name, id);
  nodes_.push_back(Node{std::move(name), kind, fwd, box});
  if (kind == NodeKind::kAccelerator) ranks_.push_back(id);
  uint32_t v = static_cast<uint32_t>(boost::add_vertex(graph_));
  (void)v;
  return id;
}

uint32_t Topology::add_link(Link link) {
  if (link.a >= nodes_.size() || link.b >= nodes_.size())
    throw ConfigError(fmt::format("link between node ids {} and {}: no such node", link.a, link.b));
  if (link.a == link.b)
    throw ConfigError(fmt::format("link from '{}' to itself", nodes_[link.a].name));
  if (!(link.bw_ab_bytes_per_s > 0) || !(link.bw_ba_bytes_per_s > 0))
    throw ConfigError(fmt::format("link {} - {}: bandwidth must be positive", nodes_[link.a].name,
                                  nodes_[link.b].name));
  if (link.latency < Time::zero())
    throw ConfigError(fmt::format("link {} - {}: latency must not be negative",
                                  nodes_[link.a].name, nodes_[link.b].name));
  uint32_t id = static_cast<uint32_t>(links_.size());
  boost::add_edge(link.a, link.b, id, graph_);
  links_.push_back(std::move(link));
  return id;
}

std::optional<uint32_t> Topology::find_node(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

}  // namespace dtsim::topologies
