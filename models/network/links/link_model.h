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
 * Units: bytes, bytes per second, Time.
 */
#include <limits>
#include <map>
#include <memory>
#include <string>

#include "simcore/time.h"

namespace dtsim::network {

/** One transfer (a flow) as a link model sees it. */
struct TransferInfo {
  int src = 0, dst = 0;  ///< ranks
  double bytes = 0;
  simcore::Time path_latency;              ///< one way, the sum of the path's link latencies
  double path_bottleneck_bytes_per_s = 0;  ///< the path's narrowest link direction
  simcore::Time now;
};

/** What a model adds to a transfer: combined over the models on a path as the smallest bound,
 *  the smallest weight and the sum of extra latencies. */
struct TransferTerms {
  double bound_bytes_per_s = std::numeric_limits<double>::infinity();
  double weight = 1;  ///< share of a bottleneck relative to a plain flow (> 0)
  simcore::Time extra_latency;
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
  /** A fresh model for one simulation. */
  virtual std::unique_ptr<LinkModel> make() const = 0;
  /** The bound on a transfer's rate in steady state (no start-up cost, no other traffic): what
   *  the analytical back-end prices. `t.bytes` and `t.now` are not used. */
  virtual double steady_bound_bytes_per_s(const TransferInfo& t) const = 0;
};

/** Link class name -> its model (classes without one are plain links). */
using LinkModelSpecs = std::map<std::string, std::shared_ptr<const LinkModelSpec>>;

}  // namespace dtsim::network
