#pragma once
/**
 * What the DiLoCo family of kinds share (`diloco`, `streaming_diloco`, `sparseloco`, `noloco`;
 * `decentralized` uses the dtype key, the composition and the shift): the keys of R replicas of a
 * transformer with H inner steps, reading them (a replica per equal slice of the cluster, its
 * inner step built once), the memory check with the outer state, and the two-level composition
 * of an outer step: a replica's inner step simulated once and its time reused H times, then a
 * sync simulated on every rank.
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

/** Appends the transformer keys (transformer_keys.h), `replicas` and `inner_steps`; `method`
 *  names the method in the error of R < 2 ("DiLoCo needs at least 2 replicas"). */
void add_replica_keys(std::vector<KeySpec>& k, const std::string& method = "DiLoCo");
/** The all-reduce algorithms of an outer sync: ring, ring_bidirectional, halving_doubling
 *  (a power-of-two count of participants), double_binary_tree. */
const std::vector<std::string>& allreduce_algorithms();
/** `outer_algorithm`: the outer all-reduce's algorithms, or (`all_gather`) an all-gather's. */
KeySpec outer_algorithm_key(bool all_gather = false);
/** `outer_steps`; `help` says how the report treats them (default: identical outer steps). */
KeySpec outer_steps_key(
    const std::string& help = "outer steps (identical: the report gives one and the total)");
/** `wan_class`: the link class whose bytes the report calls WAN bytes. */
KeySpec wan_class_key();

/** The dtypes a model or pseudo-gradient may have on the wire: fp32, bf16, int8, int4. */
const std::vector<std::string>& outer_dtypes();
/** `outer_dtype` (one of outer_dtypes(), default fp32); `what` names what is sent ("dtype of
 *  the pseudo-gradients on the wire"). */
KeySpec outer_dtype_key(const std::string& what);
/** Bits per element on the wire of one of outer_dtypes(): fp32 32, bf16 16, int8 8, int4 4.
 *  Errors: std::out_of_range for another name (the schema's one_of rules it out). */
int wire_bits(const std::string& dtype);

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

/** `h` x `inner_step`, checked against the range of Time. Errors: ConfigError at `at` (the key
 *  that set `h`). */
simcore::Time repeated_inner_time(int64_t h, const simcore::Time& inner_step,
                                  const simcore::SourceLocation& at);
/** The same with H = r's inner_steps, errors at inner_steps. */
simcore::Time repeated_inner_time(const ReplicaSet& r, const simcore::Time& inner_step);

/** Replicas' inner steps on a cluster that may mix devices (`cluster.node_devices`). */
struct InnerSteps {
  /** The slowest replica's inner step (a blocking outer sync waits for it); on a uniform
   *  cluster replica 0's, which every replica's is. */
  RunOutcome slowest;
  /** Per replica `{replica, devices: [{device, first_rank, ranks}], inner_step_time_s}`; null
   *  on a uniform cluster (the report then has no such entry). */
  nlohmann::ordered_json replicas;
  int simulated = 1;  ///< distinct replica classes simulated (by their ranks' devices)
};

/** `inner` (one inner step on ranks 0..n-1) for each of `replicas` replicas of `n` ranks, replica
 *  k on ranks [k n, (k + 1) n): on a uniform cluster one simulation; on a mixed one, one per
 *  distinct sequence of its ranks' devices, each run on the first replica's ranks with that
 *  replica's devices (exact where the sites are alike, as the uniform case assumes). */
InnerSteps simulate_inner_steps(const Scenario& s, const simcore::Workload& inner, int replicas,
                                int n);
/** The same for r's inner step. */
InnerSteps simulate_inner_steps(const Scenario& s, const ReplicaSet& r);

/** `s` with the devices of ranks [first, first + n) moved to ranks [0, n) (its other ranks on
 *  `s.device`): a replica simulated on the first ranks with its own devices. */
Scenario with_devices_of(const Scenario& s, int first, int n);

/** On a mixed cluster, adds `replica_devices` (steps.replicas, each with its compute
 *  utilization H t_k / t_outer: a faster replica idles until the slowest one's H inner steps
 *  end) and `replica_classes_simulated` to `section`; nothing on a uniform one. */
void add_replica_devices(const InnerSteps& steps, int64_t h, double t_outer,
                         nlohmann::ordered_json& section);

/** Throws at the cluster's `node_devices` unless every rank has the cluster's device: for a
 *  kind (or a mode of one) that does not model mixed devices; `what` names it. */
void require_uniform_devices(const Scenario& s, const std::string& what);

/** Delays everything in `r` by `dt`: its makespan, rank finishes, ops and collectives. */
void shift_result(simcore::ExecutionResult& r, simcore::Time dt);

/** The outcome of an outer step, "H inner steps then `sync`" (blocking): `sync`'s result and
 *  ops shifted by `inner_time`, its makespan inner_time + the sync's; compute and communication
 *  means H x the inner step's plus the sync's; links: the R replicas' inner traffic H times
 *  plus the sync's; events of both. */
void compose_outer_step(const ReplicaSet& r, const RunOutcome& inner, const RunOutcome& sync,
                        simcore::Time inner_time, RunOutcome& o);
/** The same for any kind: `h` inner steps (`inner_time` = h x the inner step's makespan) whose
 *  traffic `inner` is that of one of `replicas` alike ones (1 where `inner` covers them all). */
void compose_outer_step(const RunOutcome& inner, const RunOutcome& sync, int64_t h,
                        int64_t replicas, simcore::Time inner_time, RunOutcome& o);

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
