#include "tools/calibrate/harness.h"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <thread>

#include "tools/calibrate/cpu_backend.h"
#include "tools/calibrate/cpu_identity.h"
#include "tools/calibrate/cuda/cuda_backend.h"
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

/** How a back-end runs its kernels, for the shared grid and held-out loops below. */
struct Kernels {
  std::function<double(const std::string& dtype, int64_t m, int64_t n, int64_t k)> gemm;
  std::function<double(int64_t bytes)> memory;  ///< bytes moved
  int64_t granule = 1;  ///< memory sizes are multiples of this (bytes moved per element)
};

struct Grid {
  std::vector<std::string> dtypes;
  std::vector<int64_t> sides;                       ///< m, n and k each take these values
  std::vector<std::array<int64_t, 3>> held_out;     ///< off-grid GEMM shapes inside its range
  int64_t memory_top = 0, memory_step = 2;          ///< 1 KiB, x step, ..., <= top bytes moved
  /** A dtype whose failure (std::runtime_error) leaves it out with a note instead of failing
   *  the run ("" for none). */
  std::string optional_dtype;
};

/** Fills r.data's tables from `k` over `g`, then the held-out errors. */
void measure(const Kernels& k, const Grid& g, HarnessResult& r,
             const std::function<void(const std::string&)>& say) {
  compute::CalibrationData& d = r.data;
  std::vector<std::string> measured;
  for (const std::string& dtype : g.dtypes) {
    say(fmt::format("GEMM {} over {} shapes", dtype, g.sides.size() * g.sides.size() * g.sides.size()));
    auto& rows = d.gemm[dtype];
    try {
      for (int64_t m : g.sides)
        for (int64_t n : g.sides)
          for (int64_t kk : g.sides) rows.push_back({m, n, kk, k.gemm(dtype, m, n, kk), {}});
      measured.push_back(dtype);
    } catch (const std::runtime_error& e) {
      if (dtype != g.optional_dtype) throw;
      // A dtype the library may not cover at every shape: left out, and the file says why.
      d.gemm.erase(dtype);
      r.notes.push_back(fmt::format("{} GEMM not measured: {}", dtype, e.what()));
      say(r.notes.back());
    }
  }
  say(fmt::format("{} from 1 KiB to {} MiB", d.memory_kernel, g.memory_top >> 20));
  // The grid's sizes and the held-out ones between them (geometric midpoints) in one ascending
  // pass, so that both are measured in the same state of the machine (measured on a GPU: small
  // sizes timed after the GEMMs and again later differed by 0.4 us of 3.5 in one direction).
  std::vector<std::array<double, 2>> between;  // held-out [bytes, measured]
  for (int64_t b = 1024; b <= g.memory_top; b *= g.memory_step) {
    int64_t bytes = b / k.granule * k.granule;  // whole elements
    if (!d.memory.empty()) {
      int64_t mid = static_cast<int64_t>(std::sqrt(d.memory.back().bytes * double(bytes))) /
                    k.granule * k.granule;
      between.push_back({double(mid), k.memory(mid)});
    }
    d.memory.push_back({static_cast<double>(bytes), k.memory(bytes), {}});
  }

  compute::CalibrationTable table(d);  // validates what was measured
  for (const std::string& dtype : measured) {
    HeldOut h{dtype, {}, 0};
    std::vector<double> errs;
    for (auto [m, n, kk] : g.held_out) {
      double meas = k.gemm(dtype, m, n, kk);
      double pred = table.gemm_seconds(dtype, m, n, kk);
      h.rows.push_back({double(m), double(n), double(kk), meas, pred});
      errs.push_back(relative_error(pred, meas));
    }
    h.median_relative_error = median(errs);
    say(fmt::format("held-out GEMM {}: median relative error {:.1f}% over {} shapes", dtype,
                    100 * h.median_relative_error, errs.size()));
    r.held_out.push_back(std::move(h));
  }
  HeldOut hm{"memory_bound", {}, 0};
  std::vector<double> errs;
  for (auto [bytes, meas] : between) {
    double pred = table.memory_seconds(bytes);
    hm.rows.push_back({bytes, meas, pred});
    errs.push_back(relative_error(pred, meas));
  }
  hm.median_relative_error = median(errs);
  say(fmt::format("held-out {}: median relative error {:.1f}% over {} sizes", d.memory_kernel,
                  100 * hm.median_relative_error, errs.size()));
  r.held_out.push_back(std::move(hm));
}

