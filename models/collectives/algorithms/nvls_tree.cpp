// `nvls_tree`: NVLS inside nodes and NCCL's double binary tree across them (all-reduce), Simple
// protocol, priced by NCCL's cost model (nccl_tuning.h). On the flow back-end it is priced by that
// closed form (no per-link flows yet).
#include <fmt/format.h>

#include "models/collectives/algorithms/nccl_common.h"

namespace dtsim::collectives {

using simcore::CollectiveKind;

namespace {

constexpr CollectiveKind kKinds[] = {CollectiveKind::kAllReduce};
constexpr NcclAlgo kAlgo[] = {NcclAlgo::kNvlsTree};

void check_group(CollectiveKind kind, int n, std::span<const int> box_of) {
  nccl_check_group("nvls_tree", kind, n, box_of);
}

std::string label(const NcclEstimate& e) {
  return fmt::format("nvls_tree ({}, {} channels)", to_string(e.proto), e.channels);
}

double transfer_count(const ScheduleRequest&) { return 0; }

void expand(const ScheduleRequest& r, ScheduleBuilder& b) {
  const NcclEstimate e = nccl_choose(r, kAlgo);
  nccl_expand_timed(e, label(e), b);
}

double seconds(CollectiveKind kind, int n, double bytes, const AlphaBetaParams& p) {
  return nccl_best(kAlgo, nccl_inputs(kind, n, bytes, p)).seconds;
}

std::string describe(CollectiveKind kind, int n, double bytes, const AlphaBetaParams& p) {
  return label(nccl_best(kAlgo, nccl_inputs(kind, n, bytes, p)));
}

}  // namespace

const AlgorithmFamily& nvls_tree_algorithm() {
  static const AlgorithmFamily f{.name = "nvls_tree",
                                 .kinds = kKinds,
                                 .check_group = check_group,
                                 .transfer_count = transfer_count,
                                 .expand = expand,
                                 .measure = nccl_measure,
                                 .alpha_beta_seconds = seconds,
                                 .describe = describe};
  return f;
}

}  // namespace dtsim::collectives
