#pragma once
/**
 * Wires a loaded Scenario together (router, compute model, communication back-end, executor)
 * and runs it on a fresh Simulator. The only place that knows every layer.
 */
#include <memory>
#include <nlohmann/json.hpp>

#include "models/network/faults.h"
#include "models/network/flow_comm_model.h"
#include "simcore/executor.h"
#include "tools/dtsim/scenario.h"
#include "topologies/routing.h"

namespace dtsim::cli {

struct RunOutcome {
  simcore::ExecutionResult result;
  std::vector<simcore::LinkClassUsage> links;
  uint64_t events = 0;
  std::vector<network::FaultHits> fault_hits;  ///< per scheduled fault
  std::vector<network::FailedTransfer> failed_transfers;
  double wall_time_s = 0;
  /** Report sections of a kind that simulates itself (WorkloadKind::simulate); null otherwise. */
  nlohmann::ordered_json kind_report;
  /** Set by a kind's `simulate` hook that ran one replay of `s.workload` after all (its report
   *  then has the splits of one replay, as a kind without the hook). */
  bool one_replay = false;
};

/** Runs the scenario: its kind's `simulate` hook where it has one, else one replay of
 *  `s.workload`. `record_ops` keeps every op's interval (needed for a trace).
 *  Errors: ConfigError (deadlock, no route, bad algorithm, time overflow). */
RunOutcome simulate(const Scenario& s, bool record_ops);

/** One replay of `w` on the scenario's cluster, device and network back-end (its ranks are the
 *  cluster's first ranks). The building block of a kind's `simulate` hook. Errors: as simulate. */
RunOutcome simulate_workload(const Scenario& s, const simcore::Workload& w, bool record_ops);

/** The same on a router the caller keeps across replays (its routing tables are built once:
 *  a kind that replays many workloads on one cluster, e.g. NoLoCo's outer steps). Only for a
 *  scenario without faults (a fault changes the router's state). */
RunOutcome simulate_workload(const Scenario& s, const simcore::Workload& w, bool record_ops,
                             topologies::Router& router);

/** The scenario's `network:` options for a communication back-end (chunks, connections, batch
 *  tolerance). */
network::CollectiveOptions collective_options(const Scenario& s);

/** The compute model that prices the scenario's ops: the calibrated model when the cluster
 *  names a calibration file (`cluster.calibration`), else the roofline. */
std::unique_ptr<simcore::ComputeModel> make_compute_model(const Scenario& s);

/** The report (schema in README.md). `reproducible` writes wall_time_s as null so that two runs
 *  of one scenario and seed give byte-identical files. `collectives` summarises the collectives
 *  per class (communicator, kind, algorithm, ranks, bytes); `collective_instances` adds the list
 *  of every instance (`dtsim run --collective-instances`). */
nlohmann::ordered_json make_report(const Scenario& s, const RunOutcome& o, bool reproducible,
                                   bool collective_instances = false);

}  // namespace dtsim::cli
