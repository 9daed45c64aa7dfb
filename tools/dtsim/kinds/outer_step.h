#pragma once
/**
 * What the DiLoCo family of kinds share (`diloco`, `streaming_diloco`, `sparseloco`): the keys of
 * R replicas of a transformer with H inner steps, reading them (a replica per equal slice of the
 * cluster, its inner step built once), the memory check with the outer state, and the two-level
 * composition of an outer step: a replica's inner step simulated once and its time reused H
 * times, then a sync simulated on every rank.
 *
 * Units: seconds, bytes. Errors: ConfigError at the offending key.
 *
 *     std::vector<KeySpec> k{KeySpec("kind", "sparseloco").mandatory()};
 *     add_replica_keys(k);                  // transformer keys, replicas, inner_steps
 *     ...
 *     ReplicaSet r = load_replicas(s, w);  // after the schema's check
 */
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/workloads/diloco.h"
#include "simcore/error.h"
#include "tools/dtsim/config_node.h"
#include "tools/dtsim/config_schema.h"
#include "tools/dtsim/runner.h"
#include "tools/dtsim/scenario.h"

namespace dtsim::cli::kinds {

/** Appends the transformer keys (transformer_keys.h), `replicas` and `inner_steps`. */
void add_replica_keys(std::vector<KeySpec>& k);
/** `outer_algorithm`: the outer all-reduce's algorithms, or (`all_gather`) an all-gather's. */
KeySpec outer_algorithm_key(bool all_gather = false);
/** `outer_steps`, `wan_class`, one each. */
KeySpec outer_steps_key();
KeySpec wan_class_key();

/** R replicas of a transformer, read from the keys above. */
struct ReplicaSet {
  workloads::DilocoParams params;  ///< outer_bits left at its default: the kind sets it
  workloads::TransformerInfo replica;
  simcore::Workload inner;  ///< one inner step on replica 0's ranks, ops tagged replica 0
  std::string wan_class = "wan";
  simcore::SourceLocation inner_steps_at;  ///< for an outer step beyond the range of Time
};

/** Reads `replicas` (the cluster's ranks split into R equal slices), the replica's transformer
 *  keys, `inner_steps`, and where the schema has them `outer_steps`, `outer_algorithm`,
 *  `wan_class`; builds the inner step. */
ReplicaSet load_replicas(Scenario& s, const ConfigNode& w);

/** The memory check of a replica's most loaded rank plus `outer_state_bytes` (per rank, counted
 *  with the optimizer states). */
void check_replica_memory(Scenario& s, const ConfigNode& w, const ReplicaSet& r,
                          double outer_state_bytes);

/** H x `inner_step`, checked against the range of Time. Errors: ConfigError at inner_steps. */
simcore::Time repeated_inner_time(const ReplicaSet& r, const simcore::Time& inner_step);

/** The outcome of an outer step, "H inner steps then `sync`" (blocking): `sync`'s result and
 *  ops shifted by `inner_time`, its makespan inner_time + the sync's; compute and communication
 *  means H x the inner step's plus the sync's; links: the R replicas' inner traffic H times
 *  plus the sync's; events of both. */
void compose_outer_step(const ReplicaSet& r, const RunOutcome& inner, const RunOutcome& sync,
                        simcore::Time inner_time, RunOutcome& o);

/** Bytes carried by the links of class `cls`, times `times`; null where the back-end does not
 *  track links (analytical). */
nlohmann::ordered_json class_bytes(const std::vector<simcore::LinkClassUsage>& links,
                                   const std::string& cls, double times);

/** The report's `model` section over an outer step of `t_outer` seconds. */
nlohmann::ordered_json outer_step_model_section(const Scenario& s, const ReplicaSet& r,
                                                double t_outer);

/** The `memory` entry of an outer-step report (replica, outer state, total; GiB). */
nlohmann::ordered_json outer_memory_section(const ReplicaSet& r, double outer_state_bytes);

/** "12.345 GB", or "? GB" where the back-end tracks no links. */
std::string gigabytes(const nlohmann::ordered_json& bytes);
/** "12.3x", or "?x". */
std::string ratio(const nlohmann::ordered_json& x);

}  // namespace dtsim::cli::kinds
