#pragma once
/**
 * Collective algorithms: names, which collective each one implements, and how `auto` resolves.
 *
 *     auto a = collectives::parse_algorithm("ring");               // std::optional<Algorithm>
 *     Algorithm r = collectives::resolve(CollectiveKind::kAllReduce, Algorithm::kAuto, 16, box_of);
 *     // r == kHierarchical when box_of puts 8 members in each of 2 boxes
 *
 * Supported (kind, algorithm) pairs:
 *
 * | kind           | algorithms                                                             |
 * |----------------|------------------------------------------------------------------------|
 * | all_reduce     | ring, ring_bidirectional, halving_doubling, double_binary_tree, hierarchical |
 * | reduce_scatter | ring, ring_bidirectional, halving_doubling                             |
 * | all_gather     | ring, ring_bidirectional, halving_doubling                             |
 * | all_to_all     | direct, pairwise                                                       |
 * | broadcast      | ring (a pipelined chain from the root)                                 |
 * | reduce         | ring (a pipelined chain into the root)                                 |
 *
 * `auto` is accepted for every kind.
 */
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "simcore/workload.h"

namespace dtsim::collectives {

enum class Algorithm : uint8_t {
  kAuto,
  kRing,
  kRingBidirectional,
  kDirect,
  kPairwise,
  kHalvingDoubling,
  kDoubleBinaryTree,
  kHierarchical
};

/** The algorithm's name as written in scenarios: "auto", "ring", "ring_bidirectional", "direct",
 *  "pairwise", "halving_doubling", "double_binary_tree", "hierarchical". */
std::string_view to_string(Algorithm a);

/** The algorithm of that exact name, or nullopt. */
std::optional<Algorithm> parse_algorithm(std::string_view s);

/**
 * The algorithm of that exact name.
 *
 * Errors: ConfigError `unknown collective algorithm "rign"; expected one of: auto, ring, ...`,
 * with `did you mean "ring"?` appended when a name is close.
 */
Algorithm parse_algorithm_or_throw(std::string_view s);

/** The concrete algorithms (not `auto`) that implement `kind`, in the order of the table above. */
std::span<const Algorithm> supported_algorithms(simcore::CollectiveKind kind);

/**
 * The concrete algorithm to run `kind` over a group of `n` positions, given a hint.
 *
 * `box_of[i]` is the box (server) of position i; an empty vector means all positions share one
 * box. `auto` picks: all_reduce -> hierarchical when the group spans more than one box and every
 * box holds the same number (> 1) of members, else ring; reduce_scatter / all_gather -> ring;
 * all_to_all -> direct; broadcast / reduce -> ring (a pipelined chain).
 *
 * Errors: ConfigError when `n` < 1, when `box_of` is neither empty nor of size `n`, when the
 * algorithm does not implement `kind` (the message lists those that do), when halving_doubling
 * gets an `n` that is not a power of two, or when hierarchical gets boxes of unequal size.
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
std::vector<std::vector<int32_t>> members_by_box(int n, const std::vector<int>& box_of);

}  // namespace dtsim::collectives
