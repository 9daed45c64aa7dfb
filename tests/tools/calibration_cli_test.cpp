// `cluster.calibration` and `dtsim calibrate` end to end: a scenario priced by a calibration
// file, the loader's bad-input errors at their file:line:column, and the CPU harness's --quick
// run loaded back.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "tests/support/cli_fixture.h"
#include "tools/dtsim/calibration_loader.h"
#include "tools/dtsim/config_loaders.h"
#include "tools/dtsim/config_node.h"

namespace dtsim::test {
namespace {

// A calibration file of the test device. Line numbers, for the positions pinned below:
//   1 format   4 memory   7 launch_overhead  10 row 0       13 row 3
//   2 device   5 backend  8 gemm             11 row 1       14 memory_bound
//   3 name     6 date     9 fp32             12 row 2       15 kernel / 16 rows / 17, 18 rows
// Rows are at column 7 ("    - ["), a row's time at column 20.
std::string calibration(const std::string& name = "Test CPU",
                        const std::string& row2 = "[64, 16, 16, 4us]",
                        const std::string& dtype = "fp32") {
  return "format: 1\n"
         "device:\n"
         "  name: \"" + name + "\"\n"
         "  memory: 16GB\n"
         "  backend: cpu\n"
         "date: \"2026-12-03T00:00:00Z\"\n"
         "launch_overhead: 50ns\n"
         "gemm:\n"
         "  " + dtype + ":\n"
         "    - [16, 16, 16, 1us]\n"
         "    - [16, 16, 64, 4us]\n"
         "    - " + row2 + "\n"
         "    - [64, 16, 64, 16us]\n"
         "memory_bound:\n"
         "  kernel: triad\n"
         "  rows:\n"
         "    - [1MB, 100us]\n"
         "    - [100MB, 10ms]\n";
}

// The device the calibration file names, a data-parallel step of a tiny fp32 model on two ranks.
std::string scenario(const std::string& calibration_path) {
  return "name: calibrated\n"
         "cluster:\n"
         "  topology: {builder: switch, endpoints: 2, link: {class: nic, bandwidth: 10GB/s, "
         "latency: 1us}}\n"
         "  device: {name: \"Test CPU\", peak_flops: {fp32: 1TFLOPS}, hbm_capacity: 16GB,\n"
         "           hbm_bandwidth: 10GB/s, launch_overhead: 1us,\n"
         "           efficiency: {compute: 1, memory: 1}}\n"
         "  calibration: " + calibration_path + "\n"
         "workload:\n"
         "  kind: data_parallel\n"
         "  model: {name: tiny, layers: 2, hidden: 64, ffn_hidden: 256, heads: 4, vocab: 512}\n"
         "  ranks: 2\n"
         "  batch: {seq_len: 64, micro_batch: 1, grad_accumulation: 1}\n"
         "  dtype: fp32\n"
         "  grad_dtype: fp32\n"
         "network: {model: flow}\n"
         "run: {seed: 1}\n";
}

TEST_F(CliTest, AScenarioWithACalibrationFileIsPricedByIt) {
  std::string cal = file("cal.yaml", calibration());
  std::string s = file("s.yaml", scenario(cal));
  Result r = dtsim("run '" + s + "' --reproducible -q --report '" + path("r.json") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(slurp(path("r.json")));
  // Every compute op of the step is fp32 or memory-bound, both of which the file has tables for.
  ASSERT_TRUE(j["compute_models"].contains("calibrated")) << j["compute_models"].dump();
  EXPECT_FALSE(j["compute_models"].contains("roofline")) << j["compute_models"].dump();
  // Per op class: the layers' GEMMs (data_parallel builds transformer layers, which carry their
  // shapes) and the memory-bound kernels, all by the calibrated model.
  const auto& by_class = j["compute_models_by_op_class"];
  ASSERT_TRUE(by_class.contains("gemm")) << by_class.dump();
  EXPECT_EQ(by_class["gemm"].size(), 1u) << by_class.dump();
  EXPECT_TRUE(by_class["gemm"].contains("calibrated")) << by_class.dump();
  EXPECT_TRUE(by_class["memory_bound"].contains("calibrated")) << by_class.dump();
}

TEST_F(CliTest, ACalibrationOfAnotherSkuIsRefusedWhenTheDeviceNamesOne) {
  // The scenario's device names SKU "Test CPU rev A"; the file was measured on rev B: exit 2 at
  // cluster.calibration (line 7, column 16).
  std::string text = calibration();
  text.replace(text.find("  memory:"), 0, "  sku: \"Test CPU rev B\"\n");
  std::string cal = file("cal.yaml", text);
  std::string sc = scenario(cal);
  sc.replace(sc.find("name: \"Test CPU\","), 17, "name: \"Test CPU\", sku: \"Test CPU rev A\",");
  Result r = dtsim("run '" + file("s.yaml", sc) + "' -q");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, path("s.yaml") + ":7:16: error: cluster.calibration: calibration file '" + cal +
                       "' was measured on \"Test CPU\" SKU \"Test CPU rev B\"; the scenario's "
                       "device names SKU \"Test CPU rev A\"\n");
  // Without a SKU in the device spec, the name and memory decide: the same file is accepted.
  Result ok = dtsim("run '" + file("s2.yaml", scenario(cal)) + "' -q");
  EXPECT_EQ(ok.status, 0) << ok.err;
}

TEST_F(CliTest, CalibrationBadInputIsAnErrorAtTheRow) {
  auto run_with = [&](const std::string& text) {
    std::string cal = file("cal.yaml", text);
    return dtsim("run '" + file("s.yaml", scenario(cal)) + "' -q");
  };
  const std::string cal = path("cal.yaml");
  struct Case {
    std::string text, where, message;
  };
  std::string small_memory = calibration();
  small_memory.replace(small_memory.find("16GB"), 4, "8GB");
  const std::vector<Case> cases = {
      // 8 GB = 7.45 GiB against the device's 16 GB = 14.90 GiB: 50% apart.
      {small_memory, path("s.yaml") + ":7:16",
       "was measured on \"Test CPU\" with 7.45 GiB of memory; the scenario's device has 14.90 GiB "
       "(expected within 5%)"},
      {calibration("Other CPU"), path("s.yaml") + ":7:16",
       "calibration file '" + cal + "' was measured on \"Other CPU\"; the scenario's device is "
       "\"Test CPU\""},
      {calibration("Test CPU", "[64, 16, 16, 0us]"), cal + ":12:20",
       "expected a positive time (a measured kernel never takes zero or negative time); got \"0us\""},
      {calibration("Test CPU", "[64, 16, 16, -4us]"), cal + ":12:20", "expected a positive time"},
      // (16, 16, 32) after (16, 16, 64): row 2 is out of order.
      {calibration("Test CPU", "[16, 16, 32, 4us]"), cal + ":12:7",
       "gemm.fp32 row 2 (m 16, n 16, k 32): rows must be in strictly ascending (m, n, k) order"},
      // k takes 16, 32 and 64, so (16, 16, 32) belongs between rows 0 and 1.
      {calibration("Test CPU", "[64, 16, 32, 4us]"), cal + ":11:7",
       "gemm.fp32: the grid m {16, 64} x n {16} x k {16, 32, 64} lacks the point (m 16, n 16, "
       "k 32)"},
      {calibration("Test CPU", "[64, 16, 16, 4us]", "fp4"), cal + ":10:5",
       "unknown dtype 'fp4' (expected fp64, fp32, tf32, bf16, fp16, fp8 or int8)"},
      {calibration("Test CPU", "[64, 16, 16]"), cal + ":12:7",
       "expected a row [m, n, k, time], e.g. [1024, 1024, 1024, 2.5ms]"},
  };
  for (const Case& c : cases) {
    Result r = run_with(c.text);
    EXPECT_EQ(r.status, 2) << c.message;
    EXPECT_NE(r.err.find(c.where + ": error: "), std::string::npos) << c.where << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.message << "\n" << r.err;
  }
}

TEST_F(CliTest, CalibrationRecordsAreCheckedAtTheRow) {
  // The harness's records beside the tables (copy kernel, host-device copies): lines 19 on.
  auto run_with = [&](const std::string& records) {
    std::string cal = file("cal.yaml", calibration() + records);
    return dtsim("run '" + file("s.yaml", scenario(cal)) + "' -q");
  };
  const std::string cal = path("cal.yaml");
  Result ok = run_with("copy:\n  - [1MB, 1us]\n  - [2MB, 2us]\n"
                       "host_device:\n  - [4KiB, 3us, 4us]\n");
  EXPECT_EQ(ok.status, 0) << ok.err;
  Result r = run_with("copy:\n  - [2MB, 1us]\n  - [1MB, 2us]\n");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(cal + ":21:6: error: copy[1][0]: expected a size above the previous row's 2000000B "
                       "(rows ascend)"),
            std::string::npos)
      << r.err;
  r = run_with("host_device:\n  - [4KiB, 3us, 0us]\n");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(cal + ":20:17: error: host_device[0][2]: expected a positive time"), std::string::npos)
      << r.err;
  ok = run_with("nccl:\n  version: \"2.28.9\"\n  ranks: 1\n  rows:\n"
                "    - [all_reduce, 1KiB, 9us, 0.11GB/s, 0GB/s]\n");
  EXPECT_EQ(ok.status, 0) << ok.err;
  r = run_with("nccl:\n  version: \"2.28.9\"\n  ranks: 1\n  rows:\n"
               "    - [all_reduse, 1KiB, 9us, 0.11GB/s, 0GB/s]\n");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(cal + ":23:8: error: nccl.rows[0][0]: expected one of"), std::string::npos)
      << r.err;
  r = run_with("nccl:\n  version: \"2.28.9\"\n  ranks: 1\n  rows:\n"
               "    - [all_reduce, 1KiB, 9us, -1GB/s, 0GB/s]\n");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(cal + ":23:31: error: nccl.rows[0][3]: expected a bandwidth >= 0"),
            std::string::npos)
      << r.err;
  r = run_with("host_device:\n  - [4KiB, 3us]\n");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(cal + ":20:5: error: host_device[0]: expected a row [bytes, host-to-device time, "
                       "device-to-host time]"),
            std::string::npos)
      << r.err;
}

