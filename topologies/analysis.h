#pragma once
/**
 * Static figures of a topology (counts, capacity, diameter, bisection) and a Graphviz export.
 *
 * Units: capacities in bytes per second; latency as Time.
 *
 *     Topology t = build_ring(8, {"nvlink", 100e9, Time::ns(500)});
 *     Router router(t);
 *     TopologySummary s = summarize(t, router);  // s.diameter_hops == 4
 *     write_dot(std::cout, t);                     // dot -Tsvg
 */
#include <cstdint>
#include <map>
#include <ostream>
#include <string>

#include "topologies/routing.h"
#include "topologies/topology.h"

namespace dtsim::topologies {

/** Above this many ranks, summarize() skips the O(ranks^2) pair metrics. */
inline constexpr int kSummaryMaxPairRanks = 4096;

struct TopologySummary {
  /** Node count per kind, keyed by to_string(NodeKind) ("accelerator", "nic", ...). */
  std::map<std::string, int> nodes_by_kind;
  /** Link count per link class. */
  std::map<std::string, int> links_by_class;
  /** Sum of channel capacities per link class: both directions of a full-duplex link, the one
   *  shared channel of a half-duplex link. Units: bytes per second. */
  std::map<std::string, double> capacity_by_class_bytes_per_s;
  int ranks = 0;
  /** Largest hop count over ordered pairs of ranks that are connected; -1 when the pair metrics
   *  were skipped (more than kSummaryMaxPairRanks ranks). 0 with fewer than two ranks. */
  int diameter_hops = 0;
  /** Largest latency (sum of link latencies) of the route chosen with flow hash 0, over ordered
   *  pairs of connected ranks; zero when skipped. */
  Time max_rank_path_latency;
  /** Smallest bottleneck (narrowest link direction) of the route chosen with flow hash 0, over
   *  ordered pairs of connected ranks: the most a lone transfer between two ranks can get. Zero
   *  when skipped. Units: bytes per second. */
  double min_rank_path_bottleneck_bytes_per_s = 0;
  /** Ordered rank pairs with no route between them (0 when skipped). */
  int64_t unreachable_rank_pairs = 0;
  /** Whether diameter_hops, max_rank_path_latency and unreachable_rank_pairs were computed. */
  bool pair_metrics_computed = true;
  /** Max flow from the first half of the ranks (rank order, floor(R/2) ranks) to the rest; see
   *  summarize(). Units: bytes per second. */
  double bisection_bytes_per_s = 0;
};

/**
 * Counts, capacity per class, diameter, worst rank-to-rank latency and a bisection bandwidth.
 *
 * The bisection figure is the maximum flow from the first floor(R/2) ranks (in rank order) to the
 * other ranks, over a directed graph with one edge per channel (capacity = channel capacity, a
 * half-duplex link's single channel usable in either direction but counted once). Nodes that do
 * not forward carry no transit flow: a first-half one only sends, a second-half one only
 * receives, and one that is not a rank (a host) is left out. Switches and NICs may be on either
 * side of the cut. This is the min cut separating *these* two halves, hence an upper bound on the
 * true bisection bandwidth (the minimum over all balanced partitions). For a switch, ring, fully
 * connected graph, square torus or rail fat tree the rank-order halves are a worst-case cut; for a
 * torus with unequal dims they may not be (cut across the longest dimension instead). Capacities
 * are rounded to whole bytes per second for the integer max-flow solver.
 *
 * Units: see TopologySummary.
 * Errors: none for a disconnected topology (see unreachable_rank_pairs).
 * Complexity: pair metrics O(R (V + E) + R^2 hops) time and they fill `router`'s per-destination
 * cache, O(R (V + E)) memory; skipped above kSummaryMaxPairRanks ranks. Bisection: one
 * push-relabel max flow, O(V^3) worst case.
 * Source: Boost.Graph push_relabel_max_flow (Goldberg-Tarjan).
 */
TopologySummary summarize(const Topology& topology, const Router& router);

/**
 * Writes the topology as an undirected Graphviz DOT graph: one vertex per node, labelled with its
 * name and kind; one edge per link, labelled with its class and bandwidth in GB/s ("a/b GB/s"
 * when the two directions differ, ", half duplex" when so).
 *
 *     graph topology {
 *       n0 [label="gpu0\naccelerator", shape=ellipse];
 *       n0 -- n1 [label="nvlink\n450 GB/s"];
 *     }
 */
void write_dot(std::ostream& out, const Topology& topology);

}  // namespace dtsim::topologies
