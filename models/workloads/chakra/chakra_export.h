#pragma once
/**
 * Writes a dtsim workload graph as Chakra execution-trace nodes, one list per rank, so a
 * generated workload (a data-parallel step, a collective sweep, a replayed graph) can run in
 * other Chakra consumers and re-imports (chakra_import.h) to the same graph.
 *
 * | dtsim op   | Chakra node                                                               |
 * |------------|---------------------------------------------------------------------------|
 * | compute    | COMP_NODE: `num_ops` (FLOPs), `tensor_size` (bytes), `dtype`; a fixed       |
 * |            | duration as `duration_micros` and, exactly, `duration_ps`                  |
 * | delay      | COMP_NODE with `delay_ps` (and `duration_micros`)                          |
 * | collective | COMM_COLL_NODE: `comm_type`, `comm_size` (per-rank input for all-gather,   |
 * |            | with the exact total in `nccl_bytes`), `pg_name` ("group<k>"),            |
 * |            | `algorithm`, `root`                                                        |
 * | send/recv  | COMM_SEND_NODE / COMM_RECV_NODE: `comm_dst` / `comm_src`, `comm_size`,     |
 * |            | `comm_tag`                                                                 |
 *
 * Node ids are op indices; `data_deps` are the op's dependencies, and `ctrl_deps` the previous
 * op of its stream (dtsim runs a stream in program order; Chakra consumers need the edge). An op
 * on a stream other than its kind's default carries a `stream` attribute. Groups are listed by
 * `comm_groups()` as pg_name -> ranks.
 */
#include <map>
#include <string>
#include <vector>

#include "chakra_et.pb.h"
#include "simcore/workload.h"

namespace dtsim::workloads::chakra {

/** Nodes per rank. Errors: ConfigError for an all-to-all-v (per-pair sizes: Chakra has one
 *  comm_size per node); every other dtsim op has a Chakra form. */
std::vector<std::vector<pb::Node>> export_chakra(const simcore::Workload& workload);
/** The process groups the exported collectives name: "group<k>" -> member ranks. */
std::map<std::string, std::vector<int>> comm_groups(const simcore::Workload& workload);

}  // namespace dtsim::workloads::chakra
