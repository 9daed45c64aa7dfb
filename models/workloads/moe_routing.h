#pragma once
/**
 * Mixture-of-experts token routing in expectation: how a routing distribution turns into the
 * per-rank-pair bytes of the expert-parallel (EP) dispatch and combine all-to-alls and into each
 * EP rank's expert load.
 *
 *     RoutingSpec r;                       // uniform routing
 *     auto load = expert_load(r, 256, 0);  // 256 x 1/256
 *     EpTrafficParams t{.ep = 256, .tokens_per_rank = 4096, .top_k = 8, .bytes_per_token = 7168 * 2};
 *     EpTraffic x = ep_traffic(load, t);
 *     // x.dispatch[i * 256 + j] = 4096 x 8 / 256 x 14336 B for every pair; rank i sends
 *     // (255/256) x 4096 x 8 x 7168 x 2 B = 467.9 MB to the others (DeepSeek-V3, EP 256).
 *
 * Model. Each of T tokens on each of the `ep` ranks picks top_k experts; expert e receives the
 * fraction p_e of all token-expert assignments (`expert_load`), independently of the source
 * rank (expected values, no sampling). Experts sit on EP ranks in contiguous blocks of E/ep
 * (expert e on rank e / (E/ep)), as Megatron-LM and DeepSpeed place them.
 *  - Redundant experts (DeepSeek-V3 section 3.4, its EPLB load balancer): R extra expert slots,
 *    each a copy of the expert with the highest load per copy at that point (greedy, ties to the
 *    lower id); copies split their expert's load evenly. Slots are the E experts in order, then
 *    the copies in the order made; EP rank j holds slots [j S/ep, (j+1) S/ep), S = E + R.
 *  - Capacity (GShard, Lepikhin et al., arXiv 2006.16668, section 2.2): with capacity factor
 *    c > 0 an expert takes at most c x ep T k / E assignments and drops the rest (kept_e =
 *    min(p_e, c / E) as a fraction of the group's ep T k assignments); c = 0 is dropless.
 *  - Flat dispatch: rank i sends T k kept_j x bytes_per_token to rank j, kept_j the kept share of
 *    j's experts; combine is the transpose. The diagonal stays on the rank (no network).
 *  - Node-limited routing (DeepSeek-V3, arXiv 2412.19437 section 2.1.2: each token goes to at
 *    most M nodes) as DeepEP runs it: a token crosses the network once per selected node, to the
 *    rank with the same local index there (same rail), which forwards it over NVLink to the
 *    experts' ranks. With G nodes of R ranks in the EP group and node n's kept share w_n, a token
 *    selects node n with probability min(1, M w_n) (M / G for uniform routing). Phase 1 ("inter"):
 *    rank (a, l) sends T min(1, M w_n) bytes_per_token to rank (n, l), n != a. Phase 2 ("intra"):
 *    rank (n, l) forwards the tokens of its G rail peers (its own included) to each rank j of node
 *    n: G T k kept_j bytes_per_token. Each rank still receives ep T k kept_j tokens in all.
 *
 *  - EP kernels (`EpKernel`, the scenario's `moe.dispatch`): `kAllToAll` is the above (one copy
 *    per token-expert assignment; node-limited: the two phases, run one after the other).
 *    DeepEP's normal kernels (github.com/deepseek-ai/DeepEP, docs/legacy.md and
 *    csrc/kernels/internode.cu) send one copy per destination: a token crosses the network once
 *    per node that holds at least one of its experts, to the rank with the same local index
 *    there (RDMA), which forwards it over NVLink once to each rank of that node holding at least
 *    one of its experts; the RDMA and NVLink phases run at once (chunked and pipelined), so
 *    `dispatch` is one matrix, the sum of the two phases (their pairs are disjoint: across nodes
 *    on the same rail, or inside a node). Inside one node (ep <= ranks per node) a token goes
 *    once to each rank holding one of its experts. DeepEP's low-latency kernels send one copy
 *    per token-expert assignment straight to the expert's rank (no forwarding, no
 *    deduplication): the flat matrix, whether or not routing is node-limited.
 *    Deduplication in expectation: a token's top_k picks are drawn without replacement from a
 *    pool of P equally likely experts (P = E; with node-limited routing P = E M / G, the experts
 *    of the M selected nodes), of which a rank or node holds the share q: it is hit with
 *    probability `touch_probability(q, P, k)` = 1 - prod_{i<k} (P(1-q) - i) / (P - i) (the
 *    hypergeometric miss probability; exact for uniform routing, where P q is a whole number of
 *    experts; skewed shares are counted as that many equally likely experts). With node-limited
 *    routing a node is selected with probability s_n = min(1, M w_n) and a rank's share of the
 *    pool is kept_j / s_n. DeepEP counts (as its tests print them): `node_tokens[i]`, the tokens
 *    rank i sends per node hit, its own node included (test_internode.py's
 *    `num_rdma_token_sent`), and `recv_tokens[j]`, the tokens rank j receives, its own included
 *    (`recv_x`).
 *
 * Units: tokens, bytes; shares are fractions of the group's token-expert assignments.
 * Errors: ConfigError (with the numbers) for experts (+ redundant copies) not a multiple of ep, a top_k above the
 * experts, a histogram of the wrong length or with negative or all-zero counts, a Zipf exponent
 * that is negative or not finite, a negative capacity factor, node_limit with ep not a multiple
 * of ranks_per_node.
 */
