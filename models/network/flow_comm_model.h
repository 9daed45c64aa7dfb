#pragma once
/**
 * Communication model of the `flow` back-end: expands each collective into its algorithm's
 * schedule of point-to-point transfers (models/collectives) and runs every transfer as a flow on
 * the FlowFabric, starting each one as soon as the transfers it depends on have finished.
 *
 * ECMP: a transfer's flow hash is a function of the call (kind, algorithm hint, bytes, root,
 * members, send matrix: the k-th distinct call of the run, k = 0, 1, ...) and of the transfer's
 * index in the schedule, so identical calls take identical paths, as NCCL's connections do: a
 * communicator opens them once and every call reuses them (a RoCE/IB flow's ECMP hash is fixed
 * by its connection).
 *
 * Reused timings: a collective that is exclusive (CollectiveCall::exclusive: nothing else can
 * use the network until it ends) and starts on an idle, plain fabric (no link models, no faults)
 * runs alone from an empty fabric, so the deterministic simulation gives it the same duration,
 * flows, bytes per channel and events as any earlier identical call that ran the same way. The
 * second such call is simulated and recorded (a call made once is never kept), the later ones
 * take its record: one event at the same end time (the events the simulation took counted as
 * processed), the same bytes carried per channel. Reports are identical with `reuse_timings`
 * off (tested). A data-parallel step is one such call per gradient bucket, almost all of one
 * size: at 512 ranks 1226 buckets, 88 M flows if each were simulated, 3 simulated with reuse.
 * Recorded only when every transfer's size is a whole number of bytes, so the bytes per channel
 * add up exactly in any order; at most kMaxReuses records (memory: members, matrix, and bytes
 * per channel touched, each).
 *
 * Units: bytes; times in simulated Time. Errors: ConfigError when a rank has no route to its
 * peer or the algorithm does not suit the collective or the group.
 */
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "models/collectives/algorithm.h"
#include "models/collectives/schedule.h"
#include "models/network/flow_fabric.h"
#include "models/network/links/link_model.h"
#include "models/network/rank_routes.h"
#include "simcore/interfaces.h"
#include "simcore/simulator.h"
#include "topologies/routing.h"

namespace dtsim::network {

struct CollectiveOptions {
  int chunks = 1;  ///< pipelining chunks for ring/chain/tree algorithms (1 = none)
  /** TCP connections per peer pair for algorithms that pool them (pccl_ring), in
   *  [1, collectives::kMaxConnectionsPerPair]. */
  int connections = collectives::kDefaultConnectionsPerPair;
  double batch_tolerance = 1e-4;  ///< flow back-end completion batching (see FlowFabric)
  /** NCCL's constants for the cluster's GPU (configs/nccl/tuning.yaml), for the NCCL
   *  algorithms; null: none (those algorithms then refuse to run). */
  std::shared_ptr<const collectives::NcclTuning> nccl;
  /** Reuse the timing of a collective identical to one that already ran alone on the fabric
   *  (FlowCommModel, "Reused timings"); false: simulate every one. Results are the same. */
  bool reuse_timings = true;
};

class FlowCommModel : public simcore::CommModel {
 public:
  /** `links`: the link classes that have a model (TCP over the WAN, a radio cell, ...); each
   *  gets a fresh model for this simulation, made with the channels of its class, the fabric as
   *  its MediumHost and the simulator (its events and seeded random streams).
   *  Errors: ConfigError from a model's make() (links that do not suit it). */
  FlowCommModel(simcore::Simulator& sim, const topologies::Topology& topology,
                const topologies::Router& router, CollectiveOptions options = {},
                const LinkModelSpecs& links = {});
  std::string start_collective(const simcore::CollectiveCall& call, std::function<void()> done,
                               simcore::FailFn failed = {}) override;
  void start_p2p(int src, int dst, int64_t bytes, std::function<void()> done,
                 simcore::FailFn failed = {}) override;
  std::vector<simcore::LinkClassUsage> link_usage() const override { return fabric_.usage(); }
  const FlowFabric& fabric() const { return fabric_; }
  /** What a replay of `w` asks of this back-end, counted before it runs: the transfers of every
   *  collective's schedule (its algorithm's `transfer_count`, as start_collective would build
   *  it) plus one per send, and the most transfers one collective holds at once. Reused timings
   *  are not assumed (an upper bound on the flows simulated).
   *  Units: transfers. Complexity: O(ops), one count per collective, boxes once per group.
   *  Errors: ConfigError where start_collective would throw resolving an algorithm. */
  struct TransferEstimate {
    double total = 0;
    double largest_collective = 0;
  };
  TransferEstimate estimate_transfers(const simcore::Workload& w) const;
  /** Collectives whose timing was reused (see "Reused timings" above). */
  uint64_t reused_collectives() const { return reused_; }
  /** The fabric, for faults (models/network/faults.h) to change its terms. */
  FlowFabric& fabric() { return fabric_; }

