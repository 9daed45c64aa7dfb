#pragma once
/**
 * Heterogeneous clusters: which device each node (a rank of the cluster, or a node of a
 * decentralized run) has. A list of device classes, each `{device: FILE or map, count: N}` with
 * an optional `calibration: FILE` (the measured kernel times of that device, checked against it),
 * assigns the first `count` nodes to the first class, the next ones to the second, and so on.
 * `cluster.node_devices` (counted in ranks; ranks past the list run on `cluster.device`) and
 * `decentralized`'s `workload.node_devices` (counted in nodes, adding up to N) read it here; the
 * runner builds one compute model per class (compute::PerRankModel) and the memory check and MFU
 * read each rank's device.
 *
 * Units: counts of nodes or ranks. Errors: ConfigError at the offending key: an unknown key, a
 * count outside [1, cap], counts adding up to more (or, `exact`, other) than the nodes there are,
 * a device file that cannot be read, a calibration measured on another device.
 *
 *     cluster:
 *       device: ../configs/devices/h100_sxm.yaml
 *       node_devices:
 *         - {device: ../configs/devices/h100_sxm.yaml, count: 16}
 *         - {device: ../configs/devices/a100_sxm_80gb.yaml, count: 16}
 */
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/compute/calibration.h"
#include "models/compute/device_spec.h"
#include "simcore/interfaces.h"
#include "tools/dtsim/config_node.h"

namespace dtsim::cli {

struct Scenario;

/** Nodes that share one device type (and its calibration, when measured). */
struct DeviceClass {
  compute::DeviceSpec device;
  std::shared_ptr<const compute::CalibrationTable> calibration;  ///< null: the roofline
  int64_t count = 0;                                             ///< nodes of this class
};

/** Reads the list at `list`; `nodes` the nodes there are, `unit` their name in errors ("ranks",
 *  "nodes"); `exact`: the counts must add up to `nodes` (else at most `nodes`). */
std::vector<DeviceClass> load_device_classes(const ConfigNode& list, int64_t nodes,
                                             const std::string& unit, bool exact);

/** The device rank `rank` runs on: its class in `s.node_devices`, else `s.device`. */
const compute::DeviceSpec& device_of_rank(const Scenario& s, int rank);
/** Index of the class rank `rank` belongs to in `s.node_devices`; the list's size for the
 *  cluster's own device. */
size_t device_class_of_rank(const Scenario& s, int rank);
/** Whether every rank runs on the cluster's device (no `cluster.node_devices`). */
bool uniform_devices(const Scenario& s);

/** The device with the least HBM among those the cluster's ranks run on (the memory check holds
 *  the most loaded rank against it). */
const compute::DeviceSpec& smallest_memory_device(const Scenario& s);
/** The mean over the cluster's ranks of their device's peak rate for `dtype` (0 for a device
 *  without one): MFU's denominator over a mixed cluster is the sum of its ranks' peaks.
 *  Units: FLOP/s. */
double mean_peak_flops_per_s(const Scenario& s, const std::string& dtype);
/** Throws at `at` unless every device the cluster's ranks run on has a peak rate for `dtype`. */
void check_dtype_on_devices(const Scenario& s, const ConfigNode& at, const std::string& dtype);

/** The compute model of one device: its calibrated table where it has one, else the roofline. */
std::unique_ptr<simcore::ComputeModel> device_compute_model(
    const compute::DeviceSpec& device,
    const std::shared_ptr<const compute::CalibrationTable>& calibration);

/** Ranks [first, first + count) as runs of one device: `[{device, first_rank, ranks}]`, for the
 *  report ("which device each replica or stage ran on"). */
nlohmann::ordered_json device_runs(const Scenario& s, int first, int count);

}  // namespace dtsim::cli
