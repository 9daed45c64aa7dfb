// `nccl`: NCCL's own choice of algorithm (tree, ring, NVLS, NVLS-tree), protocol (LL, LL128,
// Simple) and channels for the size and the topology, by NCCL's cost model (nccl_tuning.h, as
// tuning.cc's ncclTopoGetAlgoTime ranks them). The choice is the collective's reported algorithm
// ("nccl: nvls_tree (Simple, 16 channels)"). A ring runs as nccl_ring's rail-aligned rings; the
// others by their closed form on the flow back-end.
#include <fmt/format.h>

#include "models/collectives/algorithms/nccl_common.h"

namespace dtsim::collectives {

using simcore::CollectiveKind;

namespace {

constexpr CollectiveKind kKinds[] = {CollectiveKind::kAllReduce, CollectiveKind::kReduceScatter,
                                     CollectiveKind::kAllGather};

void check_group(CollectiveKind kind, int n, std::span<const int> box_of) {
  nccl_check_group("nccl", kind, n, box_of);
}

std::string label(const NcclEstimate& e) { return "nccl: " + describe(e); }

double transfer_count(const ScheduleRequest& r) {
  return nccl_choose(r, kAllNcclAlgos).algo == NcclAlgo::kRing ? nccl_ring_transfers(r) : 0;
}

void expand(const ScheduleRequest& r, ScheduleBuilder& b) {
  const NcclEstimate e = nccl_choose(r, kAllNcclAlgos);
  if (e.algo == NcclAlgo::kRing)
    nccl_expand_ring(r, e, label(e), b);
  else
    nccl_expand_timed(e, label(e), b);
}

double seconds(CollectiveKind kind, int n, double bytes, const AlphaBetaParams& p) {
  return nccl_best(kAllNcclAlgos, nccl_inputs(kind, n, bytes, p)).run_seconds;
}

std::string describe_choice(CollectiveKind kind, int n, double bytes, const AlphaBetaParams& p) {
  return label(nccl_best(kAllNcclAlgos, nccl_inputs(kind, n, bytes, p)));
}

}  // namespace

const AlgorithmFamily& nccl_algorithm() {
  static const AlgorithmFamily f{.name = "nccl",
                                 .kinds = kKinds,
                                 .check_group = check_group,
                                 .transfer_count = transfer_count,
                                 .expand = expand,
                                 .measure = nccl_measure,
                                 .alpha_beta_seconds = seconds,
                                 .describe = describe_choice};
  return f;
}

}  // namespace dtsim::collectives
