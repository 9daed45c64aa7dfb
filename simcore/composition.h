#pragma once
/**
 * Composition of workloads: one program after another on each rank (`append`), or side by side
 * (`merge`). With Workload::placed (a workload moved onto other ranks of a larger cluster), these
 * build a run from blocks: "a replica's inner step on its site's ranks, repeated, then an outer
 * sync" is `placed` per replica, `merge` of the replicas, then `append` of the sync.
 *
 * Strings, communicators (with their names), streams and all-to-all-v matrices of the added
 * workload are mapped into the target's tables; its ranks keep their indices (the target grows
 * to the larger rank count).
 *
 * Errors: ConfigError from Workload::stream_of (more than 255 streams in all).
 * Complexity: O(ops + deps of the added workload) plus a table lookup per op.
 *
 *     Workload step = make_step();
 *     Workload run;
 *     for (int h = 0; h < 3; ++h) append(run, step, h);  // three steps, ops tagged step 0, 1, 2
 */
#include <cstdint>

#include "simcore/workload.h"

namespace dtsim::simcore {

/** `block` after `w` on each rank: every op of `block` without deps waits for the ops of `w` on
 *  its rank that nothing else waits for. With `step` >= 0 the added ops are tagged that step. */
void append(Workload& w, const Workload& block, int32_t step = OpTags::kNone);

/** `other` beside `w`: its programs follow `w`'s on each rank without waiting for them (they
 *  share the rank's streams, in program order, as ops of one rank do). */
void merge(Workload& w, const Workload& other);

}  // namespace dtsim::simcore
