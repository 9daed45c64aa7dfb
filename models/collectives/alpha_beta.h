#pragma once
/**
 * Alpha-beta (Hockney) closed forms for the time of a collective, congestion-unaware.
 *
 *     AlphaBetaParams p{.alpha_s = 1e-6, .bw_bytes_per_s = 450e9};
 *     double t = alpha_beta_seconds(CollectiveKind::kAllReduce, parse_algorithm_or_throw("ring"),
 *                                   8, 1 << 30, p);
 *     // 2(n-1)(alpha + S/(nB)) = 14 * (1e-6 + 2^30 / 3.6e12) = 4.189662649e-3 s
 *
 * Model: every message costs alpha plus its bytes over the sender's bandwidth B; each rank has
 * one full-duplex link of B per direction, so concurrent messages of one rank share it; the
 * fabric beyond the rank's link never slows anything (no congestion). With `chunks` = c the
 * pipelined algorithms send c pieces per step and pay (steps + c - 1) piece-steps.
 *
 * Units: seconds, bytes, bytes per second. Sizes follow nccl-tests (see schedule.h): S is the
 * all-reduce / broadcast / reduce buffer, the all-gather output, the reduce-scatter input, the
 * all-to-all per-rank send buffer.
 *
 * Closed forms (S = bytes, n ranks, c = chunks, alpha, B; n == 1 costs 0):
 * - ring all-reduce: (2(n-1) + c-1) (alpha + S/(ncB)).
 *   Source: Patarasuk and Yuan, JPDC 2009; Thakur, Rabenseifner and Gropp, IJHPCA 2005 (c = 1).
 * - ring reduce-scatter / all-gather: (n-1 + c-1) (alpha + S/(ncB)). Source: Thakur et al. 2005.
 * - ring_bidirectional: as ring. Each step a rank sends S/(2n) both ways over its one link (S/n
 *   in all), so under this model it gains nothing; it gains where the two directions use
 *   different links (torus, NVLink mesh), which only the network models see.
 * - halving_doubling all-reduce: 2 log2(n) alpha + 2 (n-1)/n S/B; reduce-scatter and all-gather:
 *   log2(n) alpha + (n-1)/n S/B. `chunks` is ignored. Source: Thakur et al. 2005, section 4.4
 *   (Rabenseifner's algorithm).
 * - direct all-to-all: alpha + (n-1) S/(nB): all n-1 messages leave at once and share the link.
 *   `chunks` is ignored. Source: Thakur et al. 2005, section 3.6.
 * - pairwise all-to-all: (n-1 + c-1) (alpha + S/(ncB)). Source: Thakur et al. 2005, section 3.6.
 * - broadcast / reduce (ring = pipelined chain): (n-1 + c-1) (alpha + S/(cB)).
 *   Source: Thakur et al. 2005 and Sanders et al. 2009 (pipelined linear broadcast).
 * - double_binary_tree all-reduce: 2D (alpha + S/(2cB)) + (c-1) (alpha + f S/(2cB)), D the depth
 *   of the trees (ceil(log2 n)) and f the most pieces one rank's link carries per piece index
 *   over both trees (up to its parent and down to its children: 4 when every rank is an inner
 *   node of one tree, 2 for n = 2). The first piece crosses 2D hops up and down; each further
 *   piece is paced by the busiest link. For large c this tends to 2 S/B + 2D alpha, NCCL's tree
 *   model (algbw = busbw/2). Source: Sanders, Speck and Traeff, Parallel Computing 2009; NCCL
 *   src/graph/tuning.cc. For c = 1 the fan-in at inner nodes is not serialized (an underestimate).
 * - hierarchical all-reduce over b = `boxes` boxes of m = n/b ranks: intra-box ring reduce-
 *   scatter (m-1 + c-1)(alpha_i + S/(mcB_i)), inter-box ring all-reduce of S/m
 *   (2(b-1) + c-1)(alpha + S/(mbcB)), intra-box ring all-gather (m-1 + c-1)(alpha_i + S/(mcB_i));
 *   a phase with no steps costs 0. Source: Jia et al., arXiv:1807.11205, 2018 (2D ring).
 * - pccl_ring (all-reduce, reduce-scatter, all-gather): the ring closed form, with alpha and B
 *   measured along the ring order it picks and B the pool of `connections` TCP streams per pair
 *   (see algorithms/pccl_ring.cpp).
 *
 * Errors: ConfigError for n < 1, bytes or a latency negative or not finite, a bandwidth not
 * positive, chunks < 1, boxes outside [1, n], hierarchical with n not a multiple of boxes, and
 * the (kind, algorithm) pairs `resolve` rejects. `auto` resolves as `resolve` would for ranks
 * spread over `boxes` boxes in equal contiguous blocks (as equal as n allows).
 */
