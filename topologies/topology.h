#pragma once
/**
 * The cluster graph: nodes (accelerator, NIC, switch, host) and links, on Boost.Graph.
 *
 * A link joins two nodes, has a class (`nvlink`, `ub`, `infiniband`, `roce`, `ethernet`, `pcie`,
 * ...), a bandwidth per direction and a latency, and is full-duplex unless said otherwise. Each
 * direction of a full-duplex link is its own *channel* with its own capacity (what the flow
 * back-end shares under max-min fairness); a half-duplex link has one channel for both directions.
 *
 * Ranks are the accelerators, numbered in the order they were added.
 * Units: bandwidth in bytes per second; latency as Time.
 * Errors: ConfigError on a duplicate node name, a link to an undefined node, a self-link or a
 * non-positive bandwidth.
 *
 *     Topology t;
 *     auto g0 = t.add_node("gpu0", NodeKind::kAccelerator);
 *     auto sw = t.add_node("sw", NodeKind::kSwitch);
 *     t.add_link({g0, sw, "nvlink", 450e9, 450e9, Time::us(1), true});
 */
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "simcore/time.h"

namespace dtsim::topologies {

using simcore::Time;

enum class NodeKind : uint8_t { kAccelerator, kNic, kSwitch, kHost };
std::string_view to_string(NodeKind k);
std::optional<NodeKind> parse_node_kind(std::string_view s);

struct Node {
  std::string name;
  NodeKind kind = NodeKind::kSwitch;
  /** Whether traffic between two other nodes may pass through this node. Default: switches and
   *  NICs forward; accelerators and hosts do not (ring and torus builders turn it on). */
  bool forwards = true;
  /** Index of the server/box this node belongs to (-1: none); hierarchical collectives use it. */
  int box = -1;
};

struct Link {
  uint32_t a = 0, b = 0;
  std::string link_class;
  double bw_ab_bytes_per_s = 0;  ///< capacity from a to b
  double bw_ba_bytes_per_s = 0;  ///< capacity from b to a
  Time latency;
  bool full_duplex = true;
};

class Topology {
 public:
  /** Undirected graph; each edge's property is its index into links(). */
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS,
                                      boost::no_property, uint32_t>;

  /** Adds a node; returns its id. `forwards` defaults by kind (see Node). */
  uint32_t add_node(std::string name, NodeKind kind, std::optional<bool> forwards = {},
                    int box = -1);
  /** Adds a link; returns its id. */
  uint32_t add_link(Link link);
  std::optional<uint32_t> find_node(std::string_view name) const;

  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Link>& links() const { return links_; }
  const Graph& graph() const { return graph_; }
  /** Accelerator node ids, rank order. */
  const std::vector<uint32_t>& ranks() const { return ranks_; }
  int rank_count() const { return static_cast<int>(ranks_.size()); }

  /** Channel of `link` in the direction leaving `from`: 2*link (a->b or half duplex), 2*link+1. */
  uint32_t channel(uint32_t link, uint32_t from) const {
    const Link& l = links_[link];
    return 2 * link + ((l.full_duplex && from == l.b) ? 1 : 0);
  }
  size_t channel_count() const { return 2 * links_.size(); }
  double channel_capacity(uint32_t ch) const {
    const Link& l = links_[ch / 2];
    return (ch % 2) ? l.bw_ba_bytes_per_s : l.bw_ab_bytes_per_s;
  }
  const std::string& channel_class(uint32_t ch) const { return links_[ch / 2].link_class; }
  /** Whether a channel id is in use (the b->a channel of a half-duplex link is not). */
  bool channel_exists(uint32_t ch) const { return ch % 2 == 0 || links_[ch / 2].full_duplex; }

 private:
  std::vector<Node> nodes_;
  std::vector<Link> links_;
  std::vector<uint32_t> ranks_;
  std::unordered_map<std::string, uint32_t> by_name_;
  Graph graph_;
};

}  // namespace dtsim::topologies
