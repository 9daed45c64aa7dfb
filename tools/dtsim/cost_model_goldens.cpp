#include "tools/dtsim/cost_model_goldens.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <utility>
#include <vector>

#include "models/compute/calibrated_model.h"
#include "models/compute/roofline.h"
#include "simcore/program_builder.h"
#include "tools/dtsim/calibration_loader.h"
#include "tools/dtsim/config_loaders.h"
#include "tools/dtsim/config_node.h"
#include "tools/dtsim/output_file.h"
#include "tools/dtsim/runner.h"
#include "tools/dtsim/scenario.h"

namespace dtsim::cli {

namespace {

using simcore::AttentionShape;
using simcore::GemmShape;
using simcore::KernelShapes;

struct FixedOp {
  std::string name;
  KernelShapes shape;  ///< empty: priced by flops and bytes
  double flops = 0, bytes = 0;
};

/** The fixed op set (see the header). Sizes: an 8B-70B class layer (h 4096-8192) at TP 8, and
 *  DeepSeek-V3's experts (h 7168, expert ffn 2048) with 16 tokens each. */
std::vector<FixedOp> golden_ops() {
  std::vector<FixedOp> ops;
  auto gemm = [&](int64_t m, int64_t n, int64_t k, int64_t count = 1) {
    KernelShapes s;
    s.gemms.push_back({m, n, k, count});
    std::string name = fmt::format("gemm {}x{}x{}", m, n, k);
    if (count > 1) name += fmt::format(" x{}", count);
    ops.push_back({name, s});
  };
  for (int64_t s : {128, 1024, 4096, 8192}) gemm(s, s, s);
  gemm(16384, 3 * 8192 / 8, 8192);  // QKV projection, h 8192, TP 8, 16k tokens
  gemm(16384, 8192, 8192 / 8);      // output projection
  gemm(8192, 8192, 64);             // small k
  gemm(16, 4096, 7168);             // one expert, 16 tokens (gate and up)
  gemm(16, 4096, 7168, 32);         // 32 such experts, grouped
  gemm(16, 7168, 2048, 32);         // their down projection
  for (bool bwd : {false, true}) {
    KernelShapes s;
    s.attention = AttentionShape{32, 4096, 4096, 128, true, bwd};
    ops.push_back({bwd ? "attention bwd 32x4096x128 causal" : "attention fwd 32x4096x128 causal",
                   s});
  }
  ops.push_back({"memory_bound 1MiB", {}, 0, 1 << 20});
  ops.push_back({"memory_bound 1GiB", {}, 0, double(1 << 30)});
  ops.push_back({"flops 1e12, 1e9 bytes (no shape)", {}, 1e12, 1e9});
  return ops;
}

struct Entry {
  std::string name;
  double old_value = NAN;  ///< NAN: not in the file
  double value = 0;
  std::string scenario, pointer;  ///< scenarios only
};

std::string num(double v) { return fmt::format("{:.12g}", v); }

}  // namespace

bool is_cost_model_golden(const std::string& path) {
  ConfigNode n = ConfigNode::load_file(path);
  return n.has("golden");
}

GoldenResult run_cost_model_golden(const std::string& path, bool regenerate) {
  ConfigNode n = ConfigNode::load_file(path);
  n.check_keys({"golden", "device", "calibration", "dtype", "tolerance", "ops", "scenarios"});
  if (n["golden"].str() != "cost_models") n["golden"].expected("cost_models");
  const compute::DeviceSpec device = load_device(n["device"]);
  std::unique_ptr<simcore::ComputeModel> model;
  std::string calibration_ref;
  if (auto c = n.get("calibration")) {
    calibration_ref = c->str();
    auto table = load_calibration(*c);
    check_device(*c, *table, device);
    model = std::make_unique<compute::CalibratedModel>(device, table);
  } else {
    model = std::make_unique<compute::RooflineModel>(device);
  }
  const std::string dtype = n["dtype"].str();
  auto tol = n["tolerance"];
  tol.check_keys({"relative"});
  const double rel_tol = tol["relative"].number();
  if (!(rel_tol >= 0)) tol["relative"].expected("a relative tolerance >= 0");

  // The fixed ops, priced on rank 0 of a one-rank workload.
  std::vector<Entry> entries;
  simcore::Workload w;
  w.ranks.resize(1);
  simcore::ProgramBuilder b(w);
  for (const FixedOp& f : golden_ops()) {
    const bool shaped = !f.shape.gemms.empty() || f.shape.attention.batch_heads > 0;
    const uint32_t i = b.shaped_compute(0, f.name, shaped ? simcore::kernel_flops(f.shape) : f.flops,
                                        f.bytes, dtype, shaped ? b.shape(f.shape) : -1);
    entries.push_back({.name = f.name,
                       .old_value = NAN,
                       .value = model->cost(w, w.ranks[0].ops[i], 0).time.seconds(),
                       .scenario = "",
                       .pointer = ""});
  }
  if (auto ops = n.get("ops"))
    for (auto& [name, v] : ops->entries())
      for (Entry& e : entries)
        if (e.name == name) e.old_value = v.number();
  // The scenarios' headline numbers.
  const size_t first_scenario = entries.size();
  if (auto list = n.get("scenarios"))
    for (const ConfigNode& s : list->items()) {
      s.check_keys({"scenario", "pointer", "value"});
      Entry e;
      e.scenario = s["scenario"].str();
      e.pointer = s["pointer"].str();
      e.name = e.scenario + " " + e.pointer;
      if (auto v = s.get("value")) e.old_value = v->number();
      Scenario sc = load_scenario(s.resolve_path(e.scenario), {});
      auto j = make_report(sc, simulate(sc, false), true);
      const nlohmann::ordered_json::json_pointer ptr(e.pointer);
      if (!j.contains(ptr) || !j.at(ptr).is_number())
        s["pointer"].fail(fmt::format("'{}' is not a number in the report", e.pointer));
      e.value = j.at(ptr).get<double>();
      entries.push_back(e);
    }

  GoldenResult r;
  for (const Entry& e : entries) {
    ++r.checked;
    const double change =
        std::isnan(e.old_value) ? NAN
        : e.old_value != 0      ? (e.value - e.old_value) / std::fabs(e.old_value)
                                : (e.value == 0 ? 0 : INFINITY);
    if (!(std::fabs(change) <= rel_tol)) {
      ++r.moved;
      if (!regenerate)
        fmt::print("  {}: {}: old {} new {} relative change {}\n", path, e.name,
                   std::isnan(e.old_value) ? "(none)" : num(e.old_value), num(e.value),
                   std::isnan(change) ? "(new value)" : fmt::format("{:+.3e}", change));
    }
  }
  if (!regenerate) return r;

  // Rewrite: the leading comment, the inputs, the new values.
  std::string header;
  {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line) && (line.empty() || line[0] == '#')) header += line + "\n";
  }
  auto node_text = [](const ConfigNode& c) {
    YAML::Emitter out;
    out << YAML::Flow << c.yaml();
    return std::string(out.c_str());
  };
  write_atomically(path, [&](std::ostream& o) {
    o << header;
    o << "golden: cost_models\n";
    o << "device: " << node_text(n["device"]) << "\n";
    if (!calibration_ref.empty()) o << "calibration: " << calibration_ref << "\n";
    o << "dtype: " << dtype << "\n";
    o << "tolerance: {relative: " << num(rel_tol) << "}\n";
    o << "ops:  # predicted seconds\n";
    for (size_t i = 0; i < first_scenario; ++i)
      o << "  \"" << entries[i].name << "\": " << num(entries[i].value) << "\n";
    if (entries.size() > first_scenario) {
      o << "scenarios:\n";
      for (size_t i = first_scenario; i < entries.size(); ++i)
        o << "  - {scenario: " << entries[i].scenario << ", pointer: " << entries[i].pointer
          << ", value: " << num(entries[i].value) << "}\n";
    }
  });
  r.moved = 0;
  return r;
}

}  // namespace dtsim::cli
