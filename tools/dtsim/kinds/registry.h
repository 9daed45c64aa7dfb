#pragma once
/**
 * Workload kinds, one module each (`kinds/<kind>.cpp`), registered by name in one table
 * (`registry.cpp`). A module owns everything about its kind: the keys it accepts under
 * `workload:`, reading them into plain parameters (errors at the key's file:line:column),
 * generating the workload graph, and its section of the report and the run summary. The CLI looks
 * a kind up by name; nothing outside its module branches on it.
 *
 * A module's `load` leaves what its report needs in a WorkloadInfo of its own type, which only
 * the module reads back (`info_of`).
 *
 * Most kinds are simulated by the runner: one replay of `s.workload`. A kind that needs several
 * simulations (DiLoCo: a replica's inner step once, its time reused H times, then the outer sync;
 * and plain DDP for comparison) sets the one optional hook `simulate`, which runs them with
 * `simulate_workload` (runner.h) and composes the outcome; the runner and the report writer
 * never branch on the kind.
 *
 * Errors: ConfigError from `load` (bad input), at the offending key.
 *
 *     const WorkloadKind& k = workload_kind(w["kind"]);  // unknown name: "did you mean"
 *     k.schema->check(w);
 *     k.load(scenario, w);
 */
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "simcore/error.h"
#include "simcore/executor.h"
#include "tools/dtsim/config_node.h"
#include "tools/dtsim/config_schema.h"
#include "tools/dtsim/scenario.h"

namespace dtsim::cli {
struct RunOutcome;  // runner.h
}  // namespace dtsim::cli

namespace dtsim::cli::kinds {

/** What a kind's generator knows that its report needs; each module derives its own. */
class WorkloadInfo {
 public:
  virtual ~WorkloadInfo() = default;
};

/** A module's info holding a `T` (its generator's info struct or parameters). */
template <class T>
class InfoOf : public WorkloadInfo {
 public:
  explicit InfoOf(T value) : value(std::move(value)) {}
  T value;
};

/** The `T` a module stored in `s.info` (the module's own type: a programming error otherwise). */
template <class T>
const T& info_of(const Scenario& s) {
  const auto* info = dynamic_cast<const InfoOf<T>*>(s.info.get());
  DTSIM_ASSERT(info != nullptr, "info_of: the scenario's workload info is of another kind");
  return info->value;
}

struct WorkloadKind {
  std::string name;
  /** Its keys under `workload:` (with `kind`), declared once (config_schema.h): checked before
   *  `load` (unknown keys with "did you mean", missing ones, each value's checker), and the
   *  README's key table is its `markdown()`. */
  const KeySchema* schema = nullptr;
  /** Reads the kind's keys (after `schema->check`; what involves several keys, the model or the
   *  cluster is checked here) and generates the workload into `s`: its `workload`, `info`, and
   *  where they apply `compute_dtype` and `memory`. */
  void (*load)(Scenario& s, const ConfigNode& w) = nullptr;
  /** Optional: simulates the scenario its own way instead of one replay of `s.workload`. Fills
   *  `o` as the runner would: `o.result` is the headline (its makespan is the report's
   *  `step_time_s`; its recorded ops, when `record_ops`, are those of `s.workload`, for the
   *  trace), `o.links` the bytes per link class, `o.events`; and `o.kind_report`, the kind's
   *  own report sections, which make_report adds after `report`'s. Errors: as simulate. */
  void (*simulate)(const Scenario& s, bool record_ops, RunOutcome& o) = nullptr;
  /** Adds the kind's section(s) to the report; may be null. */
  void (*report)(const Scenario& s, const simcore::ExecutionResult& r,
                 nlohmann::ordered_json& j) = nullptr;
  /** Prints a table before the run summary (`dtsim run` without -q); may be null. */
  void (*print_table)(const Scenario& s, const nlohmann::ordered_json& report) = nullptr;
  /** Prints the kind's lines of the run summary, after the time breakdown; may be null. */
  void (*print_summary)(const Scenario& s, const nlohmann::ordered_json& report) = nullptr;
  /** Columns a sweep adds to its rows for this kind: name, JSON pointer into the report (a
   *  pointer the report lacks gives an empty cell). */
  std::vector<std::pair<std::string, std::string>> sweep_columns;
  /** Whether the kind runs PCCL operations that `faults.peers` may leave and join (its `load`
   *  checks the algorithm); any other kind refuses `faults.peers` rather than ignore it. */
  bool peer_churn = false;
  /** Whether the summary adds up the collectives (a sweep's table shows them instead). */
  bool summarize_collectives = true;
  /** What the summary calls the run's makespan: a step, or (collective_sweep) the sizes run one
   *  after another, which is no step. */
  const char* makespan_label = "step time";
};

/** Every kind, in the order "one of ..." lists them. */
const std::vector<WorkloadKind>& workload_kinds();

/** The kind named by `kind_node`. Errors: ConfigError at it, listing the kinds, with "did you
 *  mean". */
const WorkloadKind& workload_kind(const ConfigNode& kind_node);

}  // namespace dtsim::cli::kinds
