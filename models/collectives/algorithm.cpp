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

/** The entry of that name; it must exist (auto's choices name registry entries). */
Algorithm entry(std::string_view name) {
  auto a = parse_algorithm(name);
  DTSIM_ASSERT(a && !a->is_auto(), "auto resolves to an algorithm the registry lacks");
  return *a;
}

}  // namespace

const AlgorithmFamily& Algorithm::family() const {
  DTSIM_ASSERT(family_ != nullptr, "collective algorithm \"auto\" used before resolve");
  return *family_;
}

std::string_view Algorithm::name() const { return family_ ? family_->name : "auto"; }

bool AlgorithmFamily::supports(CollectiveKind kind) const {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

std::string_view to_string(Algorithm a) { return a.name(); }

std::optional<Algorithm> parse_algorithm(std::string_view s) {
  if (s == "auto") return Algorithm{};
  for (const AlgorithmFamily* f : algorithm_families())
    if (f->name == s) return Algorithm(f);
  return std::nullopt;
}

Algorithm parse_algorithm_or_throw(std::string_view s) {
  if (auto a = parse_algorithm(s)) return *a;
  std::vector<std::string_view> all{"auto"};
  for (const AlgorithmFamily* f : algorithm_families()) all.push_back(f->name);
  std::string names;
  std::string_view best;
  size_t best_distance = SIZE_MAX;
  for (std::string_view name : all) {
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

std::vector<Algorithm> supported_algorithms(CollectiveKind kind) {
  std::vector<Algorithm> out;
  for (const AlgorithmFamily* f : algorithm_families())
    if (f->supports(kind)) out.emplace_back(f);
  return out;
}

std::vector<std::string> algorithm_names() {
  std::vector<std::string> out{"auto"};
  for (const AlgorithmFamily* f : algorithm_families()) out.emplace_back(f->name);
  return out;
}

std::vector<std::string> algorithm_names(CollectiveKind kind) {
  std::vector<std::string> out{"auto"};
  for (const AlgorithmFamily* f : algorithm_families())
    if (f->supports(kind)) out.emplace_back(f->name);
  return out;
}

std::vector<std::vector<int32_t>> members_by_box(int n, std::span<const int> box_of) {
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

  if (hint.is_auto()) {
    switch (kind) {
      case CollectiveKind::kAllReduce: {
        auto boxes = members_by_box(n, box_of);
        bool equal = std::all_of(boxes.begin(), boxes.end(),
                                 [&](const auto& b) { return b.size() == boxes.front().size(); });
        return entry(boxes.size() > 1 && equal && boxes.front().size() > 1 ? "hierarchical"
                                                                           : "ring");
      }
      case CollectiveKind::kReduceScatter:
      case CollectiveKind::kAllGather:
      case CollectiveKind::kBroadcast:
      case CollectiveKind::kReduce:
        return entry("ring");
      case CollectiveKind::kAllToAll:
        return entry("direct");
    }
    return entry("ring");
  }

  const AlgorithmFamily& f = hint.family();
  if (!f.supports(kind)) {
    std::string names = "auto";
    for (Algorithm a : supported_algorithms(kind)) names += fmt::format(", {}", a.name());
    throw ConfigError(fmt::format("{} does not support algorithm \"{}\"; supported: {}", kind_name,
                                  f.name, names));
  }
  if (f.check_group) f.check_group(kind, n, box_of);
  return hint;
}

}  // namespace dtsim::collectives
