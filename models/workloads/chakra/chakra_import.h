#pragma once
/**
 * Maps Chakra execution traces (one per rank) onto dtsim's workload graph.
 *
 * Per node type:
 * | Chakra                     | dtsim op                                                     |
 * |----------------------------|--------------------------------------------------------------|
 * | COMP_NODE                  | compute: `duration_micros` (replay) or `num_ops` FLOPs and    |
 * |                            | `tensor_size` bytes through the compute model (`model` mode)  |
 * | MEM_LOAD/MEM_STORE_NODE    | compute of `tensor_size` bytes, 0 FLOPs (or its duration)     |
 * | COMM_COLL_NODE             | collective: `comm_type`, `comm_size` bytes: the per-rank      |
 * |                            | buffer, as ASTRA-sim reads it (an all-gather's input: its     |
 * |                            | nccl-tests size is n x comm_size),                            |
 * |                            | group from `pg_name` via the comm-group map, else all ranks   |
 * | COMM_SEND/COMM_RECV_NODE   | send/recv: `comm_dst`/`comm_src`, `comm_size`, `comm_tag`      |
 * | COMM_COLL without comm_size| a delay of its `duration_micros` (traces converted from       |
 * |                            | PyTorch); counted in the statistics                           |
 * | METADATA, unknown types,   | a zero-length delay that keeps the dependencies; counted in   |
 * | GATHER/SCATTER collectives | the import statistics as skipped (never silently)              |
 *
 * Dependencies are `data_deps` and `ctrl_deps`. Ops are put in a topological order (Kahn's
 * algorithm, ties by node id) and issued on per-rank streams in that order: GPU compute on
 * "compute", CPU ops (`is_cpu_op`) on "cpu", communication on "comm". BARRIER is an all-reduce
 * of 0 bytes (latency only); REDUCE_SCATTER_BLOCK is a reduce-scatter. A collective without
 * `comm_type` gets its kind from its name (allreduce, allgather, ...) when the name tells.
 *
 * A dependency on a node that is not in the trace (Chakra's converter filters nodes out, e.g.
 * CPU-side or metadata nodes, and keeps the edges to them) is treated as satisfied, as
 * ASTRA-sim's feeder does: the edge is dropped and counted in `ImportStats::missing_deps`
 * (the CLI prints a warning); with `ImportOptions::strict` it is an error instead.
 *
 * Errors: ConfigError naming the file and node: a dependency on a node not in the trace (only
 * with `strict`), a dependency cycle (naming up to five nodes on it), an attribute of the wrong type (e.g. a
 * string `comm_size`), a missing required attribute, a send/recv peer or group member that is
 * not a rank, a duplicate node id.
 */
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/workloads/chakra/et_reader.h"
#include "simcore/workload.h"

namespace dtsim::workloads::chakra {

struct ImportOptions {
  /** true: a compute node lasts its traced duration (`duration_ps`, else `duration_micros`) when
   *  it has one, else the compute model prices its `num_ops` and `tensor_size`; false: the model
   *  prices every node that has `num_ops` or `tensor_size`, the others last their duration. */
  bool replay_durations = true;
  /** Process-group name -> member ranks (a comm-group file); unknown names mean all ranks. */
  std::map<std::string, std::vector<int>> comm_groups;
  /** true: a dependency on a node that is not in the trace is an error; false: it is treated as
   *  satisfied and counted in `ImportStats::missing_deps`. */
  bool strict = false;
};

/** Dependencies on nodes that are not in the trace, treated as satisfied (non-strict import). */
struct MissingDeps {
  uint64_t data = 0;     ///< data_deps edges dropped, over all ranks
  uint64_t control = 0;  ///< ctrl_deps edges dropped, over all ranks
  /** The first one met, for the warning: "r0.et: node 2 ('b') -> node 77 (control)"; empty if none. */
  std::string first;
  uint64_t total() const { return data + control; }
};

struct ImportStats {
  std::map<std::string, uint64_t> nodes_by_type;  ///< "COMP_NODE" -> count, over all ranks
  std::map<std::string, uint64_t> skipped;        ///< why -> count
  uint64_t unknown_attributes = 0;                ///< attributes dtsim does not use
  MissingDeps missing_deps;                       ///< edges to nodes not in the trace
};

simcore::Workload import_chakra(const std::vector<RankTrace>& ranks, const ImportOptions& options,
                                ImportStats* stats);

}  // namespace dtsim::workloads::chakra
