#pragma once
/**
 * `network.links`: a model per link class, read from YAML into the network's plain specs.
 * One table entry per model (its name, key schema and reader); the topology's link classes that
 * are not named here are plain links.
 *
 *     network:
 *       links:
 *         wan: {model: wan_tcp, loss: 1e-4, congestion_control: cubic, streams: 16}
 *
 * Errors: ConfigError at the key: an unknown model ("did you mean"), a class that no link of the
 * topology has, a bad value (each model's own checks, e.g. loss outside [0, 1)).
 */
#include <string>
#include <vector>

#include "models/network/links/link_model.h"
#include "tools/dtsim/config_node.h"
#include "tools/dtsim/config_schema.h"
#include "topologies/topology.h"

namespace dtsim::cli {

struct LinkModelKind {
  std::string name;
  const KeySchema* schema = nullptr;  ///< its keys besides `model`
  std::shared_ptr<const network::LinkModelSpec> (*load)(const ConfigNode& n) = nullptr;
};

/** Every link model, in the order "one of ..." lists them. */
const std::vector<LinkModelKind>& link_model_kinds();

/** Reads `links` (a map: link class -> {model: NAME, ...}) for `topology`. */
network::LinkModelSpecs load_link_models(const ConfigNode& links,
                                         const topologies::Topology& topology);

}  // namespace dtsim::cli
