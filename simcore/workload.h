#pragma once
/**
 * The workload graph: per rank, a DAG of operations that the executor replays.
 *
 * Operation kinds: `compute` (FLOPs and bytes moved, or a fixed duration from a trace),
 * `collective` (kind, bytes, communicator group, algorithm hint), `send`/`recv` (peer, bytes,
 * tag) and `delay`. Each op runs on one stream of its rank (stream 0 "compute", stream 1 "comm",
 * more may be named); ops on one stream run in program order, one at a time, as on a CUDA stream.
 * Edges (`deps`) are data or control dependencies on earlier ops of the same rank.
 *
 * Units: bytes in bytes; flops in floating-point operations; durations in Time.
 * Collective sizes follow nccl-tests: `bytes` is the all-reduce/broadcast/reduce buffer, the
 * all-gather output, the reduce-scatter input and the all-to-all send buffer, per rank. An
 * all-to-all with a `matrix` is an all-to-all-v: per-pair sizes from Workload::matrices.
 */
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "simcore/error.h"
#include "simcore/kernel_shape.h"
#include "simcore/time.h"

namespace dtsim::simcore {

enum class OpKind : uint8_t { kCompute, kCollective, kSend, kRecv, kDelay };
enum class CollectiveKind : uint8_t {
  kAllReduce,
  kReduceScatter,
  kAllGather,
  kAllToAll,
  kBroadcast,
  kReduce
};

std::string_view to_string(OpKind k);
std::string_view to_string(CollectiveKind k);
std::optional<CollectiveKind> parse_collective_kind(std::string_view s);
/** The nccl-tests bus-bandwidth factor: 2(n-1)/n for all-reduce, (n-1)/n for all-gather,
 *  reduce-scatter and all-to-all, 1 for broadcast and reduce. Source: nccl-tests doc/PERFORMANCE.md. */
double busbw_factor(CollectiveKind k, int n);

inline constexpr uint8_t kComputeStream = 0;
inline constexpr uint8_t kCommStream = 1;

/** The part of a run an op belongs to (a structured tag; reports split time by it). */
enum class OpPhase : uint8_t {
  kNone,           ///< untagged
  kForward,        ///< forward pass of a micro-batch
  kBackward,       ///< backward pass of a micro-batch
  kRecompute,      ///< activation recomputation before a backward
  kGradientSync,   ///< data-parallel gradient reduction
  kOptimizer,      ///< optimizer step (and ZeRO's gather of the updated weights)
  kOuterSync,      ///< outer synchronisation of replicas (DiLoCo's pseudo-gradient all-reduce)
  kDownlink,       ///< a federated round's model download
  kLocalTraining,  ///< a federated client's local epochs
  kUplink,         ///< a federated client's update upload
  kAggregation     ///< a federated server's aggregation
};
std::string_view to_string(OpPhase p);

/**
 * Structured tags of an op, set by the program builder (simcore/program_builder.h): small
 * integers, so a report splits time by phase, step, layer, micro-batch or replica without
 * parsing op names. `kNone` (-1) where a tag does not apply.
 */
struct OpTags {
  static constexpr int32_t kNone = -1;
  int32_t step = kNone;         ///< training step, outer step or round
  int32_t replica = kNone;      ///< replica (DiLoCo, NoLoCo) or client (federated)
  int32_t micro_batch = kNone;  ///< micro-batch within a step
  int16_t layer = kNone;        ///< model layer
  OpPhase phase = OpPhase::kNone;

