#include "models/workloads/chakra/chakra_import.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <queue>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "simcore/error.h"
#include "simcore/program_builder.h"

namespace dtsim::workloads::chakra {

using namespace dtsim::simcore;

namespace {

const std::vector<std::string> kUsedAttributes = {
    "num_ops", "tensor_size", "comm_type", "comm_size", "comm_src", "comm_dst", "comm_tag",
    "is_cpu_op", "pg_name", "comm_priority", "involved_dim", "op_type",
    // written by dtsim's exporter (chakra_export.h)
    "duration_ps", "delay_ps", "dtype", "algorithm", "root", "stream", "nccl_bytes",
    "duration_from"};

std::string type_name(int t) {
  switch (t) {
    case pb::INVALID_NODE: return "INVALID_NODE";
    case pb::METADATA_NODE: return "METADATA_NODE";
    case pb::MEM_LOAD_NODE: return "MEM_LOAD_NODE";
    case pb::MEM_STORE_NODE: return "MEM_STORE_NODE";
    case pb::COMP_NODE: return "COMP_NODE";
    case pb::COMM_SEND_NODE: return "COMM_SEND_NODE";
    case pb::COMM_RECV_NODE: return "COMM_RECV_NODE";
    case pb::COMM_COLL_NODE: return "COMM_COLL_NODE";
  }
  return fmt::format("node type {}", t);
}

/** Typed access to a node's attributes with errors naming file and node. */
struct NodeView {
  const pb::Node& n;
  const std::string& file;

