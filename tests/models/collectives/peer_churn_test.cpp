// PCCL's peer churn (models/collectives/peer_churn.h): joins accepted between operations, a drop
// during an operation restarts it over the survivors. Operation times here are a closed form of
// the peer count, T(P) = |P| x 10 ms, so every timeline below is worked out by hand.
#include "models/collectives/peer_churn.h"

#include <gtest/gtest.h>

namespace dtsim::collectives {
namespace {

using simcore::Time;

Time t_of(const std::vector<int>& p) { return Time::ms(10) * static_cast<int64_t>(p.size()); }
auto op_time = [](int, const std::vector<int>& p) { return t_of(p); };

TEST(PeerChurnTest, NoEventsRunsBackToBack) {
  // 4 peers: 40 ms each; 3 operations end at 40, 80, 120 ms.
  auto ops = run_with_churn(3, {0, 1, 2, 3}, {}, op_time);
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[2].end, Time::ms(120));
  EXPECT_TRUE(ops[0].restarts.empty());
}

TEST(PeerChurnTest, ADropDuringAnOperationRestartsItWithTheSurvivors) {
  // Peer 3 drops at 25 ms, inside operation 0 ([0, 40) ms): 25 ms lost, the operation restarts
  // at 25 ms over {0, 1, 2} (30 ms): ends at 55; operation 1: 55 + 30 = 85 ms.
  auto ops = run_with_churn(2, {0, 1, 2, 3}, {{3, Time::ms(25), false}}, op_time);
  ASSERT_EQ(ops[0].restarts.size(), 1u);
  EXPECT_EQ(ops[0].restarts[0].dropped, 3);
  EXPECT_EQ(ops[0].restarts[0].at, Time::ms(25));
  EXPECT_EQ(ops[0].restarts[0].wasted, Time::ms(25));
  EXPECT_EQ(ops[0].restarts[0].peers, 4);
  EXPECT_EQ(ops[0].start, Time::ms(0));
  EXPECT_EQ(ops[0].end, Time::ms(55));
  EXPECT_EQ(ops[0].peers, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(ops[1].end, Time::ms(85));
  EXPECT_TRUE(ops[1].restarts.empty());
}

TEST(PeerChurnTest, AJoinWaitsForTheNextOperation) {
  // Peer 3 starts outside and asks to join at 5 ms: operation 0 runs over 3 peers [0, 30);
  // operation 1 over 4 [30, 70).
  auto ops = run_with_churn(2, {0, 1, 2, 3}, {{3, Time::ms(5), true}}, op_time);
  EXPECT_EQ(ops[0].peers.size(), 3u);
  EXPECT_EQ(ops[0].end, Time::ms(30));
  EXPECT_EQ(ops[1].peers.size(), 4u);
  EXPECT_EQ(ops[1].end, Time::ms(70));
}

TEST(PeerChurnTest, ALeaveAtAnOperationsEndIsNoRestart) {
  // Peer 3 leaves at 40 ms, as operation 0 ends: no restart; operation 1 over 3: 40 + 30.
  auto ops = run_with_churn(2, {0, 1, 2, 3}, {{3, Time::ms(40), false}}, op_time);
  EXPECT_TRUE(ops[0].restarts.empty());
  EXPECT_EQ(ops[1].end, Time::ms(70));
}

TEST(PeerChurnTest, TwoDropsInOneOperationRestartItTwice) {
  // 4 peers [0, 40): peer 3 drops at 10 (restart over 3: [10, 40)), peer 2 at 20 (restart over 2:
  // [20, 40)): ends at 40 ms with 2 restarts, 10 ms lost each.
  auto ops = run_with_churn(1, {0, 1, 2, 3}, {{3, Time::ms(10), false}, {2, Time::ms(20), false}},
                            op_time);
  ASSERT_EQ(ops[0].restarts.size(), 2u);
  EXPECT_EQ(ops[0].restarts[1].dropped, 2);
  EXPECT_EQ(ops[0].restarts[1].wasted, Time::ms(10));
  EXPECT_EQ(ops[0].end, Time::ms(40));
  EXPECT_EQ(ops[0].peers, (std::vector<int>{0, 1}));
}

TEST(PeerChurnTest, APeerThatDroppedCanRejoin) {
  // {0, 1, 2}: [0, 30); peer 2 drops at 5 -> restart [5, 25) over 2; rejoins at 10 -> operation
  // 1 at 25 over 3 peers: [25, 55).
  auto ops = run_with_churn(2, {0, 1, 2}, {{2, Time::ms(5), false}, {2, Time::ms(10), true}},
                            op_time);
  EXPECT_EQ(ops[0].end, Time::ms(25));
  EXPECT_EQ(ops[1].peers.size(), 3u);
  EXPECT_EQ(ops[1].end, Time::ms(55));
}

// With a prelude (DiLoCo's H inner steps before its outer all-reduce) of W = 100 ms per
// operation, operation i begins at t_i, its sync starts at t_i + 100 ms.
auto prelude = [](int, const std::vector<int>&) { return Time::ms(100); };

TEST(PeerChurnTest, ALeaveDuringThePreludeIsNoRestart) {
  // Peer 3 leaves at 50 ms, during operation 0's prelude [0, 100): its sync runs over {0, 1, 2}
  // [100, 130), nothing lost; operation 1: prelude [130, 230), sync [230, 260).
  auto ops = run_with_churn(2, {0, 1, 2, 3}, {{3, Time::ms(50), false}}, op_time, prelude);
  EXPECT_TRUE(ops[0].restarts.empty());
  EXPECT_EQ(ops[0].begin, Time::ms(0));
  EXPECT_EQ(ops[0].start, Time::ms(100));
  EXPECT_EQ(ops[0].end, Time::ms(130));
  EXPECT_EQ(ops[0].peers, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(ops[1].begin, Time::ms(130));
  EXPECT_EQ(ops[1].end, Time::ms(260));
}

TEST(PeerChurnTest, ALeaveDuringTheSyncAfterAPreludeRestartsIt) {
  // Sync of operation 0 over 4 peers [100, 140); peer 3 drops at 120: 20 ms lost, restart over
  // 3 at 120: ends 150.
  auto ops = run_with_churn(1, {0, 1, 2, 3}, {{3, Time::ms(120), false}}, op_time, prelude);
  ASSERT_EQ(ops[0].restarts.size(), 1u);
  EXPECT_EQ(ops[0].restarts[0].wasted, Time::ms(20));
  EXPECT_EQ(ops[0].end, Time::ms(150));
}

TEST(PeerChurnTest, AJoinDuringThePreludeWaitsForTheNextOperation) {
  // Peer 3 starts outside and asks to join at 50 ms, during operation 0's prelude: operation 0's
  // sync is over {0, 1, 2} [100, 130); operation 1 begins at 130 with 4 peers, sync [230, 270).
  auto ops = run_with_churn(2, {0, 1, 2, 3}, {{3, Time::ms(50), true}}, op_time, prelude);
  EXPECT_EQ(ops[0].peers.size(), 3u);
  EXPECT_EQ(ops[0].end, Time::ms(130));
  EXPECT_EQ(ops[1].peers.size(), 4u);
  EXPECT_EQ(ops[1].end, Time::ms(270));
}

}  // namespace
}  // namespace dtsim::collectives
