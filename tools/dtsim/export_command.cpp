#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "models/workloads/chakra/chakra_export.h"
#include "models/workloads/chakra/et_reader.h"
#include "tools/dtsim/commands.h"
#include "tools/dtsim/output_file.h"
#include "tools/dtsim/runner.h"
#include "tools/dtsim/scenario.h"

namespace dtsim::cli {

int export_chakra_command(const ExportOptions& o) {
  Scenario s = load_scenario(o.scenario, o.sets, o.resources.limits());
  const std::string groups_file = o.out + ".comm_groups.json";
  check_writable(groups_file, "the Chakra trace");
  // Compute ops carry the time the scenario's device model gives them (duration_micros), so
  // other Chakra consumers can replay them.
  const auto price = make_compute_model(s);
  auto ranks = workloads::chakra::export_chakra(s.workload, price.get());
  size_t nodes = 0;
  for (size_t r = 0; r < ranks.size(); ++r) {
    std::string bytes = workloads::chakra::serialize_et("0.0.4", ranks[r]);
    write_atomically(fmt::format("{}.{}.et", o.out, r), [&](std::ostream& out) { out << bytes; });
    nodes += ranks[r].size();
  }
  nlohmann::ordered_json groups = nlohmann::ordered_json::object();
  for (const auto& [name, members] : workloads::chakra::comm_groups(s.workload)) groups[name] = members;
  write_atomically(groups_file, [&](std::ostream& out) { out << groups.dump(1) << "\n"; });
  if (!o.quiet)
    fmt::print("wrote {} ranks ({} nodes) to {}.<rank>.et and the process groups to {}\n",
               ranks.size(), nodes, o.out, groups_file);
  return 0;
}

}  // namespace dtsim::cli
