#pragma once
/**
 * Writes a dtsim workload graph as Chakra execution-trace nodes, one list per rank, so a
 * generated workload (a data-parallel step, a collective sweep, a replayed graph) can run in
 * other Chakra consumers and re-imports (chakra_import.h) to the same graph.
 *
 * | dtsim op   | Chakra node                                                               |
 * |------------|---------------------------------------------------------------------------|
 * | compute    | COMP_NODE: `num_ops` (FLOPs), `tensor_size` (bytes), `dtype`; a fixed       |
 * |            | duration as `duration_micros` and, exactly, `duration_ps`; an op a cost    |
 * |            | model prices: its priced time as `duration_micros` (so other consumers     |
 * |            | replay it) and the model's name as `duration_from` (dtsim re-prices it)   |
 * | delay      | COMP_NODE with `delay_ps` (and `duration_micros`)                          |
 * | collective | COMM_COLL_NODE: `comm_type`, `comm_size` (per-rank input for all-gather,   |
 * |            | with the exact total in `nccl_bytes`), `pg_name` ("<role>.<k>": the       |
 * |            | communicator's role, "tp.3", "dp.17"; "group<k>" when it has none),       |
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
#include "simcore/interfaces.h"
#include "simcore/workload.h"

namespace dtsim::workloads::chakra {

/** Nodes per rank; `price` (may be null) gives the compute ops a cost model prices their
 *  `duration_micros`. Errors: ConfigError for an all-to-all-v (per-pair sizes: Chakra has one
 *  comm_size per node); every other dtsim op has a Chakra form. */
std::vector<std::vector<pb::Node>> export_chakra(const simcore::Workload& workload,
                                                 const simcore::ComputeModel* price = nullptr);
/** The process group name of group `g`: "<communicator>.<g>", or "group<g>" without one. */
std::string pg_name(const simcore::Workload& workload, uint32_t g);
/** The process groups the exported collectives name: pg_name -> member ranks. */
std::map<std::string, std::vector<int>> comm_groups(const simcore::Workload& workload);

}  // namespace dtsim::workloads::chakra
