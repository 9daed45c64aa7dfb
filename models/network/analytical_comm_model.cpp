#include "models/network/analytical_comm_model.h"

#include <algorithm>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "models/collectives/alpha_beta.h"
#include "models/network/nccl_topology.h"

namespace dtsim::network {

using simcore::ConfigError;
using simcore::Time;

AnalyticalCommModel::AnalyticalCommModel(simcore::Simulator& sim,
                                         const topologies::Topology& topology,
                                         const topologies::Router& router,
                                         CollectiveOptions options, const LinkModelSpecs& links)
    : sim_(sim),
      topo_(topology),
      router_(router),
      options_(options),
      channel_model_(channel_specs(topology, links)),
      links_(links) {}

topologies::Path AnalyticalCommModel::path(int src, int dst, int streams) const {
  const auto& ranks = topo_.ranks();
  if (src < 0 || dst < 0 || src >= static_cast<int>(ranks.size()) ||
      dst >= static_cast<int>(ranks.size()))
    throw ConfigError(fmt::format("collective over rank {}, but the cluster has {} ranks",
                                  std::max(src, dst), ranks.size()));
  return steady_route(topo_, router_, channel_model_, src, dst, streams);
}

namespace {
struct Worst {
  double alpha_s = 0;
  double bw = std::numeric_limits<double>::infinity();
  bool any = false;
  void add(const topologies::Path& p) {
    alpha_s = std::max(alpha_s, p.latency.seconds());
    bw = std::min(bw, p.bottleneck_bytes_per_s);
    any = true;
  }
};
}  // namespace

const AnalyticalCommModel::ClassParams& AnalyticalCommModel::class_params(
    const std::vector<int>& m) {
  auto it = class_params_.find(m);
  if (it != class_params_.end()) return it->second;
  ClassParams c;
  c.box_of = member_boxes(topo_, m);
  const int n = static_cast<int>(m.size());
  Worst intra, inter;
  // Each member to the next member of its own box and to the first member of the next box.
  for (int i = 0; i < n; ++i) {
    for (int d = 1; d < n; ++d)
      if (c.box_of[(i + d) % n] == c.box_of[i]) {
        intra.add(path(m[i], m[(i + d) % n]));
        break;
      }
    for (int d = 1; d < n; ++d)
      if (c.box_of[(i + d) % n] != c.box_of[i]) {
        inter.add(path(m[i], m[(i + d) % n]));
        break;
      }
  }
  c.params.intra_alpha_s = intra.alpha_s;
  c.params.intra_bw_bytes_per_s = intra.any ? intra.bw : 1;
  c.params.alpha_s = inter.alpha_s;
  c.params.bw_bytes_per_s = inter.any ? inter.bw : 1;
  return class_params_.emplace(m, std::move(c)).first->second;
}

const AnalyticalCommModel::UniformParams& AnalyticalCommModel::uniform_params(
    const simcore::CollectiveCall& call) {
  const auto& m = *call.ranks;
  auto key = std::make_tuple(m, static_cast<int>(call.kind), std::string(call.algorithm));
  auto it = uniform_params_.find(key);
  if (it != uniform_params_.end()) return it->second;
  const int n = static_cast<int>(m.size());
  const std::vector<int> box_of = member_boxes(topo_, m);
  UniformParams u;
  u.algorithm = resolve_algorithm(call, box_of);
  u.params.chunks = options_.chunks;
  if (n > 1) {
    collectives::ScheduleRequest r;
    r.kind = call.kind;
    r.n = n;
    r.bytes = static_cast<double>(call.bytes);
    r.root = call.root;
    r.chunks = options_.chunks;
    r.box_of = box_of;
    r.connections = options_.connections;
    r.nccl = {options_.nccl.get(), nccl_group_facts(topo_, m)};
    const collectives::PairCostFn pair = [&](int i, int j, int streams) {
      const topologies::Path p = path(m[i], m[j], streams);
      return collectives::PairCost{p.latency.seconds(), p.bottleneck_bytes_per_s};
    };
    const auto& f = u.algorithm.family();
    u.params = f.measure ? f.measure(r, pair) : collectives::ring_neighbour_params(r, pair);
  }
  return uniform_params_.emplace(std::move(key), u).first->second;
}

std::string AnalyticalCommModel::start_collective(const simcore::CollectiveCall& call,
                                                  std::function<void()> done,
                                                  simcore::FailFn) {
  const auto& m = *call.ranks;
  const int n = static_cast<int>(m.size());
  if (call.matrix) {
    const ClassParams& c = class_params(m);
    const collectives::Algorithm algo = resolve_algorithm(call, c.box_of);
    // The time depends only on the matrix and the group's link classes: MoE layers repeat both.
    auto key = std::make_tuple(static_cast<const void*>(call.matrix), static_cast<const void*>(&c),
                               static_cast<const void*>(&algo.family()));
    auto it = alltoallv_seconds_.find(key);
    if (it == alltoallv_seconds_.end())
      it = alltoallv_seconds_
               .emplace(key, collectives::alpha_beta_alltoallv_seconds(n, *call.matrix, c.box_of,
                                                                       c.params, algo))
               .first;
    const double seconds = it->second;
    sim_.schedule_in(Time::from_seconds_ceil(seconds), std::move(done));
    return std::string(algo.name());
  }
  const UniformParams& u = uniform_params(call);
  double seconds = 0;
  if (n > 1)
    seconds = collectives::alpha_beta_seconds(call.kind, u.algorithm, n, static_cast<double>(call.bytes),
                                              u.params);
  const collectives::Algorithm algo = u.algorithm;
  sim_.schedule_in(Time::from_seconds_ceil(seconds), std::move(done));
  if (n > 1 && algo.family().describe)
    return algo.family().describe(call.kind, n, static_cast<double>(call.bytes), u.params);
  return std::string(algo.name());
}

void AnalyticalCommModel::start_p2p(int src, int dst, int64_t bytes, std::function<void()> done,
                                    simcore::FailFn) {
  Time t = Time::zero();
  if (src != dst) {
    const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(src)) << 32) |
                         static_cast<uint32_t>(dst);
    auto it = p2p_paths_.find(key);
    if (it == p2p_paths_.end()) {
      auto p = path(src, dst);
      it = p2p_paths_.emplace(key, std::make_pair(p.latency, p.bottleneck_bytes_per_s)).first;
    }
    t = it->second.first + simcore::transfer_time(static_cast<double>(bytes),
                                                  simcore::Rate::bytes_per_s(it->second.second));
  }
  sim_.schedule_in(t, std::move(done));
}

}  // namespace dtsim::network
