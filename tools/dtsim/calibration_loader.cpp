#include "tools/dtsim/calibration_loader.h"

#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "simcore/units.h"
#include "tools/dtsim/config_loaders.h"

namespace dtsim::cli {

namespace {

using compute::CalibrationTable;

constexpr int64_t kMaxGemmSide = int64_t{1} << 20;  ///< m, n, k (far above any measured GEMM)
constexpr double kMaxBytes = 1ull << 50;            ///< a memory-bound row (1 PiB)

/** A sequence node's items after checking its length against `cap` (before allocating). */
std::vector<ConfigNode> capped_items(const ConfigNode& n, size_t cap, const char* what) {
  if (!n.is_sequence()) n.expected(fmt::format("a list of {}", what));
  if (n.yaml().size() > cap)
    n.fail(fmt::format("{} {}; at most {} allowed", n.yaml().size(), what, cap));
  return n.items();
}

/** A positive time with its unit ("12.5us"): zero and negative are errors here. */
double positive_seconds(const ConfigNode& n) {
  if (n.is_scalar())
    if (auto v = simcore::parse_time_seconds(n.str())) {
      if (*v > 0) return *v;
      n.expected("a positive time (a measured kernel never takes zero or negative time)");
    }
  n.expected("a time with a unit, e.g. \"12.5us\"");
}

/** The row's items, checked to be a list of `size` values. */
std::vector<ConfigNode> row_items(const ConfigNode& row, size_t size, const char* shape) {
  if (!row.is_sequence() || row.yaml().size() != size)
    row.expected(fmt::format("a row {}", shape));
  return row.items();
}

}  // namespace

std::shared_ptr<const CalibrationTable> load_calibration(const ConfigNode& ref) {
  if (!ref.is_scalar()) ref.expected("a path to a calibration file");
  return load_calibration_document(load_ref(ref));
}

std::shared_ptr<const CalibrationTable> load_calibration_document(const ConfigNode& n) {
  n.check_keys({"format", "device", "libraries", "date", "launch_overhead", "gemm",
                "memory_bound", "copy", "host_device", "nccl", "held_out", "notes"});
  compute::CalibrationData d;
  d.file = n.file();
  if (n["format"].integer() != 1) n["format"].expected("format 1 (the only one this dtsim reads)");
  auto dev = n["device"];
  dev.check_keys({"name", "sku", "memory", "backend"});
  d.device.name = dev["name"].str();
  if (auto s = dev.get("sku")) d.device.sku = s->str();
  d.device.memory_bytes = dev["memory"].bytes();
  d.device.backend = dev["backend"].choice({"cpu", "cuda"});
  if (auto libs = n.get("libraries"))
    for (auto& [name, v] : libs->entries()) d.libraries[name] = v.str();
  d.date = n["date"].str();
  d.launch_overhead_s = n["launch_overhead"].seconds();
  if (auto gemm = n.get("gemm")) {
    if (!gemm->is_map()) gemm->expected("a map from dtype to rows [m, n, k, time]");
    for (auto& [dtype, rows] : gemm->entries()) {
      if (!CalibrationTable::known_dtype(dtype))
        rows.fail(fmt::format("unknown dtype '{}' (expected fp64, fp32, tf32, bf16, fp16, fp8 or "
                              "int8)",
                              dtype));
      auto& out = d.gemm[dtype];
      for (const ConfigNode& row : capped_items(rows, CalibrationTable::kMaxGemmRows, "rows")) {
        auto v = row_items(row, 4, "[m, n, k, time], e.g. [1024, 1024, 1024, 2.5ms]");
        compute::GemmRow r;
        r.m = v[0].integer(1, kMaxGemmSide);
        r.n = v[1].integer(1, kMaxGemmSide);
        r.k = v[2].integer(1, kMaxGemmSide);
        r.seconds = positive_seconds(v[3]);
        r.where = row.location();
        out.push_back(r);
      }
    }
  }
  if (auto mem = n.get("memory_bound")) {
    mem->check_keys({"kernel", "rows"});
    d.memory_kernel = (*mem)["kernel"].choice({"triad", "copy"});
    for (const ConfigNode& row :
         capped_items((*mem)["rows"], CalibrationTable::kMaxMemoryRows, "rows")) {
      auto v = row_items(row, 2, "[bytes, time], e.g. [1MiB, 40us]");
      compute::MemoryRow r;
      r.bytes = v[0].bytes();
      if (!(r.bytes > 0 && r.bytes <= kMaxBytes)) v[0].expected("a size in (0, 1PiB]");
      r.seconds = positive_seconds(v[1]);
      r.where = row.location();
      d.memory.push_back(r);
    }
  }
  // Records measured beside the tables (the harness's copy kernel and host-device copies):
  // checked, in ascending size, not used for pricing.
  auto record = [&](const char* key, size_t times, const char* shape) {
    auto t = n.get(key);
    if (!t) return;
    double last = 0;
    for (const ConfigNode& row : capped_items(*t, CalibrationTable::kMaxMemoryRows, "rows")) {
      auto v = row_items(row, 1 + times, shape);
      double bytes = v[0].bytes();
      if (!(bytes > 0 && bytes <= kMaxBytes)) v[0].expected("a size in (0, 1PiB]");
      if (!(bytes > last)) v[0].expected(fmt::format("a size above the previous row's {:.0f}B "
                                                     "(rows ascend)", last));
      last = bytes;
      for (size_t i = 1; i <= times; ++i) (void)positive_seconds(v[i]);
    }
  };
  record("copy", 1, "[bytes, time], e.g. [1MiB, 40us]");
  record("host_device", 2, "[bytes, host-to-device time, device-to-host time]");
  if (auto nccl = n.get("nccl")) {
    nccl->check_keys({"version", "ranks", "rows"});
    (void)(*nccl)["version"].str();
    (void)(*nccl)["ranks"].integer(1, 1 << 20);
    for (const ConfigNode& row : capped_items((*nccl)["rows"], 4096, "rows")) {
      auto v = row_items(row, 5, "[op, size, time, algbw, busbw]");
      (void)v[0].choice({"all_reduce", "all_gather", "reduce_scatter", "all_to_all", "sendrecv"});
      double bytes = v[1].bytes();
      if (!(bytes > 0 && bytes <= kMaxBytes)) v[1].expected("a size in (0, 1PiB]");
      (void)positive_seconds(v[2]);
      for (int i = 3; i < 5; ++i) {
        auto bw = v[i].is_scalar() ? simcore::parse_rate_bytes_per_s(v[i].str()) : std::nullopt;
        if (!bw || !(*bw >= 0) || !std::isfinite(*bw)) v[i].expected("a bandwidth >= 0, e.g. \"12.5GB/s\"");
      }
    }
  }
  if (auto h = n.get("held_out")) {
    // What the harness measured off the grid and what the table predicted: a record for the
    // reader, checked but not used for pricing.
    for (auto& [table, t] : h->entries()) {
      bool memory = table == "memory_bound";
      if (!memory && !CalibrationTable::known_dtype(table))
        t.fail(fmt::format("held_out: unknown table '{}' (expected a dtype or memory_bound)",
                           table));
      t.check_keys({"median_relative_error", "rows"});
      double e = t["median_relative_error"].number();
      if (!(e >= 0 && std::isfinite(e))) t["median_relative_error"].expected("a fraction >= 0");
      for (const ConfigNode& row : capped_items(t["rows"], 4096, "rows")) {
        if (memory) {
          auto v = row_items(row, 3, "[bytes, measured, predicted]");
          (void)v[0].bytes();
          (void)positive_seconds(v[1]);
          (void)positive_seconds(v[2]);
          continue;
        }
        auto v = row_items(row, 5, "[m, n, k, measured, predicted]");
        for (int i = 0; i < 3; ++i) (void)v[i].integer(1, kMaxGemmSide);
        (void)positive_seconds(v[3]);
        (void)positive_seconds(v[4]);
      }
    }
  }
  if (auto notes = n.get("notes"))
    for (const ConfigNode& x : capped_items(*notes, 64, "notes")) (void)x.str();
  try {
    return std::make_shared<const CalibrationTable>(std::move(d));
  } catch (const simcore::ConfigError& e) {
    if (!e.where().str().empty()) throw;
    n.fail(e.message());
  }
}

void check_device(const ConfigNode& ref, const CalibrationTable& table,
                  const compute::DeviceSpec& device) {
  const compute::CalibrationDevice& c = table.data().device;
  const double gib = 1073741824.0;
  const std::string& product = device.product_name.empty() ? device.name : device.product_name;
  if (c.name != product)
    ref.fail(fmt::format("calibration file '{}' was measured on \"{}\"; the scenario's device is "
                         "\"{}\" (a calibration file prices only the device it was measured on)",
                         table.data().file, c.name, product));
  if (!device.sku.empty() && c.sku != device.sku)
    ref.fail(fmt::format("calibration file '{}' was measured on \"{}\" SKU \"{}\"; the scenario's "
                         "device names SKU \"{}\"",
                         table.data().file, c.name, c.sku, device.sku));
  double a = c.memory_bytes, b = device.hbm_capacity_bytes;
  if (!(std::abs(a - b) <= 0.05 * std::max(a, b)))
    ref.fail(fmt::format("calibration file '{}' was measured on \"{}\" with {:.2f} GiB of memory; "
                         "the scenario's device has {:.2f} GiB (expected within 5%)",
                         table.data().file, c.name, a / gib, b / gib));
}

}  // namespace dtsim::cli
