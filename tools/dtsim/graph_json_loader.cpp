#include "tools/dtsim/graph_json_loader.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "simcore/file_read.h"
#include "models/collectives/algorithm.h"
#include "simcore/program_builder.h"

namespace dtsim::cli {

using namespace dtsim::simcore;

simcore::Workload load_graph_json(const ConfigNode& ref, int cluster_ranks) {
  std::string path = ref.resolve_path(ref.str());
  if (!simcore::is_regular_file(path)) ref.fail(fmt::format("cannot read file '{}'", path));
  ConfigNode root = ConfigNode::load_file(path);
  root.check_keys({"ranks", "programs", "description"});
  auto ranks_node = root["ranks"];
  int n = static_cast<int>(ranks_node.integer(1, 1 << 24));
  if (n > cluster_ranks)
    ranks_node.fail(fmt::format("the workload has {} ranks but the cluster has only {}", n, cluster_ranks));
  Workload w;
  w.ranks.resize(n);
  ProgramBuilder b(w);
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
    for (const auto& on : prog["ops"].items()) {
      std::string kind = on["kind"].choice({"compute", "collective", "send", "recv", "delay"});
      std::vector<std::string> keys{"id", "name", "kind", "stream", "deps"};
      if (kind == "compute") keys.insert(keys.end(), {"flops", "bytes", "dtype", "duration"});
      if (kind == "collective") keys.insert(keys.end(), {"collective", "bytes", "group", "algorithm", "root"});
      if (kind == "send" || kind == "recv") keys.insert(keys.end(), {"peer", "bytes", "tag"});
      if (kind == "delay") keys.insert(keys.end(), {"duration"});
      on.check_keys(keys);
      std::string id = on.has("id") ? on["id"].str() : "";
      std::string name = on.has("name") ? on["name"].str() : (id.empty() ? kind : id);
      // The op's fields, read (and checked) in key order before the op is made.
      std::optional<Time> duration;
      double flops = 0, mem_bytes = 0;
      std::string dtype = "bf16", algorithm = "auto";
      CollectiveKind collective = CollectiveKind::kAllReduce;
      int64_t bytes = 0;
      std::vector<int> members = all;
      int32_t root_index = 0, peer = -1, tag = 0;
      if (kind == "compute") {
        if (auto d = on.get("duration")) {
          duration = d->time();
        } else {
          double f = on["flops"].number();
          if (f < 0) on["flops"].expected("a non-negative FLOP count");
          flops = f;
        }
        if (auto bn = on.get("bytes")) {
          double v = bn->number();
          if (v < 0) bn->expected("a non-negative byte count");
          mem_bytes = v;
        }
        if (on.has("dtype")) dtype = on["dtype"].choice({"fp32", "tf32", "bf16", "fp16", "fp8"});
      } else if (kind == "collective") {
        auto ck = on["collective"];
        collective = *parse_collective_kind(ck.choice(
            {"all_reduce", "reduce_scatter", "all_gather", "all_to_all", "broadcast", "reduce"}));
        bytes = on["bytes"].integer(0, INT64_MAX);
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
        // The algorithm is checked here, at its position, not when the collective runs.
        if (on.has("algorithm"))
          algorithm = on["algorithm"].choice(collectives::algorithm_names(collective));
        if (auto rt = on.get("root"))
          root_index = static_cast<int>(rt->integer(0, static_cast<int64_t>(members.size()) - 1));
      } else if (kind == "send" || kind == "recv") {
        auto pn = on["peer"];
        int64_t v = pn.integer();
        if (v < 0 || v >= n || v == r)
          pn.fail(fmt::format("peer {} is not another rank of this workload (0..{})", v, n - 1));
        peer = static_cast<int>(v);
        bytes = on["bytes"].integer(0, INT64_MAX);
        if (auto t = on.get("tag")) tag = static_cast<int>(t->integer(0, INT32_MAX));
      } else {
        duration = on["duration"].time();
      }
      std::optional<uint8_t> stream;
      if (auto sn = on.get("stream")) stream = b.stream(sn->str());
      std::vector<uint32_t> deps;
      if (auto d = on.get("deps")) {
        for (const auto& dn : d->items()) {
          auto it = ids.find(dn.str());
          if (it == ids.end()) dn.fail(fmt::format("unknown dependency '{}' (deps name ids of earlier ops of rank {})", dn.str(), r));
          deps.push_back(it->second);
        }
      }
      if (!id.empty() && ids.count(id))
        on["id"].fail(fmt::format("duplicate op id '{}' on rank {}", id, r));
      uint32_t index;
      if (kind == "compute") {
        const uint8_t s = stream.value_or(kComputeStream);
        index = duration ? b.timed_compute(r, name, *duration, mem_bytes, dtype, std::move(deps), s)
                         : b.compute(r, name, flops, mem_bytes, dtype, std::move(deps), s);
      } else if (kind == "collective") {
        index = b.collective(r, name, collective, bytes, b.group(members), algorithm,
                             std::move(deps), stream.value_or(kCommStream), root_index);
      } else if (kind == "send") {
        index = b.send(r, name, peer, bytes, tag, std::move(deps), stream.value_or(kCommStream));
      } else if (kind == "recv") {
        index = b.recv(r, name, peer, bytes, tag, std::move(deps), stream.value_or(kCommStream));
      } else {
        index = b.delay(r, name, *duration, std::move(deps), stream.value_or(kComputeStream));
      }
      // Errors found while running (ranks that disagree on a collective) point at the op.
      const SourceLocation at = on.location();
      w.ranks[r].ops[index].origin = w.add_origin({w.intern(at.file), at.line, at.column});
      if (!id.empty()) ids.emplace(id, index);
    }
  }
  for (int r = 0; r < n; ++r)
    if (!seen[r]) root["programs"].fail(fmt::format("no program for rank {}", r));
  return w;
}

}  // namespace dtsim::cli
