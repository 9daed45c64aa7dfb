#include "topologies/analysis.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/push_relabel_max_flow.hpp>
#include <fmt/format.h>

namespace dtsim::topologies {

namespace {

using FlowTraits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
struct FlowEdge {
  int64_t capacity = 0;
  int64_t residual = 0;
  FlowTraits::edge_descriptor reverse;
};
using FlowGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property, FlowEdge>;

/** Adds u->v with capacity `cap_uv` and its residual partner v->u with capacity `cap_vu` (a
 *  half-duplex link is one such pair with both capacities set; a full-duplex channel has 0). */
void add_flow_pair(FlowGraph& g, size_t u, size_t v, int64_t cap_uv, int64_t cap_vu) {
  auto e = boost::add_edge(u, v, FlowEdge{cap_uv, 0, {}}, g).first;
  auto r = boost::add_edge(v, u, FlowEdge{cap_vu, 0, {}}, g).first;
  g[e].reverse = r;
  g[r].reverse = e;
}

int64_t whole_bytes_per_s(double cap) { return static_cast<int64_t>(std::llround(cap)); }

/** Max flow from the first floor(R/2) ranks to the others; see summarize(). */
double rank_halves_max_flow(const Topology& t) {
  const auto& nodes = t.nodes();
  const auto& ranks = t.ranks();
  const size_t n = nodes.size();
  if (ranks.size() < 2) return 0.0;

  enum Side : uint8_t { kNone, kFirst, kSecond };
  std::vector<Side> side(n, kNone);
  const size_t half = ranks.size() / 2;
  for (size_t i = 0; i < ranks.size(); ++i) side[ranks[i]] = i < half ? kFirst : kSecond;
  // A node may send into the network if it forwards or is a first-half source; it may receive
  // if it forwards or is a second-half sink. So a non-forwarding node never carries transit.
  auto can_send = [&](uint32_t v) { return nodes[v].forwards || side[v] == kFirst; };
  auto can_recv = [&](uint32_t v) { return nodes[v].forwards || side[v] == kSecond; };

  const size_t source = n, sink = n + 1;
  FlowGraph g(n + 2);
  std::vector<int64_t> out_cap(n, 0), in_cap(n, 0);
  for (uint32_t id = 0; id < t.links().size(); ++id) {
    const Link& l = t.links()[id];
    const int64_t ab =
        (can_send(l.a) && can_recv(l.b)) ? whole_bytes_per_s(l.bw_ab_bytes_per_s) : 0;
    if (l.full_duplex) {
      const int64_t ba =
          (can_send(l.b) && can_recv(l.a)) ? whole_bytes_per_s(l.bw_ba_bytes_per_s) : 0;
      if (ab > 0) add_flow_pair(g, l.a, l.b, ab, 0);
      if (ba > 0) add_flow_pair(g, l.b, l.a, ba, 0);
      out_cap[l.a] += ab, in_cap[l.b] += ab;
      out_cap[l.b] += ba, in_cap[l.a] += ba;
    } else {
      // One channel (capacity bw_ab) shared by both directions: an undirected edge.
      const int64_t ba =
          (can_send(l.b) && can_recv(l.a)) ? whole_bytes_per_s(l.bw_ab_bytes_per_s) : 0;
      if (ab > 0 || ba > 0) add_flow_pair(g, l.a, l.b, ab, ba);
      out_cap[l.a] += ab, in_cap[l.b] += ab;
      out_cap[l.b] += ba, in_cap[l.a] += ba;
    }
  }
  // Super-source and super-sink edges: a rank can inject at most its outgoing capacity (and
  // absorb at most its incoming), so these capacities never bind but keep sums finite.
  for (size_t i = 0; i < ranks.size(); ++i) {
    const uint32_t r = ranks[i];
    if (side[r] == kFirst && out_cap[r] > 0) add_flow_pair(g, source, r, out_cap[r], 0);
    if (side[r] == kSecond && in_cap[r] > 0) add_flow_pair(g, r, sink, in_cap[r], 0);
  }
  const int64_t flow = boost::push_relabel_max_flow(
      g, source, sink, boost::get(&FlowEdge::capacity, g), boost::get(&FlowEdge::residual, g),
      boost::get(&FlowEdge::reverse, g), boost::get(boost::vertex_index, g));
  return static_cast<double>(flow);
}

std::string dot_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string_view dot_shape(NodeKind k) {
  switch (k) {
    case NodeKind::kAccelerator:
      return "ellipse";
    case NodeKind::kNic:
      return "diamond";
    case NodeKind::kSwitch:
      return "box";
    case NodeKind::kHost:
      return "house";
  }
  return "ellipse";
}

}  // namespace

TopologySummary summarize(const Topology& topology, const Router& router) {
  TopologySummary s;
  for (const Node& v : topology.nodes()) ++s.nodes_by_kind[std::string(to_string(v.kind))];
  for (const Link& l : topology.links()) ++s.links_by_class[l.link_class];
  for (uint32_t ch = 0; ch < topology.channel_count(); ++ch)
    if (topology.channel_exists(ch))
      s.capacity_by_class_bytes_per_s[topology.channel_class(ch)] += topology.channel_capacity(ch);
  s.ranks = topology.rank_count();
  s.max_rank_path_latency = Time::zero();

  if (s.ranks > kSummaryMaxPairRanks) {
    s.pair_metrics_computed = false;
    s.diameter_hops = -1;
  } else {
    const auto& ranks = topology.ranks();
    for (uint32_t dst : ranks) {  // destination-major: one routing table per destination
      for (uint32_t src : ranks) {
        if (src == dst) continue;
        const int h = router.hops(src, dst);
        if (h < 0) {
          ++s.unreachable_rank_pairs;
          continue;
        }
        s.diameter_hops = std::max(s.diameter_hops, h);
        const Path path = router.route(src, dst, /*flow_hash=*/0);
        s.max_rank_path_latency = std::max(s.max_rank_path_latency, path.latency);
        if (s.min_rank_path_bottleneck_bytes_per_s == 0 ||
            path.bottleneck_bytes_per_s < s.min_rank_path_bottleneck_bytes_per_s)
          s.min_rank_path_bottleneck_bytes_per_s = path.bottleneck_bytes_per_s;
      }
    }
  }
  s.bisection_bytes_per_s = rank_halves_max_flow(topology);
  return s;
}

void write_dot(std::ostream& out, const Topology& topology) {
  out << "graph topology {\n";
  const auto& nodes = topology.nodes();
  for (size_t i = 0; i < nodes.size(); ++i)
    out << fmt::format("  n{} [label=\"{}\\n{}\", shape={}];\n", i, dot_escape(nodes[i].name),
                       to_string(nodes[i].kind), dot_shape(nodes[i].kind));
  for (const Link& l : topology.links()) {
    std::string bw = fmt::format("{:g}", l.bw_ab_bytes_per_s / 1e9);
    if (l.full_duplex && l.bw_ba_bytes_per_s != l.bw_ab_bytes_per_s)
      bw += fmt::format("/{:g}", l.bw_ba_bytes_per_s / 1e9);
    out << fmt::format("  n{} -- n{} [label=\"{}\\n{} GB/s{}\"];\n", l.a, l.b,
                       dot_escape(l.link_class), bw, l.full_duplex ? "" : ", half duplex");
  }
  out << "}\n";
}

}  // namespace dtsim::topologies
