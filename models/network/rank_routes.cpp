#include "models/network/rank_routes.h"

#include <fmt/format.h>

#include <algorithm>

namespace dtsim::network {

using simcore::ConfigError;

std::vector<int> member_boxes(const topologies::Topology& topo, const std::vector<int>& members) {
  std::vector<int> box_of(members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    if (members[i] < 0 || members[i] >= topo.rank_count())
      throw ConfigError(fmt::format("collective over rank {}, but the cluster has {} ranks",
                                    members[i], topo.rank_count()));
    box_of[i] = topo.nodes()[topo.ranks()[members[i]]].box;
  }
  return box_of;
}

collectives::Algorithm resolve_algorithm(const simcore::CollectiveCall& call,
                                         const std::vector<int>& box_of) {
  auto hint = collectives::parse_algorithm_or_throw(call.algorithm.empty() ? "auto" : call.algorithm);
  return collectives::resolve(call.kind, hint, static_cast<int>(box_of.size()), box_of);
}

topologies::Path route_ranks(const topologies::Topology& topo, const topologies::Router& router,
                             int src, int dst, uint64_t hash) {
  topologies::Path scratch;
  const topologies::Path& p = route_ranks(topo, router, src, dst, hash, scratch);
  if (&p == &scratch) return scratch;  // moved (a local)
  return p;
}

const topologies::Path& route_ranks(const topologies::Topology& topo,
                                    const topologies::Router& router, int src, int dst,
                                    uint64_t hash, topologies::Path& scratch) {
  try {
    return router.route(topo.ranks()[src], topo.ranks()[dst], hash, scratch);
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format(
        "rank {} has no route to its peer rank {}: {} (accelerators and hosts carry transit "
        "traffic only with forwards: true)", src, dst, e.message()));
  }
}

std::vector<const LinkModelSpec*> channel_specs(const topologies::Topology& topo,
                                                const LinkModelSpecs& links) {
  std::vector<const LinkModelSpec*> specs;
  if (links.empty()) return specs;
  specs.assign(topo.channel_count(), nullptr);
  for (uint32_t ch = 0; ch < topo.channel_count(); ++ch) {
    auto it = links.find(topo.channel_class(ch));
    if (it != links.end()) specs[ch] = it->second.get();
  }
  return specs;
}

topologies::Path steady_route(const topologies::Topology& topo, const topologies::Router& router,
                              const std::vector<const LinkModelSpec*>& specs, int src, int dst,
                              int streams) {
  topologies::Path p = route_ranks(topo, router, src, dst, 0);
  if (specs.empty()) return p;
  TransferInfo info{.src = src,
                    .dst = dst,
                    .bytes = 0,
                    .path_latency = p.latency,
                    .path_bottleneck_bytes_per_s = p.bottleneck_bytes_per_s,
                    .now = simcore::Time::zero(),
                    .channels = {},
                    .streams = streams};
  std::vector<const LinkModelSpec*> seen;
  for (uint32_t ch : p.channels) {
    const LinkModelSpec* m = specs[ch];
    if (m == nullptr || std::find(seen.begin(), seen.end(), m) != seen.end()) continue;
    seen.push_back(m);
    p.bottleneck_bytes_per_s = std::min(p.bottleneck_bytes_per_s, m->steady_bound_bytes_per_s(info));
  }
  return p;
}

void require_route(const topologies::Topology& topo, const topologies::Router& router, int src,
                   int dst) {
  if (router.hops(topo.ranks()[src], topo.ranks()[dst]) < 0) route_ranks(topo, router, src, dst, 0);
}

}  // namespace dtsim::network
