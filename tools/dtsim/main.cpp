// dtsim: discrete-event simulator of distributed ML training. See README.md.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <new>

#include "simcore/error.h"
#include "tools/dtsim/commands.h"
#include "tools/dtsim/version.h"

int main(int argc, char** argv) {
  using namespace dtsim::cli;
  CLI::App app{"dtsim: discrete-event simulator of distributed ML training"};
  auto resource_options = [](CLI::App* cmd, ResourceOptions& r) {
    cmd->add_option("--max-memory", r.max_memory,
                    "refuse work estimated above this much memory, e.g. 8GiB (default: half the "
                    "physical memory, or 3/4 of the process's limit)");
    cmd->add_flag("--force", r.force, "run work above the work caps (long runs), not above --max-memory");
  };
  app.require_subcommand(1);
  app.set_version_flag("--version", fmt::format("dtsim {} (commit {})", dtsim_version(), dtsim_commit()));

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "simulate one scenario; print a summary, write a report and a trace");
  run_cmd->add_option("scenario", run.scenario, "scenario YAML file")->required();
  run_cmd->add_option("--set", run.sets, "override a scenario key, e.g. --set run.seed=2 (repeatable)");
  run_cmd->add_option("--report", run.report, "write the JSON report here (-: standard output)");
  run_cmd->add_option("--trace", run.trace, "write a Chrome/Perfetto trace here (-: standard output)");
  run_cmd->add_option("--trace-ranks", run.trace_ranks, "only these ranks in the trace, e.g. 0-7,12");
  run_cmd->add_flag("--reproducible", run.reproducible, "write wall_time_s as null (byte-identical reports)");
  run_cmd->add_flag("-q,--quiet", run.quiet, "print nothing on success");
  resource_options(run_cmd, run.resources);

  InspectOptions inspect;
  auto* inspect_cmd = app.add_subcommand("inspect", "describe an input");
  inspect_cmd->require_subcommand(1);
  auto* inspect_topo = inspect_cmd->add_subcommand("topology", "node/link counts, bisection, diameter, DOT");
  inspect_topo->add_option("file", inspect.file, "topology YAML (or a scenario naming one)")->required();
  inspect_topo->add_option("--dot", inspect.dot, "write Graphviz DOT here");

  ExportOptions exp;
  auto* export_cmd = app.add_subcommand("export", "write a scenario's workload in another format");
  export_cmd->require_subcommand(1);
  auto* export_chakra = export_cmd->add_subcommand("chakra", "Chakra execution traces, one .et per rank");
  export_chakra->add_option("scenario", exp.scenario, "scenario YAML file")->required();
  export_chakra->add_option("--out", exp.out, "DIR/prefix of the files to write")->required();
  export_chakra->add_option("--set", exp.sets, "override a scenario key (repeatable)");
  export_chakra->add_flag("-q,--quiet", exp.quiet, "print nothing on success");
  resource_options(export_chakra, exp.resources);

  SweepOptions sweep;
  auto* sweep_cmd = app.add_subcommand("sweep", "run a scenario over a grid of overrides, on all cores");
  sweep_cmd->add_option("scenario", sweep.scenario, "scenario YAML file (its sweep: block adds axes)")->required();
  sweep_cmd->add_option("--grid", sweep.grid,
                        "an axis key.path=[v1, v2, ...] (YAML values) or key.path=v1,v2,... (repeatable; axes cross)");
  sweep_cmd->add_option("--set", sweep.sets, "a fixed override (repeatable)");
  sweep_cmd->add_option("--out", sweep.out, "write OUT.csv and OUT.json (default: sweep)");
  sweep_cmd->add_option("-j,--jobs", sweep.jobs, "threads (default: all cores)")
      ->check(CLI::Range(1, 4096));
  sweep_cmd->add_option("--shard", sweep.shard, "I/N: run only points i with i % N == I");
  sweep_cmd->add_flag("--no-sweep", sweep.no_sweep, "ignore the scenario's sweep: block");
  sweep_cmd->add_flag("--resume", sweep.resume, "skip the points OUT.journal holds (a killed sweep)");
  sweep_cmd->add_flag("-q,--quiet", sweep.quiet, "print nothing on success");
  resource_options(sweep_cmd, sweep.resources);

  MergeOptions merge;
  auto* merge_cmd = app.add_subcommand("merge", "merge the OUT.json of a sweep's shards (--shard I/N) into one table");
  merge_cmd->add_option("--out", merge.out, "write OUT.csv and OUT.json")->required();
  merge_cmd->add_option("inputs", merge.inputs, "each shard's OUT.json")->required();
  merge_cmd->add_flag("-q,--quiet", merge.quiet, "print nothing on success");

  ValidateOptions validate;
  auto* validate_cmd = app.add_subcommand("validate", "run validation cases; non-zero exit on any failure");
  validate_cmd->add_option("dir", validate.dir, "folder of validation cases (default validation/cases)");
  validate_cmd->add_option("--filter", validate.filter, "only cases whose file name contains this");
  validate_cmd->add_flag("--regenerate", validate.regenerate,
                         "rewrite the predicted values of cost-model goldens (validation/cost_models) "
                         "after an intended change");

  CalibrateOptions calibrate;
  auto* calibrate_cmd = app.add_subcommand("calibrate", "measure this machine's kernels into a calibration file");
  calibrate_cmd->add_option("--backend", calibrate.backend, "cpu (OpenBLAS, STREAM triad) or cuda")
      ->required()->check(CLI::IsMember({"cpu", "cuda"}));
  calibrate_cmd->add_option("--out", calibrate.out, "the calibration file to write (configs/calibration/<device>.yaml)")
      ->required();
  calibrate_cmd->add_flag("--quick", calibrate.quick, "a small grid, under 30 s");
  calibrate_cmd->add_option("--threads", calibrate.threads, "CPU: OpenBLAS threads (0: its default)")
      ->check(CLI::Range(0, 4096));
  calibrate_cmd->add_flag("-q,--quiet", calibrate.quiet, "print nothing on success");

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
    if (*export_chakra) return export_chakra_command(exp);
    if (*sweep_cmd) return sweep_command(sweep);
    if (*merge_cmd) return merge_command(merge);
    if (*calibrate_cmd) return calibrate_command(calibrate);
  } catch (const dtsim::simcore::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "error: out of memory: the topology or workload is too large for this machine\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    return 1;
  }
  return 1;
}
