#pragma once
/**
 * Shortest-path routing with equal-cost multipath (ECMP).
 *
 * Paths minimise the hop count (breadth-first search with Boost.Graph) and never pass *through*
 * a node that does not forward (an accelerator or host, unless its topology says it forwards).
 * Where several next hops are equally short, the choice at each hop is a deterministic hash of
 * the flow (as a switch's ECMP hash does), so a run is reproducible. Per destination the
 * next-hop table is computed once and cached.
 *
 * Links may be taken down and brought back (`set_link_down`, for faults): routes then avoid the
 * links that are down, as a fabric's routing protocol converges around a failure (at once here).
 * Where no path avoids them, `route` and `hops` fall back to the path through the down links (a
 * flow on it waits for them: the fault's policy decides); `reachable_avoiding_down` tells which.
 *
 * Complexity: first route to a destination O(V + E); then O(hops) per route. A route with no
 * ECMP choice on any hop (one shortest path: inside a node, or up and down one leaf) is kept,
 * while no link is down, and handed out again by one hash lookup (up to 2^18 pairs): a
 * collective's schedule routes the same pairs thousands of times, and the table walk misses
 * the cache at every hop.
 * Errors: ConfigError "no route from A to B" when the destination is unreachable.
 *
 *     Router router(topology);
 *     Path p = router.route(src_node, dst_node, 7);  // flow hash 7
 *     // p.latency = sum of link latencies; p.bottleneck_bytes_per_s = min channel capacity
 */
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "topologies/topology.h"

namespace dtsim::topologies {

struct Path {
  std::vector<uint32_t> channels;  ///< channel ids, source to destination
  Time latency;                    ///< sum of link latencies
  double bottleneck_bytes_per_s = 0;
};

class Router {
 public:
  explicit Router(const Topology& topology);
  ~Router();
  /** Route from node `src` to node `dst` (src != dst). */
  Path route(uint32_t src, uint32_t dst, uint64_t flow_hash) const;
  /** The same route without a copy: the kept one where the route has no ECMP choice, else built
   *  in `scratch`. The reference is valid until `scratch` changes or a link goes down. */
  const Path& route(uint32_t src, uint32_t dst, uint64_t flow_hash, Path& scratch) const;
  /** Hops from `src` to `dst`, or -1 when unreachable. */
  int hops(uint32_t src, uint32_t dst) const;
  const Topology& topology() const { return topo_; }
  /** Takes `link` out of (down) or back into every route computed from now on; drops the
   *  cached tables when that changes anything. */
  void set_link_down(uint32_t link, bool down);
  bool link_down(uint32_t link) const { return !down_.empty() && down_[link]; }
  /** Whether a path from `src` to `dst` avoids every link that is down. */
  bool reachable_avoiding_down(uint32_t src, uint32_t dst) const;

 private:
  struct Table;
  /** Next hops toward `dst`: over every link, or (`avoid_down`) over the links that are up. */
  const Table& table(uint32_t dst, bool avoid_down = false) const;
  /** The table a route to `dst` from `src` uses: avoiding down links where that reaches. */
  const Table& table_for(uint32_t src, uint32_t dst) const;
  const Topology& topo_;
  mutable std::vector<std::unique_ptr<Table>> tables_;
  mutable std::vector<std::unique_ptr<Table>> up_tables_;  ///< avoiding down links
  /** Routes without an ECMP choice, by (src << 32 | dst), computed while no link was down. */
  mutable std::unordered_map<uint64_t, Path> unique_routes_;
  static constexpr size_t kMaxUniqueRoutes = size_t{1} << 18;
  std::vector<uint8_t> down_;  ///< per link; empty: every link up
  size_t down_count_ = 0;
};

}  // namespace dtsim::topologies
