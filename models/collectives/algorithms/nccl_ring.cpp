// `nccl_ring`: NCCL's ring all-reduce / reduce-scatter / all-gather: one ring per rail, each
// leaving every node through its own NIC (nccl_common.cpp), at the protocol (LL, LL128, Simple)
// NCCL's tuner picks for the size, with NCCL's latency (nccl_tuning.h).
#include <fmt/format.h>

#include "models/collectives/algorithms/nccl_common.h"

namespace dtsim::collectives {

using simcore::CollectiveKind;

namespace {

constexpr CollectiveKind kKinds[] = {CollectiveKind::kAllReduce, CollectiveKind::kReduceScatter,
                                     CollectiveKind::kAllGather};
constexpr NcclAlgo kRing[] = {NcclAlgo::kRing};

void check_group(CollectiveKind kind, int n, std::span<const int> box_of) {
  nccl_check_group("nccl_ring", kind, n, box_of);
}

void expand(const ScheduleRequest& r, ScheduleBuilder& b) {
  const NcclEstimate e = nccl_choose(r, kRing);
  nccl_expand_ring(r, e, fmt::format("nccl_ring ({}, {} channels)", to_string(e.proto), e.channels),
                   b);
}

double seconds(CollectiveKind kind, int n, double bytes, const AlphaBetaParams& p) {
  return nccl_best(kRing, nccl_inputs(kind, n, bytes, p)).run_seconds;
}

std::string describe(CollectiveKind kind, int n, double bytes, const AlphaBetaParams& p) {
  const NcclEstimate e = nccl_best(kRing, nccl_inputs(kind, n, bytes, p));
  return fmt::format("nccl_ring ({}, {} channels)", to_string(e.proto), e.channels);
}

}  // namespace

const AlgorithmFamily& nccl_ring_algorithm() {
  static const AlgorithmFamily f{.name = "nccl_ring",
                                 .kinds = kKinds,
                                 .check_group = check_group,
                                 .transfer_count = nccl_ring_transfers,
                                 .expand = expand,
                                 .measure = nccl_measure,
                                 .alpha_beta_seconds = seconds,
                                 .describe = describe};
  return f;
}

}  // namespace dtsim::collectives
