#include "tools/dtsim/node_devices.h"

#include <fmt/format.h>

#include "models/compute/calibrated_model.h"
#include "models/compute/roofline.h"
#include "tools/dtsim/calibration_loader.h"
#include "tools/dtsim/config_loaders.h"
#include "tools/dtsim/scenario.h"

namespace dtsim::cli {

/** Most device classes in one list (each is one compute model and, per replica class, one
 *  simulation). */
constexpr size_t kMaxDeviceClasses = 1024;

std::vector<DeviceClass> load_device_classes(const ConfigNode& list, int64_t nodes,
                                             const std::string& unit, bool exact) {
  const std::vector<ConfigNode> items = list.items();
  if (items.empty()) list.expected("a list of {device: FILE, count: N}");
  if (items.size() > kMaxDeviceClasses)
    list.fail(fmt::format("{} device classes; at most {}", items.size(), kMaxDeviceClasses));
  std::vector<DeviceClass> classes;
  int64_t total = 0;
  for (const ConfigNode& e : items) {
    e.check_keys({"device", "count", "calibration"});
    DeviceClass c;
    c.device = load_device(e["device"]);
    c.count = e["count"].integer(1, nodes);
    total += c.count;
    if (auto cal = e.get("calibration")) {
      c.calibration = load_calibration(*cal);
      check_device(*cal, *c.calibration, c.device);
    }
    classes.push_back(std::move(c));
  }
  if (exact ? total != nodes : total > nodes)
    list.fail(fmt::format("the device counts add up to {} {}, but there are {} {}", total, unit,
                          nodes, unit));
  return classes;
}

size_t device_class_of_rank(const Scenario& s, int rank) {
  int64_t end = 0;
  for (size_t c = 0; c < s.node_devices.size(); ++c) {
    end += s.node_devices[c].count;
    if (rank < end) return c;
  }
  return s.node_devices.size();
}

const compute::DeviceSpec& device_of_rank(const Scenario& s, int rank) {
  const size_t c = device_class_of_rank(s, rank);
  return c < s.node_devices.size() ? s.node_devices[c].device : s.device;
}

bool uniform_devices(const Scenario& s) { return s.node_devices.empty(); }

namespace {
/** Calls f(device, ranks) for each device the cluster's ranks run on. */
template <class F>
void for_each_device_in_use(const Scenario& s, F f) {
  int64_t listed = 0;
  for (const auto& c : s.node_devices) {
    f(c.device, c.count);
    listed += c.count;
  }
  if (listed < s.topology.rank_count()) f(s.device, s.topology.rank_count() - listed);
}
}  // namespace

const compute::DeviceSpec& smallest_memory_device(const Scenario& s) {
  const compute::DeviceSpec* best = nullptr;
  for_each_device_in_use(s, [&](const compute::DeviceSpec& d, int64_t) {
    if (!best || d.hbm_capacity_bytes < best->hbm_capacity_bytes) best = &d;
  });
  return best ? *best : s.device;
}

double mean_peak_flops_per_s(const Scenario& s, const std::string& dtype) {
  double sum = 0;
  int64_t ranks = 0;
  for_each_device_in_use(s, [&](const compute::DeviceSpec& d, int64_t n) {
    auto it = d.peak_flops_per_s.find(dtype);
    sum += (it == d.peak_flops_per_s.end() ? 0.0 : it->second) * static_cast<double>(n);
    ranks += n;
  });
  return ranks > 0 ? sum / static_cast<double>(ranks) : 0.0;
}

void check_dtype_on_devices(const Scenario& s, const ConfigNode& at, const std::string& dtype) {
  for_each_device_in_use(s, [&](const compute::DeviceSpec& d, int64_t) {
    if (!d.peak_flops_per_s.count(dtype))
      at.fail(fmt::format("device '{}' has no peak rate for dtype '{}'", d.name, dtype));
  });
}

std::unique_ptr<simcore::ComputeModel> device_compute_model(
    const compute::DeviceSpec& device,
    const std::shared_ptr<const compute::CalibrationTable>& calibration) {
  if (calibration) return std::make_unique<compute::CalibratedModel>(device, calibration);
  return std::make_unique<compute::RooflineModel>(device);
}

nlohmann::ordered_json device_runs(const Scenario& s, int first, int count) {
  nlohmann::ordered_json runs = nlohmann::ordered_json::array();
  size_t last = SIZE_MAX;
  for (int r = first; r < first + count; ++r) {
    const size_t c = device_class_of_rank(s, r);
    if (c != last) {
      nlohmann::ordered_json run = nlohmann::ordered_json::object();
      run["device"] = device_of_rank(s, r).name;
      run["first_rank"] = r;
      run["ranks"] = 0;
      runs.push_back(std::move(run));
      last = c;
    }
    runs.back()["ranks"] = runs.back()["ranks"].get<int>() + 1;
  }
  return runs;
}

}  // namespace dtsim::cli
