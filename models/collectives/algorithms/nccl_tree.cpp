// `nccl_tree`: NCCL's tree all-reduce: a double binary tree across nodes with a chain inside each
// node, at the protocol NCCL's tuner picks, priced by NCCL's cost model (nccl_tuning.h). On the
// flow back-end it is priced by that closed form (no per-link flows yet).
#include "models/collectives/algorithms/nccl_common.h"

namespace dtsim::collectives {

namespace {
constexpr char kName[] = "nccl_tree";
}  // namespace

const AlgorithmFamily& nccl_tree_algorithm() {
  return NcclTimedFamily<kName, NcclAlgo::kTree>::family();
}

}  // namespace dtsim::collectives