  [[noreturn]] void fail(const std::string& what) const {
    throw ConfigError(SourceLocation{file, 0, 0},
                      fmt::format("node {} ('{}'): {}", n.id(), n.name(), what));
  }
  /** The node's duration_micros as a Time; beyond Time's range (about 106 days) is an error,
   *  never a clamp. */
  Time duration() const {
    constexpr uint64_t kMaxMicros = static_cast<uint64_t>(INT64_MAX / 1'000'000);
    if (n.duration_micros() > kMaxMicros)
      fail(fmt::format("duration_micros {} is beyond the simulated time range (at most {} us, "
                       "about 106 days)",
                       n.duration_micros(), kMaxMicros));
    return Time::us(static_cast<int64_t>(n.duration_micros()));
  }
  const pb::AttributeProto* find(const std::string& name) const {
    for (const auto& a : n.attr())
      if (a.name() == name) return &a;
    return nullptr;
  }
  std::optional<int64_t> integer(const std::string& name) const {
    const pb::AttributeProto* a = find(name);
    if (!a) return std::nullopt;
    switch (a->value_case()) {
      case pb::AttributeProto::kInt32Val: return a->int32_val();
      case pb::AttributeProto::kInt64Val: return a->int64_val();
      case pb::AttributeProto::kUint32Val: return a->uint32_val();
      case pb::AttributeProto::kUint64Val:
        if (a->uint64_val() > static_cast<uint64_t>(INT64_MAX)) fail(fmt::format("attribute '{}' is too large", name));
        return static_cast<int64_t>(a->uint64_val());
      case pb::AttributeProto::kSint32Val: return a->sint32_val();
      case pb::AttributeProto::kSint64Val: return a->sint64_val();
      case pb::AttributeProto::kFixed32Val: return a->fixed32_val();
      case pb::AttributeProto::kFixed64Val:
        if (a->fixed64_val() > static_cast<uint64_t>(INT64_MAX)) fail(fmt::format("attribute '{}' is too large", name));
        return static_cast<int64_t>(a->fixed64_val());
      case pb::AttributeProto::kSfixed32Val: return a->sfixed32_val();
      case pb::AttributeProto::kSfixed64Val: return a->sfixed64_val();
      default: fail(fmt::format("attribute '{}' should be an integer", name));
    }
  }
  int64_t required_integer(const std::string& name) const {
    auto v = integer(name);
    if (!v) fail(fmt::format("missing attribute '{}'", name));
    return *v;
  }
  std::optional<double> number(const std::string& name) const {
    const pb::AttributeProto* a = find(name);
    if (!a) return std::nullopt;
    if (a->value_case() == pb::AttributeProto::kDoubleVal) return a->double_val();
    if (a->value_case() == pb::AttributeProto::kFloatVal) return a->float_val();
    return static_cast<double>(*integer(name));
  }
  bool flag(const std::string& name) const {
    const pb::AttributeProto* a = find(name);
    if (!a) return false;
    if (a->value_case() == pb::AttributeProto::kBoolVal) return a->bool_val();
    return *integer(name) != 0;
  }
  std::optional<std::string> text(const std::string& name) const {
    const pb::AttributeProto* a = find(name);
    if (!a) return std::nullopt;
    if (a->value_case() != pb::AttributeProto::kStringVal)
      fail(fmt::format("attribute '{}' should be a string", name));
    return a->string_val();
  }
};

/** comm_type guessed from a collective's name (c10d::allreduce_, ncclKernel_AllGather_...), or
 *  -1 when the name says nothing. */
int64_t kind_from_name(const std::string& name) {
  std::string s;
  for (char c : name)
    if (std::isalpha(static_cast<unsigned char>(c))) s += static_cast<char>(std::tolower(c));
  if (s.find("allreduce") != std::string::npos) return pb::ALL_REDUCE;
  if (s.find("reducescatter") != std::string::npos) return pb::REDUCE_SCATTER;
  if (s.find("allgather") != std::string::npos) return pb::ALL_GATHER;
  if (s.find("alltoall") != std::string::npos) return pb::ALL_TO_ALL;
  if (s.find("broadcast") != std::string::npos) return pb::BROADCAST;
  if (s.find("barrier") != std::string::npos) return pb::BARRIER;
  if (s.find("reduce") != std::string::npos) return pb::REDUCE;
  return -1;
}

/** One rank's dependencies as indices into its nodes, in file order per node (data, then
 *  control); an edge to a node not in the trace is an error under `strict`, else dropped and
 *  counted in `missing`. */
std::vector<std::vector<uint32_t>> resolve_deps(const RankTrace& t, bool strict, MissingDeps& missing) {
  const size_t n = t.nodes.size();
  std::unordered_map<uint64_t, uint32_t> index;
  index.reserve(n * 2);
  for (uint32_t i = 0; i < n; ++i) {
    auto [it, fresh] = index.emplace(t.nodes[i].id(), i);
    if (!fresh)
      throw ConfigError(SourceLocation{t.file, 0, 0},
                        fmt::format("duplicate node id {} ('{}' and '{}')", t.nodes[i].id(),
                                    t.nodes[it->second].name(), t.nodes[i].name()));
  }
  std::vector<std::vector<uint32_t>> deps(n);
  for (uint32_t i = 0; i < n; ++i) {
    const pb::Node& node = t.nodes[i];
    auto add = [&](uint64_t dep, bool data) {
      auto it = index.find(dep);
      if (it != index.end()) {
        deps[i].push_back(it->second);
        return;
      }
      const char* kind = data ? "data" : "control";
      if (strict)
        throw ConfigError(
            SourceLocation{t.file, 0, 0},
            fmt::format("node {} ('{}'): {} dependency on node {}, which is not in the trace (strict "
                        "import; without strict it would be treated as satisfied)",
                        node.id(), node.name(), kind, dep));
      ++(data ? missing.data : missing.control);
      if (missing.first.empty())
        missing.first =
            fmt::format("{}: node {} ('{}') -> node {} ({})", t.file, node.id(), node.name(), dep, kind);
    };
    for (uint64_t d : node.data_deps()) add(d, true);
    for (uint64_t d : node.ctrl_deps()) add(d, false);
  }
  return deps;
}

/** Topological order of one rank's nodes (Kahn, ties by node id); `deps` from resolve_deps. */
std::vector<uint32_t> topo_order(const RankTrace& t, const std::vector<std::vector<uint32_t>>& deps) {
  const size_t n = t.nodes.size();
  std::vector<std::vector<uint32_t>> succ(n);
  std::vector<uint32_t> indeg(n, 0);
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t d : deps[i]) {
      succ[d].push_back(i);
      ++indeg[i];
    }
  using Item = std::pair<uint64_t, uint32_t>;  // (node id, index)
  std::priority_queue<Item, std::vector<Item>, std::greater<>> ready;
  for (uint32_t i = 0; i < n; ++i)
    if (indeg[i] == 0) ready.emplace(t.nodes[i].id(), i);
  std::vector<uint32_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    uint32_t i = ready.top().second;
    ready.pop();
    order.push_back(i);
    for (uint32_t s : succ[i])
      if (--indeg[s] == 0) ready.emplace(t.nodes[s].id(), s);
  }
  if (order.size() != n) {
    std::vector<std::string> names;
    for (uint32_t i = 0; i < n && names.size() < 5; ++i)
      if (indeg[i] > 0) names.push_back(fmt::format("{} ('{}')", t.nodes[i].id(), t.nodes[i].name()));
    throw ConfigError(SourceLocation{t.file, 0, 0},
                      fmt::format("dependency cycle: {} nodes can never run, among them {}",
                                  n - order.size(), fmt::join(names, ", ")));
  }
  return order;
}

}  // namespace

