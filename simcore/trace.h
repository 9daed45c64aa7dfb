#pragma once
/**
 * Chrome trace-event JSON (the format Perfetto and chrome://tracing open): one process per rank,
 * one thread per stream, one complete ("X") event per op.
 *
 * Units: `ts` and `dur` in microseconds with picosecond resolution (6 decimals), as the format
 * defines them. Source: "Trace Event Format" (Google, 2016), JSON Object Format.
 */
#include <ostream>

#include "simcore/executor.h"
#include "simcore/workload.h"

namespace dtsim::simcore {

/** Writes `result.ops` (recorded by the executor) as trace-event JSON to `out`. */
void write_chrome_trace(std::ostream& out, const Workload& workload, const ExecutionResult& result);

}  // namespace dtsim::simcore
