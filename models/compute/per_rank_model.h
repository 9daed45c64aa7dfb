#pragma once
/**
 * A compute model per rank: a cluster that mixes devices (an H100 site beside an A100 site,
 * consumer GPUs, Raspberry Pi class CPUs) prices each rank's ops with the model of that rank's
 * device (its roofline, or its calibrated table). This class only dispatches; how an op is
 * priced is the chosen model's business.
 *
 * Units: as the models it holds. Errors: ConfigError when an op runs on a rank that has no model
 * (a workload over more ranks than the cluster's device list covers); InternalError on an empty
 * model list, a null model or a rank's model index out of range. Complexity: O(1) per op plus
 * the chosen model's cost.
 *
 *     std::vector<std::unique_ptr<simcore::ComputeModel>> m;
 *     m.push_back(std::make_unique<RooflineModel>(h100));
 *     m.push_back(std::make_unique<RooflineModel>(a100));
 *     PerRankModel model(std::move(m), {0, 0, 1, 1});  // ranks 0-1 on H100, 2-3 on A100
 */
#include <cstdint>
#include <memory>
#include <vector>

#include "simcore/interfaces.h"

namespace dtsim::compute {

class PerRankModel : public simcore::ComputeModel {
 public:
  /** `models[model_of_rank[r]]` prices rank r's ops. */
  PerRankModel(std::vector<std::unique_ptr<simcore::ComputeModel>> models,
               std::vector<uint32_t> model_of_rank);

  simcore::ComputeCost cost(const simcore::Workload& workload, const simcore::Op& op,
                            int rank) const override;

 private:
  std::vector<std::unique_ptr<simcore::ComputeModel>> models_;
  std::vector<uint32_t> model_of_rank_;
};

}  // namespace dtsim::compute
