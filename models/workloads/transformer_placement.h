#pragma once
/**
 * Placement of the `transformer` workload: which rank holds which (TP or SP, DP, PP) coordinate,
 * which layers each pipeline rank holds, and the share of the weights each rank keeps.
 *
 * Rank placement follows the order `p.order` (innermost first): with "tp-dp-pp" the strides are
 * 1, tp, tp dp, so rank = t + tp (d + dp p). The inner index t is the TP rank, or the Ulysses SP
 * rank (at most one of tp, sp is > 1). Model chunk j pp + s is chunk j of pipeline rank s
 * (interleaved 1F1B); without interleaving chunk s is stage s.
 *
 * Units: parameters (elements), not bytes.
 * Errors: ConfigError from placement_order for an order that is not a permutation of tp, dp, pp.
 * Source: Narayanan et al., SC21 (arXiv 2104.04473) Sec. 2.2.2 for the chunk placement.
 *
 *     RankPlacement at = rank_placement(p);   // p.order = "tp-dp-pp", tp 8, dp 4
 *     at.rank(1, 2, 0);                       // 1 + 8 x 2 = 17
 */
#include <string_view>
#include <vector>

#include "models/workloads/transformer_parallel.h"

namespace dtsim::workloads {

/** A rank's coordinates: inner index t (TP or SP; with CP, t = tp rank + tp x cp rank), DP
 *  index d, pipeline stage p. */
struct RankCoord {
  int t, d, p;
};

/** The dimensions of a placement order such as "tp-dp-pp", innermost first.
 *  Errors: ConfigError unless it is a permutation of tp, dp and pp. */
std::vector<std::string_view> placement_order(std::string_view order);

/** Strides of the three dimensions in rank space. */
struct RankPlacement {
  int stride_t = 1, stride_d = 1, stride_p = 1;
  /** Rank of inner index t (the TP rank, or the Ulysses SP rank), DP index d, stage pp. */
  int rank(int t, int d, int pp) const { return t * stride_t + d * stride_d + pp * stride_p; }
  int rank(const RankCoord& c) const { return rank(c.t, c.d, c.p); }
};

/** The strides of `p.order` ("tp-dp-pp": 1, tp sp cp, tp sp cp dp).
 *  Errors: as placement_order. */
RankPlacement rank_placement(const TransformerParams& p);

/** Every rank's coordinates in the build order: stages outermost, then DP, then the inner index. */
std::vector<RankCoord> build_order(const TransformerParams& p);

/** Layers of each model chunk in pipeline order, pp x virtual_stages of them: model chunk
 *  j pp + s is chunk j of pipeline rank s. `stage_layers` when given, else an even split. */
std::vector<int> chunk_layers(const TransformerParams& p);

/** The (global) layer indices pipeline rank `stage` holds, over all its chunks. */
std::vector<int> stage_layer_ids(const TransformerParams& p, int stage);

/** Weights one rank holds of a layer (or a stage): the dense part split over TP, the routed
 *  experts over EP (over TP too when ep = 1). Units: parameters. */
struct LayerShare {
  double dense = 0, experts = 0;
};

/** What one rank holds of layer `l`; redundant experts (EPLB) add their weights. */
LayerShare layer_share(const TransformerConfig& m, const TransformerParams& p, int l);

/** Parameters one rank of pipeline stage `stage` holds: its layers, the embedding on the first
 *  stage, the LM head and final norm on the last; split over TP (and the experts over EP). */
LayerShare stage_parameters(const TransformerConfig& m, const TransformerParams& p, int stage);

}  // namespace dtsim::workloads
