#pragma once
/**
 * Decentralized learning without a server: N nodes (each a DP/TP/PP group of n ranks, usually
 * one device), rounds of local training then peer-to-peer model exchange, and one global merge
 * at the end.
 *
 * - **D-PSGD / gossip learning** (`dpsgd`): every round every node runs H local steps, then sends
 *   its model to each of its out-neighbours in a communication graph (gossip.h: ring, torus,
 *   exponential, random d-regular) and averages what it receives. The graph is static, so every
 *   round's exchange is the same: `gossip_transfers`.
 * - **MoDeST** (`modest`): every round a seeded random sample of s nodes trains and a random
 *   sample of a nodes aggregates, no server. Round k: the trainers get the model from the
 *   aggregators of round k - 1 (our reading: trainer i, in draw order, from aggregator i mod a;
 *   none when it is that node), train H local steps, and send their model to every aggregator
 *   of round k (not to themselves), which average them: `modest_downlink`, `modest_uplink`.
 *   Round 0's model comes from the aggregators drawn for round -1.
 * - **Final merge**: one all-reduce (average) of every node's model at the end, as "A Single
 *   Merging Suffices" proposes for decentralized training (DiLoCo's make_outer_sync over N
 *   replicas, tagged the round after the last).
 *
 * Round time (the kind, tools/dtsim/kinds/decentralized.cpp): D-PSGD H x the slowest node's
 * local step + the exchange; MoDeST downlink + H x the slowest trainer's local step + uplink
 * (aggregation compute left out). Each phase's transfers start at once and share the network.
 * Transfers here are between nodes; `expand_to_ranks` makes them rank to rank.
 * Units: nodes (indices), rounds. Errors: ConfigError from the gossip.h draws (s or a outside
 * 1..N).
 * Source: Lian et al., "Can Decentralized Algorithms Outperform Centralized Algorithms? A Case
 * Study for Decentralized Parallel Stochastic Gradient Descent", NeurIPS 2017 (D-PSGD);
 * de Vos et al., "MoDeST: Bridging the Gap between Federated and Decentralized Learning with
 * Decentralized Sampling" (arXiv 2302.13837); "A Single Merging Suffices: Recovering Server-based
 * Learning Performance in Decentralized Learning" (2025).
 *
 *     ModestSample m = modest_sample(1000, 100, 5, seed, round);
 *     auto up = modest_uplink(m);   // 100 x 5 transfers, fewer where a trainer aggregates
 */
#include <cstdint>
#include <vector>

#include "models/workloads/gossip.h"

namespace dtsim::workloads {

/** D-PSGD's exchange: one transfer per directed edge of `g` (u sends its model to v). */
std::vector<PeerTransfer> gossip_transfers(const CommGraph& g);

/** The nodes of one MoDeST round, in draw order. */
struct ModestSample {
  std::vector<int32_t> trainers;              ///< s nodes that train this round
  std::vector<int32_t> aggregators;           ///< a nodes that aggregate this round
  std::vector<int32_t> previous_aggregators;  ///< round - 1's: the model the trainers start from
};

/** Round `round`'s sample: s trainers and a aggregators of N nodes (independent draws, seeded
 *  per round). */
ModestSample modest_sample(int64_t nodes, int64_t trainers, int64_t aggregators, uint64_t seed,
                           int64_t round);

/** Trainer i gets the model from previous aggregator i mod a (no transfer to itself). */
std::vector<PeerTransfer> modest_downlink(const ModestSample& m);

/** Every trainer sends its model to every aggregator of the round (not to itself). */
std::vector<PeerTransfer> modest_uplink(const ModestSample& m);

}  // namespace dtsim::workloads
