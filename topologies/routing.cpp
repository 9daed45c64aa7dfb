#include "topologies/routing.h"

#include <algorithm>
#include <functional>
#include <limits>

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/filtered_graph.hpp>
#include <boost/graph/visitors.hpp>
#include <fmt/format.h>

#include "simcore/rng.h"

namespace dtsim::topologies {

using simcore::ConfigError;

/** Next hops toward one destination: for node u, next[begin[u] .. begin[u+1]) = (link, node). */
struct Router::Table {
  std::vector<int32_t> dist;
  std::vector<uint32_t> begin;
  std::vector<std::pair<uint32_t, uint32_t>> next;
};

Router::Router(const Topology& topology) : topo_(topology) {
  tables_.resize(topology.nodes().size());
}
Router::~Router() = default;

const Router::Table& Router::table(uint32_t dst, bool avoid_down) const {
  if (avoid_down && up_tables_.empty()) up_tables_.resize(tables_.size());
  auto& slot = (avoid_down ? up_tables_ : tables_).at(dst);
  if (slot) return *slot;
  const auto& nodes = topo_.nodes();
  const auto& g = topo_.graph();
  const size_t n = nodes.size();
  auto t = std::make_unique<Table>();
  constexpr int32_t kInf = std::numeric_limits<int32_t>::max();

  // BFS from dst over the nodes that may carry transit traffic (and dst itself).
  auto keep = [&](uint32_t v) { return v == dst || nodes[v].forwards; };
  // Links that are down are not edges (faults); with none down every edge is kept.
  auto up = [this, avoid_down](uint32_t link) { return !avoid_down || !down_[link]; };
  auto edge_up = [&](const Topology::Graph::edge_descriptor& e) { return up(g[e]); };
  std::vector<int32_t> dist(n, kInf);
  dist[dst] = 0;
  auto bfs = [&](const auto& edges) {
    boost::filtered_graph<Topology::Graph, std::decay_t<decltype(edges)>,
                          std::function<bool(uint32_t)>>
        fg(g, edges, std::function<bool(uint32_t)>(keep));
    boost::breadth_first_search(
        fg, dst,
        boost::visitor(
            boost::make_bfs_visitor(boost::record_distances(dist.data(), boost::on_tree_edge())))
            .color_map(boost::make_iterator_property_map(
                std::vector<boost::default_color_type>(n).begin(),
                boost::get(boost::vertex_index, g))));
  };
  if (!avoid_down)
    bfs(boost::keep_all());
  else
    bfs(std::function<bool(Topology::Graph::edge_descriptor)>(edge_up));
  // Non-forwarding nodes (other than dst) are sources only: one hop beyond a forwarding neighbour.
  for (uint32_t u = 0; u < n; ++u) {
    if (keep(u)) continue;
    for (auto [e, end] = boost::out_edges(u, g); e != end; ++e) {
      uint32_t v = static_cast<uint32_t>(boost::target(*e, g));
      if (up(g[*e]) && keep(v) && dist[v] != kInf) dist[u] = std::min(dist[u], dist[v] + 1);
    }
  }
  t->begin.assign(n + 1, 0);
  for (uint32_t u = 0; u < n; ++u) {
    t->begin[u] = static_cast<uint32_t>(t->next.size());
    if (u == dst || dist[u] == kInf) continue;
    std::vector<std::pair<uint32_t, uint32_t>> hops;
    for (auto [e, end] = boost::out_edges(u, g); e != end; ++e) {
      uint32_t v = static_cast<uint32_t>(boost::target(*e, g));
      if (up(g[*e]) && keep(v) && dist[v] == dist[u] - 1) hops.emplace_back(g[*e], v);
    }
    std::sort(hops.begin(), hops.end());  // deterministic order (by link id)
    t->next.insert(t->next.end(), hops.begin(), hops.end());
  }
  t->begin[n] = static_cast<uint32_t>(t->next.size());
  t->dist = std::move(dist);
  slot = std::move(t);
  return *slot;
}

void Router::set_link_down(uint32_t link, bool down) {
  DTSIM_ASSERT(link < topo_.links().size(), "no such link");
  if (down_.empty()) {
    if (!down) return;
    down_.assign(topo_.links().size(), 0);
  }
  if (static_cast<bool>(down_[link]) == down) return;
  down_[link] = down ? 1 : 0;
  down_count_ = down ? down_count_ + 1 : down_count_ - 1;
  for (auto& t : up_tables_) t.reset();
}

const Router::Table& Router::table_for(uint32_t src, uint32_t dst) const {
  if (down_count_ > 0) {
    const Table& up = table(dst, true);
    if (up.dist[src] != std::numeric_limits<int32_t>::max()) return up;
  }
  return table(dst);
}

bool Router::reachable_avoiding_down(uint32_t src, uint32_t dst) const {
  if (src == dst) return true;
  const Table& t = down_count_ > 0 ? table(dst, true) : table(dst);
  return t.dist[src] != std::numeric_limits<int32_t>::max();
}

int Router::hops(uint32_t src, uint32_t dst) const {
  if (src == dst) return 0;
  int32_t d = table_for(src, dst).dist[src];
  return d == std::numeric_limits<int32_t>::max() ? -1 : d;
}

Path Router::route(uint32_t src, uint32_t dst, uint64_t flow_hash) const {
  Path scratch;
  const Path& p = route(src, dst, flow_hash, scratch);
  if (&p == &scratch) return scratch;  // moved (a local)
  return p;
}

const Path& Router::route(uint32_t src, uint32_t dst, uint64_t flow_hash, Path& p) const {
  // A route with no choice on any hop does not depend on the hash, nor (while no link is down,
  // and routes computed with none down are all the cache holds) on anything else.
  const uint64_t pair = (uint64_t{src} << 32) | dst;
  if (down_count_ == 0) {
    auto it = unique_routes_.find(pair);
    if (it != unique_routes_.end()) return it->second;
  }
  const Table& t = table_for(src, dst);
  const auto& nodes = topo_.nodes();
  if (src == dst || t.dist[src] == std::numeric_limits<int32_t>::max())
    throw ConfigError(fmt::format("no route from '{}' to '{}'", nodes[src].name, nodes[dst].name));
  p.channels.clear();
  p.channels.reserve(t.dist[src]);
  p.latency = Time::zero();
  p.bottleneck_bytes_per_s = std::numeric_limits<double>::infinity();
  uint32_t u = src;
  bool choice = false;
  for (int hop = 0; u != dst; ++hop) {
    uint32_t b = t.begin[u], e = t.begin[u + 1];
    DTSIM_ASSERT(e > b, "routing table has no next hop");
    choice = choice || e - b > 1;
    uint32_t pick = b + (e - b == 1 ? 0 : simcore::mix64(flow_hash ^ (uint64_t(hop) << 56) ^ u) % (e - b));
    auto [link, v] = t.next[pick];
    uint32_t ch = topo_.channel(link, u);
    p.channels.push_back(ch);
    p.latency += topo_.links()[link].latency;
    p.bottleneck_bytes_per_s = std::min(p.bottleneck_bytes_per_s, topo_.channel_capacity(ch));
    u = v;
  }
  if (!choice && down_count_ == 0 && unique_routes_.size() < kMaxUniqueRoutes)
    return unique_routes_.emplace(pair, p).first->second;
  return p;
}

}  // namespace dtsim::topologies
