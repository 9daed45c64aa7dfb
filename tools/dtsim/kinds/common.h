#pragma once
/**
 * Key readers that several workload kinds share: the ranks a workload spans, the precision keys
 * (`dtype`, `grad_dtype`, `bucket_size`), and the memory check against the device.
 *
 * Errors: ConfigError at the offending key (or at the map that lacks it).
 */
#include <nlohmann/json.hpp>
#include <string>

#include "models/workloads/memory_model.h"
#include "tools/dtsim/config_node.h"
#include "tools/dtsim/config_schema.h"
#include "tools/dtsim/scenario.h"

namespace dtsim::cli::kinds {

/** `workload.ranks` (default: every rank of the cluster), at most the cluster's ranks; `what`
 *  names the workload in the error ("a collective over 9 ranks, but ..."). */
int ranks_in_cluster(const Scenario& s, const ConfigNode& w, const char* what);

/** The cluster's ranks per node (the ranks sharing rank 0's box) when the nodes are equal and
 *  numbered contiguously (ranks 0..R-1 on the first node, and so on); 0 when they are not. */
int contiguous_ranks_per_node(const Scenario& s);

/** `dtype` (compute; the device must have a peak for it, which MFU uses), `grad_dtype` and
 *  `bucket_size` (at least `min_bucket` bytes). */
void load_precision(Scenario& s, const ConfigNode& w, std::string& dtype, int& grad_bytes,
                    double& bucket_bytes, double min_bucket);

/** The most loaded rank's memory against the device's HBM: an error at `at`, or a warning with
 *  `memory: {on_overflow: warn}`. Records the breakdown for the report. */
void check_memory(Scenario& s, const ConfigNode& w, const ConfigNode& at,
                  const workloads::MemoryBreakdown& m, double in_flight);

/** The summary's model line (params, tokens/s, MFU) from the report's `model` section. */
/** The resource guard's check of `e` (s.limits, simcore/resource_guard.h), its error placed at
 *  `map[key]`, the key that sets the work's size (looked up only on an error, so the key may be
 *  an optional one left out), or at `map` itself when `key` is empty. Errors: ConfigError there. */
void check_work(const Scenario& s, const ConfigNode& map, const std::string& key,
                const simcore::WorkEstimate& e);

void print_model_line(const Scenario& s, const nlohmann::ordered_json& report);

/** Key declarations (config_schema.h) the kinds with a model share: `dtype`, `grad_dtype`,
 *  `bucket_size` (at least `min_bucket` bytes, `min_text` in the error) and `memory`. */
KeySpec dtype_key();
KeySpec grad_dtype_key();
KeySpec bucket_size_key(double min_bucket, const std::string& min_text);
KeySpec memory_key();

/** The device's peak rate for the scenario's compute dtype, 0 when it has none; on a mixed
 *  cluster (`cluster.node_devices`) the mean over its ranks. Units: FLOP/s. */
double peak_flops_per_s(const Scenario& s);

}  // namespace dtsim::cli::kinds
