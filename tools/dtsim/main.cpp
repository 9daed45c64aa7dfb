// dtsim: discrete-event simulator of distributed ML training. See README.md.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

#include "simcore/error.h"
#include "tools/dtsim/commands.h"

int main(int argc, char** argv) {
  using namespace dtsim::cli;
  CLI::App app{"dtsim: discrete-event simulator of distributed ML training"};
  app.require_subcommand(1);

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "simulate one scenario; print a summary, write a report and a trace");
  run_cmd->add_option("scenario", run.scenario, "scenario YAML file")->required();
  run_cmd->add_option("--set", run.sets, "override a scenario key, e.g. --set run.seed=2 (repeatable)");
  run_cmd->add_option("--report", run.report, "write the JSON report here");
  run_cmd->add_option("--trace", run.trace, "write a Chrome/Perfetto trace here");
  run_cmd->add_flag("--reproducible", run.reproducible, "write wall_time_s as null (byte-identical reports)");
  run_cmd->add_flag("-q,--quiet", run.quiet, "print nothing on success");

  InspectOptions inspect;
  auto* inspect_cmd = app.add_subcommand("inspect", "describe an input");
  inspect_cmd->require_subcommand(1);
  auto* inspect_topo = inspect_cmd->add_subcommand("topology", "node/link counts, bisection, diameter, DOT");
  inspect_topo->add_option("file", inspect.file, "topology YAML (or a scenario naming one)")->required();
  inspect_topo->add_option("--dot", inspect.dot, "write Graphviz DOT here");

  ValidateOptions validate;
  auto* validate_cmd = app.add_subcommand("validate", "run validation cases; non-zero exit on any failure");
  validate_cmd->add_option("dir", validate.dir, "folder of validation cases (default validation/cases)");
  validate_cmd->add_option("--filter", validate.filter, "only cases whose file name contains this");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  try {
    if (*run_cmd) return run_command(run);
    if (*inspect_topo) return inspect_topology_command(inspect);
    if (*validate_cmd) return validate_command(validate);
  } catch (const dtsim::simcore::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    return 1;
  }
  return 1;
}
