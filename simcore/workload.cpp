#include "simcore/workload.h"

#include <algorithm>

#include "simcore/error.h"

namespace dtsim::simcore {

std::string_view to_string(OpKind k) {
  switch (k) {
    case OpKind::kCompute: return "compute";
    case OpKind::kCollective: return "collective";
    case OpKind::kSend: return "send";
    case OpKind::kRecv: return "recv";
    case OpKind::kDelay: return "delay";
  }
  return "?";
}

std::string_view to_string(OpPhase p) {
  switch (p) {
    case OpPhase::kNone: return "none";
    case OpPhase::kForward: return "forward";
    case OpPhase::kBackward: return "backward";
    case OpPhase::kRecompute: return "recompute";
    case OpPhase::kGradientSync: return "gradient_sync";
    case OpPhase::kOptimizer: return "optimizer";
    case OpPhase::kOuterSync: return "outer_sync";
    case OpPhase::kDownlink: return "downlink";
    case OpPhase::kLocalTraining: return "local_training";
    case OpPhase::kUplink: return "uplink";
    case OpPhase::kAggregation: return "aggregation";
  }
  return "?";
}

namespace {
constexpr std::pair<CollectiveKind, std::string_view> kKinds[] = {
    {CollectiveKind::kAllReduce, "all_reduce"},   {CollectiveKind::kReduceScatter, "reduce_scatter"},
    {CollectiveKind::kAllGather, "all_gather"},   {CollectiveKind::kAllToAll, "all_to_all"},
    {CollectiveKind::kBroadcast, "broadcast"},    {CollectiveKind::kReduce, "reduce"}};
}

std::string_view to_string(CollectiveKind k) {
  for (auto& [kind, name] : kKinds)
    if (kind == k) return name;
  return "?";
}

std::optional<CollectiveKind> parse_collective_kind(std::string_view s) {
  for (auto& [kind, name] : kKinds)
    if (name == s) return kind;
  return std::nullopt;
}

double busbw_factor(CollectiveKind k, int n) {
  switch (k) {
    case CollectiveKind::kAllReduce: return 2.0 * (n - 1) / n;
    case CollectiveKind::kReduceScatter:
    case CollectiveKind::kAllGather:
    case CollectiveKind::kAllToAll: return static_cast<double>(n - 1) / n;
    case CollectiveKind::kBroadcast:
    case CollectiveKind::kReduce: return 1.0;
  }
  return 1.0;
}

uint32_t Workload::add_origin(OpOrigin origin) {
  origins.push_back(std::move(origin));
  return static_cast<uint32_t>(origins.size() - 1);
}

ConfigError Workload::error_at(const Op& op, const std::string& message) const {
  const OpOrigin& o = origins.at(op.origin);
  SourceLocation where{strings.at(o.file), o.line, o.column};
  return ConfigError(where, o.node < 0 ? message
                                       : message + " (Chakra node " + std::to_string(o.node) + ")");
}

uint32_t Workload::intern(std::string_view s) {
  if (string_index_.empty())
    for (uint32_t i = 0; i < strings.size(); ++i) string_index_.emplace(strings[i], i);
  auto it = string_index_.find(s);
  if (it != string_index_.end()) return it->second;
  uint32_t id = static_cast<uint32_t>(strings.size());
  strings.emplace_back(s);
  string_index_.emplace(std::string(s), id);
  return id;
}

namespace {

size_t hash_shape(const KernelShapes& s) {
  size_t h = 0;
  auto mix = [&h](int64_t v) { h = h * 1000003u ^ std::hash<int64_t>{}(v); };
  for (const GemmShape& g : s.gemms) {
    mix(g.m);
    mix(g.n);
    mix(g.k);
    mix(g.count);
  }
  const AttentionShape& a = s.attention;
  mix(a.batch_heads);
  mix(a.seq_q);
  mix(a.seq_kv);
  mix(a.head_dim);
  mix(a.causal * 2 + a.backward);
  return h;
}

}  // namespace

int32_t Workload::shape_of(const KernelShapes& s) {
  if (shape_index_.size() != shapes.size()) {  // shapes may also be appended directly
    shape_index_.clear();
    for (size_t i = 0; i < shapes.size(); ++i)
      shape_index_.emplace(hash_shape(shapes[i]), static_cast<int32_t>(i));
  }
  const size_t h = hash_shape(s);
  auto [lo, hi] = shape_index_.equal_range(h);
  for (auto it = lo; it != hi; ++it)
    if (shapes[static_cast<size_t>(it->second)] == s) return it->second;
  if (shapes.size() >= static_cast<size_t>(INT32_MAX)) throw ConfigError("too many kernel shapes");
  shapes.push_back(s);
  const int32_t id = static_cast<int32_t>(shapes.size() - 1);
  shape_index_.emplace(h, id);
  return id;
}

uint32_t Workload::group_of(const std::vector<int>& members, std::string_view communicator) {
  group_names_.resize(groups.size());  // groups may also be appended directly
  for (uint32_t i = 0; i < groups.size(); ++i)
    if (groups[i] == members && group_names_[i] == communicator) return i;
  groups.push_back(members);
  group_names_.emplace_back(communicator);
  return static_cast<uint32_t>(groups.size() - 1);
}

uint32_t Workload::find_group(const std::vector<int>& members, std::string_view communicator) const {
  for (uint32_t i = 0; i < groups.size(); ++i)
    if (groups[i] == members && i < group_names_.size() && group_names_[i] == communicator) return i;
  DTSIM_ASSERT(false, "find_group: no such communicator");
  return 0;
}

std::string_view Workload::communicator(uint32_t g) const {
  return g < group_names_.size() ? std::string_view(group_names_[g]) : std::string_view();
}

uint8_t Workload::find_stream(std::string_view s) const {
  for (size_t i = 0; i < stream_names.size(); ++i)
    if (stream_names[i] == s) return static_cast<uint8_t>(i);
  DTSIM_ASSERT(false, "find_stream: no such stream");
  return 0;
}

uint8_t Workload::stream_of(std::string_view s) {
  for (size_t i = 0; i < stream_names.size(); ++i)
    if (stream_names[i] == s) return static_cast<uint8_t>(i);
  if (stream_names.size() >= 255) throw ConfigError("too many streams (at most 255)");
  stream_names.emplace_back(s);
  return static_cast<uint8_t>(stream_names.size() - 1);
}

Workload Workload::placed(const std::vector<int>& placement, int cluster_ranks) const {
  if (placement.size() != ranks.size())
    throw ConfigError("rank placement lists " + std::to_string(placement.size()) +
                      " ranks for a workload of " + std::to_string(ranks.size()));
  std::vector<bool> used(cluster_ranks, false);
  for (int c : placement) {
    if (c < 0 || c >= cluster_ranks)
      throw ConfigError("rank placement names rank " + std::to_string(c) + ", outside 0.." +
                        std::to_string(cluster_ranks - 1));
    if (used[c]) throw ConfigError("rank placement names rank " + std::to_string(c) + " twice");
    used[c] = true;
  }
  Workload out = *this;
  out.ranks.assign(cluster_ranks, RankProgram{});
  for (size_t r = 0; r < ranks.size(); ++r) {
    out.ranks[placement[r]] = ranks[r];
    for (Op& op : out.ranks[placement[r]].ops)
      if (op.kind == OpKind::kSend || op.kind == OpKind::kRecv) op.peer = placement.at(op.peer);
  }
  for (auto& g : out.groups)
    for (int& m : g) m = placement.at(m);
  return out;
}

size_t Workload::op_count() const {
  size_t n = 0;
  for (auto& r : ranks) n += r.ops.size();
  return n;
}

}  // namespace dtsim::simcore
