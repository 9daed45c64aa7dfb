// `dtsim nccl-tests BINARY [nccl-tests flags] --topology FILE --device FILE`: the command line
// people already use to measure collectives (NVIDIA/nccl-tests), run as a `collective_sweep`
// scenario, so a measured table and a simulated one come from the same line. The flags mean what
// nccl-tests' src/common.cu says they mean; those that cannot change a simulated time (-n, -w,
// -c) are accepted and said to have no effect, never silently dropped.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "simcore/error.h"
#include "tools/dtsim/commands.h"
#include "tools/dtsim/config_node.h"
#include "tools/dtsim/scenario.h"

namespace dtsim::cli {

namespace {

using simcore::ConfigError;
using simcore::SourceLocation;

/** Where errors about the generated scenario point: the flags it came from. */
constexpr const char* kCommandLine = "<dtsim nccl-tests command line>";

/** nccl-tests' binaries that collective_sweep runs, and the collective each measures. */
const std::map<std::string, std::string>& binaries() {
  static const std::map<std::string, std::string> m = {
      {"all_reduce_perf", "all_reduce"},   {"all_gather_perf", "all_gather"},
      {"reduce_scatter_perf", "reduce_scatter"}, {"alltoall_perf", "all_to_all"},
      {"broadcast_perf", "broadcast"},     {"reduce_perf", "reduce"}};
  return m;
}

[[noreturn]] void bad_flag(const std::string& flag, const std::string& value,
                           const std::string& message) {
  throw ConfigError(SourceLocation{fmt::format("<{} {}>", flag, value), 0, 0}, message);
}

/**
 * A size as nccl-tests parses it (src/common.cu, parsesize): a whole number of bytes with an
 * optional K, M, G or T suffix (either case), each a power of 1024. Returns the bytes.
 * Errors: ConfigError at the flag for anything else, or a size of 4 EB or more.
 */
int64_t parse_size(const std::string& flag, const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string unit = text.substr(digits);
  int shift = 0;
  if (unit == "K" || unit == "k") shift = 10;
  else if (unit == "M" || unit == "m") shift = 20;
  else if (unit == "G" || unit == "g") shift = 30;
  else if (unit == "T" || unit == "t") shift = 40;
  else if (!unit.empty()) digits = 0;  // an unknown suffix: refused below
  if (digits == 0 || digits > 18)
    bad_flag(flag, text, fmt::format("expected a size in bytes like 8, 128K, 32M or 8G (powers of "
                                     "1024, as nccl-tests reads them); got \"{}\"", text));
  const uint64_t n = std::stoull(text.substr(0, digits));
  if (n >= (uint64_t{4} << 60 >> shift))
    bad_flag(flag, text, "expected a size below 4 EB (the byte counter is 64-bit)");
  return static_cast<int64_t>(n << shift);
}

void check_positive(const std::string& flag, int v, int max) {
  if (v < 1 || v > max)
    bad_flag(flag, std::to_string(v), fmt::format("expected an integer in [1, {}]; got {}", max, v));
}

}  // namespace

int nccl_tests_command(const NcclTestsOptions& o) {
  auto b = binaries().find(o.binary);
  if (b == binaries().end()) {
    std::string names;
    for (const auto& [name, coll] : binaries()) names += (names.empty() ? "" : ", ") + name;
    throw ConfigError(SourceLocation{"<" + o.binary + ">", 0, 0},
                      fmt::format("expected an nccl-tests binary that dtsim models: {}; got "
                                  "\"{}\"", names, o.binary));
  }
  if (o.topology.empty() || o.device.empty())
    throw ConfigError(SourceLocation{kCommandLine, 0, 0},
                      "give the cluster: --topology FILE --device FILE (e.g. "
                      "configs/topologies/hgx_h100_node.yaml and configs/devices/h100_sxm.yaml)");
  check_positive("-g", o.gpus, 1 << 16);
  check_positive("-t", o.threads, 1 << 16);
  check_positive("--np", o.processes, 1 << 20);
  const int64_t ranks = int64_t{o.gpus} * o.threads * o.processes;
  if (ranks > (int64_t{1} << 24))
    bad_flag("-g", std::to_string(o.gpus),
             fmt::format("{} ranks (-g x -t x --np) is above the 2^24 a collective_sweep takes",
                         ranks));
  const int64_t min = parse_size("-b", o.min_bytes), max = parse_size("-e", o.max_bytes);
  if (max < min)
    bad_flag("-e", o.max_bytes, fmt::format("the largest size ({} B) is below -b ({} B)", max, min));
  // nccl-tests steps by -f (a factor) when given, else adds -i bytes (1M by default).
  std::string factor = "2";
  if (!o.step_factor.empty()) {
    factor = o.step_factor;
    double f = 0;
    try {
      size_t used = 0;
      f = std::stod(factor, &used);
      if (used != factor.size()) f = 0;
    } catch (const std::exception&) {
      f = 0;
    }
    if (!(f > 1)) bad_flag("-f", factor, "expected a factor > 1");
  } else if (max > min) {
    bad_flag("-i", o.step_bytes.empty() ? "1M" : o.step_bytes,
             "additive size steps (-i, nccl-tests' default when -f is not given) are not "
             "modelled: give -f, e.g. -f 2");
  }

  YAML::Node doc;
  doc["name"] = fmt::format("nccl-tests {}", o.binary);
  doc["cluster"]["topology"] = std::filesystem::absolute(o.topology).string();
  doc["cluster"]["device"] = std::filesystem::absolute(o.device).string();
  YAML::Node w = doc["workload"];
  w["kind"] = "collective_sweep";
  w["collective"] = b->second;
  w["algorithm"] = o.algorithm;
  w["ranks"] = ranks;
  w["sizes"]["min"] = fmt::format("{}B", min);
  w["sizes"]["max"] = fmt::format("{}B", max);
  w["sizes"]["factor"] = factor;
  w["root"] = o.root;
  w["dtype"] = o.dtype;
  w["redop"] = o.op;
  doc["network"]["model"] = o.network_model;
  const ConfigNode root(doc, kCommandLine, "", std::make_shared<Overrides>(),
                        SourceLocation{kCommandLine, 0, 0});
  Scenario s = load_scenario(root, kCommandLine, o.run.resources.limits());
  if (!o.run.quiet)
    fmt::print("# dtsim nccl-tests {}: {} ranks (-g {} x -t {} x --np {}); -n {} -w {} -c {} have "
               "no effect (a simulation is deterministic and moves no data)\n",
               o.binary, ranks, o.gpus, o.threads, o.processes, o.iters, o.warmup, o.check);
  return run_scenario(s, o.run);
}

}  // namespace dtsim::cli