TEST(CalibrationFiles, TheH200FileMatchesTheH200Spec) {
  // The file's identity is what the driver reported on the machine that measured it; the spec
  // names the same product, SKU and (within 5%) memory.
  auto table = cli::load_calibration_document(
      cli::ConfigNode::load_file(kSource + "/configs/calibration/nvidia_h200.yaml"));
  const auto& d = table->data();
  EXPECT_EQ(d.device.name, "NVIDIA H200");
  EXPECT_EQ(d.device.backend, "cuda");
  // 11 sides (16 .. 16384) cubed for each of fp32, tf32, bf16, fp16 and fp8.
  EXPECT_EQ(d.gemm.size(), 5u);
  for (const auto& [dtype, rows] : d.gemm) EXPECT_EQ(rows.size(), 1331u) << dtype;
  cli::ConfigNode ref = cli::ConfigNode::load_string("calibration: x", "ref.yaml")["calibration"];
  compute::DeviceSpec h200 =
      cli::load_device(cli::ConfigNode::load_string("d: " + kSource +
                                                        "/configs/devices/h200_sxm.yaml",
                                                    "ref.yaml")["d"]);
  EXPECT_NO_THROW(cli::check_device(ref, *table, h200));
  compute::DeviceSpec h100 =
      cli::load_device(cli::ConfigNode::load_string("d: " + kSource +
                                                        "/configs/devices/h100_sxm.yaml",
                                                    "ref.yaml")["d"]);
  EXPECT_THROW(cli::check_device(ref, *table, h100), simcore::ConfigError);
}

