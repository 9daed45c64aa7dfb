#pragma once
/**
 * A collective expanded into a schedule of point-to-point transfers with dependencies.
 *
 *     // all-reduce of 1 GiB over 8 positions; root 0 (unused), 1 chunk, all in one box
 *     Schedule s = build_schedule(CollectiveKind::kAllReduce, parse_algorithm_or_throw("ring"), 8,
 *                                 1 << 30, 0, 1, {});
 *     // 2(n-1) = 14 steps x 8 transfers of 2^30/8 bytes; transfer (s, i) waits for (s-1, i-1)
 *     // and (s-1, i).
 *     for (size_t t = 0; t < s.transfers.size(); ++t)
 *       for (uint32_t d : s.deps_of(t)) { ... }  // d < t always
 *
 * A runner may start a transfer once every transfer in its dependency range has finished; every
 * dependency is an EARLIER transfer (a smaller index), so one pass in index order suffices.
 *
 * Units: bytes in bytes (a double: S/n need not be whole). Positions are 0..n-1 in communicator
 * order, not global ranks.
 *
 * Sizes follow nccl-tests (doc/PERFORMANCE.md): `bytes` is the all-reduce buffer, the all-gather
 * OUTPUT (n x the per-rank chunk), the reduce-scatter INPUT (n x the per-rank output), the
 * all-to-all per-rank SEND buffer (bytes/n to each peer), the broadcast / reduce buffer.
 *
 * Pipelining: with `chunks` = c > 1 the data of every step is cut into c pieces of 1/c the size;
 * piece k of step s depends on piece k of the step-(s-1) transfers that step s depends on, and on
 * piece k-1 of step s from the same sender over the same edge. With c = 1 there is one piece.
 *
 * Schedules (S = bytes, c = chunks; "step" = one round of the algorithm):
 * - ring all-reduce: 2(n-1) steps; at step s position i sends S/n to (i+1)%n; (s, i) depends on
 *   (s-1, i-1) (the data it received) and (s-1, i) (its own previous send).
 *   Source: Patarasuk and Yuan, "Bandwidth optimal all-reduce algorithms for clusters of
 *   workstations", JPDC 2009.
 * - ring reduce-scatter / all-gather: the same with n-1 steps of S/n.
 * - ring_bidirectional: S split in two halves, one ring towards (i+1)%n and one towards (i-1)%n,
 *   each the ring schedule above on S/2. The first ring's transfers come first.
 * - direct all-to-all: every i sends S/n to every j != i at once, no dependencies (pieces of one
 *   (i, j) pair chain when c > 1).
 * - pairwise all-to-all: n-1 steps; at step s (1..n-1) position i sends S/n to (i+s)%n, after its
 *   own step s-1 send and the step s-1 transfer it received (from (i-s+1)%n).
 *   Source: Thakur, Rabenseifner and Gropp, IJHPCA 2005, section 3.6 ("pairwise exchange").
 * - halving_doubling (Rabenseifner): all-reduce = recursive-halving reduce-scatter (log2 n steps;
 *   step k exchanges S/2^(k+1) with partner i XOR (n >> (k+1))) then the mirror recursive-doubling
 *   all-gather (step k exchanges S*2^k/n with partner i XOR 2^k). A transfer depends on all
 *   previous-step transfers of its sender and of its receiver (an MPI_Sendrecv exchange starts when
 *   both sides finished the previous one). reduce-scatter = the halving half on S; all-gather =
 *   the doubling half on S. Source: Thakur, Rabenseifner and Gropp, IJHPCA 2005, section 4.4.
 * - double_binary_tree (all-reduce only): the two trees of `double_binary_tree(n)`, each carrying
 *   S/2 in c pieces; piece k goes up each tree (a node sends its reduced piece k to its parent once
 *   it has piece k from all its children) and then down (the root forwards piece k once it has it
 *   from all its children; an inner node forwards once it received it from its parent). Up and
 *   down overlap across pieces. Source: Sanders, Speck and Traeff, "Two-tree algorithms for full
 *   bandwidth broadcast, reduction and scan", Parallel Computing 2009; NCCL 2.4
 *   (src/graph/trees.cc).
 * - broadcast (ring): a chain root -> root+1 -> ... -> root+n-1 (mod n) of n-1 hops moving S in c
 *   pieces; piece k on hop h depends on piece k on hop h-1 and piece k-1 on hop h.
 *   reduce (ring): the same chain reversed, ending at the root (root+n-1 -> ... -> root+1 -> root).
 * - hierarchical all-reduce: positions grouped by box (`members_by_box`), every box holding m
 *   members and b boxes: (1) ring reduce-scatter of S inside each box (m-1 steps of S/m), (2) ring
 *   all-reduce of S/m among the b positions with the same local index, one ring per local index
 *   (2(b-1) steps of S/(mb)), (3) ring all-gather of S inside each box. A position's first
 *   transfer of a phase also depends on its last send and its last receive of the phase before.
 *   Per position this sends 2(n-1)/n * S, as a flat ring does. Source: the 2D/hierarchical ring of
 *   NCCL and Horovod; Jia et al., "Highly scalable deep learning training system with mixed-
 *   precision", arXiv:1807.11205, 2018.
 * - pccl_ring (all-reduce, reduce-scatter, all-gather): the ring schedule over the order
 *   `pccl_ring_order` picks from the group's pair costs (position order when none are given),
 *   every transfer opening `connections` parallel TCP streams (Schedule::streams). Source:
 *   Keiblinger et al., "Prime Collective Communications Library", arXiv:2505.14065, 2025.
 *
 * A group of one position gives an empty schedule; bytes == 0 gives the usual transfers, each of
 * 0 bytes (they still cost latency).
 */
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "models/collectives/algorithm.h"
#include "simcore/workload.h"