#include <cstdint>
#include <vector>

namespace dtsim::workloads {

enum class RoutingDistribution { kUniform, kZipf, kHistogram };

/** How the EP dispatch and combine move tokens (see the file comment). */
enum class EpKernel {
  kAllToAll,          ///< one copy per assignment; node-limited: two phases in sequence
  kDeepEpNormal,      ///< DeepEP normal: one copy per node (RDMA) and per rank (NVLink), overlapped
  kDeepEpLowLatency,  ///< DeepEP low-latency: one copy per assignment, straight to its rank
};

/**
 * Probability that a token's `top_k` picks, drawn without replacement from `pool` equally likely
 * experts, include at least one of the `share` x `pool` experts of a rank or node:
 * 1 - prod_{i<top_k} (pool (1 - share) - i) / (pool - i); 1 once a factor would be <= 0 (fewer
 * other experts than picks), 0 for share 0.
 * Units: share in [0, 1], pool in experts (>= top_k). Source: the hypergeometric distribution.
 * E.g. 256 experts, 32 on a rank, top-8: 1 - C(224, 8) / C(256, 8) = 0.66183.
 */
double touch_probability(double share, double pool, int top_k);

struct RoutingSpec {
  RoutingDistribution distribution = RoutingDistribution::kUniform;
  /** Zipf: expert of popularity rank r (1-based) gets a share proportional to r^-s. */
  double zipf_exponent = 1.0;
  /** Histogram: measured token counts per expert: a single row that applies to every MoE
   *  layer, or one row per MoE layer (row m for the m-th MoE layer; the scenario loader checks
   *  the count; here rows repeat cyclically if fewer are given). */
  std::vector<std::vector<double>> histogram;
  /** Zipf: popularity ranks are shuffled over the experts per MoE layer with this seed, so the
   *  hot experts differ between layers (as measured routing does); the same seed gives the same
   *  placement. */
  uint64_t seed = 0;
};

/**
 * Fraction of the token-expert assignments expert e receives in the `moe_layer`-th MoE layer
 * (0-based among MoE layers). Shape: `experts` entries summing to 1.
 * Zipf is the usual synthetic model of skewed expert popularity; a measured histogram replaces
 * it where one exists.
 */
std::vector<double> expert_load(const RoutingSpec& spec, int experts, int moe_layer);

struct EpTrafficParams {
  int ep = 1;                    ///< expert-parallel group size
  double tokens_per_rank = 0;    ///< T: tokens each EP rank routes per micro-batch
  int top_k = 1;                 ///< experts per token
  double bytes_per_token = 0;    ///< one token's hidden vector on the wire (h x 2 for bf16)
  double capacity_factor = 0;    ///< 0: dropless
  int node_limit = 0;            ///< M: most nodes a token may reach; 0: no limit
  int redundant_experts = 0;     ///< R: extra expert copies (EPLB); 0: none
  int ranks_per_node = 0;        ///< R: EP ranks per node (node-limited routing, DeepEP normal)
  EpKernel kernel = EpKernel::kAllToAll;
};

struct EpTraffic {
  /** Per EP rank: tokens (token-expert assignments) its experts process per micro-batch. */
  std::vector<double> expert_tokens;
  /** Fraction of the assignments dropped by the capacity limit (0 when dropless). */
  double dropped_fraction = 0;
  /** Dispatch in one phase, ep x ep row-major bytes: flat, DeepEP's overlapped phases or its
   *  low-latency copies (empty with node-limited routing under kAllToAll). */
  std::vector<double> dispatch;
  /** DeepEP normal only (else empty), per EP rank: tokens sent per node hit, own node included;
   *  tokens received, own included (see the file comment). */
  std::vector<double> node_tokens, recv_tokens;
  /** Node-limited dispatch: phase 1 between rail peers of different nodes, phase 2 inside each
   *  node (both ep x ep row-major; empty without node-limited routing). */
  std::vector<double> dispatch_inter, dispatch_intra;
  /** Bytes a rank sends to other ranks in the dispatch (all phases), the mean and the largest. */
  double sent_mean = 0, sent_max = 0;
};

/** The EP traffic of one MoE layer for expert loads `load` (see the file comment). */
EpTraffic ep_traffic(const std::vector<double>& load, const EpTrafficParams& params);

/** The transpose of an n x n row-major matrix (the combine of a dispatch). */
std::vector<double> transpose(const std::vector<double>& m, int n);

}  // namespace dtsim::workloads
