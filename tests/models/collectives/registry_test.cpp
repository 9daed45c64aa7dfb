// The collective-algorithm registry (models/collectives/registry.cpp): every entry reachable by
// its name, each collective's supported set as algorithm.h's table documents it, every entry's
// expansion and closed form runnable for every collective it claims.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "models/collectives/algorithm.h"
#include "models/collectives/alpha_beta.h"
#include "models/collectives/schedule.h"
#include "tests/support/config_error.h"

namespace dtsim::collectives {
namespace {

using simcore::CollectiveKind;
using test::config_error_what;

std::vector<std::string> names(const std::vector<Algorithm>& algos) {
  std::vector<std::string> out;
  for (Algorithm a : algos) out.emplace_back(a.name());
  return out;
}

TEST(AlgorithmRegistry, EveryEntryIsReachableByItsNameAndComplete) {
  std::set<std::string_view> seen;
  for (const AlgorithmFamily* f : algorithm_families()) {
    SCOPED_TRACE(std::string(f->name));
    EXPECT_TRUE(seen.insert(f->name).second) << "duplicate name";
    EXPECT_NE(f->name, "auto");
    auto parsed = parse_algorithm(f->name);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(&parsed->family(), f);
    EXPECT_FALSE(f->kinds.empty());
    EXPECT_NE(f->transfer_count, nullptr);
    EXPECT_NE(f->expand, nullptr);
    EXPECT_NE(f->alpha_beta_seconds, nullptr);
    // An all-to-all-v expansion comes with its closed form, and only for all-to-all entries.
    EXPECT_EQ(f->expand_alltoallv == nullptr, f->alltoallv_seconds == nullptr);
    if (f->expand_alltoallv) {
      EXPECT_TRUE(f->supports(CollectiveKind::kAllToAll));
    }
  }
  EXPECT_EQ(seen, (std::set<std::string_view>{"ring", "ring_bidirectional", "direct", "pairwise",
                                               "halving_doubling", "double_binary_tree",
                                               "hierarchical", "pccl_ring", "nccl_ring",
                                               "nccl_tree", "nvls", "nvls_tree", "nccl"}));
  EXPECT_TRUE(parse_algorithm("auto")->is_auto());
  EXPECT_EQ(algorithm_names().front(), "auto");
  EXPECT_EQ(algorithm_names().size(), algorithm_families().size() + 1);
}

TEST(AlgorithmRegistry, EachCollectivesSupportedSetIsTheDocumentedTable) {
  // algorithm.h's table.
  using V = std::vector<std::string>;
  EXPECT_EQ(names(supported_algorithms(CollectiveKind::kAllReduce)),
            (V{"ring", "ring_bidirectional", "halving_doubling", "double_binary_tree",
               "hierarchical", "pccl_ring", "nccl_ring", "nccl_tree", "nvls", "nvls_tree", "nccl"}));
  for (auto k : {CollectiveKind::kReduceScatter, CollectiveKind::kAllGather})
    EXPECT_EQ(names(supported_algorithms(k)),
              (V{"ring", "ring_bidirectional", "halving_doubling", "pccl_ring", "nccl_ring", "nccl"}));
  EXPECT_EQ(names(supported_algorithms(CollectiveKind::kAllToAll)), (V{"direct", "pairwise"}));
  for (auto k : {CollectiveKind::kBroadcast, CollectiveKind::kReduce})
    EXPECT_EQ(names(supported_algorithms(k)), V{"ring"});
  EXPECT_EQ(algorithm_names(CollectiveKind::kAllToAll), (V{"auto", "direct", "pairwise"}));
}

TEST(AlgorithmRegistry, EveryEntryExpandsAndPricesEveryCollectiveItClaims) {
  // n = 4 in 2 boxes of 2 (a power of two, equal boxes: every entry's group check passes). The
  // ring-family expansions move the nccl-tests total per rank; here only that each builds, its
  // transfer count matches its estimate (asserted inside build_schedule) and its closed form is
  // positive and finite.
  const std::vector<int> box_of{0, 0, 1, 1};
  AlphaBetaParams p;
  p.alpha_s = 1e-6;
  p.bw_bytes_per_s = 1e9;
  p.boxes = 2;
  p.intra_alpha_s = 1e-7;
  p.intra_bw_bytes_per_s = 1e10;
  for (const AlgorithmFamily* f : algorithm_families())
    for (CollectiveKind k : f->kinds) {
      // The NCCL families need NCCL's constants and the group's pair costs (a back-end's):
      // tests/models/collectives/nccl_tuning_test.cpp builds and prices them with those.
      if (f->name.starts_with("nccl") || f->name.starts_with("nvls")) continue;
      SCOPED_TRACE(fmt::format("{} {}", f->name, simcore::to_string(k)));
      const Algorithm a(f);
      const Schedule s = build_schedule(k, a, 4, 1 << 20, 1, 2, box_of);
      EXPECT_EQ(s.algorithm, a);
      EXPECT_FALSE(s.transfers.empty());
      const double t = alpha_beta_seconds(k, a, 4, 1 << 20, p);
      EXPECT_GT(t, 0);
      EXPECT_TRUE(std::isfinite(t));
    }
}

TEST(AlgorithmRegistry, UnknownNamesKeepTheirSuggestion) {
  EXPECT_EQ(config_error_what([] { parse_algorithm_or_throw("pccl_rign"); }),
            "error: unknown collective algorithm \"pccl_rign\"; expected one of: auto, ring, "
            "ring_bidirectional, direct, pairwise, halving_doubling, double_binary_tree, "
            "hierarchical, pccl_ring, nccl_ring, nccl_tree, nvls, nvls_tree, nccl; did you mean \"pccl_ring\"?");
}

}  // namespace
}  // namespace dtsim::collectives
