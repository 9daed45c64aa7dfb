#pragma once
/**
 * Flow-level network back-end: every transfer is a flow on a routed path that first pays the
 * path latency, then shares bandwidth with every other active flow under **max-min fairness**
 * on each channel (link direction), found by progressive filling. A flow may carry terms
 * (FlowTerms): a weight (weighted max-min), an upper bound on its rate, and a coefficient per
 * channel of its path (channel bytes per payload byte); the defaults (1, none, 1) give plain
 * max-min. A channel's capacity may change while flows run (`set_channel_capacity`): every flow
 * it touches gets its new rate at that instant, and finishes when the integral of its rate
 * reaches its size. A flow whose rate is 0 (a channel of capacity 0) waits until it rises.
 * A multicast flow (`start_multicast`: one source, several destinations) crosses each channel
 * of the union of its paths once, at one rate: the upstream links of its tree are not paid
 * once per destination.
 *
 * The rates come from a MaxMinSolver (models/network/maxmin/solver.h): one constraint per
 * channel, one variable per flow while it shares bandwidth. Only the part of the system that an
 * arrival or departure touches is re-solved (selective update, in the solver), and a flow's
 * remaining bytes and finish time are brought up to date only when its rate changes (lazy update,
 * here: the solver reports which rates changed, the fabric owns bytes and time). Arrivals at one
 * instant, and completions at one instant, are handled by one re-solve. A new rate within a
 * relative 1e-9 of the old one is taken as unchanged (it only differs by floating-point noise),
 * so a flow's finish time is not disturbed by re-solves that do not concern it, and flows that
 * should end together do end in the same event.
 *
 * Completion batching: when a flow finishes at t, every flow due to finish by
 * t + batch_tolerance x (its own time on the wire) finishes in the same event (default 1e-4, so
 * a flow may end at most 0.01% of its duration early). ECMP collisions give thousands of flows of
 * an all-to-all slightly different rates; without batching each would cost a full re-solve.
 * 0 makes every completion exact (to the picosecond).
 * Each flow's finish time is rounded up to the picosecond, so a lone flow of S bytes on a path
 * of latency L and bottleneck B takes exactly L + ceil(S/B).
 *
 * Source: max-min fairness by progressive filling, Bertsekas & Gallager, "Data Networks" (2nd
 * ed., 1992), section 6.5.2; selective/lazy updates after SimGrid (Casanova et al., JPDC 2014).
 * Complexity: a re-solve costs O(P log C) for P flow-hops and C channels in the component.
 * Faults (models/network/faults.h) use a few more hooks: a stall observer told when a flow's rate
 * drops to 0 with bytes left, `fail_flow` (the flow's `failed` callback runs instead of `done`),
 * `reroute_flow` (its remaining bytes move to another path, paying that path's latency) and a
 * per-channel extra latency for flows that start later. Without faults none of them costs anything.
 *
 * Errors: none beyond InternalError on broken invariants.
 *
 *     FlowFabric fabric(sim, topology);
 *     fabric.start_flow(router.route(a, b, 0), 1e9, [] { ... });
 */
#include <cstdint>
#include <functional>
#include <map>
#include <queue>
#include <span>
#include <vector>

#include "models/network/maxmin/solver.h"
#include "simcore/interfaces.h"
#include "simcore/simulator.h"
#include "topologies/routing.h"
#include "topologies/topology.h"

namespace dtsim::network {

/** A flow's terms in the max-min system; the defaults give plain max-min fairness. */
struct FlowTerms {
  double weight = 1;  ///< > 0: the flow's share of a bottleneck scales with it
  double bound_bytes_per_s = MaxMinSolver::kUnbounded;  ///< >= 0: upper bound on its rate
  /** Channel bytes per payload byte on each channel of the path (> 0); empty: all 1. */
  std::vector<double> coefficients;
  /** Constraints beyond the path's channels (from `add_constraint`: a cell's airtime), each
   *  once and none a channel of the path, with their coefficients (> 0), one per entry. */
  std::vector<uint32_t> extra_constraints;
  std::vector<double> extra_coefficients;
};

class FlowFabric {
 public:
  FlowFabric(simcore::Simulator& sim, const topologies::Topology& topology,
             double batch_tolerance = 1e-4);

