// Workload::placed: a workload written for n ranks runs on chosen ranks of a larger cluster.
#include <gtest/gtest.h>

#include "simcore/error.h"
#include "simcore/workload.h"

namespace dtsim::simcore {
namespace {

Workload two_ranks() {
  Workload w;
  w.ranks.resize(2);
  uint32_t g = w.group_of({0, 1});
  Op ar;
  ar.kind = OpKind::kCollective;
  ar.group = g;
  ar.bytes = 64;
  Op send;
  send.kind = OpKind::kSend;
  send.peer = 1;
  Op recv;
  recv.kind = OpKind::kRecv;
  recv.peer = 0;
  w.ranks[0].ops = {ar, send};
  w.ranks[1].ops = {ar, recv};
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