/** The host's load, recorded with the numbers it may have disturbed. */
void note_load(HarnessResult& r) {
  std::ifstream loadavg("/proc/loadavg");
  std::string l1, l5, l15;
  if (loadavg >> l1 >> l5 >> l15)
    r.notes.push_back(fmt::format("Load average when the measurements ended (1, 5, 15 min): {}, "
                                  "{}, {}; the host has {} hardware threads.",
                                  l1, l5, l15, std::thread::hardware_concurrency()));
}

HarnessResult run_cpu(const HarnessOptions& o) {
  CpuBackend cpu(o.threads);
  if (!CpuBackend::available()) cpu.threads();  // throws the "built without OpenBLAS" error
  auto say = [&](const std::string& s) {
    if (o.log) fmt::print(o.log, "calibrate: {}\n", s);
  };
  const int samples = o.quick ? 5 : 7;
  const double min_sample = o.quick ? 3e-3 : 10e-3;
  Grid g;
  g.dtypes = {"fp32", "fp64"};
  g.sides = o.quick ? std::vector<int64_t>{32, 128, 512}
                    : std::vector<int64_t>{16, 32, 64, 128, 256, 512, 1024, 2048};
  // Held-out GEMM shapes: inside the grid's range, on none of its points, skinny ones included.
  g.held_out = o.quick ? std::vector<std::array<int64_t, 3>>{{64, 64, 64},   {48, 256, 96},
                                                             {200, 300, 400}, {400, 64, 256},
                                                             {96, 400, 48},  {256, 256, 256},
                                                             {300, 100, 200}}
                       : std::vector<std::array<int64_t, 3>>{{24, 24, 24},     {48, 200, 96},
                                                             {200, 300, 400},  {700, 100, 1500},
                                                             {1500, 1500, 300}, {96, 1800, 48},
                                                             {384, 384, 384},  {1200, 700, 900}};
  g.memory_top = o.quick ? int64_t{256} << 20 : int64_t{1} << 30;
  g.memory_step = o.quick ? 4 : 2;
  HarnessResult r;
  compute::CalibrationData& d = r.data;
  d.device = cpu_identity();
  d.libraries["openblas"] = cpu.blas_version();
  d.libraries["openblas_threads"] = std::to_string(cpu.threads());
  d.libraries["compiler"] = __VERSION__;
  d.date = utc_now();
  d.launch_overhead_s = cpu.launch_overhead_seconds(samples);
  d.memory_kernel = "triad";
  Kernels k;
  k.gemm = [&](const std::string& dtype, int64_t m, int64_t n, int64_t kk) {
    return cpu.gemm_seconds(dtype, m, n, kk, samples, min_sample);
  };
  k.memory = [&](int64_t bytes) { return cpu.triad_seconds(bytes, samples, min_sample); };
  k.granule = 24;
  measure(k, g, r, say);
  note_load(r);
  r.notes.push_back(fmt::format(
      "Measured by `dtsim calibrate --backend cpu{}` on this host; medians of {} samples of at "
      "least {} ms each after one warm-up call. Other processes may share the CPU: the numbers "
      "carry their noise.",
      o.quick ? " --quick" : "", samples, min_sample * 1e3));
  return r;
}

