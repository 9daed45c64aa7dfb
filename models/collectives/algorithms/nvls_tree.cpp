// `nvls_tree`: NVLS inside nodes and NCCL's double binary tree across them (all-reduce), Simple
// protocol, priced by NCCL's cost model (nccl_tuning.h). On the flow back-end it is priced by that
// closed form (no per-link flows yet).
#include "models/collectives/algorithms/nccl_common.h"

namespace dtsim::collectives {

namespace {
constexpr char kName[] = "nvls_tree";
}  // namespace

const AlgorithmFamily& nvls_tree_algorithm() {
  return NcclTimedFamily<kName, NcclAlgo::kNvlsTree>::family();
}

}  // namespace dtsim::collectives
