#pragma once
/**
 * Collective algorithms: one registry entry per algorithm family (DESIGN.md, "Extension seams"):
 * its name, the collectives it implements, its expansion into transfers (the schedule) and its
 * alpha-beta closed form for the analytical back-end. `auto` resolves to an entry per kind.
 *
 *     Algorithm a = collectives::parse_algorithm_or_throw("ring");
 *     Algorithm r = collectives::resolve(CollectiveKind::kAllReduce, Algorithm{}, 16, box_of);
 *     // r.name() == "hierarchical" when box_of puts 8 members in each of 2 boxes
 *
 * Supported (kind, algorithm) pairs (each entry's `kinds`):
 *
 * | kind           | algorithms                                                             |
 * |----------------|------------------------------------------------------------------------|
 * | all_reduce     | ring, ring_bidirectional, halving_doubling, double_binary_tree, hierarchical, pccl_ring, nccl_ring, nccl_tree, nvls, nvls_tree, nccl |
 * | reduce_scatter | ring, ring_bidirectional, halving_doubling, pccl_ring, nccl_ring, nccl |
 * | all_gather     | ring, ring_bidirectional, halving_doubling, pccl_ring, nccl_ring, nccl |
 * | all_to_all     | direct, pairwise                                                       |
 * | broadcast      | ring (a pipelined chain from the root)                                 |
 * | reduce         | ring (a pipelined chain into the root)                                 |
 *
 * `auto` is accepted for every kind. The NCCL families (nccl_ring, nccl_tree, nvls, nvls_tree and
 * `nccl`, NCCL's own choice) price with NCCL's cost model (nccl_tuning.h) and need the request's
 * NcclContext (configs/nccl/tuning.yaml, the group's node facts).
 *
 * Adding an algorithm: a file in models/collectives/algorithms/ whose function returns its
 * `AlgorithmFamily`, and that function's declaration and table entry in
 * models/collectives/registry.cpp. Nothing else switches on an algorithm: the back-ends call the
 * entry's members, and the kinds' algorithm keys list `algorithm_names()` (DiLoCo's
 * outer_algorithm keeps its own list of the flat all-reduces that suit one rank per site).
 */
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/collectives/nccl_tuning.h"
#include "simcore/workload.h"

namespace dtsim::collectives {

struct AlgorithmFamily;
struct Schedule;
class ScheduleBuilder;
struct AlphaBetaParams;

/** A collective algorithm: an entry of the registry, or `auto` (the default value). */
class Algorithm {
 public:
  Algorithm() = default;  ///< auto
  explicit Algorithm(const AlgorithmFamily* family) : family_(family) {}
  bool is_auto() const { return family_ == nullptr; }
  /** The entry. Errors: an assertion for `auto` (resolve first). */
  const AlgorithmFamily& family() const;
  /** The name as written in scenarios ("auto" for auto). */
  std::string_view name() const;
  bool operator==(const Algorithm&) const = default;

