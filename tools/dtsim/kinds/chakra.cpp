// `workload.kind: chakra`: Chakra execution traces imported (models/workloads/chakra), placed on
// the cluster's ranks; its report section counts the trace's nodes by type, what was skipped and
// the dependencies on nodes not in the trace (treated as satisfied unless `strict`).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>

#include "simcore/file_read.h"
#include "models/workloads/chakra/chakra_import.h"
#include "models/workloads/chakra/trace_files.h"
#include "tools/dtsim/config_loaders.h"
#include "tools/dtsim/config_schema.h"
#include "tools/dtsim/kinds/registry.h"

namespace dtsim::cli::kinds {

namespace {

using simcore::ConfigError;
using Info = workloads::chakra::ImportStats;

void load(Scenario& s, const ConfigNode& w) {
  auto trace = w["trace"];
  std::string archive;
  if (auto a = w.get("archive")) {
    archive = a->resolve_path(a->str());
    if (!simcore::is_regular_file(archive))
      a->fail(fmt::format("cannot read archive '{}'", archive));
  }
  // Inside an archive the prefix is a member path; otherwise a path relative to the scenario.
  std::string prefix = archive.empty() ? trace.resolve_path(trace.str()) : trace.str();
  workloads::chakra::ImportOptions opt;
  if (auto c = w.get("compute")) opt.replay_durations = c->choice({"trace", "model"}) == "trace";
  if (auto st = w.get("strict")) opt.strict = st->boolean();
  // Process groups: a map here, a JSON/YAML file named here, or <prefix>.comm_groups.json next to
  // the trace (what `dtsim export chakra` writes).
  std::optional<ConfigNode> groups = w.get("comm_groups");
  if (groups && groups->is_scalar()) groups = load_ref(*groups);
  std::string beside = prefix + ".comm_groups.json";
  if (!groups && archive.empty() && simcore::is_regular_file(beside))
    groups = ConfigNode::load_file(beside);
  if (groups)
    for (auto& [name, members] : groups->entries()) {
      std::vector<int> ranks;
      for (const auto& m : members.items())
        ranks.push_back(static_cast<int>(m.integer(0, s.topology.rank_count() - 1)));
      opt.comm_groups[name] = ranks;
    }
  std::vector<workloads::chakra::RankTrace> traces;
  try {
    traces = workloads::chakra::read_trace_ranks(prefix, archive);
  } catch (const ConfigError& e) {
    if (e.message().rfind("no Chakra trace for rank 0", 0) == 0) trace.fail(e.message());
    throw;
  }
  const int n = static_cast<int>(traces.size()), cluster = s.topology.rank_count();
  std::vector<int> placement;
  if (auto rn = w.get("ranks")) {
    for (const auto& x : rn->items())
      placement.push_back(static_cast<int>(x.integer(0, cluster - 1)));
    if (static_cast<int>(placement.size()) != n)
      rn->fail(fmt::format("lists {} cluster ranks for a trace of {} ranks", placement.size(), n));
    std::vector<int> sorted = placement;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
      rn->fail("names a cluster rank twice");
  } else if (n != cluster) {
    trace.fail(
        fmt::format("the trace has {} ranks and the cluster {}; give workload.ranks: a list "
                    "of {} cluster ranks to run the trace's ranks on",
                    n, cluster, n));
  }
  Info stats;
  s.workload = workloads::chakra::import_chakra(traces, opt, &stats);
  if (const auto& m = stats.missing_deps; m.total() > 0)
    fmt::print(stderr,
               "{}: warning: workload.trace: {} dependencies on nodes not in the trace ({} data, {} "
               "control) were treated as satisfied, e.g. {}; set workload.strict: true to refuse "
               "them\n",
               trace.location().str(), m.total(), m.data, m.control, m.first);
  if (!placement.empty()) s.workload = s.workload.placed(placement, cluster);
  s.info = std::make_shared<InfoOf<Info>>(stats);
}

void report(const Scenario& s, const simcore::ExecutionResult&, nlohmann::ordered_json& j) {
  const Info& stats = info_of<Info>(s);
  auto by_type = nlohmann::ordered_json::object(), skipped = nlohmann::ordered_json::object();
  for (const auto& [k, v] : stats.nodes_by_type) by_type[k] = v;
  for (const auto& [k, v] : stats.skipped) skipped[k] = v;
  j["chakra"] = {{"nodes_by_type", by_type},
                 {"skipped_nodes", skipped},
                 {"unknown_attributes", stats.unknown_attributes},
                 {"missing_dependencies",
                  {{"data", stats.missing_deps.data}, {"control", stats.missing_deps.control}}}};
}

}  // namespace

WorkloadKind chakra_kind() {
  WorkloadKind k;
  k.name = "chakra";
  static const KeySchema schema(
      {KeySpec("kind", "chakra").mandatory(),
       KeySpec("trace", "path prefix P of the per-rank files P.RANK.et (.et.gz, or feeder .json)")
           .mandatory(),
       KeySpec("archive", "a tar archive to read the trace's files from"),
       KeySpec("compute", "compute times: the trace's durations, or the cost model")
           .defaults("trace")
           .one_of({"trace", "model"}),
       KeySpec("comm_groups", "process groups: a map name -> ranks, or a file")
           .defaults("P.comm_groups.json if present"),
       KeySpec("strict", "refuse a dependency on a node not in the trace (else: satisfied, counted)")
           .defaults("false"),
       KeySpec("ranks", "cluster ranks the trace's ranks run on (a list)")
           .defaults("0..n-1 (the trace's ranks = the cluster's)")});
  k.schema = &schema;
  k.load = load;
  k.report = report;
  return k;
}

}  // namespace dtsim::cli::kinds
