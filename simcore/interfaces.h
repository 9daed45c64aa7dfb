#pragma once
/**
 * The two small interfaces the executor needs, implemented in models/:
 * a compute cost model and a communication model (network fabric + collective algorithms).
 */
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "simcore/time.h"
#include "simcore/workload.h"

namespace dtsim::simcore {

/** The cost of one compute op and which model priced it ("roofline", "calibrated", "trace"). */
struct ComputeCost {
  Time time;
  std::string_view model;
};

class ComputeModel {
 public:
  virtual ~ComputeModel() = default;
  /** Prices a compute op of `workload` on `rank`. Errors: ConfigError on an unknown dtype. */
  virtual ComputeCost cost(const Workload& workload, const Op& op, int rank) const = 0;
};

/** One collective, as the communication model receives it once every member has joined. */
struct CollectiveCall {
  CollectiveKind kind;
  std::string_view algorithm;    ///< hint: "auto", "ring", ...
  const std::vector<int>* ranks;  ///< global ranks in communicator order
  int64_t bytes;                 ///< nccl-tests size convention
  int root;                      ///< index into *ranks (broadcast, reduce)
  /** All-to-all-v: n x n row-major bytes from position i to j (see Workload::matrices); null
   *  for a uniform collective. */
  const std::vector<double>* matrix = nullptr;
  /** The caller proves that no other network op (collective or send/recv) can start before this
   *  one ends, nor is one running: every rank that issues network ops is a member, and issues
   *  them all on one stream, which this collective holds until it ends (Executor). A model may
   *  then reuse the timing of an identical collective that ran the same way. */
  bool exclusive = false;
};

/** Per link class: bytes carried and the summed capacity of its link directions. */
struct LinkClassUsage {
  std::string link_class;
  double bytes = 0;
  double capacity_bytes_per_s = 0;
};

/** The failure path of a transfer (a fault: a link down with `on_link_down: fail`, or a link that
 *  never returns): runs instead of its `done`, with the reason. */
using FailFn = std::function<void(const std::string& why)>;

class CommModel {
 public:
  virtual ~CommModel() = default;
  /** Starts a collective; `done` runs (inside a simulator event) when it finishes. Returns the
   *  algorithm actually used (the hint resolved). If one of its transfers fails, `failed` runs
   *  once instead of `done` (a model without faults never calls it).
   *  Errors: ConfigError (no route, bad group). */
  virtual std::string start_collective(const CollectiveCall& call, std::function<void()> done,
                                       FailFn failed = {}) = 0;
  /** Starts a point-to-point transfer of `bytes` from rank `src` to rank `dst`; `failed` as
   *  above. */
  virtual void start_p2p(int src, int dst, int64_t bytes, std::function<void()> done,
                         FailFn failed = {}) = 0;
  /** Bytes carried per link class so far. */
  virtual std::vector<LinkClassUsage> link_usage() const = 0;
};

}  // namespace dtsim::simcore
