#include "models/collectives/algorithm.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <utility>

#include "simcore/error.h"

namespace dtsim::collectives {

using simcore::CollectiveKind;
using simcore::ConfigError;

namespace {

constexpr std::pair<Algorithm, std::string_view> kNames[] = {
    {Algorithm::kAuto, "auto"},
    {Algorithm::kRing, "ring"},
    {Algorithm::kRingBidirectional, "ring_bidirectional"},
    {Algorithm::kDirect, "direct"},
    {Algorithm::kPairwise, "pairwise"},
    {Algorithm::kHalvingDoubling, "halving_doubling"},
    {Algorithm::kDoubleBinaryTree, "double_binary_tree"},
    {Algorithm::kHierarchical, "hierarchical"}};

constexpr Algorithm kAllReduceAlgos[] = {Algorithm::kRing, Algorithm::kRingBidirectional,
                                         Algorithm::kHalvingDoubling, Algorithm::kDoubleBinaryTree,
                                         Algorithm::kHierarchical};
constexpr Algorithm kScatterGatherAlgos[] = {Algorithm::kRing, Algorithm::kRingBidirectional,
                                             Algorithm::kHalvingDoubling};
constexpr Algorithm kAllToAllAlgos[] = {Algorithm::kDirect, Algorithm::kPairwise};
constexpr Algorithm kRootedAlgos[] = {Algorithm::kRing};

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

bool is_power_of_two(int n) { return n > 0 && (n & (n - 1)) == 0; }

}  // namespace

std::string_view to_string(Algorithm a) {
  for (auto& [algo, name] : kNames)
    if (algo == a) return name;
  return "?";
}

std::optional<Algorithm> parse_algorithm(std::string_view s) {
  for (auto& [algo, name] : kNames)
    if (name == s) return algo;
  return std::nullopt;
}

Algorithm parse_algorithm_or_throw(std::string_view s) {
  if (auto a = parse_algorithm(s)) return *a;
  std::string names;
  std::string_view best;
  size_t best_distance = SIZE_MAX;
  for (auto& [algo, name] : kNames) {
    if (!names.empty()) names += ", ";
    names += name;
    size_t d = edit_distance(s, name);
    if (d < best_distance) best_distance = d, best = name;
  }
  std::string message =
      fmt::format("unknown collective algorithm \"{}\"; expected one of: {}", s, names);
  if (best_distance <= std::max<size_t>(2, best.size() / 3))
    message += fmt::format("; did you mean \"{}\"?", best);
  throw ConfigError(message);
}

std::span<const Algorithm> supported_algorithms(CollectiveKind kind) {
  switch (kind) {
    case CollectiveKind::kAllReduce:
      return kAllReduceAlgos;
    case CollectiveKind::kReduceScatter:
    case CollectiveKind::kAllGather:
      return kScatterGatherAlgos;
    case CollectiveKind::kAllToAll:
      return kAllToAllAlgos;
    case CollectiveKind::kBroadcast:
    case CollectiveKind::kReduce:
      return kRootedAlgos;
  }
  return {};
}

std::vector<std::vector<int32_t>> members_by_box(int n, const std::vector<int>& box_of) {
  if (n < 0) throw ConfigError(fmt::format("group size must be >= 1; got {}", n));
  if (box_of.empty()) {
    std::vector<std::vector<int32_t>> one(1);
    one[0].resize(static_cast<size_t>(n));
    std::iota(one[0].begin(), one[0].end(), 0);
    return one;
  }
  if (box_of.size() != static_cast<size_t>(n))
    throw ConfigError(fmt::format("box_of has {} entries for a group of {}", box_of.size(), n));
  // Sort (box, position) pairs to find each box's first position, then order boxes by it.
  std::vector<std::pair<int, int32_t>> by_box(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) by_box[i] = {box_of[i], i};
  std::sort(by_box.begin(), by_box.end());
  std::vector<std::vector<int32_t>> groups;
  for (size_t i = 0; i < by_box.size(); ++i) {
    if (i == 0 || by_box[i].first != by_box[i - 1].first) groups.emplace_back();
    groups.back().push_back(by_box[i].second);
  }
  std::sort(groups.begin(), groups.end(),
            [](const auto& a, const auto& b) { return a.front() < b.front(); });
  return groups;
}

Algorithm resolve(CollectiveKind kind, Algorithm hint, int n, const std::vector<int>& box_of) {
  const std::string_view kind_name = simcore::to_string(kind);
  if (n < 1) throw ConfigError(fmt::format("{}: group size must be >= 1; got {}", kind_name, n));
  if (!box_of.empty() && box_of.size() != static_cast<size_t>(n))
    throw ConfigError(
        fmt::format("{}: box_of has {} entries for a group of {}", kind_name, box_of.size(), n));

  if (hint == Algorithm::kAuto) {
    switch (kind) {
      case CollectiveKind::kAllReduce: {
        auto boxes = members_by_box(n, box_of);
        bool equal = std::all_of(boxes.begin(), boxes.end(),
                                 [&](const auto& b) { return b.size() == boxes.front().size(); });
        return boxes.size() > 1 && equal && boxes.front().size() > 1 ? Algorithm::kHierarchical
                                                                     : Algorithm::kRing;
      }
      case CollectiveKind::kReduceScatter:
      case CollectiveKind::kAllGather:
      case CollectiveKind::kBroadcast:
      case CollectiveKind::kReduce:
        return Algorithm::kRing;
      case CollectiveKind::kAllToAll:
        return Algorithm::kDirect;
    }
    return Algorithm::kRing;
  }

  auto supported = supported_algorithms(kind);
  if (std::find(supported.begin(), supported.end(), hint) == supported.end()) {
    std::string names = "auto";
    for (Algorithm a : supported) names += fmt::format(", {}", to_string(a));
    throw ConfigError(fmt::format("{} does not support algorithm \"{}\"; supported: {}", kind_name,
                                  to_string(hint), names));
  }
  if (hint == Algorithm::kHalvingDoubling && !is_power_of_two(n))
    throw ConfigError(fmt::format(
        "{} with algorithm \"halving_doubling\" needs a power-of-two group size; got n = {}",
        kind_name, n));
  if (hint == Algorithm::kHierarchical) {
    auto boxes = members_by_box(n, box_of);
    for (const auto& b : boxes)
      if (b.size() != boxes.front().size())
        throw ConfigError(fmt::format(
            "{} with algorithm \"hierarchical\" needs the same number of members in every box; "
            "box {} holds {} but box {} holds {}",
            kind_name, box_of[boxes.front().front()], boxes.front().size(), box_of[b.front()],
            b.size()));
  }
  return hint;
}

}  // namespace dtsim::collectives
