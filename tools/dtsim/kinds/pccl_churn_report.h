#pragma once
/**
 * The `pccl_churn` report section, for every kind that runs PCCL operations under peer churn
 * (`faults.peers`, models/collectives/peer_churn.h): `collective_sweep` (each operation one
 * collective) and `diloco` (each operation an outer step: H inner steps, then the outer
 * all-reduce over the replicas present).
 *
 *     {operations, restarts, peer_events: [{peer, event, at_s}], final_peers: [...],
 *      per_operation: [{op, start_s, end_s, time_s, peers: [...], restarts: [{at_s, dropped,
 *      wasted_s}], ...the kind's own fields}]}
 *
 * `start_s` is the first attempt's start (after a prelude), `time_s` = end_s - start_s.
 *
 * Units: seconds. Errors: none.
 */
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/collectives/peer_churn.h"
#include "models/network/faults.h"

namespace dtsim::cli::kinds {

/** The section for `ops` as run under `faults`; `peer_name(p)` names peer p; `extra(i, e)` may
 *  add the kind's own fields to operation i's entry (e.g. its bytes). */
nlohmann::ordered_json pccl_churn_section(
    const std::vector<collectives::ChurnOp>& ops, const std::vector<network::PeerFault>& faults,
    const std::function<std::string(int)>& peer_name,
    const std::function<void(size_t, nlohmann::ordered_json&)>& extra = {});

/** Restarts over all of `ops`. */
int restart_count(const std::vector<collectives::ChurnOp>& ops);

}  // namespace dtsim::cli::kinds
