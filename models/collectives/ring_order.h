#pragma once
/**
 * The ring order of a WAN ring all-reduce chosen from the group's pairwise costs, as PCCL
 * chooses its ring from measured pairwise bandwidths (arXiv:2505.14065, section on topology
 * optimisation: an asymmetric travelling-salesman tour over the peers).
 *
 *     // 4 peers: 0 and 2 in Europe, 1 and 3 in North America (RTT 80 ms across, 10 ms inside)
 *     std::vector<int32_t> order = best_ring_order(4, cost);   // {0, 2, 1, 3} or {0, 3, 1, 2}:
 *                                                               // the ocean crossed twice
 *
 * Objective (smaller is better), compared in this order with a relative tolerance of 1e-9:
 *   1. the slowest edge's seconds per byte, max over ring edges of 1/B(i -> next): a pipelined
 *      ring moves at the pace of its slowest edge;
 *   2. the sum over ring edges of 1/B (PCCL's tour cost on the inverse bandwidths);
 *   3. the sum over ring edges of the one-way latency (every step pays one edge latency).
 * Search: every order with position 0 first for n <= 8 ((n-1)! <= 5040 tours, exact); above,
 * the best of the nearest-neighbour tours (next = the unvisited peer of the highest bandwidth,
 * then the lowest latency, then the lowest index) started from each peer (from peer 0 only
 * above 128 peers), each then improved by 2-opt segment reversals while one improves the
 * objective (at most n passes). Ties keep the first order found, so the result is deterministic.
 * The order is rotated to start at position 0.
 * PCCL solves the tour on bandwidths it measures between the peers and keeps improving it
 * between operations; here the costs are the topology's steady ones, so one search suffices.
 *
 * Units: `cost(i, j)` gives the one-way latency in seconds and the bandwidth in bytes per second
 * from position i to position j (i != j).
 * Errors: ConfigError for n < 1 or a bandwidth that is not positive.
 * Complexity: O(n!) for n <= 8; O(n^3) per 2-opt pass above.
 */
#include <cstdint>
#include <vector>

#include "models/collectives/algorithm.h"

namespace dtsim::collectives {

std::vector<int32_t> best_ring_order(int n, const std::function<PairCost(int, int)>& cost);

}  // namespace dtsim::collectives
