#include "tools/calibrate/harness.h"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <thread>

#include "tools/calibrate/cpu_backend.h"
#include "tools/calibrate/cpu_identity.h"
#include "tools/calibrate/measure.h"

namespace dtsim::calibrate {

namespace {

using simcore::ConfigError;

std::string utc_now() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

double relative_error(double predicted, double measured) {
  return std::abs(predicted - measured) / measured;
}

/** A time as the file writes it: microseconds, 6 significant digits. */
std::string us(double seconds) { return fmt::format("{:.6g}us", seconds * 1e6); }

HarnessResult run_cpu(const HarnessOptions& o) {
  CpuBackend cpu(o.threads);
  if (!CpuBackend::available()) cpu.threads();  // throws the "built without OpenBLAS" error
  auto say = [&](const std::string& s) {
    if (o.log) fmt::print(o.log, "calibrate: {}\n", s);
  };
  const int samples = o.quick ? 5 : 7;
  const double min_sample = o.quick ? 3e-3 : 10e-3;
  const std::vector<int64_t> sides =
      o.quick ? std::vector<int64_t>{32, 128, 512}
              : std::vector<int64_t>{16, 32, 64, 128, 256, 512, 1024, 2048};
  HarnessResult r;
  compute::CalibrationData& d = r.data;
  d.device = cpu_identity();
  d.libraries["openblas"] = cpu.blas_version();
  d.libraries["openblas_threads"] = std::to_string(cpu.threads());
  d.libraries["compiler"] = __VERSION__;
  d.date = utc_now();
  d.launch_overhead_s = cpu.launch_overhead_seconds(samples);
  for (const char* dtype : {"fp32", "fp64"}) {
    say(fmt::format("GEMM {} over {} shapes", dtype, sides.size() * sides.size() * sides.size()));
    auto& rows = d.gemm[dtype];
    for (int64_t m : sides)
      for (int64_t n : sides)
        for (int64_t k : sides)
          rows.push_back({m, n, k, cpu.gemm_seconds(dtype, m, n, k, samples, min_sample), {}});
  }
  d.memory_kernel = "triad";
  const int64_t top = o.quick ? int64_t{256} << 20 : int64_t{1} << 30;
  const int64_t step = o.quick ? 4 : 2;
  say(fmt::format("triad from 1 KiB to {} MiB", top >> 20));
  for (int64_t b = 1024; b <= top; b *= step) {
    int64_t bytes = b / 24 * 24;  // whole elements: 24 bytes each
    d.memory.push_back({static_cast<double>(bytes), cpu.triad_seconds(bytes, samples, min_sample),
                        {}});
  }

  compute::CalibrationTable table(d);  // validates what was measured
  // Held-out GEMM shapes: inside the grid's range, on none of its points, skinny ones included.
  const std::vector<std::array<int64_t, 3>> gemm_held =
      o.quick ? std::vector<std::array<int64_t, 3>>{{64, 64, 64},   {48, 256, 96},  {200, 300, 400},
                                                    {400, 64, 256}, {96, 400, 48},  {256, 256, 256},
                                                    {300, 100, 200}}
              : std::vector<std::array<int64_t, 3>>{{24, 24, 24},     {48, 200, 96},
                                                    {200, 300, 400},  {700, 100, 1500},
                                                    {1500, 1500, 300}, {96, 1800, 48},
                                                    {384, 384, 384},  {1200, 700, 900}};
  for (const char* dtype : {"fp32", "fp64"}) {
    HeldOut h{dtype, {}, 0};
    std::vector<double> errs;
    for (auto [m, n, k] : gemm_held) {
      double meas = cpu.gemm_seconds(dtype, m, n, k, samples, min_sample);
      double pred = table.gemm_seconds(dtype, m, n, k);
      h.rows.push_back({double(m), double(n), double(k), meas, pred});
      errs.push_back(relative_error(pred, meas));
    }
    h.median_relative_error = median(errs);
    say(fmt::format("held-out GEMM {}: median relative error {:.1f}% over {} shapes", dtype,
                    100 * h.median_relative_error, errs.size()));
    r.held_out.push_back(std::move(h));
  }
  HeldOut hm{"memory_bound", {}, 0};
  std::vector<double> errs;
  for (size_t i = 0; i + 1 < d.memory.size(); ++i) {
    // the geometric midpoint of two neighbouring sizes
    int64_t bytes =
        static_cast<int64_t>(std::sqrt(d.memory[i].bytes * d.memory[i + 1].bytes)) / 24 * 24;
    double meas = cpu.triad_seconds(bytes, samples, min_sample);
    double pred = table.memory_seconds(static_cast<double>(bytes));
    hm.rows.push_back({double(bytes), meas, pred});
    errs.push_back(relative_error(pred, meas));
  }
  hm.median_relative_error = median(errs);
  say(fmt::format("held-out triad: median relative error {:.1f}% over {} sizes",
                  100 * hm.median_relative_error, errs.size()));
  r.held_out.push_back(std::move(hm));
  std::ifstream loadavg("/proc/loadavg");
  std::string l1, l5, l15;
  if (loadavg >> l1 >> l5 >> l15)
    r.notes.push_back(fmt::format("Load average when the measurements ended (1, 5, 15 min): {}, "
                                  "{}, {}; the host has {} hardware threads.",
                                  l1, l5, l15, std::thread::hardware_concurrency()));
  r.notes.push_back(fmt::format(
      "Measured by `dtsim calibrate --backend cpu{}` on this host; medians of {} samples of at "
      "least {} ms each after one warm-up call. Other processes may share the CPU: the numbers "
      "carry their noise.",
      o.quick ? " --quick" : "", samples, min_sample * 1e3));
  return r;
}

}  // namespace

HarnessResult run_harness(const HarnessOptions& o) {
  if (o.backend == "cpu") return run_cpu(o);
  if (o.backend == "cuda")
    throw ConfigError(
        "--backend cuda: the CUDA back-end is not built in this dtsim (no CUDA harness yet)");
  throw ConfigError(fmt::format("--backend: expected cpu or cuda; got '{}'", o.backend));
}

std::string calibration_yaml(const HarnessResult& r) {
  const compute::CalibrationData& d = r.data;
  auto q = [](const std::string& s) {  // a YAML double-quoted string
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    return out + "\"";
  };
  std::string y;
  auto line = [&](const std::string& s) { y += s + "\n"; };
  line(fmt::format("# dtsim calibration file: measured kernel times of {} ({} back-end).",
                   d.device.name, d.device.backend));
  line(fmt::format("# Written by `dtsim calibrate` on {}; every number below was measured,",
                   d.date));
  line("# none edited. Format: README.md \"Calibration\".");
  line("format: 1");
  line("device:");
  line(fmt::format("  name: {}", q(d.device.name)));
  line(fmt::format("  sku: {}", q(d.device.sku)));
  line(fmt::format("  memory: {:.0f}B", d.device.memory_bytes));
  line(fmt::format("  backend: {}", d.device.backend));
  line("libraries:");
  for (const auto& [k, v] : d.libraries) line(fmt::format("  {}: {}", k, q(v)));
  line(fmt::format("date: {}", q(d.date)));
  line(fmt::format("launch_overhead: {}", us(d.launch_overhead_s)));
  line("gemm:  # dtype: rows [m, n, k, time of C(m x n) = A(m x k) B(k x n)], ascending, m slowest");
  for (const auto& [dtype, rows] : d.gemm) {
    line(fmt::format("  {}:", dtype));
    for (const auto& g : rows)
      line(fmt::format("    - [{}, {}, {}, {}]", g.m, g.n, g.k, us(g.seconds)));
  }
  if (!d.memory.empty()) {
    line("memory_bound:  # rows [bytes moved (reads + writes), time], ascending");
    line(fmt::format("  kernel: {}", d.memory_kernel));
    line("  rows:");
    for (const auto& m : d.memory) line(fmt::format("    - [{:.0f}B, {}]", m.bytes, us(m.seconds)));
  }
  if (!r.held_out.empty()) {
    line("held_out:  # off-grid measurements against the model's prediction from the table above");
    for (const auto& h : r.held_out) {
      line(fmt::format("  {}:", h.table));
      line(fmt::format("    median_relative_error: {:.4f}", h.median_relative_error));
      line(h.table == "memory_bound" ? "    rows:  # [bytes, measured, predicted]"
                                     : "    rows:  # [m, n, k, measured, predicted]");
      for (const auto& row : h.rows) {
        if (row.size() == 3)
          line(fmt::format("      - [{:.0f}B, {}, {}]", row[0], us(row[1]), us(row[2])));
        else
          line(fmt::format("      - [{:.0f}, {:.0f}, {:.0f}, {}, {}]", row[0], row[1], row[2],
                           us(row[3]), us(row[4])));
      }
    }
  }
  if (!r.notes.empty()) {
    line("notes:");
    for (const auto& n : r.notes) line(fmt::format("  - {}", q(n)));
  }
  return y;
}

}  // namespace dtsim::calibrate
