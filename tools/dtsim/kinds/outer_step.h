#pragma once
/**
 * What the kinds built on "a replica's inner step, H times, then a sync over the WAN" share
 * (`diloco`, `noloco`): their keys `replicas`, `inner_steps`, `outer_dtype`, `outer_steps`,
 * `wan_class`, declared once; reading them with the replica's transformer keys into
 * DilocoParams; the replica's inner step (generated once, on replica 0's ranks) and the memory
 * check with the outer state; and the composition of an outer step's outcome from the inner
 * step's (reused H times: two-level simulation) and the sync's.
 *
 * Errors: ConfigError at the offending key.
 *
 *     OuterSetup o = load_outer_setup(s, w, "DiLoCo");
 *     ...
 *     compose_outer_step(inner, sync, o.params, at, outcome);
 */
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/workloads/diloco.h"
#include "models/workloads/transformer_parallel.h"
#include "simcore/error.h"
#include "tools/dtsim/config_node.h"
#include "tools/dtsim/config_schema.h"
#include "tools/dtsim/runner.h"
#include "tools/dtsim/scenario.h"

namespace dtsim::cli::kinds {

/** `replicas` (R >= 2; `method` names the method in the error: "DiLoCo needs at least 2
 *  replicas"). */
KeySpec replicas_key(const std::string& method);
/** `inner_steps` (H >= 1). */
KeySpec inner_steps_key();
/** `outer_dtype`: fp32 | bf16 | int8 | int4 on the wire; `what` names what is sent. */
KeySpec outer_dtype_key(const std::string& what);
/** `outer_steps` (>= 1); `help` says how the report treats them. */
KeySpec outer_steps_key(const std::string& help);
/** `wan_class`: the link class whose bytes the report calls WAN bytes. */
KeySpec wan_class_key();

/** What load_outer_setup reads and generates. */
struct OuterSetup {
  workloads::DilocoParams params;
  workloads::TransformerInfo replica;  ///< the inner step's model, FLOPs, memory
  simcore::Workload inner;             ///< one inner step on replica 0's ranks
  std::string outer_dtype;
  std::string wan_class;
  double outer_state_bytes = 0;            ///< per rank
  simcore::SourceLocation inner_steps_at;  ///< for an outer step beyond the range of Time
};

/** Reads `replicas` (R must split the cluster), the replica's transformer keys, `inner_steps`,
 *  `outer_steps`, `outer_dtype` and `wan_class`; generates the inner step; checks memory (the
 *  replica's most loaded rank plus its outer state, counted with the optimizer states). */
OuterSetup load_outer_setup(Scenario& s, const ConfigNode& w);

/** Bytes carried by the links of class `cls`, times `times`; null where the back-end does not
 *  track links (analytical). */
nlohmann::ordered_json class_bytes(const std::vector<simcore::LinkClassUsage>& links,
                                   const std::string& cls, double times);

/**
 * Fills `o` with an outer step: H x the inner step (all R replicas alike), then `sync` (its ops,
 * collectives and rank finishes shifted by the inner time); compute and communication means over
 * ranks; link bytes: the R replicas' inner traffic H times plus the sync's.
 * Errors: ConfigError at `inner_steps_at` when H inner steps leave the range of Time.
 */
void compose_outer_step(const RunOutcome& inner, const RunOutcome& sync, const OuterSetup& d,
                        RunOutcome& o);

/** The same for any kind: `h` inner steps of `replicas` replicas, then `sync`; errors at
 *  `inner_steps_at`. */
void compose_outer_step(const RunOutcome& inner, const RunOutcome& sync, int64_t h,
                        int64_t replicas, const simcore::SourceLocation& inner_steps_at,
                        RunOutcome& o);

/** Delays everything in `r` by `dt`: its makespan, rank finishes, ops and collectives. */
void shift_result(simcore::ExecutionResult& r, simcore::Time dt);

/** Bits per element on the wire of an `outer_dtype`-style name: fp32 32, bf16 16, int8 8,
 *  int4 4. */
int wire_bits(const std::string& dtype);

}  // namespace dtsim::cli::kinds