  /**
   * Starts a flow of `bytes` (>= 0) on `path`; `done` runs when its last byte arrives.
   * Errors: InternalError on negative bytes or terms out of range (see FlowTerms).
   */
  void start_flow(const topologies::Path& path, double bytes, std::function<void()> done,
                  const FlowTerms& terms = {}, simcore::FailFn failed = {});
  /** A plain flow (default terms) on `channels` (a path's) that arrives after `latency`. */
  void start_flow(std::span<const uint32_t> channels, simcore::Time latency, double bytes,
                  std::function<void()> done, simcore::FailFn failed = {}) {
    start(channels, latency, bytes, std::move(done), kPlain, std::move(failed));
  }
  /**
   * Starts a multicast flow of `bytes` (>= 0) from one source to the destinations of `paths`
   * (one path per destination, all from the same source): one solver variable on the union of
   * the paths' channels, each charged once (coefficient 1), so the data shares the tree's
   * upstream links instead of being sent once per destination. It pays the longest path's
   * latency, then moves at the tree's max-min rate; `done` runs when every destination has
   * every byte. Link usage counts the bytes once per channel of the tree. (A basis for NVLS and
   * SHARP multicast; in-network reduction is not modelled here.)
   * Errors: InternalError on no path, negative bytes, or coefficients in `terms` (a tree's
   * channels have no order to match them to).
   */
  void start_multicast(std::span<const topologies::Path> paths, double bytes,
                       std::function<void()> done, const FlowTerms& terms = {});
  /**
   * Sets channel `channel`'s capacity to `bw_bytes_per_s` (finite, >= 0) from now on: the flows
   * it touches are re-solved at once. Call it from an event (or before the run).
   * Units: bytes per second. Errors: InternalError on a capacity out of range.
   */
  void set_channel_capacity(uint32_t channel, double bw_bytes_per_s);
  /**
   * Adds a constraint that is no channel (a shared medium: a radio cell's airtime), of
   * `capacity` (finite, >= 0) in its own unit; flows use it through FlowTerms'
   * extra_constraints. Its id follows the channels' (>= topology.channel_count()); its capacity
   * changes with `set_channel_capacity` like a channel's. It is not in `usage()`.
   */
  uint32_t add_constraint(double capacity);
  /**
   * For every flow (sharing bandwidth or still paying its latency) that crosses `channel` and
   * uses `constraint`: adds `new_coefficient - old_coefficient` to its coefficient on
   * `constraint` (so a flow charged twice, up and down one access point, keeps its other part)
   * and sets its weight to `weight`; then re-solves. (A radio client whose rate changed.)
   * Errors: InternalError (assertion) on a resulting coefficient or a weight not > 0.
   */
  void update_uses(uint32_t channel, uint32_t constraint, double old_coefficient,
                   double new_coefficient, double weight);

  /**
   * Adds `extra` to the latency of every flow that starts later on a path through `channel`
   * (a degraded link). Units: simulated time.
   */
  void set_channel_extra_latency(uint32_t channel, simcore::Time extra);

  /** Called (inside a re-solve: observe, do not change the fabric) with each flow whose rate
   *  became 0 while it has bytes left, i.e. it waits on a channel of capacity 0. */
  void set_stall_observer(std::function<void(uint32_t flow)> observer) {
    on_stall_ = std::move(observer);
  }
  /** Whether a stall observer is set (faults may fail flows). */
  bool watched() const { return static_cast<bool>(on_stall_); }
  /** Flows started and not finished (waiting out their latency, or sharing bandwidth). */
  std::vector<uint32_t> live_flows() const;
  bool live(uint32_t f) const { return f < flows_.size() && flows_[f].live; }
  /** A number unique to this flow over the run (slots are reused). */
  uint64_t serial(uint32_t f) const { return flows_[f].serial; }
  /** The channels the flow crosses (its path's, in order; a multicast tree's, sorted). */
  std::span<const uint32_t> channels(uint32_t f) const { return solver_.constraints(f); }
  double rate_bytes_per_s(uint32_t f) const { return flows_[f].active ? solver_.value(f) : 0; }
  /** Bytes not yet delivered, as of now. */
  double remaining_bytes(uint32_t f) const;
  double size_bytes(uint32_t f) const { return flows_[f].bytes; }
  /** Whether the flow may move to another path: a unicast flow whose coefficients are all 1. */
  bool reroutable(uint32_t f) const { return !flows_[f].multicast && !flows_[f].coefficients; }
  /**
   * Ends live flow `f` without delivering its remaining bytes: its `failed` callback runs with
   * `why` (its `done` never does); the flows it shared channels with are re-solved at once.
   */
  void fail_flow(uint32_t f, const std::string& why);
  /**
   * Moves live flow `f`'s remaining bytes onto `path` (a reroutable flow): they arrive after the
   * new path's latency, then share its channels. Returns the flow's new id.
   */
  uint32_t reroute_flow(uint32_t f, const topologies::Path& path);

