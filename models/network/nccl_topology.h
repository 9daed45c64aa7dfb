#pragma once
/**
 * What NCCL's algorithms need to know of a group's nodes (collectives::NcclGroupFacts), read
 * off the topology: the NICs attached to each node's GPUs, whether one NVSwitch joins a node's
 * GPUs over NVLink, and whether they talk over NVLink at all.
 *
 * A link counts as NVLink when its class is "nvlink" (the class the presets and builders give
 * it); a NIC is a node of kind nic adjacent to a GPU; an NVSwitch is a switch in the GPU's box
 * reached over an NVLink-class link. Complexity: O(sum of the members' degrees).
 */
#include <vector>

#include "models/collectives/nccl_tuning.h"
#include "topologies/topology.h"

namespace dtsim::network {

/** The facts of the group `members` (ranks), each node being a box (Node::box). */
collectives::NcclGroupFacts nccl_group_facts(const topologies::Topology& topo,
                                             const std::vector<int>& members);

}  // namespace dtsim::network
