#pragma once
/**
 * The program builder: the one place that makes ops on a Workload's ranks. It interns names,
 * dtypes and algorithms, sets deps and streams, and stamps every op with the builder's current
 * structured tags (OpTags), so generators, importers and tests build programs the same way.
 *
 * Units: as simcore/workload.h (FLOPs, bytes, Time).
 * Errors: none of its own; ConfigError from Workload::stream_of (more than 255 streams).
 * Complexity: O(1) per op plus the name's hash lookup; with a name sequence (below), ranks that
 * repeat the same names in the same order pay a sequential read instead.
 *
 *     Workload w;
 *     w.ranks.resize(2);
 *     ProgramBuilder b(w);
 *     const uint32_t g = b.group({0, 1});
 *     for (int r = 0; r < 2; ++r) {
 *       b.tags().phase = OpPhase::kForward;
 *       uint32_t fwd = b.compute(r, "fwd", 1e12, 0, "bf16");
 *       b.tags().phase = OpPhase::kGradientSync;
 *       b.collective(r, "grad all_reduce", CollectiveKind::kAllReduce, 1 << 20, g, "auto", {fwd});
 *     }
 */
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "simcore/time.h"
#include "simcore/workload.h"

namespace dtsim::simcore {

class ProgramBuilder {
 public:
  /** Where the builder interns strings: the workload's own table, or a private one (builders
   *  that fill disjoint ranks on several threads; `publish_strings` maps the ids after). */
  enum class Strings { kShared, kPrivate };

  explicit ProgramBuilder(Workload& w, Strings strings = Strings::kShared);

  /** Tags stamped on every op made from now on; change fields as the build goes. */
  OpTags& tags() { return tags_; }
  const OpTags& tags() const { return tags_; }

  /** A compute op priced by the cost model: `flops`, `mem_bytes` moved, in `dtype`. */
  uint32_t compute(int rank, std::string_view name, double flops, double mem_bytes,
                   std::string_view dtype, std::vector<uint32_t> deps = {},
                   uint8_t stream = kComputeStream);
  /** A compute op whose kernels have the shapes `shape` (an index from `shape`, below; -1:
   *  none): `flops` is the model's FLOP count, `mem_bytes` the traffic without shapes. */
  uint32_t shaped_compute(int rank, std::string_view name, double flops, double mem_bytes,
                          std::string_view dtype, int32_t shape, std::vector<uint32_t> deps = {},
                          uint8_t stream = kComputeStream);
  /** Index of `s` in this builder's shape table (Workload::shape_of; private tables are mapped
   *  by publish_strings). */
  int32_t shape(const KernelShapes& s);
  /** A compute op of fixed `duration` (trace replay); `mem_bytes` is informative. */
  uint32_t timed_compute(int rank, std::string_view name, Time duration, double mem_bytes,
                         std::string_view dtype, std::vector<uint32_t> deps = {},
                         uint8_t stream = kComputeStream);
  /** A collective of `bytes` per rank (nccl-tests convention) over group `group`. */
  uint32_t collective(int rank, std::string_view name, CollectiveKind kind, int64_t bytes,
                      uint32_t group, std::string_view algorithm, std::vector<uint32_t> deps = {},
                      uint8_t stream = kCommStream, int32_t root = 0);
  /** An all-to-all-v: per-pair sizes from Workload::matrices[matrix]; `bytes` is this rank's
   *  row sum. */
  uint32_t all_to_all_v(int rank, std::string_view name, int32_t matrix, int64_t bytes,
                        uint32_t group, std::string_view algorithm, std::vector<uint32_t> deps = {},
                        uint8_t stream = kCommStream);
  uint32_t send(int rank, std::string_view name, int peer, int64_t bytes, int32_t tag,
                std::vector<uint32_t> deps = {}, uint8_t stream = kCommStream);
  uint32_t recv(int rank, std::string_view name, int peer, int64_t bytes, int32_t tag,
                std::vector<uint32_t> deps = {}, uint8_t stream = kCommStream);
  uint32_t delay(int rank, std::string_view name, Time duration, std::vector<uint32_t> deps = {},
                 uint8_t stream = kComputeStream);

  /** Index of the communicator over `members` (Workload::group_of). */
  uint32_t group(const std::vector<int>& members, std::string_view communicator = {});
  /** Index of the stream `name` (Workload::stream_of). */
  uint8_t stream(std::string_view name);
  /** `s` in this builder's string table. */
  uint32_t intern(std::string_view s);

  /**
   * Ranks that make the same op names in the same order (say, every rank of a pipeline stage)
   * share a sequence `key`: the first of them records each name's id by position and the others
   * reuse it when the name matches, a sequential read instead of a hash lookup in a string table
   * far larger than the cache (it was a fifth of building DeepSeek-V3's 8M ops). Starts at position
   * 0; ends at `end_name_sequence`.
   */
  void begin_name_sequence(size_t key);
  void end_name_sequence() { sequence_ = -1; }

  /** Private strings only: maps the name, dtype, algorithm and shape ids of the ops on `ranks` to the
   *  workload's table, interning in rank order then op order (what a shared builder would have
   *  done in that order). Call serially. */
  void publish_strings(const std::vector<int>& ranks);

  Workload& workload() { return w_; }
  /** The op `index` of `rank`, for what the helpers above do not set. */
  Op& op(int rank, uint32_t index) { return w_.ranks[static_cast<size_t>(rank)].ops[index]; }

  /**
   * A new op at the end of `rank`'s program, named and tagged, whose other fields the caller
   * sets (an importer that learns an op's kind and fields as it reads them); `index` gets its
   * position. The reference holds until the rank's program grows.
   */
  Op& make(int rank, OpKind kind, uint8_t stream, std::string_view name,
           std::vector<uint32_t>&& deps, uint32_t& index);

 private:
  uint32_t p2p(int rank, OpKind kind, std::string_view name, int peer, int64_t bytes, int32_t tag,
               std::vector<uint32_t>&& deps, uint8_t stream);
  uint32_t name_id(std::string_view name);
  /** Interned id of `s`, remembering the last one in `cache` (dtypes and algorithms repeat). */
  uint32_t cached(std::pair<std::string, uint32_t>& cache, std::string_view s);

  Workload& w_;
  std::unique_ptr<Workload> own_strings_;  ///< the private table (Strings::kPrivate)
  Workload& strings_;
  OpTags tags_;
  std::pair<std::string, uint32_t> dtype_cache_{"", 0}, algorithm_cache_{"", 0};
  std::vector<std::vector<std::pair<size_t, uint32_t>>> sequences_;
  int64_t sequence_ = -1;
  size_t cursor_ = 0;
};

}  // namespace dtsim::simcore