HarnessResult run_cuda(const HarnessOptions& o) {
  CudaBackend gpu;  // ConfigError where not built or without a device
  auto say = [&](const std::string& s) {
    if (o.log) fmt::print(o.log, "calibrate: {}\n", s);
  };
  const int samples = o.quick ? 5 : 11;
  Grid g;
  g.dtypes = {"fp32", "tf32", "bf16", "fp16"};
  if (gpu.has_fp8()) g.dtypes.push_back(g.optional_dtype = "fp8");
  if (o.quick) {
    g.sides = {256, 1024, 4096};
    g.held_out = {{512, 512, 512}, {384, 2048, 768}, {3072, 1536, 2048}, {2048, 512, 3072},
                  {768, 3072, 384}};
  } else {
    for (int64_t s = 16; s <= 16384; s *= 2) g.sides.push_back(s);
    // Off-grid shapes of no model, inside the grid's range.
    g.held_out = {{192, 192, 192},    {384, 6144, 768},   {3072, 1536, 12288},
                  {12288, 4096, 1024}, {768, 3072, 384},  {6144, 6144, 6144}};
    // Llama-3 8B (hidden 4096, 8 KV heads of 128, FFN 14336) over 8192 tokens at TP t: the QKV
    // projection n = (4096 + 2 * 1024) / t, the MLP's gate+up n = 2 * 14336 / t and its down
    // projection k = 14336 / t (shapes on the grid's points left out).
    for (int64_t t : {1, 2, 4, 8}) g.held_out.push_back({8192, 6144 / t, 4096});
    for (int64_t t : {2, 4, 8}) g.held_out.push_back({8192, 28672 / t, 4096});
    for (int64_t t : {1, 2, 4, 8}) g.held_out.push_back({8192, 4096, 14336 / t});
    // DeepSeek-V3 routed experts (hidden 7168, expert FFN 2048) with few tokens each: gate+up
    // (n = 2 * 2048, k = 7168) and down (n = 7168, k = 2048).
    for (int64_t tokens : {24, 48, 96, 192, 384}) {
      g.held_out.push_back({tokens, 4096, 7168});
      g.held_out.push_back({tokens, 7168, 2048});
    }
  }
  g.memory_top = o.quick ? int64_t{1} << 30 : int64_t{8} << 30;
  g.memory_step = o.quick ? 8 : 2;
  HarnessResult r;
  compute::CalibrationData& d = r.data;
  d.device = gpu.identity();
  d.libraries["driver"] = gpu.driver_version();
  d.libraries["cuda_runtime"] = gpu.runtime_version();
  d.libraries["cublasLt"] = gpu.cublaslt_version();
  d.date = utc_now();
  d.launch_overhead_s = gpu.launch_overhead_seconds(samples);
  say(fmt::format("launch overhead {:.2f} us", d.launch_overhead_s * 1e6));
  d.memory_kernel = "triad";
  Kernels k;
  k.gemm = [&](const std::string& dtype, int64_t m, int64_t n, int64_t kk) {
    return gpu.gemm_seconds(dtype, m, n, kk, samples);
  };
  k.memory = [&](int64_t bytes) { return gpu.triad_seconds(bytes, samples); };
  k.granule = 48;  // three float4 arrays
  // Buffers at their largest size before any timing, so that the grid and the held-out sizes
  // run on the same allocations (the buffers only grow; the GEMM's fit in the triad's).
  (void)gpu.triad_seconds(g.memory_top / k.granule * k.granule, 1);
  measure(k, g, r, say);

  say("copy kernel and host-device copies");
  for (int64_t b = 1024; b <= g.memory_top; b *= g.memory_step) {
    int64_t bytes = b / 32 * 32;
    r.copy.push_back({static_cast<double>(bytes), gpu.copy_seconds(bytes, samples), {}});
  }
  const int64_t host_top = int64_t{1} << 30;
  for (int64_t b = 4096; b <= host_top; b *= o.quick ? 16 : 4)
    r.host_device.push_back({static_cast<double>(b), gpu.host_to_device_seconds(b, samples),
                             gpu.device_to_host_seconds(b, samples)});

  if (NcclBackend::available()) {
    // nccl-tests' sweep: sizes from 1 KiB by 2x (quick: 8x), whole fp32 elements per rank.
    try {
      NcclBackend nccl;
      r.nccl_ranks = nccl.ranks();
      r.nccl_version = nccl.version();
      say(fmt::format("NCCL {} over {} GPU(s)", r.nccl_version, r.nccl_ranks));
      const int64_t top = o.quick ? int64_t{64} << 20 : int64_t{4} << 30;
      const int64_t unit = 4 * int64_t{r.nccl_ranks};
      for (const char* op : {"all_reduce", "all_gather", "reduce_scatter", "all_to_all", "sendrecv"})
        for (int64_t b = 1024; b <= top; b *= o.quick ? 8 : 2)
          r.nccl.push_back(nccl.measure(op, b / unit * unit, 5, o.quick ? 5 : 20));
      if (r.nccl_ranks == 1)
        r.notes.push_back("NCCL ran on one GPU: its collectives moved no data between GPUs (the "
                          "code path ran; the bandwidths mean nothing).");
    } catch (const std::runtime_error& e) {
      r.nccl.clear();
      r.notes.push_back(fmt::format("NCCL collectives not measured: {}", e.what()));
      say(r.notes.back());
    }
  }

  r.notes.push_back(fmt::format(
      "Measured by `dtsim calibrate --backend cuda{}`; medians of {} samples, each one call timed "
      "with CUDA events after 3 warm-up calls, L2 ({} MiB) flushed before each sample; GEMM "
      "inputs pseudo-random in [-1, 1).",
      o.quick ? " --quick" : "", samples, gpu.l2_bytes() >> 20));
  // Against the datasheet's peaks, for the reader: the largest square bf16 GEMM and copy.
  const int64_t side = g.sides.back() >= 8192 ? 8192 : g.sides.back();
  if (d.gemm.count("bf16")) {
    double t = compute::CalibrationTable(d).gemm_seconds("bf16", side, side, side);
    r.notes.push_back(fmt::format("bf16 GEMM {}^3: {:.0f} TFLOP/s.", side,
                                  2.0 * side * side * side / t / 1e12));
  }
  const compute::MemoryRow& top = r.copy.back();
  const compute::MemoryRow& triad = d.memory.back();
  r.notes.push_back(fmt::format(
      "Copy of {:.0f} MiB moved (reads + writes): {:.2f} TB/s; triad of {:.0f} MiB moved: {:.2f} "
      "TB/s; host-to-device {:.1f} GB/s and device-to-host {:.1f} GB/s at {} MiB (pinned).",
      top.bytes / 1048576, top.bytes / top.seconds / 1e12, triad.bytes / 1048576,
      triad.bytes / triad.seconds / 1e12, r.host_device.back().bytes / r.host_device.back().to_device_s / 1e9,
      r.host_device.back().bytes / r.host_device.back().to_host_s / 1e9, host_top >> 20));
  return r;
}

}  // namespace

