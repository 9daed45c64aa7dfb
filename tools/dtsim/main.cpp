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
  run_cmd->add_flag("--collective-instances", run.collective_instances,
                    "list every collective instance in the report (collective_instances), besides "
                    "the per-class summary");
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
  sweep_cmd->add_option("--out", sweep.out, "write OUT.csv and OUT.json (default: sweep, or sweep.I-of-N with --shard)");
  sweep_cmd->add_option("-j,--jobs", sweep.jobs, "threads (default: all cores)")
      ->check(CLI::Range(1, 4096));
  sweep_cmd->add_option("--shard", sweep.shard, "I/N: run only points i with i % N == I (then dtsim merge)");
  sweep_cmd->add_option("--plot", sweep.plot, "draw FILE.png or FILE.svg with gnuplot: --plot-metric against the first varied axis");
  sweep_cmd->add_option("--plot-metric", sweep.plot_metric, "the column --plot draws (default step_time_s)");
  sweep_cmd->add_flag("--no-sweep", sweep.no_sweep, "ignore the scenario's sweep: block");
  sweep_cmd->add_flag("--resume", sweep.resume, "skip the points OUT.journal holds (a killed sweep)");
  sweep_cmd->add_flag("-q,--quiet", sweep.quiet, "print nothing on success");
  resource_options(sweep_cmd, sweep.resources);

  MergeOptions merge;
  auto* merge_cmd = app.add_subcommand("merge", "merge the OUT.json of a sweep's shards (--shard I/N) into one table");
  merge_cmd->add_option("--out", merge.out, "write OUT.csv and OUT.json")->required();
  merge_cmd->add_option("inputs", merge.inputs, "each shard's OUT.json")->required();
  merge_cmd->add_option("--plot", merge.plot, "draw FILE.png or FILE.svg with gnuplot, as sweep --plot");
  merge_cmd->add_option("--plot-metric", merge.plot_metric, "the column --plot draws (default step_time_s)");
  merge_cmd->add_flag("-q,--quiet", merge.quiet, "print nothing on success");

  PlanOptions plan;
  auto* plan_cmd = app.add_subcommand(
      "plan", "search the parallel layouts of a transformer over cluster sizes; print the best and the Pareto front");
  plan_cmd->add_option("scenario", plan.scenario, "scenario YAML file (kind: transformer)")->required();
  plan_cmd->add_option("--gpus", plan.gpus,
                       "GPU counts: LOW-HIGH (the powers of two between), a list 64,128, or one (default: the cluster's)");
  plan_cmd->add_option("--global-batch", plan.global_batch, "sequences per step (default: the scenario's)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  plan_cmd->add_option("--set", plan.sets, "override a scenario key (repeatable)");
  plan_cmd->add_option("-j,--jobs", plan.jobs, "threads (default: all cores)")->check(CLI::Range(1, 4096));
  plan_cmd->add_option("--top", plan.top, "best layouts per GPU count to list and re-run (default 1)")
      ->check(CLI::Range(1, 1000));
  plan_cmd->add_flag("--no-rerun", plan.no_rerun, "skip the full simulations of the best layouts");
  plan_cmd->add_option("--target-tokens-per-s", plan.target_tokens_per_s,
                       "the fewest GPUs reaching this throughput (exit 2 when no layout does)")
      ->check(CLI::PositiveNumber);
  plan_cmd->add_flag("--least-inter-node-bandwidth", plan.least_bandwidth,
                     "with --target-tokens-per-s: the least bandwidth of the links between nodes "
                     "(a factor of the cluster's) with which some layout reaches the target");
  plan_cmd->add_option("--reliability", plan.reliability,
                       "failure rates, checkpoint and restart costs (configs/reliability/*.yaml): "
                       "goodput per GPU count, Young's checkpoint period; targets count useful tokens/s");
  plan_cmd->add_option("--train-tokens", plan.train_tokens,
                       "with --target-tokens-per-s: the days and cost of training this many tokens")
      ->check(CLI::PositiveNumber);
  plan_cmd->add_option("--out", plan.out, "write the best layouts and the front here (.json or .csv)");
  plan_cmd->add_option("--plot", plan.plot, "draw FILE.png or FILE.svg with gnuplot: step time of the best layouts against GPUs");
  plan_cmd->add_flag("-q,--quiet", plan.quiet, "print nothing on success");
  resource_options(plan_cmd, plan.resources);

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

  NcclTestsOptions nccl;
  auto* nccl_cmd = app.add_subcommand(
      "nccl-tests", "run an nccl-tests command line (all_reduce_perf -b 8 -e 8G -f 2 -g 8 ...) "
                    "as a collective sweep on --topology/--device");
  nccl_cmd->add_option("binary", nccl.binary, "all_reduce_perf, all_gather_perf, reduce_scatter_perf, "
                       "alltoall_perf, broadcast_perf or reduce_perf")->required();
  nccl_cmd->add_option("-b,--minbytes", nccl.min_bytes, "smallest size (K, M, G: powers of 1024; default 32M)");
  nccl_cmd->add_option("-e,--maxbytes", nccl.max_bytes, "largest size (default 32M)");
  nccl_cmd->add_option("-i,--stepbytes", nccl.step_bytes, "additive step (not modelled: use -f)");
  nccl_cmd->add_option("-f,--stepfactor", nccl.step_factor, "multiply the size by this each step");
  nccl_cmd->add_option("-g,--ngpus", nccl.gpus, "GPUs per thread (default 1)");
  nccl_cmd->add_option("-t,--nthreads", nccl.threads, "threads per process (default 1)");
  nccl_cmd->add_option("--np", nccl.processes, "processes, as mpirun -np gives them (default 1)");
  nccl_cmd->add_option("-n,--iters", nccl.iters, "iterations (no effect: a simulation is deterministic)");
  nccl_cmd->add_option("-w,--warmup_iters", nccl.warmup, "warm-up iterations (no effect)");
  nccl_cmd->add_option("-c,--check", nccl.check, "check data (no effect: no data moves; #wrong is N/A)");
  nccl_cmd->add_option("-d,--datatype", nccl.dtype, "element type of the count column (default float)");
  nccl_cmd->add_option("-o,--op", nccl.op, "reduction named in the redop column (default sum)");
  nccl_cmd->add_option("-r,--root", nccl.root, "root of broadcast and reduce (default 0)");
  nccl_cmd->add_option("--topology", nccl.topology, "topology YAML of the cluster (required)");
  nccl_cmd->add_option("--device", nccl.device, "device YAML of its GPUs (required)");
  nccl_cmd->add_option("--algorithm", nccl.algorithm, "collective algorithm (default auto)");
  nccl_cmd->add_option("--network-model", nccl.network_model, "flow (default) or analytical");
  nccl_cmd->add_option("--report", nccl.run.report, "write the JSON report here (-: standard output)");
  nccl_cmd->add_option("--trace", nccl.run.trace, "write a Chrome/Perfetto trace here");
  nccl_cmd->add_flag("-q,--quiet", nccl.run.quiet, "print nothing on success");
  resource_options(nccl_cmd, nccl.run.resources);

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
    if (*plan_cmd) {
      plan.gpus_given = plan_cmd->count("--gpus") > 0;
      return plan_command(plan);
    }
    if (*calibrate_cmd) return calibrate_command(calibrate);
    if (*nccl_cmd) return nccl_tests_command(nccl);
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
