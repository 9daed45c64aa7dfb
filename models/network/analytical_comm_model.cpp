#include "models/network/analytical_comm_model.h"

#include <algorithm>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "models/collectives/alpha_beta.h"

namespace dtsim::network {

using simcore::ConfigError;
using simcore::Time;

AnalyticalCommModel::AnalyticalCommModel(simcore::Simulator& sim,
                                         const topologies::Topology& topology,
                                         const topologies::Router& router,
                                         CollectiveOptions options)
    : sim_(sim), topo_(topology), router_(router), options_(options) {}

topologies::Path AnalyticalCommModel::path(int src, int dst) const {
  const auto& ranks = topo_.ranks();
  if (src < 0 || dst < 0 || src >= static_cast<int>(ranks.size()) ||
      dst >= static_cast<int>(ranks.size()))
    throw ConfigError(fmt::format("collective over rank {}, but the cluster has {} ranks",
                                  std::max(src, dst), ranks.size()));
  return route_ranks(topo_, router_, src, dst, 0);
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

std::string AnalyticalCommModel::start_collective(const simcore::CollectiveCall& call,
                                                  std::function<void()> done) {
  const auto& m = *call.ranks;
  const int n = static_cast<int>(m.size());
  if (call.matrix) {
    const ClassParams& c = class_params(m);
    const collectives::Algorithm algo = resolve_algorithm(call, c.box_of);
    if (algo != collectives::Algorithm::kDirect)
      throw ConfigError(fmt::format("the analytical back-end models all-to-all-v with the direct "
                                    "algorithm only; got \"{}\"", collectives::to_string(algo)));
    double seconds = collectives::alpha_beta_alltoallv_seconds(n, *call.matrix, c.box_of, c.params);
    sim_.schedule_in(Time::from_seconds_ceil(seconds), std::move(done));
    return std::string(collectives::to_string(algo));
  }
  const std::vector<int> box_of = member_boxes(topo_, m);
  const collectives::Algorithm algo = resolve_algorithm(call, box_of);
  double seconds = 0;
  if (n > 1) {
    collectives::AlphaBetaParams p;
    p.chunks = options_.chunks;
    Worst inter, intra;
    if (algo == collectives::Algorithm::kHierarchical) {
      auto groups = collectives::members_by_box(n, box_of);
      p.boxes = static_cast<int>(groups.size());
      for (const auto& g : groups)
        for (size_t i = 0; g.size() > 1 && i < g.size(); ++i)
          intra.add(path(m[g[i]], m[g[(i + 1) % g.size()]]));
      for (size_t b = 0; b < groups.size(); ++b)
        for (size_t i = 0; i < groups[b].size(); ++i)
          inter.add(path(m[groups[b][i]], m[groups[(b + 1) % groups.size()][i]]));
      p.intra_alpha_s = intra.alpha_s;
      p.intra_bw_bytes_per_s = intra.any ? intra.bw : 1;
    } else {
      for (int i = 0; i < n; ++i) inter.add(path(m[i], m[(i + 1) % n]));
      std::map<int, int> boxes;
      for (int b : box_of) boxes[b]++;
      p.boxes = static_cast<int>(boxes.size());
    }
    p.alpha_s = inter.alpha_s;
    p.bw_bytes_per_s = inter.any ? inter.bw : 1;
    seconds = collectives::alpha_beta_seconds(call.kind, algo, n, static_cast<double>(call.bytes), p);
  }
  sim_.schedule_in(Time::from_seconds_ceil(seconds), std::move(done));
  return std::string(collectives::to_string(algo));
}

void AnalyticalCommModel::start_p2p(int src, int dst, int64_t bytes, std::function<void()> done) {
  Time t = Time::zero();
  if (src != dst) {
    auto p = path(src, dst);
    t = p.latency + simcore::transfer_time(static_cast<double>(bytes),
                                           simcore::Rate::bytes_per_s(p.bottleneck_bytes_per_s));
  }
  sim_.schedule_in(t, std::move(done));
}

}  // namespace dtsim::network
