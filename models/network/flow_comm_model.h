#pragma once
/**
 * Communication model of the `flow` back-end: expands each collective into its algorithm's
 * schedule of point-to-point transfers (models/collectives) and runs every transfer as a flow on
 * the FlowFabric, starting each one as soon as the transfers it depends on have finished.
 *
 * Units: bytes; times in simulated Time. Errors: ConfigError when a rank has no route to its
 * peer or the algorithm does not suit the collective or the group.
 */
#include <memory>
#include <string>
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
  /** The fabric, for faults (models/network/faults.h) to change its terms. */
  FlowFabric& fabric() { return fabric_; }

 private:
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
  struct Running {
    std::vector<Step> steps;  // one per transfer of the schedule, same index
    std::vector<uint32_t> dependents;
    int streams = 0;  // the schedule's
    bool route_latency = true;  // the schedule's: false when a latency model (NCCL's) prices it
    size_t left = 0;
    uint64_t id = 0;
    bool failed = false;  // a transfer failed: the rest does not launch, `done` never runs
    std::function<void()> done;
    simcore::FailFn fail;
  };
  void launch(const std::shared_ptr<Running>& run, uint32_t t);
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
};

}  // namespace dtsim::network