 private:
  const AlgorithmFamily* family_ = nullptr;
};

/** Steady one-way latency and bandwidth from one group position to another (a route, with the
 *  link models' steady bounds for `streams` parallel connections; 0 = the link class's own). */
struct PairCost {
  double latency_s = 0;
  double bw_bytes_per_s = 0;
};
using PairCostFn = std::function<PairCost(int from, int to, int streams)>;

/** The most TCP connections one peer pair may pool (`network.connections`); PCCL's own
 *  measurements stop at 128 (arXiv:2505.14065). */
inline constexpr int kMaxConnectionsPerPair = 1024;
/** PCCL's connection pool per peer pair in the setting (16). */
inline constexpr int kDefaultConnectionsPerPair = 16;

/** What an expansion or a closed form is asked for. */
struct ScheduleRequest {
  simcore::CollectiveKind kind = simcore::CollectiveKind::kAllReduce;
  int n = 1;             ///< group size
  double bytes = 0;      ///< nccl-tests sizes (schedule.h)
  int root = 0;          ///< broadcast / reduce only
  int chunks = 1;        ///< pipelining chunks
  std::span<const int> box_of;  ///< box of each position; empty: one box
  /** TCP connections per peer pair, for the families that pool them (pccl_ring: in
   *  [1, kMaxConnectionsPerPair]); the others ignore it. */
  int connections = kDefaultConnectionsPerPair;
  const PairCostFn* pair_cost = nullptr;  ///< for topology-aware orders; null: unknown
  /** NCCL's constants and the group's node facts, for the NCCL families (nccl_tuning.h). */
  NcclContext nccl;
};

/**
 * One algorithm family. Function members marked optional may be null.
 *
 * - `check_group` (optional): rejects a group the family cannot run (ConfigError).
 * - `transfer_count`: the transfers `expand` will append (a double, checked against 2^32-1
 *   before building).
 * - `expand`: appends the schedule (n >= 2, already checked).
 * - `streams_per_transfer` (optional): parallel TCP connections each transfer opens (0: the link
 *   class's own).
 * - `measure` (optional): the analytical back-end's alpha-beta parameters of a group from its
 *   pair costs; null: the worst of the pairs i -> i+1 (mod n) and the box count.
 * - `check_alpha_beta` (optional): rejects parameters its closed form cannot use.
 * - `alpha_beta_seconds`: the closed form (n >= 2), see alpha_beta.h.
 * - `expand_alltoallv`, `alltoallv_seconds` (optional): the all-to-all-v (per-pair sizes)
 *   schedule and closed form, for families that run one.
 * - `describe` (optional): what the family chose for these parameters (NCCL's algorithm,
 *   protocol and channels), reported as the collective's algorithm; null: the name.
 */
struct AlgorithmFamily {
  std::string_view name;
  std::span<const simcore::CollectiveKind> kinds;
  void (*check_group)(simcore::CollectiveKind kind, int n, std::span<const int> box_of) = nullptr;
  double (*transfer_count)(const ScheduleRequest& r) = nullptr;
  void (*expand)(const ScheduleRequest& r, ScheduleBuilder& b) = nullptr;
  int (*streams_per_transfer)(const ScheduleRequest& r) = nullptr;
  AlphaBetaParams (*measure)(const ScheduleRequest& r, const PairCostFn& pair) = nullptr;
  void (*check_alpha_beta)(simcore::CollectiveKind kind, int n, const AlphaBetaParams& p) =
      nullptr;
  double (*alpha_beta_seconds)(simcore::CollectiveKind kind, int n, double bytes,
                               const AlphaBetaParams& p) = nullptr;
  void (*expand_alltoallv)(int n, std::span<const double> matrix, int chunks,
                           ScheduleBuilder& b) = nullptr;
  double (*alltoallv_seconds)(int n, std::span<const double> matrix,
                              std::span<const int> box_of, const AlphaBetaParams& p) = nullptr;
  std::string (*describe)(simcore::CollectiveKind kind, int n, double bytes,
                          const AlphaBetaParams& p) = nullptr;

  bool supports(simcore::CollectiveKind kind) const;
};

/** Every entry, in registry order (models/collectives/registry.cpp). */
std::span<const AlgorithmFamily* const> algorithm_families();

/** The algorithm's name as written in scenarios ("auto", "ring", ...). */
std::string_view to_string(Algorithm a);

/** The algorithm of that exact name ("auto" included), or nullopt. */
std::optional<Algorithm> parse_algorithm(std::string_view s);

/**
 * The algorithm of that exact name.
 *
 * Errors: ConfigError `unknown collective algorithm "rign"; expected one of: auto, ring, ...`,
 * with `did you mean "ring"?` appended when a name is close.
 */
Algorithm parse_algorithm_or_throw(std::string_view s);

/** The concrete algorithms (not `auto`) that implement `kind`, in registry order. */
std::vector<Algorithm> supported_algorithms(simcore::CollectiveKind kind);

/** "auto", then the name of every entry in registry order: the choices of a scenario's
 *  algorithm key. */
std::vector<std::string> algorithm_names();

/** "auto", then the names of the entries that implement `kind`, in registry order. */
std::vector<std::string> algorithm_names(simcore::CollectiveKind kind);

/**
 * The concrete algorithm to run `kind` over a group of `n` positions, given a hint.
 *
 * `box_of[i]` is the box (server) of position i; an empty vector means all positions share one
 * box. `auto` picks: all_reduce -> hierarchical when the group spans more than one box and every
 * box holds the same number (> 1) of members, else ring; reduce_scatter / all_gather -> ring;
 * all_to_all -> direct; broadcast / reduce -> ring (a pipelined chain).
 *
 * Errors: ConfigError when `n` < 1, when `box_of` is neither empty nor of size `n`, when the
 * algorithm does not implement `kind` (the message lists those that do), or when the entry's
 * `check_group` rejects the group (halving_doubling: n not a power of two; hierarchical: boxes
 * of unequal size).
 */
Algorithm resolve(simcore::CollectiveKind kind, Algorithm hint, int n,
                  const std::vector<int>& box_of);

/**
 * Positions 0..n-1 grouped by box: boxes in order of first appearance in `box_of`, members of a
 * box in position order. An empty `box_of` means one box holding every position.
 *
 * Errors: ConfigError when `box_of` is neither empty nor of size `n`.
 * Complexity: O(n log n).
 */
std::vector<std::vector<int32_t>> members_by_box(int n, std::span<const int> box_of);

}  // namespace dtsim::collectives