#include <span>
#include <vector>

#include "models/collectives/algorithm.h"
#include "simcore/workload.h"

namespace dtsim::collectives {

struct AlphaBetaParams {
  double alpha_s = 0;               ///< per-message latency (between boxes for hierarchical)
  double bw_bytes_per_s = 0;        ///< per-rank link bandwidth, each direction
  int chunks = 1;                   ///< pipelining chunks (1 = none)
  int boxes = 1;                    ///< boxes the group spans (hierarchical; auto resolution)
  double intra_alpha_s = 0;         ///< per-message latency inside a box (hierarchical)
  double intra_bw_bytes_per_s = 0;  ///< per-rank bandwidth inside a box (hierarchical)
  NcclContext nccl;                 ///< NCCL's constants and node facts (NCCL families)
};

/** Seconds for `kind` over `n` ranks by `algorithm` under the model above. */
double alpha_beta_seconds(simcore::CollectiveKind kind, Algorithm algorithm, int n, double bytes,
                          const AlphaBetaParams& params);

/** The same with chunks = 1, spelled out. */
double alpha_beta_seconds(simcore::CollectiveKind kind, Algorithm algorithm, int n, double bytes,
                          double alpha_s, double bw_bytes_per_s, int boxes, double intra_alpha_s,
                          double intra_bw_bytes_per_s);

/**
 * Seconds for an all-to-all-v (per-pair sizes) over n ranks spread over boxes, `direct` (also
 * for `auto`) or `pairwise` (others: ConfigError).
 *
 * `matrix` is n x n row-major bytes from position i to j (the diagonal stays local); `box_of[i]`
 * the box of position i (empty: one box). Pairs inside a box use (intra_alpha_s,
 * intra_bw_bytes_per_s), pairs across boxes (alpha_s, bw_bytes_per_s); a rank's two link classes
 * work in parallel, and all its messages of one class share its link of that class. So
 *   t = max over positions i and classes c used of  alpha_c + max(sent_i,c, received_i,c) / B_c,
 * with sent_i,c (received_i,c) the bytes position i sends to (receives from) class-c peers.
 * A uniform all-to-all of S in one box gives alpha + (n-1) S/(nB), the direct closed form above.
 * Zero-byte pairs post no message; an all-zero matrix costs 0.
 * Pairwise: n-1 steps one after the other; at step s position i sends to (i+s) mod n, so each
 * link carries one message: step s costs max over i of alpha_c + matrix[i][(i+s) mod n] / B_c
 * (c the pair's class), and every step pays its alpha even for 0 bytes (the uniform pairwise
 * closed form above, for equal entries).
 * Errors: ConfigError for a matrix of the wrong size, negative or non-finite entries, box_of of
 * the wrong size, or a non-positive bandwidth of a class that carries bytes.
 * Source: the Hockney model per link class, as in Thakur et al. 2005, section 3.6.
 */
double alpha_beta_alltoallv_seconds(int n, std::span<const double> matrix,
                                    const std::vector<int>& box_of, const AlphaBetaParams& params,
                                    Algorithm algorithm = Algorithm{});

/** (steps + c - 1) (alpha + step_bytes / (c B)): a pipeline of `steps` equal steps; 0 if none. */
double pipelined_seconds(double steps, double c, double alpha_s, double step_bytes,
                         double bw_bytes_per_s);

/** alpha_c + bytes / B_c of one all-to-all-v message class (inside a box or across boxes); a
 *  message of 0 bytes costs alpha_c. Errors: ConfigError when a class that carries bytes has a
 *  bandwidth that is not positive. */
double alltoallv_message_seconds(bool across_boxes, double bytes, const AlphaBetaParams& params);

/** The analytical back-end's default measurement of a group: alpha the largest and B the
 *  smallest of the pairs i -> i+1 (mod n) in position order (B = 1 when n = 1), `boxes` the
 *  number of distinct boxes in `r.box_of`, chunks from `r`. */
AlphaBetaParams ring_neighbour_params(const ScheduleRequest& r, const PairCostFn& pair);

/** Depth D and busiest-link factor f of the double binary tree over n ranks (see above). */
struct TreeFactors {
  int depth = 0;
  int link_pieces = 0;
};
TreeFactors double_binary_tree_factors(int n);

}  // namespace dtsim::collectives
