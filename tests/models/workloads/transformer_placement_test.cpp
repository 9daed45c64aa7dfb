// Placement of the transformer workload: strides of a placement order, the build order, and the
// layers each pipeline rank holds, worked out by hand from rank = t s_t + d s_d + p s_p.
#include "models/workloads/transformer_placement.h"

#include <gtest/gtest.h>

#include <vector>

#include "simcore/error.h"

namespace dtsim::workloads {
namespace {

TransformerParams grid(int tp, int dp, int pp, const char* order) {
  TransformerParams p;
  p.model.layers = 8;
  p.tp = tp;
  p.dp = dp;
  p.pp = pp;
  p.order = order;
  return p;
}

TEST(TransformerPlacementTest, StridesFollowTheOrderInnermostFirst) {
  // tp 8, dp 4, pp 2. "tp-dp-pp": rank = t + 8 (d + 4 p); "dp-tp-pp": rank = d + 4 (t + 8 p);
  // "tp-pp-dp": rank = t + 8 (p + 2 d).
  RankPlacement a = rank_placement(grid(8, 4, 2, "tp-dp-pp"));
  EXPECT_EQ(a.rank(1, 2, 1), 1 + 8 * (2 + 4 * 1));
  RankPlacement b = rank_placement(grid(8, 4, 2, "dp-tp-pp"));
  EXPECT_EQ(b.rank(1, 2, 1), 2 + 4 * (1 + 8 * 1));
  RankPlacement c = rank_placement(grid(8, 4, 2, "tp-pp-dp"));
  EXPECT_EQ(c.rank(1, 2, 1), 1 + 8 * (1 + 2 * 2));
}

TEST(TransformerPlacementTest, BadOrderIsAConfigError) {
  EXPECT_THROW(placement_order("tp-dp"), simcore::ConfigError);
  EXPECT_THROW(placement_order("tp-tp-pp"), simcore::ConfigError);
  EXPECT_EQ(placement_order("pp-tp-dp"), (std::vector<std::string_view>{"pp", "tp", "dp"}));
}

TEST(TransformerPlacementTest, BuildOrderIsStagesThenDataThenInner) {
  std::vector<RankCoord> order = build_order(grid(2, 2, 2, "tp-dp-pp"));
  ASSERT_EQ(order.size(), 8u);
  const int expected[8][3] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {1, 1, 0},
                              {0, 0, 1}, {1, 0, 1}, {0, 1, 1}, {1, 1, 1}};
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(order[i].t, expected[i][0]);
    EXPECT_EQ(order[i].d, expected[i][1]);
    EXPECT_EQ(order[i].p, expected[i][2]);
  }
}

TEST(TransformerPlacementTest, InterleavedRanksHoldEveryPpthChunk) {
  // 8 layers, pp 2, v 2: four chunks of 2 layers; model chunk j pp + s is on rank s, so rank 0
  // holds chunks 0 and 2 (layers 0, 1, 4, 5) and rank 1 chunks 1 and 3 (2, 3, 6, 7).
  TransformerParams p = grid(1, 1, 2, "tp-dp-pp");
  p.virtual_stages = 2;
  EXPECT_EQ(chunk_layers(p), (std::vector<int>{2, 2, 2, 2}));
  EXPECT_EQ(stage_layer_ids(p, 0), (std::vector<int>{0, 1, 4, 5}));
  EXPECT_EQ(stage_layer_ids(p, 1), (std::vector<int>{2, 3, 6, 7}));
  // Uneven stages as given: 7 + 1.
  TransformerParams q = grid(1, 1, 2, "tp-dp-pp");
  q.stage_layers = {7, 1};
  EXPECT_EQ(stage_layer_ids(q, 1), (std::vector<int>{7}));
}

}  // namespace
}  // namespace dtsim::workloads