 private:
  /** Steady one-way latency and bandwidth between two of `members` (routes with the link
   *  models' steady bounds): what pccl_ring orders its ring by and the NCCL families measure.
   *  Keeps a reference to `members`. */
  collectives::PairCostFn pair_costs(const std::vector<int>& members) const;
  /** The schedule request of a uniform collective `call` (the back-end's chunks and connection
   *  pool, the group's boxes and NCCL facts); `pair` must outlive it. */
  collectives::ScheduleRequest schedule_request(const simcore::CollectiveCall& call,
                                                std::span<const int> box_of,
                                                const collectives::NcclGroupFacts& facts,
                                                const collectives::PairCostFn& pair) const;
  /** What running one transfer of the schedule reads, in one record (a collective of millions
   *  of transfers visits them out of order: one cache miss per transfer, not one per array). */
  struct Step {
    double bytes = 0;
    int32_t src = 0;  // cluster ranks (the schedule's positions mapped through the members)
    int32_t dst = 0;
    uint32_t pending = 0;  // unfinished deps
    uint32_t out_begin = 0;  // [out_begin, out_end): its dependents, in Running::dependents
    uint32_t out_end = 0;
  };
  /** A collective that ran alone on an idle fabric: its call and what the run took. */
  struct Reuse {
    simcore::CollectiveKind kind{};
    std::string algorithm;  // the call's hint
    int64_t bytes = 0;
    int root = 0;
    std::vector<int> members;
    std::vector<double> matrix;  // empty: none
    std::string label;
    simcore::Time duration;  // from the call to `done`
    uint64_t events = 0;     // simulator events the run processed (its own)
    uint64_t flows = 0;
    std::vector<std::pair<uint32_t, double>> carried;  // bytes per channel
    bool matches(const simcore::CollectiveCall& call) const;
  };
  /** A Reuse being recorded: the fabric's counters when the collective started. */
  struct Recording {
    Reuse reuse;
    uint64_t signature = 0;
    simcore::Time start;
    uint64_t fabric_events = 0;
    uint64_t flows = 0;
    std::vector<double> carried;
  };
  struct Running {
    FlowCommModel* model = nullptr;
    uint64_t serial = 0;  // its key in running_
    std::vector<Step> steps;  // one per transfer of the schedule, same index
    std::vector<uint32_t> dependents;
    int streams = 0;  // the schedule's
    bool route_latency = true;  // the schedule's: false when a latency model (NCCL's) prices it
    size_t left = 0;
    uint64_t route_seed = 0;  // ECMP hashes of its transfers: its call's ordinal << 24
    uint64_t own_events = 0;  // simulator events of its own (not the fabric's)
    std::unique_ptr<Recording> recording;  // null: not recorded
    bool failed = false;  // a transfer failed: the rest does not launch, `done` never runs
    std::function<void()> done;
    simcore::FailFn fail;
  };
  void launch(Running* run, uint32_t t);
  /** Transfer `t` of `run` has arrived: launches the dependents it was the last wait of. */
  void transfer_done(Running* run, uint32_t t);
  /** The collective's last transfer has arrived: records it (when recording), runs `done`. */
  void finish(Running& run);
  /** A hash of what a call's schedule and routes depend on (kind, hint, bytes, root, members,
   *  matrix). */
  static uint64_t signature(const simcore::CollectiveCall& call);
  topologies::Path route_ranks(int src, int dst, uint64_t hash) const;
  /** Starts a flow from rank `src` to rank `dst` on `path`, with the terms of the link models
   *  its channels have (none: a plain flow); `streams` parallel connections where a model has
   *  them (0: the link class's own). */
  void start_transfer(int src, int dst, topologies::Path path, double bytes, int streams,
                      std::function<void()> done, simcore::FailFn failed);

  simcore::Simulator& sim_;
  const topologies::Topology& topo_;
  const topologies::Router& router_;
  CollectiveOptions options_;
  FlowFabric fabric_;
  /** The fabric as the link models see it (their own constraints). */
  class Host : public MediumHost {
   public:
    explicit Host(FlowFabric& f) : f_(f) {}
    uint32_t add_constraint(double capacity) override { return f_.add_constraint(capacity); }
    void set_capacity(uint32_t c, double capacity) override {
      f_.set_channel_capacity(c, capacity);
    }
    void update_uses(uint32_t channel, uint32_t constraint, double old_coefficient,
                     double new_coefficient, double weight) override {
      f_.update_uses(channel, constraint, old_coefficient, new_coefficient, weight);
    }

   private:
    FlowFabric& f_;
  };
  Host host_{fabric_};
  std::vector<std::unique_ptr<LinkModel>> models_;
  std::vector<int> channel_model_;  ///< per channel: index into models_, or -1 (plain)
  /** The link models' specs, owned here: channel_specs_ points into them (the caller's map may
   *  be a temporary). */
  LinkModelSpecs links_;
  /** Per channel: its class's spec, or null; for the steady pair costs that topology-aware
   *  algorithms (pccl_ring's ring order) read. Empty without link models. */
  std::vector<const LinkModelSpec*> channel_specs_;
  uint64_t next_id_ = 0;
  /** Collectives running, by serial (a failed one stays: its other flows may still end). */
  std::unordered_map<uint64_t, std::unique_ptr<Running>> running_;
  uint64_t running_serial_ = 0;
  topologies::Path route_scratch_;  // a route with an ECMP choice, built per transfer
  /** Per call signature, its ordinal: the number of distinct signatures seen before it. */
  std::unordered_map<uint64_t, uint64_t> ordinals_;
  /** Recorded collectives by signature (a vector: signatures may collide). */
  std::unordered_map<uint64_t, std::vector<std::unique_ptr<Reuse>>> reuses_;
  uint64_t reused_ = 0;
  static constexpr size_t kMaxReuses = 1024;
  size_t recorded_ = 0;
};

}  // namespace dtsim::network