TEST(CalibrationFiles, EveryShippedCalibrationFileLoads) {
  int files = 0;
  for (const auto& e : fs::directory_iterator(kSource + "/configs/calibration")) {
    auto table = cli::load_calibration_document(cli::ConfigNode::load_file(e.path().string()));
    EXPECT_FALSE(table->data().gemm.empty()) << e.path();
    ++files;
  }
  EXPECT_GE(files, 1);
}

TEST_F(CliTest, CalibrateRefusesABackEndItDoesNotHave) {
#ifdef DTSIM_HAVE_CUDA
  // With a GPU the CUDA harness would run here for minutes: its run is the `gpu`-labelled
  // ctest calibrate.cuda_quick (tests/CMakeLists.txt).
  if (fs::exists("/dev/nvidia0")) GTEST_SKIP() << "a GPU is present";
#endif
  Result r = dtsim("calibrate --backend cuda --out '" + path("c.yaml") + "'");
  EXPECT_EQ(r.status, 2);
#ifdef DTSIM_HAVE_CUDA
  EXPECT_NE(r.err.find("--backend cuda: no CUDA device is visible on this machine"),
            std::string::npos)
      << r.err;
#else
  EXPECT_NE(r.err.find("--backend cuda: the CUDA back-end is not built in this dtsim"),
            std::string::npos)
      << r.err;
#endif
  r = dtsim("calibrate --backend tpu --out '" + path("c.yaml") + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("tpu"), std::string::npos) << r.err;
  EXPECT_TRUE(listing().empty());  // nothing written
}

#ifdef DTSIM_HAVE_OPENBLAS
/** The first "model name" of /proc/cpuinfo, read here independently of the harness. */
std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      std::string v = line.substr(line.find(':') + 1);
      return v.substr(v.find_first_not_of(' '));
    }
  return "unknown";
}

TEST_F(CliTest, CalibrateCpuQuickWritesAFileThatLoadsBack) {
  Result r = dtsim("calibrate --backend cpu --quick -q --out '" + path("cal.yaml") + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  auto table = cli::load_calibration_document(cli::ConfigNode::load_file(path("cal.yaml")));
  const auto& d = table->data();
  EXPECT_EQ(d.device.name, cpu_model_name());
  EXPECT_EQ(d.device.backend, "cpu");
  // The quick grid: m, n, k in {32, 128, 512} for fp32 and fp64 (tools/calibrate/harness.h).
  ASSERT_EQ(d.gemm.size(), 2u);
  EXPECT_EQ(d.gemm.at("fp32").size(), 27u);
  EXPECT_EQ(d.gemm.at("fp64").size(), 27u);
  // Triad from 1 KiB to 256 MiB in steps of 4: 4^0 .. 4^9 KiB, 10 rows.
  EXPECT_EQ(d.memory.size(), 10u);
  // A GEMM of 512^3 does 2 * 512^3 = 268 MFLOP: at most a few TFLOP/s on any CPU of today, so
  // it cannot take less than 10 us; a kernel of the table taking 0 would have failed the load.
  EXPECT_GT(d.gemm.at("fp32").back().seconds, 10e-6);
  EXPECT_NE(slurp(path("cal.yaml")).find("held_out:"), std::string::npos);
}
#endif

}  // namespace
}  // namespace dtsim::test
