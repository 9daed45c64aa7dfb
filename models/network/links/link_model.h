#pragma once
/**
 * Link models: what a link class adds to the transfers that cross it, as terms of the flow
 * back-end's max-min solve (DESIGN.md, "Network back-ends and link models"). A plain link needs
 * none: its capacity and latency are the topology's. A model (TCP over the WAN, a radio cell)
 * bounds a transfer's rate, weights its share, or adds latency, and may keep state across
 * transfers (a TCP connection that is warm or has gone idle).
 *
 * A `LinkModelSpec` is the parsed, immutable configuration of one link class (a scenario holds
 * these); `make()` gives a fresh `LinkModel` with its own state for one simulation.
 *
 * Shared media: a model may own solver constraints of its own (a radio cell's airtime, one per
 * direction or one for both). `make()` receives a `LinkModelContext`: the topology, the channels
 * of its class, and a `MediumHost` (the flow back-end) through which it creates constraints and
 * changes their capacity over time. A transfer is put on such a constraint, or has the
 * coefficient of one of its own channels scaled, by a `ConstraintUse` in its TransferTerms.
 *
 * Units: bytes, bytes per second, Time; a constraint's capacity and a coefficient in the
 * constraint's own unit (an airtime row: capacity 1, coefficient seconds per byte).
 */
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "simcore/simulator.h"
#include "simcore/time.h"
#include "topologies/topology.h"

namespace dtsim::network {

/** One transfer (a flow) as a link model sees it. */
struct TransferInfo {
  int src = 0, dst = 0;  ///< ranks
  double bytes = 0;
  simcore::Time path_latency;              ///< one way, the sum of the path's link latencies
  double path_bottleneck_bytes_per_s = 0;  ///< the path's narrowest link direction
  simcore::Time now;
  /** The path's channels (topology channel ids); valid during `on_start` only. */
  std::span<const uint32_t> channels;
  /** Parallel connections the transfer opens where a model has them (TCP); 0: the link
   *  class's own (`streams` of wan_tcp). A collective algorithm that pools connections per peer
   *  pair (pccl_ring) sets it. */
  int streams = 0;
};

/** A transfer's use of a solver constraint: it consumes `coefficient` x its rate of it. A
 *  constraint that is one of the path's own channels has its coefficient (1 by default)
 *  multiplied by `coefficient` instead (channel bytes per payload byte: header overheads). */
struct ConstraintUse {
  uint32_t constraint = 0;
  double coefficient = 1;  ///< > 0
};

/** What a model adds to a transfer: combined over the models on a path as the smallest bound,
 *  the smallest weight and the sum of extra latencies. */
struct TransferTerms {
  double bound_bytes_per_s = std::numeric_limits<double>::infinity();
  double weight = 1;  ///< share of a bottleneck relative to a plain flow (> 0)
  simcore::Time extra_latency;
  /** Constraints the transfer also uses (a cell's airtime), or its channels' coefficients. */
  std::vector<ConstraintUse> uses;
};

/**
 * What the flow back-end lends a link model for one simulation: solver constraints of its own.
 * Constraint ids share one space with the topology's channels (a channel's id is its
 * constraint's), so a new constraint's id is at least `topology.channel_count()`.
 * Errors: InternalError (assertion) on a capacity negative or not finite.
 */
class MediumHost {
 public:
  virtual ~MediumHost() = default;
  /** A new constraint of `capacity` (finite, >= 0); returns its id. */
  virtual uint32_t add_constraint(double capacity) = 0;
  /** Changes a constraint's capacity from now on; the flows on it are re-solved at once. */
  virtual void set_capacity(uint32_t constraint, double capacity) = 0;
  /** Every transfer that crosses `channel` and uses `constraint` has its coefficient there
   *  changed by new - old, and its weight set to `weight` (a client's rate changed). */
  virtual void update_uses(uint32_t channel, uint32_t constraint, double old_coefficient,
                           double new_coefficient, double weight) = 0;
};

/** What a model is made with, for one simulation. */
struct LinkModelContext {
  const topologies::Topology* topology = nullptr;
  std::string link_class;
  std::vector<uint32_t> channels;  ///< the existing channels of links of `link_class`
  MediumHost* host = nullptr;      ///< null where the back-end has no solver (analytical)
  /** For changes over time (events) and seeded random streams (`sim->rng()`). */
  simcore::Simulator* sim = nullptr;
};

class LinkModel {
 public:
  virtual ~LinkModel() = default;
  /** Terms for a transfer starting now on a path that crosses this model's links. */
  virtual TransferTerms on_start(const TransferInfo& t) = 0;
  /** The transfer's last byte arrived at `now`. */
  virtual void on_end(const TransferInfo& t, simcore::Time now) {}
};

class LinkModelSpec {
 public:
  virtual ~LinkModelSpec() = default;
  /** The model's name in scenarios ("wan_tcp"). */
  virtual std::string name() const = 0;
  /** Checks that the links of class `link_class` in `topology` suit the model (a cell's links
   *  join a client to a cell); the scenario loader calls it to report at the key.
   *  Errors: ConfigError saying what does not suit. */
  virtual void check(const topologies::Topology& topology, const std::string& link_class) const {}
  /** A fresh model for one simulation.
   *  Errors: ConfigError when the class's links do not suit the model (a cell's clients). */
  virtual std::unique_ptr<LinkModel> make(const LinkModelContext& ctx) const = 0;
  /** The bound on a transfer's rate in steady state (no start-up cost, no other traffic): what
   *  the analytical back-end prices. `t.bytes` and `t.now` are not used.
   *  Errors: ConfigError by default: a model the analytical back-end does not price (a shared
   *  medium's share depends on the other transfers) says so rather than being ignored. */
  virtual double steady_bound_bytes_per_s(const TransferInfo& t) const;
};

/** Link class name -> its model (classes without one are plain links). */
using LinkModelSpecs = std::map<std::string, std::shared_ptr<const LinkModelSpec>>;

}  // namespace dtsim::network
