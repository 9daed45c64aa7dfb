#pragma once
/**
 * Faults on the flow back-end: scheduled changes of the max-min solver's terms. A link down sets
 * both its channels' capacity to 0 from `at` (to `until`, or for good); a degraded link keeps a
 * fraction of its capacity and adds latency to the transfers that start while it lasts. What
 * happens to the flows on a link that goes down is the plan's policy:
 *
 * - **reroute**: the router leaves the link out of every route from then on; each flow crossing
 *   it moves its remaining bytes to another shortest path, paying that path's latency, if one
 *   exists (else it stalls until the link returns). Flows do not move back when it returns.
 * - **stall**: flows wait at rate 0 until the link returns.
 * - **fail**: flows on it fail (their transfer's failure path runs).
 *
 * Faults may overlap on a link: it is down while any of them is down, else it keeps the smallest
 * capacity fraction and the largest added latency of those active.
 *
 * Nothing is lost silently: a flow that would wait on a link down for good (no `until`) fails at
 * once, and one still waiting when the run has nothing else to do fails then (`fail_stuck`);
 * both are listed. Every fault records what it hit: the flows crossing it,
 * how many were re-routed, stalled or failed, and their bytes.
 *
 * Units: times in simulated Time, bytes. Errors: none (the plan is validated where it is read).
 *
 *     FaultPlan plan;
 *     plan.on_link_down = LinkDownPolicy::kStall;
 *     plan.faults.push_back({.links = {3}, .name = "n0.nic0<->leaf0", .at = Time::ms(2),
 *                            .until = Time::ms(5), .down = true});
 *     FaultInjector faults(sim, topo, router, comm.fabric(), plan);
 *     faults.start();
 *     do sim.run(); while (faults.fail_stuck());
 */
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "models/network/flow_fabric.h"
#include "simcore/simulator.h"
#include "topologies/routing.h"
#include "topologies/topology.h"

namespace dtsim::network {

enum class LinkDownPolicy : uint8_t { kReroute, kStall, kFail };
std::string_view to_string(LinkDownPolicy p);

/** One scheduled fault on one or more links (every link joining two nodes). */
struct LinkFault {
  std::vector<uint32_t> links;         ///< topology link ids
  std::string name;                    ///< for the report, e.g. "n0.nic0<->leaf.r0.g0"
  simcore::Time at;                    ///< when it starts (>= 0)
  std::optional<simcore::Time> until;  ///< when it ends (> at); none: for good
  bool down = false;                   ///< capacity 0 (else degraded)
  double capacity_fraction = 1;        ///< degraded: fraction of the capacity left, in [0, 1]
  simcore::Time extra_latency;         ///< degraded: added to transfers that start during it
};

/** A peer (an accelerator, by rank) that leaves or joins a PCCL run at `at`: not a change of the
 *  links (the FaultInjector ignores it) but of who takes part in the next collective; the kinds
 *  that run collectives in turn apply it (models/collectives/peer_churn.h). */
struct PeerFault {
  int32_t rank = 0;
  std::string name;  ///< the node's name, for the report
  simcore::Time at;
  bool joins = false;  ///< false: the peer drops
  simcore::SourceLocation where;  ///< its `peer` key, for errors a kind finds later
};

struct FaultPlan {
  std::vector<LinkFault> faults;
  /** Peers leaving and joining, in time order (a peer's events alternate). */
  std::vector<PeerFault> peers;
  LinkDownPolicy on_link_down = LinkDownPolicy::kReroute;
  /** No link fault (peer events are not link faults: see PeerFault). */
  bool empty() const { return faults.empty(); }
};

/** What one fault hit. Units: bytes (remaining when hit). */
struct FaultHits {
  uint64_t flows = 0;  ///< flows on its links when they went down or degraded (or arriving since)
  uint64_t rerouted = 0, stalled = 0, failed = 0;
  double bytes = 0;           ///< bytes left of the flows hit, when hit
  double bytes_rerouted = 0;  ///< bytes moved to another path
};

/** A transfer that failed: named by its end nodes. */
struct FailedTransfer {
  std::string src, dst;
  double bytes = 0;       ///< its size
  double bytes_left = 0;  ///< not delivered
  simcore::Time at;       ///< when it failed
  int fault = -1;         ///< index into the plan's faults (-1: none known)
  std::string why;
};

class FaultInjector {
 public:
  FaultInjector(simcore::Simulator& sim, const topologies::Topology& topology,
                topologies::Router& router, FlowFabric& fabric, FaultPlan plan);
  /** Schedules every fault's start and end. Call once, before the run. */
  void start();
  /**
   * Fails every flow still live (call when the simulator has run out of events: those flows
   * wait on links that never return). Returns whether it failed any: run the simulator again
   * then (failures may let other work finish).
   */
  bool fail_stuck();
  const FaultPlan& plan() const { return plan_; }
  const std::vector<FaultHits>& hits() const { return hits_; }
  const std::vector<FailedTransfer>& failed_transfers() const { return failed_; }

 private:
  void begin(size_t k);
  void end(size_t k);
  /** Sets link `l`'s capacity, latency and routing from the faults active on it. */
  void apply(uint32_t l);
  void on_stall(uint32_t flow);
  void handle_stalls();
  /** The fault that holds one of the flow's links down, or -1. */
  int down_fault(uint32_t flow) const;
  /** Counts a flow against fault `k` once. */
  void hit(size_t k, uint32_t flow);
  void fail(uint32_t flow, int fault, const std::string& why);
  std::pair<uint32_t, uint32_t> ends(uint32_t flow) const;

  simcore::Simulator& sim_;
  const topologies::Topology& topo_;
  topologies::Router& router_;
  FlowFabric& fabric_;
  FaultPlan plan_;
  std::vector<FaultHits> hits_;
  std::vector<FailedTransfer> failed_;
  std::vector<int> down_by_;     ///< per link: the fault holding it down, or -1
  std::vector<uint8_t> active_;  ///< per fault: started and not ended
  std::vector<std::pair<uint32_t, uint64_t>> stalled_;  ///< (flow, serial) to handle
  std::vector<std::unordered_set<uint64_t>> hit_;       ///< per fault: serials of flows hit
  std::vector<std::unordered_set<uint64_t>> acted_;     ///< per fault: serials stalled
  bool handling_ = false;
};

}  // namespace dtsim::network
