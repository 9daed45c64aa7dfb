// `nvls`: NVLink SHARP all-reduce inside one NVSwitch node: the switch reduces (multimem
// reduce-load) and multicasts, Simple protocol, priced by NCCL's cost model with the NVLS traffic
// per GPU (nccl_tuning.h). On the flow back-end it is priced by that closed form (no per-link flows
// yet).
#include "models/collectives/algorithms/nccl_common.h"

namespace dtsim::collectives {

namespace {
constexpr char kName[] = "nvls";
}  // namespace

const AlgorithmFamily& nvls_algorithm() {
  return NcclTimedFamily<kName, NcclAlgo::kNvls>::family();
}

}  // namespace dtsim::collectives
