#pragma once
/**
 * `collective_sweep`: an nccl-tests-like microbenchmark. One collective over a group of ranks,
 * issued once per size from `min_bytes` to `max_bytes` (multiplying by `factor`), back to back on
 * the comm stream, `iterations` times per size.
 *
 * Units: bytes (nccl-tests size convention, see simcore/workload.h).
 * Errors: ConfigError on min > max, factor <= 1, fewer than 1 rank.
 * Source: NVIDIA nccl-tests (github.com/NVIDIA/nccl-tests), its -b/-e/-f options.
 */
#include <string>
#include <vector>

#include "simcore/workload.h"

namespace dtsim::workloads {

struct CollectiveSweepParams {
  simcore::CollectiveKind kind = simcore::CollectiveKind::kAllReduce;
  std::string algorithm = "auto";
  int ranks = 0;          ///< ranks 0..ranks-1 take part
  double min_bytes = 8;
  double max_bytes = 8;
  double factor = 2;
  int iterations = 1;
  int root = 0;
};

/** Sizes of the sweep, rounded down to whole bytes. */
std::vector<int64_t> sweep_sizes(const CollectiveSweepParams& p);
simcore::Workload make_collective_sweep(const CollectiveSweepParams& p);

/** One collective of `bytes` (per rank) over `members` (ranks of a p.ranks-rank workload,
 *  ascending; the others idle), with p's kind, algorithm and root (an index into `members`): one
 *  attempt of a PCCL operation over the peers that take part (peer_churn.h). */
simcore::Workload make_collective_op(const CollectiveSweepParams& p,
                                     const std::vector<int>& members, int64_t bytes);

}  // namespace dtsim::workloads
