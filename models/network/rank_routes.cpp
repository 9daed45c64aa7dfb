#include "models/network/rank_routes.h"

#include <fmt/format.h>

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
  try {
    return router.route(topo.ranks()[src], topo.ranks()[dst], hash);
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format(
        "rank {} has no route to its peer rank {}: {} (accelerators and hosts carry transit "
        "traffic only with forwards: true)", src, dst, e.message()));
  }
}

void require_route(const topologies::Topology& topo, const topologies::Router& router, int src,
                   int dst) {
  if (router.hops(topo.ranks()[src], topo.ranks()[dst]) < 0) route_ranks(topo, router, src, dst, 0);
}

}  // namespace dtsim::network
