#include "models/compute/per_rank_model.h"

#include <fmt/format.h>

#include "simcore/error.h"

namespace dtsim::compute {

PerRankModel::PerRankModel(std::vector<std::unique_ptr<simcore::ComputeModel>> models,
                           std::vector<uint32_t> model_of_rank)
    : models_(std::move(models)), model_of_rank_(std::move(model_of_rank)) {
  DTSIM_ASSERT(!models_.empty(), "PerRankModel: no model");
  for (const auto& m : models_) DTSIM_ASSERT(m != nullptr, "PerRankModel: a null model");
  for (uint32_t i : model_of_rank_)
    DTSIM_ASSERT(i < models_.size(), "PerRankModel: a rank's model index is out of range");
}

simcore::ComputeCost PerRankModel::cost(const simcore::Workload& workload, const simcore::Op& op,
                                        int rank) const {
  if (rank < 0 || static_cast<size_t>(rank) >= model_of_rank_.size())
    throw simcore::ConfigError(fmt::format("rank {} has no device (the cluster's devices cover {} ranks)", rank,
                        model_of_rank_.size()));
  return models_[model_of_rank_[static_cast<size_t>(rank)]]->cost(workload, op, rank);
}

}  // namespace dtsim::compute