HarnessResult run_harness(const HarnessOptions& o) {
  if (o.backend == "cpu") return run_cpu(o);
  if (o.backend == "cuda") return run_cuda(o);
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
  if (!r.copy.empty()) {
    line("copy:  # record: a device copy kernel, rows [bytes moved (reads + writes), time]");
    for (const auto& m : r.copy) line(fmt::format("  - [{:.0f}B, {}]", m.bytes, us(m.seconds)));
  }
  if (!r.host_device.empty()) {
    line("host_device:  # record: pinned copies, rows [bytes, host-to-device time, "
         "device-to-host time]");
    for (const auto& h : r.host_device)
      line(fmt::format("  - [{:.0f}B, {}, {}]", h.bytes, us(h.to_device_s), us(h.to_host_s)));
  }
  if (!r.nccl.empty()) {
    line(fmt::format("nccl:  # record: NCCL over this host's GPUs in nccl-tests' terms (fp32, out "
                     "of place)"));
    line(fmt::format("  version: {}", q(r.nccl_version)));
    line(fmt::format("  ranks: {}", r.nccl_ranks));
    line("  rows:  # [op, size, time, algbw, busbw]");
    for (const auto& c : r.nccl)
      line(fmt::format("    - [{}, {:.0f}B, {}, {:.6g}GB/s, {:.6g}GB/s]", c.op, c.bytes,
                       us(c.seconds), c.algbw / 1e9, c.busbw / 1e9));
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