Workload import_chakra(const std::vector<RankTrace>& traces, const ImportOptions& options,
                       ImportStats* stats) {
  ImportStats local;
  ImportStats& st = stats ? *stats : local;
  const int nranks = static_cast<int>(traces.size());
  Workload w;
  w.ranks.resize(nranks);
  ProgramBuilder b(w);
  std::vector<int> all(nranks);
  for (int i = 0; i < nranks; ++i) all[i] = i;
  const uint8_t cpu_stream = w.stream_of("cpu");
  const uint32_t bf16 = w.intern("");  // empty: the compute model's default (bf16)
  const uint32_t auto_algo = w.intern("auto");
  auto skip = [&](Op& op, const std::string& why) {
    op.kind = OpKind::kDelay;
    op.delay = Time::zero();
    ++st.skipped[why];
  };

  for (int r = 0; r < nranks; ++r) {
    const RankTrace& t = traces[r];
    const uint32_t trace_file = w.intern(t.file);
    std::vector<std::vector<uint32_t>> deps = resolve_deps(t, options.strict, st.missing_deps);
    std::vector<uint32_t> order = topo_order(t, deps);
    std::vector<uint32_t> position(t.nodes.size());
    for (uint32_t k = 0; k < order.size(); ++k) position[order[k]] = k;
    w.ranks[r].ops.reserve(order.size());
    for (uint32_t i : order) {
      const pb::Node& node = t.nodes[i];
      NodeView v{node, t.file};
      ++st.nodes_by_type[type_name(node.type())];
      for (const auto& a : node.attr())
        if (std::find(kUsedAttributes.begin(), kUsedAttributes.end(), a.name()) == kUsedAttributes.end())
          ++st.unknown_attributes;
      uint32_t op_index;  // == the node's position in `order`
      Op& op = b.make(r, OpKind::kCompute, v.flag("is_cpu_op") ? cpu_stream : kComputeStream,
                      node.name(), {}, op_index);
      op.dtype = bf16;
      switch (node.type()) {
        case pb::COMP_NODE:
        case pb::MEM_LOAD_NODE:
        case pb::MEM_STORE_NODE: {
          if (auto d = v.integer("delay_ps")) {  // a dtsim delay op
            if (*d < 0) v.fail(fmt::format("negative delay_ps {}", *d));
            op.kind = OpKind::kDelay;
            op.delay = Time::ps(*d);
            break;
          }
          op.kind = OpKind::kCompute;
          bool mem = node.type() != pb::COMP_NODE;
          std::optional<Time> traced;
          if (auto ps = v.integer("duration_ps")) {
            if (*ps < 0) v.fail(fmt::format("negative duration_ps {}", *ps));
            traced = Time::ps(*ps);
          } else if (node.duration_micros() > 0 && !v.find("duration_from")) {
            // (a duration dtsim's exporter priced, `duration_from`, is re-priced from the work)
            traced = v.duration();
          }
          bool has_work = v.find("num_ops") || v.find("tensor_size");
          if (traced && (options.replay_durations || !has_work)) {
            op.duration = traced;
          } else {
            op.flops = mem ? 0.0 : v.number("num_ops").value_or(0.0);
            op.mem_bytes = v.number("tensor_size").value_or(0.0);
            if (!(op.flops >= 0 && std::isfinite(op.flops)) || !(op.mem_bytes >= 0 && std::isfinite(op.mem_bytes)))
              v.fail(fmt::format("num_ops ({}) and tensor_size ({}) must be finite and >= 0", op.flops,
                                 op.mem_bytes));
            if (!traced && !has_work) op.duration = Time::zero();  // nothing to price: no time
          }
          if (auto dt = v.text("dtype")) op.dtype = w.intern(*dt);
          break;
        }
        case pb::COMM_COLL_NODE: {
          auto comm_size = v.integer("comm_size");
          if (!comm_size) {
            // Traces converted from PyTorch carry collectives without their size (the c10d call
            // and the NCCL kernel, each with its measured duration): replay the duration.
            op.kind = OpKind::kDelay;
            op.delay = v.duration();
            if (!op.stream) op.stream = kCommStream;
            ++st.skipped["COMM_COLL_NODE without comm_size (replayed from its duration)"];
            break;
          }
          op.kind = OpKind::kCollective;
          op.stream = kCommStream;
          int64_t type = v.integer("comm_type").has_value() ? *v.integer("comm_type") : kind_from_name(node.name());
          int64_t size = *comm_size;
          if (size < 0) v.fail(fmt::format("negative comm_size {}", size));
          op.bytes = size;
          op.algorithm = auto_algo;
          if (auto al = v.text("algorithm")) op.algorithm = w.intern(*al);
          std::vector<int> members = all;
          std::string communicator;  // distinct process groups stay distinct groups
          if (auto pg = v.text("pg_name")) {
            auto it = options.comm_groups.find(*pg);
            if (it != options.comm_groups.end()) members = it->second;
            communicator = *pg;
          }
          for (int m : members)
            if (m < 0 || m >= nranks) v.fail(fmt::format("group member {} is not a rank of the trace (0..{})", m, nranks - 1));
          if (std::find(members.begin(), members.end(), r) == members.end())
            v.fail(fmt::format("rank {} is not in the collective's group [{}]", r, fmt::join(members, ", ")));
          op.group = w.group_of(members, communicator);
          if (auto rt = v.integer("root")) {
            if (*rt < 0 || *rt >= static_cast<int64_t>(members.size()))
              v.fail(fmt::format("root {} is not a position in the group of {} ranks", *rt, members.size()));
            op.root = static_cast<int32_t>(*rt);
          }
          switch (type) {
            case pb::ALL_REDUCE: op.collective = CollectiveKind::kAllReduce; break;
            case pb::REDUCE: op.collective = CollectiveKind::kReduce; break;
            case pb::ALL_GATHER:
              // Chakra/ASTRA-sim give an all-gather's per-rank input; dtsim's size is the output
              // (nccl-tests): n x comm_size, unless dtsim's exporter wrote the exact nccl_bytes.
              op.collective = CollectiveKind::kAllGather;
              if (auto nb = v.integer("nccl_bytes")) {
                op.bytes = *nb;
              } else {
                if (size > INT64_MAX / static_cast<int64_t>(members.size()))
                  v.fail(fmt::format("comm_size {} x {} ranks overflows", size, members.size()));
                op.bytes = size * static_cast<int64_t>(members.size());
              }
              break;
            case pb::BROADCAST: op.collective = CollectiveKind::kBroadcast; break;
            case pb::ALL_TO_ALL: op.collective = CollectiveKind::kAllToAll; break;
            case pb::REDUCE_SCATTER:
            case pb::REDUCE_SCATTER_BLOCK: op.collective = CollectiveKind::kReduceScatter; break;
            case pb::BARRIER:
              op.collective = CollectiveKind::kAllReduce;
              op.bytes = 0;
              break;
            case pb::GATHER: skip(op, "GATHER collective (not modelled)"); break;
            case pb::SCATTER: skip(op, "SCATTER collective (not modelled)"); break;
            default:
              skip(op, type < 0 ? "COMM_COLL_NODE without comm_type" : fmt::format("unknown comm_type {}", type));
              break;
          }
          break;
        }
        case pb::COMM_SEND_NODE:
        case pb::COMM_RECV_NODE: {
          bool send = node.type() == pb::COMM_SEND_NODE;
          op.kind = send ? OpKind::kSend : OpKind::kRecv;
          op.stream = kCommStream;
          int64_t peer = v.required_integer(send ? "comm_dst" : "comm_src");
          if (peer < 0 || peer >= nranks || peer == r)
            v.fail(fmt::format("{} {} is not another rank of the trace (0..{})",
                               send ? "comm_dst" : "comm_src", peer, nranks - 1));
          op.peer = static_cast<int32_t>(peer);
          op.bytes = v.integer("comm_size").value_or(0);
          if (op.bytes < 0) v.fail(fmt::format("negative comm_size {}", op.bytes));
          int64_t tag = v.integer("comm_tag").value_or(0);
          if (tag < INT32_MIN || tag > INT32_MAX) v.fail(fmt::format("comm_tag {} is outside the 32-bit range", tag));
          op.tag = static_cast<int32_t>(tag);
          break;
        }
        case pb::METADATA_NODE: skip(op, "METADATA_NODE"); break;
        default: skip(op, type_name(node.type())); break;
      }
      if (op.kind == OpKind::kDelay && op.delay == Time::zero() && !v.find("delay_ps"))
        op.stream = kComputeStream;
      if (auto sn = v.text("stream")) op.stream = w.stream_of(*sn);
      // Errors found while running (ranks that disagree on a collective) name the node.
      op.origin = w.add_origin({trace_file, 0, 0, static_cast<int64_t>(node.id())});
      for (uint32_t d : deps[i]) op.deps.push_back(position[d]);
      std::sort(op.deps.begin(), op.deps.end());
      op.deps.erase(std::unique(op.deps.begin(), op.deps.end()), op.deps.end());
    }
  }
  return w;
}

}  // namespace dtsim::workloads::chakra
