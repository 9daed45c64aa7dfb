#pragma once
/**
 * Peer-to-peer pieces shared by the kinds without an all-reduce (`noloco`, `decentralized`):
 * seeded random groups (NoLoCo's pairs), seeded random subsets (MoDeST's trainers and
 * aggregators), communication graphs (ring, torus, exponential, random d-regular) with their
 * connectivity, and the workload of a set of point-to-point transfers that all start at once and
 * share the network.
 *
 * Randomness: every draw comes from a generator keyed by (seed, a stream name, a round), so a
 * round's pairs or samples do not depend on the rounds drawn before or on the thread count;
 * the bounded draws and the shuffle are written out here (not std::shuffle or
 * std::uniform_int_distribution, whose algorithms differ between standard libraries), so the
 * same seed gives the same pairs on every platform.
 *
 * Units: nodes and ranks are indices; bytes per transfer.
 * Errors: ConfigError (messages below) for parameters out of range, before anything is
 * allocated: at most `kMaxGossipNodes` nodes and `kMaxGossipEdges` directed edges.
 * Source: NoLoCo (Kolehmainen et al., arXiv 2506.10911; reference code jkolehm/noloco,
 * `sparse_optimizer.py`: a random permutation of the replicas cut into groups); MoDeST (de Vos
 * et al., arXiv 2302.13837); D-PSGD (Lian et al., NeurIPS 2017); the static exponential graph
 * (Ying et al., "Exponential Graph is Provably Efficient for Decentralized Deep Training",
 * NeurIPS 2021); random regular graphs by the pairing model with Steger and Wormald's rejection
 * of loops and repeated edges (Combinatorics, Probability and Computing 8, 1999).
 *
 *     auto pairs = random_groups(256, 2, seed, outer_step);  // 128 pairs, a perfect matching
 *     CommGraph g = ring_graph(8);                          // out[i] = {i-1, i+1} mod 8
 *     bool ok = is_strongly_connected(g);
 */
#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "simcore/workload.h"

namespace dtsim::workloads {

/** Most nodes (replicas, gossip nodes) a graph, a grouping or a sample may have. */
inline constexpr int64_t kMaxGossipNodes = int64_t{1} << 20;
/** Most directed edges of a communication graph (its out-neighbour lists together). */
inline constexpr int64_t kMaxGossipEdges = int64_t{1} << 26;

/** The generator of round `round` of stream `stream` under `seed` (independent per round). */
std::mt19937_64 round_generator(uint64_t seed, std::string_view stream, int64_t round);

/** A uniform draw in [0, n) by rejection (exact, platform-independent). n >= 1. */
uint64_t uniform_below(std::mt19937_64& g, uint64_t n);

/** A uniform random permutation of 0..n-1 (Fisher-Yates with `uniform_below`). */
std::vector<int32_t> random_permutation(int64_t n, std::mt19937_64& g);

/**
 * NoLoCo's groups for round `round`: a seeded random permutation `perm` of the n members cut as
 * the reference code's `batched` does: m = n / size groups, member perm[i] in group i mod m.
 * With size 2: the pairs {perm[k], perm[k + n/2]}, a uniformly random perfect matching.
 * Shape: n / size groups of `size` members each; every member in exactly one.
 * Errors: ConfigError "groups: expected a group size >= 2 that divides the N members; got S"
 * (also for n > kMaxGossipNodes: "... at most 1048576 members; got N").
 */
std::vector<std::vector<int32_t>> random_groups(int64_t n, int size, uint64_t seed, int64_t round);

/** A seeded uniform random subset of k of the n members (a partial Fisher-Yates), in draw
 *  order. Errors: ConfigError unless 1 <= k <= n <= kMaxGossipNodes. */
std::vector<int32_t> random_subset(int64_t n, int64_t k, std::mt19937_64& g);

/** A communication graph: out[i] lists the nodes node i sends to (each once, not i itself), in
 *  increasing order. Undirected graphs have symmetric lists. */
struct CommGraph {
  std::vector<std::vector<int32_t>> out;
  int64_t nodes() const { return static_cast<int64_t>(out.size()); }
  int64_t edges() const;  ///< directed edges (sum of out-degrees)
};

/** Ring: out[i] = {i - 1, i + 1} mod n (one neighbour when n = 2). Errors: n < 2 or too many. */
CommGraph ring_graph(int64_t n);

/** 2D torus of rows x cols nodes, node r cols + c: neighbours (r +- 1, c) and (r, c +- 1) with
 *  wraparound (a dimension of 2 gives one neighbour along it, of 1 none): degree 4 when both
 *  dimensions are >= 3. Errors: a dimension < 1, fewer than 2 nodes, too many nodes. */
CommGraph torus_graph(int64_t rows, int64_t cols);

/** Static exponential graph (directed): out[i] = {(i + 2^k) mod n : k = 0 .. ceil(log2 n) - 1},
 *  out-degree ceil(log2 n). Errors: n < 2 or too many. */
CommGraph exponential_graph(int64_t n);

/**
 * Uniform-ish random d-regular simple graph (undirected) by the pairing model: n d points, pairs
 * drawn among the points whose nodes are distinct and not yet adjacent (Steger-Wormald); a stuck
 * draw restarts, at most 100 times. Seeded.
 * Errors: ConfigError "expected 1 <= d < n; got d = D, n = N", "n x d = X is odd: a d-regular
 * graph needs an even number of edge ends", too many edges, or no graph after 100 restarts.
 */
CommGraph random_regular_graph(int64_t n, int64_t d, uint64_t seed);

/** Whether every node reaches every other along out-edges (a BFS forward and one backward). */
bool is_strongly_connected(const CommGraph& g);

/** Number of weakly connected components (edges taken both ways). */
int64_t components(const CommGraph& g);

/** One point-to-point transfer of a peer exchange. */
struct PeerTransfer {
  int32_t src = 0;
  int32_t dst = 0;
};

/** Transfers between nodes of `ranks_per_node` ranks each (node i on ranks [i n, (i+1) n)) as
 *  transfers between ranks: node u -> v becomes u n + j -> v n + j for every position j (each
 *  rank sends its own shard to the rank holding the same shard). */
std::vector<PeerTransfer> expand_to_ranks(const std::vector<PeerTransfer>& node_transfers,
                                          int64_t ranks_per_node);

/** Per node: bytes sent and received by `transfers` of `bytes` each over `nodes` nodes. */
struct NodeBytes {
  std::vector<double> sent, received;
};
NodeBytes bytes_per_node(int64_t nodes, const std::vector<PeerTransfer>& transfers, double bytes);

/**
 * The workload of `transfers` all at once on `ranks` ranks: per transfer a send of `bytes` on
 * `src` and the matching recv on `dst` (tag 0), every op tagged `tags`. A rank's k-th send runs
 * on stream `gossip.tx{k mod 100}` and its k-th recv on `gossip.rx{k mod 100}`: up to 100
 * transfers per rank and direction are in flight at once, sharing its links; beyond 100 they
 * queue behind the earlier ones. Every stream's queue follows the order of `transfers`, so the
 * first unfinished transfer always heads both its streams: no deadlock.
 * Errors: ConfigError from Workload::stream_of (none in practice: 200 streams).
 */
simcore::Workload make_peer_exchange(int64_t ranks, const std::vector<PeerTransfer>& transfers,
                                     int64_t bytes, const simcore::OpTags& tags,
                                     std::string_view name);

}  // namespace dtsim::workloads
