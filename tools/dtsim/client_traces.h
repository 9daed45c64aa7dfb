#pragma once
/**
 * Reads per-client trace files of a federated population (workload kind fedavg): text, one row
 * per line, columns separated by spaces, tabs or commas, '#' starts a comment; numbers plain
 * (no units) for compact files of millions of rows; client ids in [0, clients).
 *
 * Availability (`clients.availability`): one row per online interval, times in seconds from the
 * start of the run, start < end. Rows may come in any order; a client's intervals must not
 * overlap (touching is allowed: [0, 10) then [10, 20)).
 *
 *     # client  start_s  end_s
 *     0         0        3600
 *     0         7200     10800
 *
 * Speed (`clients.speed_trace`): one row per client, its training-speed factor (> 0, a
 * multiplier on its class's rate, e.g. from per-device measurements such as FedScale's client
 * profiles); it replaces the class's `speed_spread` draw for the clients it lists.
 *
 *     # client  factor
 *     17        0.42
 *
 * Units: seconds; factors are ratios.
 * Errors: ConfigError at the file's line:column: a row with the wrong number of columns or a
 * value that is not a number, a client id out of range, a time negative or not finite,
 * start >= end, overlapping intervals of one client (naming the other's line), a factor not
 * positive and finite, a client listed twice in a speed trace; at `key` when the file cannot be
 * read, exceeds the trace cap (simcore::kMaxTraceFileBytes) or has no rows.
 * Complexity: O(R log R) for R rows; memory 32 B per row while reading.
 */
#include <cstdint>
#include <utility>
#include <vector>

#include "models/workloads/fedavg_population.h"
#include "tools/dtsim/config_node.h"

namespace dtsim::cli {

workloads::AvailabilityTrace read_availability_trace(const ConfigNode& key, int64_t clients);

/** (client, factor) rows sorted by client. */
std::vector<std::pair<int64_t, double>> read_speed_trace(const ConfigNode& key, int64_t clients);

}  // namespace dtsim::cli
