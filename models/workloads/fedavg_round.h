#pragma once
/**
 * The network and training phases of one FedAvg round on a communication model (the flow
 * back-end): the server (rank `server`) sends the model to every selected client at once
 * (downlink, `downlink_bytes` each, sharing the cell's airtime and the backhaul as solver
 * constraints); each client, when its model has arrived, trains for its training time, then
 * uploads its update (uplink, `uplink_bytes`) unless it drops out or is offline by then. Only
 * the selected clients are ranks; nothing is simulated for the others.
 *
 * Driven directly on the CommModel (point-to-point transfers), not through a workload graph:
 * a thousand concurrent transfers from one rank would need a thousand streams, and a round has
 * no other dependencies than these.
 *
 * Units: bytes; times in seconds from the round's start.
 * Errors: ConfigError from the communication model (no route); TimeOverflow when a round runs
 * beyond the range of Time (about 106 days).
 *
 *     std::vector<RoundClient> cs = {{.rank = 1, .train_s = 12.5, .upload = true}};
 *     auto t = run_round_network(sim, comm, 0, cs, 5e6, 5e6);  // t[0].arrival_s
 */
#include <cstdint>
#include <limits>
#include <vector>

#include "models/workloads/fedavg.h"
#include "simcore/interfaces.h"
#include "simcore/simulator.h"

namespace dtsim::workloads {

struct RoundClient {
  int rank = 0;        ///< its rank in the round's topology
  double train_s = 0;  ///< local training time
  bool upload = true;  ///< false: it never uploads (dropped out)
  /** When it goes offline (seconds from the round's start; infinity: never). A client offline
   *  before its training ends does not upload; one that goes offline while uploading still
   *  occupies the medium until its transfer would end (the back-end has no cancel). */
  double offline_at_s = std::numeric_limits<double>::infinity();
};

/** Runs the round's downlink, training and uplink on `sim` (fresh, at time 0) and `comm`.
 *  Returns each client's timeline in the order given (failed_at_s and dropped_out filled from
 *  `upload` and `offline_at_s`). */
std::vector<ClientTimeline> run_round_network(simcore::Simulator& sim, simcore::CommModel& comm,
                                              int server, const std::vector<RoundClient>& clients,
                                              int64_t downlink_bytes, int64_t uplink_bytes);

}  // namespace dtsim::workloads
