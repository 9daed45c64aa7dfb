#pragma once
/**
 * Building blocks the collective algorithms (models/collectives/algorithms/) expand into: a
 * builder that appends transfers with their dependencies, and the shared shapes (a ring, a
 * chain, a direct and a pairwise exchange). Each algorithm family composes these in its own
 * file; see schedule.h for the schedules they make.
 *
 *     Schedule s;
 *     ScheduleBuilder b(s);
 *     Boundary none(4, {kNoTransfer, kNoTransfer});
 *     std::vector<int32_t> order{0, 1, 2, 3};
 *     add_ring(b, order, +1, 3, 256.0, 1, none);  // a ring reduce-scatter of 1 KiB over 4
 *
 * Units: bytes (doubles). Positions are 0..n-1 in communicator order.
 * Errors: ConfigError when a schedule outgrows 2^32-1 dependencies; an assertion when a
 * dependency names a later transfer (a programming error).
 */
#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <vector>

#include "models/collectives/schedule.h"

namespace dtsim::collectives {

/** "No dependency": dropped by ScheduleBuilder::add. */
inline constexpr int64_t kNoTransfer = -1;

/** Appends transfers and their CSR dependency lists; drops kNoTransfer and duplicate deps. */
class ScheduleBuilder {
 public:
  explicit ScheduleBuilder(Schedule& s) : s_(s) {}
  int64_t size() const { return static_cast<int64_t>(s_.transfers.size()); }
  /** The schedule built, for its timing fields (start latency, route latency, label). */
  Schedule& schedule() { return s_; }
  int64_t add(int32_t src, int32_t dst, double bytes, std::initializer_list<int64_t> deps) {
    return add(src, dst, bytes, std::span<const int64_t>(deps.begin(), deps.size()));
  }
  /** Appends a transfer; returns its index. */
  int64_t add(int32_t src, int32_t dst, double bytes, std::span<const int64_t> deps);

 private:
  Schedule& s_;
};

/** Per position: {last send, last receive} of the phase before (kNoTransfer when none). */
using Boundary = std::vector<std::array<int64_t, 2>>;

/**
 * Appends a ring over `members` (in ring order): `steps` steps in which member j sends
 * `step_bytes` to member j+dir (dir = +1 or -1, mod m) in `chunks` pieces. Transfer (s, k, j) is
 * at base + (s*chunks + k)*m + j and depends on (s-1, k, j-dir), (s-1, k, j), (s, k-1, j); a
 * member's first transfer also on its `boundary` entry, which then becomes its last send and
 * last receive of this ring. Source: Patarasuk and Yuan, JPDC 2009.
 */
void add_ring(ScheduleBuilder& b, std::span<const int32_t> members, int dir, int steps,
              double step_bytes, int chunks, Boundary& boundary);

/** Steps of a ring `kind` over n members: 2(n-1) for all-reduce (reduce-scatter then
 *  all-gather), n-1 for reduce-scatter or all-gather. */
int ring_steps(simcore::CollectiveKind kind, int n);

/** A chain over `order` (hop h: order[h] -> order[h+1]) moving `bytes` in `chunks` pieces;
 *  piece k on hop h depends on piece k on hop h-1 and piece k-1 on hop h. */
void add_chain(ScheduleBuilder& b, const std::vector<int32_t>& order, double bytes, int chunks);

/** Bytes from position i to position j: S/n for a uniform all-to-all, or a matrix entry. */
using PairBytes = std::function<double(int64_t i, int64_t j)>;

/** Direct all-to-all: every pair at once; pieces of one pair chain. With `skip_empty`, pairs of
 *  0 bytes send nothing (all-to-all-v: a zero send count posts no message). */
void add_direct(ScheduleBuilder& b, int n, int chunks, const PairBytes& pair_bytes,
                bool skip_empty);

/** Pairwise exchange: n-1 steps; at step s position i sends to (i+s)%n after its own step s-1
 *  send and the step s-1 transfer it received. Source: Thakur, Rabenseifner and Gropp, IJHPCA
 *  2005, section 3.6. */
void add_pairwise(ScheduleBuilder& b, int n, int chunks, const PairBytes& pair_bytes);

}  // namespace dtsim::collectives
