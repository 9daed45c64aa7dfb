#include "tools/dtsim/graph_json_loader.h"

#include <algorithm>
#include <filesystem>
#include <unordered_map>

#include <fmt/format.h>

namespace dtsim::cli {

using namespace dtsim::simcore;

simcore::Workload load_graph_json(const ConfigNode& ref, int cluster_ranks) {
  std::string path = ref.resolve_path(ref.str());
  if (!std::filesystem::is_regular_file(path)) ref.fail(fmt::format("cannot read file '{}'", path));
  ConfigNode root = ConfigNode::load_file(path);
  root.check_keys({"ranks", "programs", "description"});
  auto ranks_node = root["ranks"];
  int n = static_cast<int>(ranks_node.integer(1, 1 << 24));
  if (n > cluster_ranks)
    ranks_node.fail(fmt::format("the workload has {} ranks but the cluster has only {}", n, cluster_ranks));
  Workload w;
  w.ranks.resize(n);
  std::vector<int> all(n);
  for (int i = 0; i < n; ++i) all[i] = i;
  std::vector<bool> seen(n, false);
  for (const auto& prog : root["programs"].items()) {
    prog.check_keys({"rank", "ops"});
    auto rn = prog["rank"];
    int r = static_cast<int>(rn.integer(0, n - 1));
    if (seen[r]) rn.fail(fmt::format("rank {} is listed twice", r));
    seen[r] = true;
    std::unordered_map<std::string, uint32_t> ids;
    auto& ops = w.ranks[r].ops;
    for (const auto& on : prog["ops"].items()) {
      std::string kind = on["kind"].choice({"compute", "collective", "send", "recv", "delay"});
      Op op;
      std::vector<std::string> keys{"id", "name", "kind", "stream", "deps"};
      if (kind == "compute") keys.insert(keys.end(), {"flops", "bytes", "dtype", "duration"});
      if (kind == "collective") keys.insert(keys.end(), {"collective", "bytes", "group", "algorithm", "root"});
      if (kind == "send" || kind == "recv") keys.insert(keys.end(), {"peer", "bytes", "tag"});
      if (kind == "delay") keys.insert(keys.end(), {"duration"});
      on.check_keys(keys);
      std::string id = on.has("id") ? on["id"].str() : "";
      std::string name = on.has("name") ? on["name"].str() : (id.empty() ? kind : id);
      op.name = w.intern(name);
      if (kind == "compute") {
        op.kind = OpKind::kCompute;
        op.stream = kComputeStream;
        if (auto d = on.get("duration")) {
          op.duration = d->time();
        } else {
          double f = on["flops"].number();
          if (f < 0) on["flops"].expected("a non-negative FLOP count");
          op.flops = f;
        }
        if (auto b = on.get("bytes")) {
          double v = b->number();
          if (v < 0) b->expected("a non-negative byte count");
          op.mem_bytes = v;
        }
        op.dtype = w.intern(on.has("dtype") ? on["dtype"].choice({"fp32", "tf32", "bf16", "fp16", "fp8"}) : "bf16");
      } else if (kind == "collective") {
        op.kind = OpKind::kCollective;
        op.stream = kCommStream;
        auto ck = on["collective"];
        op.collective = *parse_collective_kind(ck.choice(
            {"all_reduce", "reduce_scatter", "all_gather", "all_to_all", "broadcast", "reduce"}));
        op.bytes = on["bytes"].integer(0, INT64_MAX);
        std::vector<int> members = all;
        if (auto g = on.get("group")) {
          members.clear();
          for (const auto& m : g->items()) {
            int64_t v = m.integer();
            if (v < 0 || v >= n)
              m.fail(fmt::format("group member {} is not a rank of this workload (0..{})", v, n - 1));
            members.push_back(static_cast<int>(v));
          }
          if (members.empty()) g->expected("a non-empty list of ranks");
          if (std::find(members.begin(), members.end(), r) == members.end())
            g->fail(fmt::format("rank {} issues a collective on a group it is not in", r));
        }
        op.group = w.group_of(members);
        op.algorithm = w.intern(on.has("algorithm") ? on["algorithm"].str() : "auto");
        if (auto rt = on.get("root")) op.root = static_cast<int>(rt->integer(0, static_cast<int64_t>(members.size()) - 1));
      } else if (kind == "send" || kind == "recv") {
        op.kind = kind == "send" ? OpKind::kSend : OpKind::kRecv;
        op.stream = kCommStream;
        auto pn = on["peer"];
        int64_t peer = pn.integer();
        if (peer < 0 || peer >= n || peer == r)
          pn.fail(fmt::format("peer {} is not another rank of this workload (0..{})", peer, n - 1));
        op.peer = static_cast<int>(peer);
        op.bytes = on["bytes"].integer(0, INT64_MAX);
        if (auto t = on.get("tag")) op.tag = static_cast<int>(t->integer(0, INT32_MAX));
      } else {
        op.kind = OpKind::kDelay;
        op.stream = kComputeStream;
        op.delay = on["duration"].time();
      }
      if (auto s = on.get("stream")) op.stream = w.stream_of(s->str());
      if (auto d = on.get("deps")) {
        for (const auto& dn : d->items()) {
          auto it = ids.find(dn.str());
          if (it == ids.end()) dn.fail(fmt::format("unknown dependency '{}' (deps name ids of earlier ops of rank {})", dn.str(), r));
          op.deps.push_back(it->second);
        }
      }
      uint32_t index = static_cast<uint32_t>(ops.size());
      if (!id.empty()) {
        if (ids.count(id)) on["id"].fail(fmt::format("duplicate op id '{}' on rank {}", id, r));
        ids.emplace(id, index);
      }
      ops.push_back(std::move(op));
    }
  }
  for (int r = 0; r < n; ++r)
    if (!seen[r]) root["programs"].fail(fmt::format("no program for rank {}", r));
  return w;
}

}  // namespace dtsim::cli
