#include "models/workloads/chakra/chakra_export.h"

#include <cmath>

#include <fmt/format.h>

namespace dtsim::workloads::chakra {

using namespace dtsim::simcore;

namespace {

void attr_int(pb::Node& n, const char* name, int64_t v) {
  auto* a = n.add_attr();
  a->set_name(name);
  a->set_int64_val(v);
}
void attr_str(pb::Node& n, const char* name, const std::string& v) {
  auto* a = n.add_attr();
  a->set_name(name);
  a->set_string_val(v);
}
void attr_num(pb::Node& n, const char* name, double v) {
  auto* a = n.add_attr();
  a->set_name(name);
  if (v == std::floor(v) && std::fabs(v) < 9e18)
    a->set_int64_val(static_cast<int64_t>(v));
  else
    a->set_double_val(v);
}

int64_t comm_type(CollectiveKind k) {
  switch (k) {
    case CollectiveKind::kAllReduce: return pb::ALL_REDUCE;
    case CollectiveKind::kReduceScatter: return pb::REDUCE_SCATTER;
    case CollectiveKind::kAllGather: return pb::ALL_GATHER;
    case CollectiveKind::kAllToAll: return pb::ALL_TO_ALL;
    case CollectiveKind::kBroadcast: return pb::BROADCAST;
    case CollectiveKind::kReduce: return pb::REDUCE;
  }
  return pb::ALL_REDUCE;
}

uint64_t micros(Time t) { return static_cast<uint64_t>(std::llround(t.count_ps() * 1e-6)); }

}  // namespace

std::string pg_name(const Workload& w, uint32_t g) {
  const std::string_view role = w.communicator(g);
  return role.empty() ? fmt::format("group{}", g) : fmt::format("{}.{}", role, g);
}

std::map<std::string, std::vector<int>> comm_groups(const Workload& w) {
  std::map<std::string, std::vector<int>> out;
  for (uint32_t g = 0; g < w.groups.size(); ++g) out[pg_name(w, g)] = w.groups[g];
  return out;
}

std::vector<std::vector<pb::Node>> export_chakra(const Workload& w, const ComputeModel* price) {
  std::vector<std::vector<pb::Node>> out(w.ranks.size());
  for (size_t r = 0; r < w.ranks.size(); ++r) {
    const auto& ops = w.ranks[r].ops;
    std::vector<int64_t> last(w.stream_names.size(), -1);
    auto& nodes = out[r];
    nodes.reserve(ops.size());
    for (size_t i = 0; i < ops.size(); ++i) {
      const Op& op = ops[i];
      pb::Node n;
      n.set_id(i);
      n.set_name(w.str(op.name));
      for (uint32_t d : op.deps) n.add_data_deps(d);
      int64_t& prev = last[op.stream];
      if (prev >= 0) n.add_ctrl_deps(static_cast<uint64_t>(prev));
      prev = static_cast<int64_t>(i);
      uint8_t default_stream = kComputeStream;
      switch (op.kind) {
        case OpKind::kCompute:
          n.set_type(pb::COMP_NODE);
          attr_num(n, "num_ops", op.flops);
          attr_num(n, "tensor_size", op.mem_bytes);
          if (!w.str(op.dtype).empty()) attr_str(n, "dtype", w.str(op.dtype));
          if (op.duration) {
            n.set_duration_micros(micros(*op.duration));
            attr_int(n, "duration_ps", op.duration->count_ps());
          } else if (price) {
            const simcore::ComputeCost cost = price->cost(w, op, static_cast<int>(r));
            n.set_duration_micros(micros(cost.time));
            attr_str(n, "duration_from", std::string(cost.model));
          }
          break;
        case OpKind::kDelay:
          n.set_type(pb::COMP_NODE);
          n.set_duration_micros(micros(op.delay));
          attr_int(n, "delay_ps", op.delay.count_ps());
          break;
        case OpKind::kCollective:
          if (op.matrix >= 0)
            throw simcore::ConfigError(fmt::format(
                "rank {} op '{}' is an all-to-all-v (per-pair sizes), which a Chakra trace cannot "
                "express (one comm_size per node)", r, w.str(op.name)));
          n.set_type(pb::COMM_COLL_NODE);
          default_stream = kCommStream;
          attr_int(n, "comm_type", comm_type(op.collective));
          if (op.collective == CollectiveKind::kAllGather) {
            // Chakra's all-gather size is the per-rank input; keep the exact total for dtsim.
            attr_int(n, "comm_size", op.bytes / static_cast<int64_t>(w.groups[op.group].size()));
            attr_int(n, "nccl_bytes", op.bytes);
          } else {
            attr_int(n, "comm_size", op.bytes);
          }
          attr_str(n, "pg_name", pg_name(w, op.group));
          attr_str(n, "algorithm", w.str(op.algorithm));
          attr_int(n, "root", op.root);
          break;
        case OpKind::kSend:
        case OpKind::kRecv: {
          bool send = op.kind == OpKind::kSend;
          n.set_type(send ? pb::COMM_SEND_NODE : pb::COMM_RECV_NODE);
          default_stream = kCommStream;
          attr_int(n, send ? "comm_dst" : "comm_src", op.peer);
          attr_int(n, "comm_size", op.bytes);
          attr_int(n, "comm_tag", op.tag);
          break;
        }
      }
      if (op.stream != default_stream) attr_str(n, "stream", w.stream_names.at(op.stream));
      nodes.push_back(std::move(n));
    }
  }
  return out;
}

}  // namespace dtsim::workloads::chakra
