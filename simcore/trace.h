#pragma once
/**
 * Chrome trace-event JSON (the format Perfetto and chrome://tracing open): one process per rank,
 * one thread per stream, one complete ("X") event per op with its arguments (compute: FLOPs,
 * bytes, dtype; collective: kind, bytes, communicator, group size, algorithm hint; send/recv:
 * peer, bytes, tag; the op's phase, step, layer, micro-batch and replica tags where set), and a
 * flow arrow from each send (its start) to the receive it matched (the middle of its slice) (flow events "s"/"f", matched per
 * (source, destination, tag) in program order, as the executor matches them).
 *
 * Units: `ts` and `dur` in microseconds with picosecond resolution (6 decimals, written exactly
 * from integer picoseconds), as the format defines them. Strings are written by nlohmann/json
 * (escaping, invalid UTF-8 replaced). Source: "Trace Event Format" (Google, 2016), JSON Object
 * Format, complete and flow events.
 */
#include <ostream>
#include <set>

#include "simcore/executor.h"
#include "simcore/workload.h"

namespace dtsim::simcore {

/** Writes `result.ops` (recorded by the executor) as trace-event JSON to `out`; with `ranks`
 *  non-empty, only those ranks' tracks (and arrows between two of them). */
void write_chrome_trace(std::ostream& out, const Workload& workload, const ExecutionResult& result,
                        const std::set<int>& ranks = {});

}  // namespace dtsim::simcore
