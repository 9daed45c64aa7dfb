#pragma once
/**
 * Test fixture for end-to-end tests of the dtsim command line: runs the real binary
 * (DTSIM_BINARY) in a fresh temporary folder per test and captures its exit status, stdout and
 * stderr.
 */
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace dtsim::test {

namespace fs = std::filesystem;

inline const std::string kBinary = DTSIM_BINARY;
inline const std::string kSource = DTSIM_SOURCE_DIR;
// Paths inside a scenario are relative to the scenario file; the scenarios below live in a
// temporary folder, so they name configs by absolute path.
inline const std::string kDevice = kSource + "/configs/devices/h100_sxm.yaml";

struct Result {
  int status = -1;  ///< exit status
  std::string out, err;
};

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << p;
}

/**
 * The closed-form ring scenario (scenarios/ring_allreduce_closed_form.yaml) with a chosen
 * bandwidth and size. Line numbers, for the positions pinned below:
 *    1 name          5 endpoints        9 kind             13 network
 *    2 cluster       6 link             10 collective      14 run
 *    3 topology      7 device           11 algorithm
 *    4 builder       8 workload         12 sizes
 * On line 6, `    link: {class: nvlink, bandwidth: ` is 37 characters: the value is column 38.
 */
inline std::string ring_scenario(const std::string& bandwidth = "450GB/s",
                          const std::string& size = "1GiB") {
  return "name: ring\n"
         "cluster:\n"
         "  topology:\n"
         "    builder: switch\n"
         "    endpoints: 8\n"
         "    link: {class: nvlink, bandwidth: " +
         bandwidth +
         ", latency: 1us}\n"
         "  device: " +
         kDevice +
         "\n"
         "workload:\n"
         "  kind: collective_sweep\n"
         "  collective: all_reduce\n"
         "  algorithm: ring\n"
         "  sizes: {min: " +
         size + ", max: " + size +
         "}\n"
         "network: {model: flow, chunks: 1}\n"
         "run: {seed: 1}\n";
}

/** Rows of a CSV file without quoting (what the sweep writes for these tests). */
inline std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) {
    std::vector<std::string> cells;
    std::stringstream ls(line);
    for (std::string c; std::getline(ls, c, ',');) cells.push_back(c);
    if (!line.empty() && line.back() == ',') cells.push_back("");
    rows.push_back(cells);
  }
  return rows;
}

/** A fresh folder per test, removed afterwards. */
class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("dtsim_cli_test." + std::to_string(::getpid()) + "." + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /** Writes `text` to `name` in the test folder; returns its absolute path. */
  std::string file(const std::string& name, const std::string& text) {
    fs::path p = dir_ / name;
    write(p, text);
    return p.string();
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  /** Runs a shell command line (not dtsim), capturing its status and output. */
  Result shell(const std::string& command) {
    fs::path err = dir_ / ".stderr";
    const int raw = std::system(("(" + command + ") 2>'" + err.string() + "'").c_str());
    Result r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.err = slurp(err);
    fs::remove(err);
    return r;
  }

  /** Runs `dtsim <args>` (args already shell-quoted where needed). */
  Result dtsim(const std::string& args) { return dtsim_limited(args, 0); }

  /** Runs `dtsim <args>` under `ulimit -v <kib>` (virtual memory, KiB; 0: no limit). */
  Result dtsim_limited(const std::string& args, long kib) {
    fs::path out = dir_ / ".stdout", err = dir_ / ".stderr";
    std::string cmd = (kib > 0 ? "ulimit -v " + std::to_string(kib) + " && " : std::string()) +
                      "'" + kBinary + "' " + args + " >'" + out.string() + "' 2>'" + err.string() + "'";
    int raw = std::system(cmd.c_str());
    Result r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    fs::remove(out);
    fs::remove(err);
    return r;
  }

  /** `dtsim run -q --reproducible` on a scenario file holding `text`: expects exit 0 and
   *  returns the report. */
  nlohmann::json run_ok(const std::string& text) {
    std::string s = file("s.yaml", text);
    Result r = dtsim("run -q --reproducible '" + s + "' --report '" + path("r.json") + "'");
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(slurp(path("r.json")));
  }
  /** `dtsim run` on a scenario file holding `text`: expects exit 2 and returns stderr; the
   *  file's path goes to `file_name` when given (messages start with it). */
  std::string error(const std::string& text, std::string* file_name = nullptr) {
    std::string s = file("s.yaml", text);
    if (file_name) *file_name = s;
    Result r = dtsim("run '" + s + "'");
    EXPECT_EQ(r.status, 2);
    return r.err;
  }

  /** Files in the test folder (names), for "nothing was left behind" checks. */
  std::vector<std::string> listing(const std::string& sub = "") const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_ / sub))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

}  // namespace dtsim::test
