#pragma once
/**
 * `faults:` in a scenario: scheduled link faults and what flows do on a link that goes down,
 * read into a network::FaultPlan (models/network/faults.h). Keys declared once (kFaultKeys).
 *
 *     faults:
 *       on_link_down: reroute          # reroute (default) | stall | fail
 *       events:
 *         - {at: 2ms, link: {a: n0.nic0, b: leaf.r0.g0}, down: true, until: 5ms}
 *         - {at: 1ms, link: {a: x, b: y}, capacity: 50%, latency: 10us, until: 3ms}
 *
 * A fault covers every link joining `a` and `b` (both directions). `down: true` takes them down;
 * otherwise `capacity` (a fraction in [0, 1], e.g. 0.5 or 50%) and/or `latency` (added to the
 * transfers that start while the fault lasts) degrade them. Without `until` it lasts for good.
 *
 * Errors: ConfigError at the key: an unknown policy or key ("did you mean"), a node that does not
 * exist ("did you mean" on the topology's node names), two nodes with no link between them, a
 * negative time, `until` not after `at`, a capacity outside [0, 1], a fault that changes nothing,
 * faults with the analytical back-end.
 */
#include "models/network/faults.h"
#include "tools/dtsim/config_node.h"
#include "tools/dtsim/config_schema.h"
#include "topologies/topology.h"

namespace dtsim::cli {

/** The keys of `faults:`. */
const KeySchema& fault_keys();
/** The keys of each entry of `faults.events`. */
const KeySchema& fault_event_keys();

/** Reads `faults` for `topology`. */
network::FaultPlan load_faults(const ConfigNode& faults, const topologies::Topology& topology);

}  // namespace dtsim::cli