namespace dtsim::collectives {

/** One point-to-point message of a schedule. 24 bytes: schedules of millions stay compact. */
struct Transfer {
  int32_t src = 0;  ///< sending position, 0..n-1 in the communicator
  int32_t dst = 0;  ///< receiving position
  double bytes = 0;
  uint32_t dep_begin = 0;  ///< [dep_begin, dep_end) is this transfer's range in Schedule::deps
  uint32_t dep_end = 0;
};

struct Schedule {
  Algorithm algorithm;  ///< the resolved algorithm (never auto once built)
  /** Parallel TCP connections each transfer opens on links with a TCP model; 0: the link
   *  class's own `streams`. */
  int streams = 0;
  /** Seconds before the first transfers start: NCCL's latency model (launch, protocol and
   *  per-step latencies, nccl_tuning.h) for the NCCL families; 0 for the others. A schedule
   *  with no transfers and a positive start latency is a collective priced by its closed form. */
  double start_latency_s = 0;
  /** Whether each transfer pays its route's latency; false where start_latency_s counts the
   *  hops already (the NCCL families). */
  bool route_latency = true;
  /** What the family chose (nccl_tuning.h describe), reported as the algorithm; empty: its name. */
  std::string label;
  std::vector<Transfer> transfers;
  /** Indices of EARLIER transfers that must finish before a transfer starts (CSR, see Transfer). */
  std::vector<uint32_t> deps;

  std::span<const uint32_t> deps_of(size_t t) const {
    return {deps.data() + transfers[t].dep_begin, transfers[t].dep_end - transfers[t].dep_begin};
  }
};

/**
 * Expands a collective into its schedule.
 *
 * `algorithm` should be resolved already (`resolve`); `auto` is resolved here the same way.
 * `box_of[i]` is the box of position i (empty: one box); only hierarchical and `auto` look at
 * it. `root` matters only for broadcast and reduce. See the file comment for each schedule.
 *
 * Units: bytes. Shape: transfers in an order where every dependency comes first.
 * Errors: ConfigError for n < 1, bytes negative or not finite, chunks < 1, a root outside
 * [0, n) for broadcast / reduce, a schedule beyond 2^32-1 transfers, and everything `resolve`
 * rejects.
 * Complexity: O(transfers + deps) time and memory; no per-transfer allocation. A direct
 * all-to-all over 1024 positions is n(n-1) = 1,047,552 transfers (about 25 MB).
 */
Schedule build_schedule(simcore::CollectiveKind kind, Algorithm algorithm, int n, double bytes,
                        int root, int chunks, const std::vector<int>& box_of);

/** The same with the whole request: `r.connections` and `r.pair_cost` reach the families that
 *  use them (pccl_ring); `r.box_of` must be empty or of size `r.n`. */
Schedule build_schedule(Algorithm algorithm, const ScheduleRequest& r);

/**
 * Expands an all-to-all-v (per-pair sizes, as MoE token dispatch needs) into its schedule.
 *
 * `matrix` is n x n, row-major: matrix[i * n + j] bytes go from position i to position j; the
 * diagonal stays local and is never sent. `direct` (and `auto`): one transfer per pair with a
 * non-zero size, all at once (a zero send count posts no message, as in MPI_Alltoallv or NCCL
 * grouped send/recv); pieces of one pair chain when chunks > 1. `pairwise`: the n-1 steps of the
 * uniform pairwise exchange above, each pair with its own size (zero-size messages kept: they
 * still pace the steps). These are the registry entries with an all-to-all-v expansion.
 *
 * Units: bytes. Errors: ConfigError for n < 1, chunks < 1, a matrix of the wrong size, a
 * negative or non-finite entry, an algorithm that does not implement all_to_all, or more than
 * 2^32-1 transfers.
 */
Schedule build_alltoallv_schedule(Algorithm algorithm, int n, std::span<const double> matrix,
                                  int chunks);

/** A rooted tree over positions 0..n-1; parent[root] == -1. */
struct Tree {
  int32_t root = 0;
  std::vector<int32_t> parent;
};

/**
 * The two trees of NCCL's double binary tree over n positions.
 *
 * Tree 0 is NCCL's in-order binary tree rooted at 0: for v > 0 let `bit` be the lowest set bit of
 * v; its parent is (v ^ bit) | (bit << 1), or v ^ bit when that is >= n. This puts the odd
 * positions at the leaves; the root 0 has the single child 2^(ceil(log2 n) - 1). Tree 1 is the
 * mirror of tree 0 (v -> n-1-v, root n-1) when n is even, so every position is an inner node in
 * at most one tree, or tree 0 shifted by one (v -> (v+1) % n, root 1) when n is odd. Both have
 * depth ceil(log2 n).
 *
 * Errors: ConfigError for n < 1.
 * Source: NCCL src/graph/trees.cc (ncclGetBtree, ncclGetDtree); Sanders, Speck and Traeff,
 * Parallel Computing 35(12), 2009.
 */
std::array<Tree, 2> double_binary_tree(int n);

/** The depth of `tree` (edges on its longest root-to-leaf path; 0 for one node). */
int tree_depth(const Tree& tree);

}  // namespace dtsim::collectives
