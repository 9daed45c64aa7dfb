#pragma once
/**
 * Loaders from YAML (ConfigNode) into the plain structs of the models: topology, device spec and
 * transformer config. A value may be given inline (a map) or as a path to a YAML file (relative
 * to the file that names it).
 *
 * Errors: ConfigError at the offending key (unknown key with "did you mean", missing key, a
 * quantity without a unit, a non-positive bandwidth, a link to an undefined node, ...).
 */
#include "models/compute/device_spec.h"
#include "models/workloads/transformer_config.h"
#include "tools/dtsim/config_node.h"
#include "topologies/topology.h"

namespace dtsim::cli {

/** `n` itself when it is a map, else the YAML file its string names. */
ConfigNode load_ref(const ConfigNode& n);

topologies::Topology load_topology(const ConfigNode& n);
compute::DeviceSpec load_device(const ConfigNode& n);
workloads::TransformerConfig load_transformer(const ConfigNode& n);
/** The MoE keys a model's `moe:` block and a scenario's `workload.moe` block share (node_limit,
 *  capacity_factor, bigmac_dim, each optional) into `moe`; `hidden` bounds bigmac_dim. */
void load_moe_overrides(const ConfigNode& n, int64_t hidden, workloads::MoeConfig& moe);

}  // namespace dtsim::cli
