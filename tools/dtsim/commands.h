#pragma once
/** The dtsim subcommands; each returns the process exit status (0 ok, 1 failure, 2 bad input). */
#include <string>

#include "simcore/resource_guard.h"
#include <vector>

namespace dtsim::cli {

struct Scenario;

/** `--max-memory SIZE` and `--force`, on every command that builds a scenario. */
struct ResourceOptions {
  std::string max_memory;  ///< e.g. "8GiB"; empty: the default (simcore/resource_guard.h)
  bool force = false;      ///< lift the work caps
  /** The limits these give. Errors: ConfigError at `<--max-memory ...>` for a size that is not
   *  a positive number of bytes with its unit. */
  simcore::ResourceLimits limits() const;
};

struct RunOptions {
  std::string scenario;
  std::vector<std::string> sets;
  ResourceOptions resources;
  std::string report, trace;
  std::string trace_ranks;  ///< "0-7,12": only these ranks in the trace
  bool reproducible = false;
  bool quiet = false;
  bool collective_instances = false;  ///< the report lists every collective instance too
};
int run_command(const RunOptions& o);
/** `dtsim run`'s work on a scenario already loaded: `o.scenario` and `o.sets` are not used. */
int run_scenario(const Scenario& s, const RunOptions& o);

/** `dtsim nccl-tests BINARY [flags]`: nccl-tests' command line, run as a collective_sweep. */
struct NcclTestsOptions {
  std::string binary;  ///< all_reduce_perf, all_gather_perf, ...
  std::string min_bytes = "32M", max_bytes = "32M", step_bytes, step_factor;  ///< -b -e -i -f
  int gpus = 1, threads = 1, processes = 1;  ///< -g -t, and mpirun's -np (--np)
  int iters = 20, warmup = 5, check = 1;     ///< -n -w -c: no effect on a simulation (said)
  std::string dtype = "float", op = "sum";   ///< -d -o
  int root = 0;                              ///< -r
  std::string topology, device;              ///< --topology FILE --device FILE (required)
  std::string algorithm = "auto", network_model = "flow";
  RunOptions run;  ///< --report, --trace, -q, resources
};
int nccl_tests_command(const NcclTestsOptions& o);

struct InspectOptions {
  std::string file;
  std::string dot;
};
int inspect_topology_command(const InspectOptions& o);

struct ExportOptions {
  std::string scenario;
  std::vector<std::string> sets;
  ResourceOptions resources;
  std::string out;  ///< DIR/prefix: writes prefix.<rank>.et and prefix.comm_groups.json
  bool quiet = false;
};
int export_chakra_command(const ExportOptions& o);

struct SweepOptions {
  std::string scenario;
  ResourceOptions resources;
  std::vector<std::string> grid;  ///< key=[v1, v2] or key=v1,v2,... (product of all axes)
  std::vector<std::string> sets;  ///< fixed overrides
  std::string out;                ///< writes OUT.csv and OUT.json; empty: sweep (sweep.I-of-N
                                  ///< with --shard I/N)
  int jobs = 0;                   ///< threads (0 = all cores)
  std::string shard;              ///< I/N: run points i with i % N == I
  std::string plot;               ///< FILE.png or FILE.svg: plot_metric against the first axis
  std::string plot_metric = "step_time_s";  ///< the plotted column
  bool no_sweep = false;          ///< ignore the scenario's sweep: block
  bool resume = false;            ///< skip the points OUT.journal holds
  bool quiet = false;
};
int sweep_command(const SweepOptions& o);

struct MergeOptions {
  std::string out;                  ///< writes out.csv and out.json
  std::vector<std::string> inputs;  ///< each shard's OUT.json
  std::string plot;                 ///< FILE.png or FILE.svg, as SweepOptions::plot
  std::string plot_metric = "step_time_s";
  bool quiet = false;
};
int merge_command(const MergeOptions& o);

/** `dtsim plan`: the parallel layouts of a transformer step over cluster sizes (plan/). */
struct PlanOptions {
  std::string scenario;
  std::vector<std::string> sets;
  ResourceOptions resources;
  std::string gpus;               ///< "64-4096" (powers of two), "64,128", "512"
  bool gpus_given = false;        ///< --gpus was given (else: the cluster's GPU count)
  int64_t global_batch = 0;       ///< sequences; 0: the scenario's
  int jobs = 0;                   ///< threads (0 = all cores)
  int top = 1;                    ///< best layouts per GPU count, re-run as full simulations
  bool no_rerun = false;          ///< skip the full simulations
  double target_tokens_per_s = 0; ///< > 0: the fewest GPUs reaching it (exit 2 when none does)
  /** With a target: the least inter-node bandwidth (a factor of the cluster's) reaching it. */
  bool least_bandwidth = false;
  /** A reliability file (configs/reliability/): goodput per GPU count; the target then counts
   *  useful tokens/s (tokens/s x goodput). */
  std::string reliability;
  double train_tokens = 0;        ///< > 0: days and cost of training this many tokens
  std::string out;                ///< plan.json or plan.csv
  std::string plot;               ///< FILE.png or FILE.svg: step time of the best layouts by GPUs
  bool quiet = false;
};
int plan_command(const PlanOptions& o);

struct ValidateOptions {
  std::string dir;
  std::string filter;
  bool regenerate = false;  ///< rewrite cost-model goldens (validation/cost_models) instead
};
int validate_command(const ValidateOptions& o);

/** `dtsim calibrate`: measures the host's kernels into a calibration file (tools/calibrate/). */
struct CalibrateOptions {
  std::string backend;  ///< cpu | cuda
  std::string out;      ///< the calibration file to write
  bool quick = false;   ///< the small grid (under 30 s)
  int threads = 1;      ///< CPU back-end: OpenBLAS threads (0: its default)
  bool quiet = false;
};
int calibrate_command(const CalibrateOptions& o);

}  // namespace dtsim::cli
