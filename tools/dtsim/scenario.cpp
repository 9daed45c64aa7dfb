#include "tools/dtsim/scenario.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "models/collectives/algorithm.h"
#include "simcore/file_read.h"
#include "tools/dtsim/calibration_loader.h"
#include "tools/dtsim/config_loaders.h"
#include "tools/dtsim/fault_config.h"
#include "tools/dtsim/link_models.h"
#include "tools/dtsim/kinds/registry.h"

namespace dtsim::cli {

using simcore::ConfigError;
using simcore::SourceLocation;

namespace {

/** The YAML document as JSON, for the report's record of the effective configuration: maps in
 *  their order, sequences as arrays, scalars as the text the file (or --set) gave. */
nlohmann::ordered_json yaml_to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::ordered_json j = nlohmann::ordered_json::object();
      for (const auto& kv : n) j[kv.first.Scalar()] = yaml_to_json(kv.second);
      return j;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::ordered_json j = nlohmann::ordered_json::array();
      for (const auto& v : n) j.push_back(yaml_to_json(v));
      return j;
    }
    case YAML::NodeType::Scalar:
      return n.Scalar();
    default:
      return nullptr;
  }
}

}  // namespace

ConfigNode load_scenario_document(const std::string& path, const std::vector<std::string>& sets) {
  const std::string text =
      simcore::read_regular_file(path, simcore::kMaxConfigFileBytes, "scenario file");
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(SourceLocation{path, e.mark.line + 1, e.mark.column + 1},
                      "invalid YAML: " + e.msg);
  }
  if (!doc.IsMap())
    throw ConfigError(SourceLocation{path, 1, 1}, "expected a scenario (a YAML map)");
  auto overrides = std::make_shared<Overrides>();
  apply_overrides(doc, sets, *overrides);
  return ConfigNode(doc, path, "", overrides, SourceLocation{path, 1, 1});
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets,
                       const simcore::ResourceLimits& limits) {
  return load_scenario(load_scenario_document(path, sets), path, limits);
}

Scenario load_scenario(const ConfigNode& root, const std::string& path,
                       const simcore::ResourceLimits& limits) {
  root.check_keys(
      {"name", "description", "cluster", "workload", "network", "faults", "run", "outputs",
       "sweep"});

  Scenario s;
  s.file = path;
  s.config = yaml_to_json(root.yaml());
  s.limits = limits;
  s.name = root.has("name") ? root["name"].str() : std::filesystem::path(path).stem().string();
  auto cluster = root["cluster"];
  cluster.check_keys({"topology", "device", "calibration", "node_devices"});
  s.topology = load_topology(cluster["topology"]);
  s.device = load_device(cluster["device"]);
  if (auto c = cluster.get("calibration")) {
    s.calibration = load_calibration(*c);
    check_device(*c, *s.calibration, s.device);
  }
  if (auto nd = cluster.get("node_devices")) {
    s.node_devices = load_device_classes(*nd, s.topology.rank_count(), "ranks", false);
    s.node_devices_at = nd->location();
  }

  if (auto net = root.get("network")) {
    net->check_keys(
        {"model", "chunks", "connections", "batch_tolerance", "reuse_timings", "links"});
    if (auto r = net->get("reuse_timings")) s.reuse_timings = r->boolean();
    if (auto b = net->get("batch_tolerance")) {
      s.batch_tolerance = b->number();
      if (!(s.batch_tolerance >= 0 && s.batch_tolerance <= 0.01))
        b->expected("a fraction in [0, 0.01]");
    }
    if (auto m = net->get("model")) s.network_model = m->choice({"flow", "analytical"});
    if (auto c = net->get("chunks")) s.chunks = static_cast<int>(c->integer(1, 1 << 16));
    if (auto c = net->get("connections"))
      s.connections = static_cast<int>(c->integer(1, collectives::kMaxConnectionsPerPair));
    if (auto l = net->get("links")) {
      s.links = load_link_models(*l, s.topology);
      // The analytical back-end prices a model's steady bound; one that has none says so here.
      if (s.network_model == "analytical")
        for (const auto& [cls, spec] : s.links) try {
            (void)spec->steady_bound_bytes_per_s(network::TransferInfo{});
          } catch (const ConfigError& e) {
            (*l)[cls].fail(e.message());
          }
    }
  }
  if (auto f = root.get("faults")) {
    s.faults = load_faults(*f, s.topology);
    if (!s.faults.empty() && s.network_model != "flow")
      f->fail("faults change the flow back-end's links (network.model: flow)");
  }
  if (auto run = root.get("run")) {
    run->check_keys({"seed"});
    if (auto sd = run->get("seed")) s.seed = static_cast<uint64_t>(sd->integer(0, INT64_MAX));
  }
  if (auto out = root.get("outputs")) {
    out->check_keys({"report", "trace"});
    if (auto r = out->get("report")) s.report_path = r->resolve_path(r->str());
    if (auto t = out->get("trace")) s.trace_path = t->resolve_path(t->str());
  }

  auto w = root["workload"];
  s.kind = &kinds::workload_kind(w["kind"]);
  if (!s.faults.peers.empty() && !s.kind->peer_churn) {
    std::vector<std::string> kinds;
    for (const auto& k : kinds::workload_kinds())
      if (k.peer_churn) kinds.push_back(k.name);
    root["faults"]["peers"].fail(
        fmt::format("PCCL peers leave and join the kinds that run PCCL operations ({}); "
                    "workload kind {} runs none",
                    fmt::join(kinds, ", "), s.kind->name));
  }
  try {
    s.kind->schema->check(w);
    s.kind->load(s, w);
  } catch (const ConfigError& e) {
    if (!e.where().str().empty()) throw;
    w.fail(e.message());
  }
  return s;
}

}  // namespace dtsim::cli
