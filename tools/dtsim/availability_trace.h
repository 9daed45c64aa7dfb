#pragma once
/**
 * Reads a federated client availability trace: one row per online interval,
 *
 *     # client  start_s  end_s
 *     0         0        3600
 *     0         7200     10800
 *     17        120.5    900
 *
 * client ids in [0, clients), times in seconds from the start of the run (plain numbers, for a
 * compact file of millions of rows), start < end; '#' starts a comment. Rows may come in any
 * order; a client's intervals must not overlap (touching is allowed: [0, 10) then [10, 20)).
 *
 * Units: seconds.
 * Errors: ConfigError at the trace's file:line:column: a row that is not three numbers, a client
 * id out of range, a time negative or not finite, start >= end, an interval that overlaps
 * another of the same client (naming the other's line); at `key` when the file cannot be read or
 * exceeds the trace cap (simcore::kMaxTraceFileBytes).
 * Complexity: O(R log R) for R rows; memory 32 B per row while reading.
 */
#include <cstdint>

#include "models/workloads/fedavg_population.h"
#include "tools/dtsim/config_node.h"

namespace dtsim::cli {

workloads::AvailabilityTrace read_availability_trace(const ConfigNode& key, int64_t clients);

}  // namespace dtsim::cli
