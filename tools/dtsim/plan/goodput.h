#pragma once
/**
 * Goodput of a long training run: the fraction of wall-clock time that advances training when
 * components fail, the job restarts from its last checkpoint, and checkpoints cost time.
 *
 * The job stops on any failure (synchronous training: one GPU down stops every rank), so its
 * failure rate is the sum over component kinds of count / MTBF, with count the job's GPUs or
 * nodes: M = 1 / sum_i (n_i / MTBF_i). A checkpoint of C = checkpoint bytes / write bandwidth
 * is taken every period T (work and checkpoint); after a failure the job is down for D (detect,
 * reschedule, re-initialise), reads the checkpoint back in R = bytes / read bandwidth, and on
 * average loses T / 2 of work. The first-order waste model (Herault and Robert, "Fault-Tolerance
 * Techniques for High-Performance Computing", Springer 2015, Ch. 1, Sec. 1.3):
 *   goodput = (1 - C / T) (1 - (D + R + T / 2) / M)         (0 when either factor is <= 0)
 * and the period that maximises it to first order, Young's (J. W. Young, "A first order
 * approximation to the optimum checkpoint interval", CACM 17(9), 1974; J. T. Daly, FGCS 22(3),
 * 2006, whose first-order term it is):
 *   T = sqrt(2 C M)
 * valid while C << M (`first_order_valid` is false past C > M / 2, where T would be < 2 C).
 *
 * Units: seconds, bytes, bytes per second. Errors: ConfigError at the key (load_reliability):
 * unknown keys, a `per` other than gpu or node, an MTBF <= 0, a bandwidth without its unit.
 * Source: the files of configs/reliability cite their rates (e.g. Llama 3's 54-day run on 16,384
 * H100, arXiv 2407.21783, Sec. 3.3.4, Table 5).
 *
 *     ReliabilitySpec r = load_reliability(ConfigNode::load_file("configs/reliability/x.yaml"));
 *     Goodput g = goodput(r, 1024, 8, 70e9 * r.checkpoint_bytes_per_param);   // g.goodput
 */
#include <optional>
#include <string>
#include <vector>

#include "tools/dtsim/config_node.h"

namespace dtsim::cli::plan {

/** One kind of component whose failure interrupts the job. */
struct FailureSource {
  std::string name;
  bool per_node = false;  ///< false: one per GPU; true: one per node
  double mtbf_s = 0;      ///< mean time between failures of one such component
};

struct ReliabilitySpec {
  std::string name;
  std::vector<FailureSource> failures;
  double checkpoint_bytes_per_param = 0;  ///< bytes written per model parameter
  double write_bytes_per_s = 0;           ///< aggregate storage write bandwidth
  double read_bytes_per_s = 0;            ///< aggregate read bandwidth (restore)
  double restart_s = 0;                   ///< D: downtime before the checkpoint is read back
  std::optional<double> period_s;         ///< a fixed checkpoint period; else Young's
};

/** Reads a reliability file (see configs/reliability/). Errors: see the file. */
ReliabilitySpec load_reliability(const ConfigNode& n);

struct Goodput {
  double mtbf_s = 0;        ///< M, of the whole job
  double checkpoint_s = 0;  ///< C
  double recovery_s = 0;    ///< R
  double restart_s = 0;     ///< D
  double period_s = 0;      ///< T: the fixed period, or sqrt(2 C M)
  double goodput = 1;       ///< the useful fraction of wall-clock time, in [0, 1]
  bool first_order_valid = true;  ///< C <= M / 2
};

/** The goodput of a job on `gpus` GPUs (ceil(gpus / gpus_per_node) nodes) whose checkpoint
 *  holds `checkpoint_bytes`. Without failure sources M is infinite and the goodput 1. */
Goodput goodput(const ReliabilitySpec& r, int gpus, int gpus_per_node, double checkpoint_bytes);

/** The first-order goodput for given C, D, R, M and period T (see the file). */
double goodput_at(double checkpoint_s, double restart_s, double recovery_s, double mtbf_s,
                  double period_s);

}  // namespace dtsim::cli::plan
