#pragma once
/**
 * Communication model of the `analytical` back-end: each collective costs its alpha-beta closed
 * form (models/collectives/alpha_beta.h), congestion-unaware, with alpha the largest path
 * latency and B the smallest path bottleneck between neighbouring ranks of the group (between
 * boxes and inside boxes separately for hierarchical algorithms). A point-to-point transfer costs
 * L + S/B of its route. An all-to-all-v (MoE dispatch) costs `alpha_beta_alltoallv_seconds`
 * with the worst latency and bottleneck of the group's paths inside a box and between boxes
 * (found once per group and cached). Fast, for huge sweeps; it does not account bytes per link.
 *
 * Errors: ConfigError when a rank has no route to its peer or the algorithm does not suit.
 */
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "models/collectives/alpha_beta.h"
#include "models/network/flow_comm_model.h"
#include "models/network/links/link_model.h"
#include "models/network/rank_routes.h"
#include "simcore/interfaces.h"
#include "simcore/simulator.h"
#include "topologies/routing.h"

namespace dtsim::network {

class AnalyticalCommModel : public simcore::CommModel {
 public:
  /** `links`: link classes with a model; a path crossing one is priced at the model's steady
   *  bound where that is below the path's bottleneck (warm TCP connections: no slow start). */
  AnalyticalCommModel(simcore::Simulator& sim, const topologies::Topology& topology,
                      const topologies::Router& router, CollectiveOptions options = {},
                      const LinkModelSpecs& links = {});
  std::string start_collective(const simcore::CollectiveCall& call,
                               std::function<void()> done,
                               simcore::FailFn failed = {}) override;
  void start_p2p(int src, int dst, int64_t bytes, std::function<void()> done,
                 simcore::FailFn failed = {}) override;
  std::vector<simcore::LinkClassUsage> link_usage() const override { return {}; }

 private:
  /** The steady route (rank_routes.h) for `streams` parallel connections (0: the link's). */
  topologies::Path path(int src_rank, int dst_rank, int streams = 0) const;
  /** Worst intra-box and inter-box (alpha, bandwidth) of a group, for all-to-all-v. */
  struct ClassParams {
    collectives::AlphaBetaParams params;
    std::vector<int> box_of;
  };
  const ClassParams& class_params(const std::vector<int>& members);
  std::map<std::vector<int>, ClassParams> class_params_;
  /** All-to-all-v seconds per (matrix, group link classes, algorithm): the workload's matrices outlive
   *  the model's use of them (the executor passes Workload::matrices entries). */
  std::map<std::tuple<const void*, const void*, const void*>, double> alltoallv_seconds_;
  /** A uniform collective's resolved algorithm and alpha-beta parameters, found once per
   *  (members, kind, algorithm hint): steps repeat the same collectives thousands of times. */
  struct UniformParams {
    collectives::Algorithm algorithm;
    collectives::AlphaBetaParams params;
  };
  const UniformParams& uniform_params(const simcore::CollectiveCall& call);
  std::map<std::tuple<std::vector<int>, int, std::string>, UniformParams> uniform_params_;
  /** Point-to-point (latency, bottleneck) per (src, dst): pipelines repeat the same pairs. */
  std::unordered_map<uint64_t, std::pair<simcore::Time, double>> p2p_paths_;
  simcore::Simulator& sim_;
  const topologies::Topology& topo_;
  const topologies::Router& router_;
  CollectiveOptions options_;
  std::vector<const LinkModelSpec*> channel_model_;  ///< per channel; empty: no link models
  LinkModelSpecs links_;
};

}  // namespace dtsim::network