  /** Bytes carried per link class, and the summed capacity of the class's channels. */
  std::vector<simcore::LinkClassUsage> usage() const;
  uint64_t flows_started() const { return flows_started_; }
  /** Simulator events the fabric has processed (flow arrivals and completions). */
  uint64_t events() const { return events_; }
  /** No flow is live (none waits out its latency, none shares bandwidth). */
  bool idle() const { return active_ == 0 && arrivals_.empty(); }
  /** Whether a flow's time depends only on the flows it shares the fabric with: no channel
   *  pays an extra latency (a degraded link) and no flow can fail (no faults watch). */
  bool plain() const { return extra_latency_.empty() && !on_stall_; }
  /** Whether every channel's carried bytes are a whole number below 2^52, so that adding
   *  whole numbers to them is exact in any order. */
  bool whole_bytes() const { return whole_; }
  /** Bytes carried so far per channel (finished flows), indexed by channel. */
  std::span<const double> carried() const { return carried_; }
  /**
   * Counts the flows and bytes of transfers whose timing was reused instead of simulated
   * (FlowCommModel's reused collectives): `flows` more flows started, and per (channel, bytes)
   * entry those bytes carried. Errors: InternalError on a channel out of range.
   */
  void count_reused(uint64_t flows, std::span<const std::pair<uint32_t, double>> carried);
  uint64_t solves() const { return solver_.solves(); }
  size_t active_flows() const { return active_; }

 private:
  /**
   * Per-flow state on the event side, indexed like the flow's solver variable (the solver hands
   * out the ids, reusing released ones); its rate is the variable's value.
   */
  struct Flow {
    double bytes = 0;      // total size
    double remaining = 0;  // bytes left at `updated_ps`
    int64_t updated_ps = 0;
    int64_t start_ps = 0;  // when it started sharing bandwidth
    int64_t arrive_ps = 0;  // when it ends its latency (while not active)
    uint64_t serial = 0;
    uint32_t version = 0;
    bool active = false;
    bool live = false;  // started, not finished
    bool multicast = false;
    bool coefficients = false;  // non-unit coefficients
  };
  struct Completion {
    int64_t time_ps;
    uint32_t flow;
    uint32_t version;
    bool operator>(const Completion& o) const {
      return time_ps > o.time_ps || (time_ps == o.time_ps && flow > o.flow);
    }
  };

  /** Starts a flow on `channels` (each once) that arrives at now + `latency`. */
  uint32_t start(std::span<const uint32_t> channels, simcore::Time latency, double bytes,
                 std::function<void()> done, const FlowTerms& terms, simcore::FailFn failed);
  /** Takes a live flow out of the fabric (not yet re-solved); returns its bytes not delivered. */
  double withdraw(uint32_t f);
  void on_arrivals(int64_t time_ps);
  void on_completions();
  void activate(uint32_t f);
  void deactivate(uint32_t f);
  /** Re-solves the touched component; brings the flows whose rate changed up to date. */
  void solve();
  void arm_completion_event();

  static inline const FlowTerms kPlain{};
  simcore::Simulator& sim_;
  const topologies::Topology& topo_;
  double batch_tolerance_;
  MaxMinSolver solver_;          // one constraint per channel (same id)
  std::vector<double> carried_;  // bytes per channel (finished flows)
  std::vector<Flow> flows_;
  std::vector<std::function<void()>> done_;  // per flow slot
  std::vector<simcore::FailFn> failed_;      // per flow slot
  std::vector<simcore::Time> extra_latency_;  // per channel; empty: none
  std::function<void(uint32_t)> on_stall_;
  std::map<int64_t, std::vector<uint32_t>> arrivals_;
  std::vector<uint32_t> tree_;  // scratch: the channels of a multicast tree
  std::priority_queue<Completion, std::vector<Completion>, std::greater<>> completions_;
  simcore::EventId completion_event_;
  int64_t completion_event_ps_ = -1;
  uint64_t flows_started_ = 0;
  uint64_t events_ = 0;
  bool whole_ = true;  // see whole_bytes()
  /** carried_[c] += bytes, keeping whole_. */
  void carry(uint32_t c, double bytes) {
    carried_[c] += bytes;
    if (bytes != static_cast<double>(static_cast<int64_t>(bytes)) || carried_[c] >= 0x1p52)
      whole_ = false;
  }
  uint64_t serials_ = 0;
  size_t active_ = 0;
};

}  // namespace dtsim::network
