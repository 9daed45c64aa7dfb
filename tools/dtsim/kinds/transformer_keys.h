#pragma once
/**
 * The keys of one transformer replica under `workload:` (model, parallelism, batch, recompute,
 * attention, precision, algorithms, memory, moe), declared once and read once, for every kind
 * that trains a transformer: `transformer` (one step on the cluster) and `diloco` (a replica per
 * site).
 *
 * Errors: ConfigError at the offending key (or at the map that lacks it).
 *
 *     std::vector<KeySpec> k{KeySpec("kind", "diloco").mandatory()};
 *     for (KeySpec& x : transformer_keys()) k.push_back(std::move(x));
 *     ...
 *     TransformerParams p = parse_transformer(s, w, ranks_per_replica, "a replica");
 */
#include <cstdint>
#include <string_view>
#include <vector>

#include "models/workloads/transformer_parallel.h"
#include "tools/dtsim/config_node.h"
#include "tools/dtsim/config_schema.h"
#include "tools/dtsim/scenario.h"

namespace dtsim::cli::kinds {

/** The replica's keys (all but `kind`), in the order the README's table lists them. */
std::vector<KeySpec> transformer_keys();

/** Reads the keys `transformer_keys()` declared (after the schema's check); errors for what
 *  depends on other keys, the model or the cluster. `ranks` is how many ranks the replica may
 *  span and `ranks_holder` names them in the error ("dp x tp x pp x sp = ... ranks, but the
 *  cluster has only 8"). Sets `s.compute_dtype`. */
workloads::TransformerParams parse_transformer(Scenario& s, const ConfigNode& w, int64_t ranks,
                                               std::string_view ranks_holder);

}  // namespace dtsim::cli::kinds