  bool operator==(const OpTags&) const = default;
};

struct Op {
  OpKind kind = OpKind::kCompute;
  uint8_t stream = kComputeStream;
  CollectiveKind collective = CollectiveKind::kAllReduce;  ///< collective
  uint32_t name = 0;  ///< index into Workload::strings
  // compute
  uint32_t dtype = 0;  ///< index into Workload::strings ("bf16", ...)
  // collective / p2p
  uint32_t group = 0;      ///< index into Workload::groups
  uint32_t algorithm = 0;  ///< index into Workload::strings ("auto", "ring", ...)
  int32_t root = 0;        ///< root rank index within the group (broadcast, reduce)
  int32_t peer = -1;       ///< send: destination rank; recv: source rank
  int32_t tag = 0;
  /** all-to-all-v: index into Workload::matrices (per-pair sizes); -1 for a uniform collective.
   *  `bytes` is then this rank's row sum (what it sends, its own diagonal included). */
  int32_t matrix = -1;
  /** compute: index into Workload::shapes (the op's GEMMs and attention by shape); -1: none, the
   *  op is priced by `flops` and `mem_bytes`. `flops` stays the model's FLOP count (MFU). */
  int32_t shape = -1;
  OpTags tags;
  // compute
  double flops = 0;              ///< floating-point operations
  double mem_bytes = 0;          ///< bytes moved to/from device memory
  std::optional<Time> duration;  ///< fixed duration (trace replay) instead of a cost model
  // collective / p2p
  int64_t bytes = 0;
  // delay
  Time delay;
  std::vector<uint32_t> deps;  ///< indices of earlier ops of the same rank
  /** Where the op came from, an index into Workload::origins (0: not known, e.g. generated). */
  uint32_t origin = 0;
};

/** Where a user wrote an op: a graph JSON op's position, a Chakra node's file and id. Errors
 *  found while running (a collective the ranks disagree on, an algorithm the collective does not
 *  support) point there instead of at the scenario. 24 bytes: a trace of 10^6 ops keeps one each. */
struct OpOrigin {
  uint32_t file = 0;  ///< index into Workload::strings (0: not known)
  int32_t line = 0;   ///< 1-based; 0: not known (a binary trace)
  int32_t column = 0;
  int64_t node = -1;  ///< the Chakra node id within `file`; -1: none
};

struct RankProgram {
  std::vector<Op> ops;
};

class Workload {
 public:
  std::vector<RankProgram> ranks;
  /** Communicator groups: global rank ids, in communicator order. */
  std::vector<std::vector<int>> groups;
  std::vector<std::string> stream_names{"compute", "comm"};
  std::vector<std::string> strings{""};
  /** All-to-all-v send matrices: n x n row-major bytes, entry [i * n + j] from the group's i-th
   *  member to its j-th (communicator order). Every member's op of one all-to-all-v names the
   *  same matrix. */
  std::vector<std::vector<double>> matrices;
  /** Op origins (Op::origin); entry 0 is "not known". */
  std::vector<OpOrigin> origins{OpOrigin{}};
  /** Kernel shapes of compute ops (Op::shape), each stored once. */
  std::vector<KernelShapes> shapes;

  /** Index of `s` in `strings`, adding it if new. */
  uint32_t intern(std::string_view s);
  /** Index of `s` in `shapes`, adding it if new. Errors: ConfigError beyond 2^31 shapes. */
  int32_t shape_of(const KernelShapes& s);
  /** Index of the communicator `communicator` over exactly these ranks, adding it if new.
   *  Communicators with the same members but different names are distinct groups (as NCCL
   *  communicators are): collectives are matched per group in program order, so two streams'
   *  collectives over the same ranks (say EP all-to-alls and DP reductions when ep = dp) must
   *  not share a group. */
  uint32_t group_of(const std::vector<int>& members, std::string_view communicator = {});
  /** Index of the stream of that name, adding it if new. */
  uint8_t stream_of(std::string_view s);
  /** The existing group or stream (no insertion, safe to call from several threads while
   *  nothing is added). Errors: InternalError when there is none. */
  uint32_t find_group(const std::vector<int>& members, std::string_view communicator = {}) const;
  uint8_t find_stream(std::string_view s) const;
  /** The communicator name of group `g` ("" for an unnamed one). */
  std::string_view communicator(uint32_t g) const;
  const std::string& str(uint32_t id) const { return strings[id]; }
  /** Adds an origin; returns its index for Op::origin. */
  uint32_t add_origin(OpOrigin origin);
  /**
   * A ConfigError about `op` with `message`: at the op's origin when it has one (file:line:column,
   * or the file with "(Chakra node 216)" appended), else without a position (the CLI then names
   * the scenario file).
   */
  ConfigError error_at(const Op& op, const std::string& message) const;
  size_t op_count() const;

  /**
   * The same workload placed on `cluster_ranks` ranks: rank r's program runs on rank
   * `placement[r]`, groups and peers follow, and the other ranks get empty programs.
   * Errors: ConfigError when placement has the wrong length, repeats a rank or leaves the range.
   */
  Workload placed(const std::vector<int>& placement, int cluster_ranks) const;

 private:
  /** Transparent hash: look a string_view up without building a std::string. */
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> string_index_;
  std::unordered_multimap<size_t, int32_t> shape_index_;  ///< hash of a shape -> its indices
  std::vector<std::string> group_names_;  ///< communicator name of each group
};

}  // namespace dtsim::simcore
