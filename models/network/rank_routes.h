#pragma once
/**
 * What both communication back-ends need between a collective call and the topology: the box
 * (server) of each member, the algorithm the call's hint resolves to, and rank-to-rank routes.
 *
 * Errors: ConfigError "collective over rank R, but the cluster has N ranks" for a member outside
 * the cluster; "rank A has no route to its peer rank B: ..." when the topology has no path.
 */
#include <cstdint>
#include <vector>

#include "models/collectives/algorithm.h"
#include "models/network/links/link_model.h"
#include "simcore/interfaces.h"
#include "topologies/routing.h"
#include "topologies/topology.h"

namespace dtsim::network {

/** Node::box of each member's accelerator, in communicator order. */
std::vector<int> member_boxes(const topologies::Topology& topo, const std::vector<int>& members);

/** The call's algorithm hint ("" = auto) resolved for a group spread over `box_of`. */
collectives::Algorithm resolve_algorithm(const simcore::CollectiveCall& call,
                                         const std::vector<int>& box_of);

/** Route from rank `src` to rank `dst` (both in the cluster, src != dst). */
topologies::Path route_ranks(const topologies::Topology& topo, const topologies::Router& router,
                             int src, int dst, uint64_t hash);
/** The same without a copy (Router::route with `scratch`). */
const topologies::Path& route_ranks(const topologies::Topology& topo,
                                    const topologies::Router& router, int src, int dst,
                                    uint64_t hash, topologies::Path& scratch);

/** Per topology channel, the spec of its link class's model, or null (a plain link); empty when
 *  `links` is empty. */
std::vector<const LinkModelSpec*> channel_specs(const topologies::Topology& topo,
                                                const LinkModelSpecs& links);

/**
 * Route from rank `src` to rank `dst` with its bottleneck lowered to the steady bound of each
 * distinct link model on it (warm TCP connections: no slow start), for a transfer of `streams`
 * parallel connections (0: each class's own). `specs` is `channel_specs(...)`.
 * Errors: as route_ranks; a model's steady_bound_bytes_per_s error.
 */
topologies::Path steady_route(const topologies::Topology& topo, const topologies::Router& router,
                              const std::vector<const LinkModelSpec*>& specs, int src, int dst,
                              int streams);

/** Throws route_ranks' error when `dst` cannot be reached from `src`; allocates nothing. */
void require_route(const topologies::Topology& topo, const topologies::Router& router, int src,
                   int dst);

}  // namespace dtsim::network
