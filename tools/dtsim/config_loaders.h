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
/** A model in dtsim's format (the YAML files of configs/models/) or a Hugging Face config.json
 *  (hf_model_config.h), inline or by path. */
workloads::TransformerConfig load_transformer(const ConfigNode& n);
/** The checks every model gets, whatever its format: hidden a multiple of heads (error at
 *  `hidden`), heads a multiple of kv_heads (at `kv_heads`), at most 1e15 parameters (at
 *  `model`). Errors: ConfigError. */
void check_transformer_shape(const workloads::TransformerConfig& m, const ConfigNode& model,
                             const ConfigNode& hidden, const ConfigNode& kv_heads);
/** The MoE keys a model's `moe:` block and a scenario's `workload.moe` block share (node_limit,
 *  capacity_factor, bigmac_dim, each optional) into `moe`; `hidden` bounds bigmac_dim. */
void load_moe_overrides(const ConfigNode& n, int64_t hidden, workloads::MoeConfig& moe);

}  // namespace dtsim::cli
