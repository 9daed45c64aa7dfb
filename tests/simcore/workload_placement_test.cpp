// Workload::placed: a workload written for n ranks runs on chosen ranks of a larger cluster.
#include <gtest/gtest.h>

#include "simcore/error.h"
#include "simcore/program_builder.h"
#include "simcore/workload.h"

namespace dtsim::simcore {
namespace {

Workload two_ranks() {
  Workload w;
  w.ranks.resize(2);
  ProgramBuilder b(w);
  const uint32_t g = b.group({0, 1});
  for (int r = 0; r < 2; ++r) b.collective(r, "ar", CollectiveKind::kAllReduce, 64, g, "auto");
  b.send(0, "send", 1, 0, 0);
  b.recv(1, "recv", 0, 0, 0);
  return w;
}

TEST(WorkloadPlacementTest, ProgramsGroupsAndPeersFollowThePlacement) {
  // Trace rank 0 -> cluster rank 3, trace rank 1 -> cluster rank 1, on 4 ranks.
  Workload p = two_ranks().placed({3, 1}, 4);
  ASSERT_EQ(p.ranks.size(), 4u);
  EXPECT_TRUE(p.ranks[0].ops.empty());
  EXPECT_TRUE(p.ranks[2].ops.empty());
  ASSERT_EQ(p.ranks[3].ops.size(), 2u);
  ASSERT_EQ(p.ranks[1].ops.size(), 2u);
  EXPECT_EQ(p.groups[p.ranks[3].ops[0].group], (std::vector<int>{3, 1}));
  EXPECT_EQ(p.ranks[3].ops[1].peer, 1);  // the send goes to trace rank 1, now cluster rank 1
  EXPECT_EQ(p.ranks[1].ops[1].peer, 3);  // the recv comes from trace rank 0, now cluster rank 3
}

TEST(WorkloadPlacementTest, BadPlacementsAreRejected) {
  auto msg = [](const std::vector<int>& placement, int n) {
    try {
      two_ranks().placed(placement, n);
    } catch (const ConfigError& e) {
      return e.message();
    }
    return std::string("no error");
  };
  EXPECT_EQ(msg({0}, 4), "rank placement lists 1 ranks for a workload of 2");
  EXPECT_EQ(msg({0, 4}, 4), "rank placement names rank 4, outside 0..3");
  EXPECT_EQ(msg({2, 2}, 4), "rank placement names rank 2 twice");
}

}  // namespace
}  // namespace dtsim::simcore
