#pragma once
/**
 * Peer churn in PCCL (Keiblinger et al., "Prime Collective Communications Library -- Technical
 * Report", arXiv:2505.14065, 2025): operations (all-reduces) run one after another over the
 * accepted peers. A peer that asks to join is accepted between operations (the master admits new
 * peers only outside a collective), so it takes part from the first operation that starts at or
 * after its join time. A peer that drops while an operation runs makes that operation fail for
 * everyone; PCCL aborts it and the survivors run it again from the start, over a new ring
 * (PCCL's "retry with the remaining peers"). A peer that leaves between operations is simply
 * absent from the next one.
 *
 * The timeline, for operations 0..k-1 with T(P) the time of one operation over the peer set P:
 *
 *   t_0 = 0; operation i starts at t_i over P_i (joins with at <= t_i applied, leaves with
 *   at <= t_i removed); if the first leave of a member falls at d with t_i < d < t_i + T(P_i),
 *   the attempt is lost (d - t_i wasted), the peer removed, and the operation restarts at d over
 *   the survivors (joins still wait for the next operation); else it ends at t_{i+1} = t_i + T.
 *
 * An operation over fewer than two peers takes no time (nothing to reduce with).
 *
 * With a `prelude` (DiLoCo's inner steps before its outer all-reduce), operation i begins at t_i
 * with the prelude's time W(i, P_i) (computed over the peers at t_i) and its first attempt starts
 * at t_i + W: a peer that leaves during the prelude (t_i < d <= t_i + W) is simply absent from
 * the attempt (no attempt is lost: none has begun), and a peer that asks to join during it waits
 * for operation i + 1 (PRIME admits joiners at the outer step's start, not at the sync). Without
 * one, W = 0 and the timeline is the one above.
 *
 * Units: simulated Time. Errors: InternalError for events out of order or a peer that is not one
 * of `peers`. Complexity: O((k + e) x cost of T) for k operations and e events.
 *
 *     std::vector<PeerEvent> ev{{.peer = 2, .at = Time::ms(150), .joins = false}};
 *     auto ops = run_with_churn(3, {0, 1, 2, 3}, ev, [&](int i, const std::vector<int>& p) {...});
 */
#include <cstdint>
#include <functional>
#include <vector>

#include "simcore/time.h"

namespace dtsim::collectives {

/** A peer leaving (drops) or joining (asks to be accepted) at `at`. */
struct PeerEvent {
  int peer = 0;
  simcore::Time at;
  bool joins = false;
};

/** An attempt of an operation lost to a peer that dropped during it. */
struct Restart {
  simcore::Time at;      ///< when the peer dropped (the attempt's end, the next one's start)
  int dropped = 0;       ///< the peer
  simcore::Time wasted;  ///< time the lost attempt had run
  int peers = 0;         ///< peers of the lost attempt (the dropped one among them)
};

/** One operation as it ran. */
struct ChurnOp {
  simcore::Time start;        ///< its first attempt's start
  simcore::Time begin;        ///< its prelude's start (= start without a prelude)
  simcore::Time end;          ///< its completing attempt's end
  simcore::Time last_attempt; ///< its completing attempt's time, T(peers)
  std::vector<int> peers;     ///< the peers of the completing attempt, ascending
  std::vector<Restart> restarts;
};

/** Time of operation i over the peer set P (ascending), see above. */
using ChurnTimeFn = std::function<simcore::Time(int, const std::vector<int>&)>;

/** Runs `ops` operations in turn. `peers`: every peer that ever takes part, ascending; a peer
 *  whose first event is a join starts outside, every other one inside. `events`: sorted by time
 *  (a peer's events alternate leave / join). `op_time(i, P)`: operation i's time over P (>= 2
 *  peers, ascending). `prelude(i, P)` (optional): the time before operation i's first attempt,
 *  over the peers at its beginning. */
std::vector<ChurnOp> run_with_churn(int ops, const std::vector<int>& peers,
                                    const std::vector<PeerEvent>& events,
                                    const ChurnTimeFn& op_time, const ChurnTimeFn& prelude = {});

}  // namespace dtsim::collectives
