#include "simcore/executor.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "simcore/error.h"
#include "simcore/interfaces.h"
#include "simcore/program_builder.h"
#include "simcore/simulator.h"
#include "simcore/workload.h"

namespace dtsim::simcore {
namespace {

// Fakes with fixed costs, so every time below is a sum worked by hand.

/** A compute op takes `flops` nanoseconds (a stand-in for a cost model). */
class FakeCompute : public ComputeModel {
 public:
  ComputeCost cost(const Workload&, const Op& op, int) const override {
    return {Time::ns(static_cast<int64_t>(op.flops)), "fake"};
  }
};

/** A collective takes `collective_time`; a point-to-point transfer takes `p2p_time`; one of
 *  `fail_bytes` bytes fails then instead (its failure path runs with "boom"). */
class FakeComm : public CommModel {
 public:
  explicit FakeComm(Simulator& sim) : sim_(sim) {}
  std::string start_collective(const CollectiveCall& call, std::function<void()> done,
                               FailFn failed = {}) override {
    calls.push_back({call.kind, *call.ranks, call.bytes, sim_.now(), call.exclusive});
    finish(collective_time, call.bytes, std::move(done), std::move(failed));
    return "fake_ring";
  }
  void start_p2p(int src, int dst, int64_t bytes, std::function<void()> done,
                 FailFn failed = {}) override {
    p2p.push_back({src, dst, bytes, sim_.now()});
    finish(p2p_time, bytes, std::move(done), std::move(failed));
  }
  void finish(Time after, int64_t bytes, std::function<void()> done, FailFn failed) {
    if (bytes == fail_bytes)
      sim_.schedule_in(after, [failed = std::move(failed)] { failed("boom"); });
    else
      sim_.schedule_in(after, std::move(done));
  }
  int64_t fail_bytes = -1;
  std::vector<LinkClassUsage> link_usage() const override { return {}; }

  struct Call {
    CollectiveKind kind;
    std::vector<int> ranks;
    int64_t bytes;
    Time at;
    bool exclusive = false;
  };
  struct P2p {
    int src, dst;
    int64_t bytes;
    Time at;
  };
  Time collective_time = Time::ns(100);
  Time p2p_time = Time::ns(30);
  std::vector<Call> calls;
  std::vector<P2p> p2p;

 private:
  Simulator& sim_;
};

/** Builds workloads op by op with the program builder, in the shorthand of these tests (a
 *  compute op's FLOPs are its nanoseconds); every helper returns the op's index on its rank. */
struct Builder {
  Workload w;
  ProgramBuilder b{w};
  explicit Builder(int ranks) { w.ranks.resize(ranks); }

  uint32_t compute(int rank, const std::string& name, int64_t ns, std::vector<uint32_t> deps = {},
                   uint8_t stream = kComputeStream) {
    return b.compute(rank, name, static_cast<double>(ns), 0, "", std::move(deps), stream);
  }
  uint32_t delay(int rank, const std::string& name, Time d, std::vector<uint32_t> deps = {},
                 uint8_t stream = kComputeStream) {
    return b.delay(rank, name, d, std::move(deps), stream);
  }
  uint32_t collective(int rank, const std::string& name, const std::vector<int>& group,
                      int64_t bytes, std::vector<uint32_t> deps = {},
                      CollectiveKind kind = CollectiveKind::kAllReduce) {
    return b.collective(rank, name, kind, bytes, b.group(group), "auto", std::move(deps));
  }
  uint32_t send(int rank, const std::string& name, int peer, int64_t bytes, int tag = 0,
                std::vector<uint32_t> deps = {}, uint8_t stream = kCommStream) {
    return b.send(rank, name, peer, bytes, tag, std::move(deps), stream);
  }
  uint32_t recv(int rank, const std::string& name, int peer, int64_t bytes, int tag = 0,
                std::vector<uint32_t> deps = {}, uint8_t stream = kCommStream) {
    return b.recv(rank, name, peer, bytes, tag, std::move(deps), stream);
  }
};

struct Replay {
  ExecutionResult result;
  std::vector<FakeComm::Call> calls;
  std::vector<FakeComm::P2p> p2p;
  uint64_t events = 0;
};

/** Replays `w` with the fakes and returns the result (ops recorded). */
Replay replay(const Workload& w, Time collective_time = Time::ns(100),
              Time p2p_time = Time::ns(30), int64_t fail_bytes = -1) {
  Simulator sim;
  FakeCompute compute;
  FakeComm comm(sim);
  comm.fail_bytes = fail_bytes;
  comm.collective_time = collective_time;
  comm.p2p_time = p2p_time;
  Executor exec(sim, w, compute, comm, /*record_ops=*/true);
  exec.start();
  sim.run();
  Replay r;
  r.result = exec.finish();
  r.calls = comm.calls;
  r.p2p = comm.p2p;
  r.events = sim.events_processed();
  return r;
}

/** The ConfigError message of replaying `w`, or "<no error>". */
std::string run_error(const Workload& w) {
  try {
    replay(w);
  } catch (const ConfigError& e) {
    return e.message();
  }
  return "<no error>";
}

/** [start, end] of (rank, op name) in ns, from the recorded ops. */
std::pair<int64_t, int64_t> interval(const Replay& r, const Workload& w, int rank,
                                     const std::string& name) {
  for (const auto& o : r.result.ops)
    if (o.rank == rank && w.str(o.name) == name)
      return {o.start.count_ps() / 1000, o.end.count_ps() / 1000};
  ADD_FAILURE() << "no op '" << name << "' on rank " << rank;
  return {-1, -1};
}

using Iv = std::pair<int64_t, int64_t>;

TEST(ExecutorTest, AFailedCollectiveStopsWhatDependsOnIt) {
  // Rank 0: a (10 ns), then all-reduce x (666 bytes: it fails after 100 ns), then b (needs x).
  // Rank 1: x, then c (needs x); d on rank 1 needs nothing and runs. x fails at 110 ns on both
  // ranks; b and c never run; no deadlock is reported: the result lists them instead.
  Builder bl(2);
  uint32_t a = bl.compute(0, "a", 10);
  uint32_t x0 = bl.collective(0, "x", {0, 1}, 666, {a});
  bl.compute(0, "b", 10, {x0});
  uint32_t x1 = bl.collective(1, "x", {0, 1}, 666);
  bl.compute(1, "c", 10, {x1});
  bl.compute(1, "d", 5, {}, bl.w.stream_of("side"));  // a stream of its own
  Replay r = replay(bl.w, Time::ns(100), Time::ns(30), 666);
  ASSERT_EQ(r.result.failed_ops.size(), 2u);
  EXPECT_EQ(r.result.failed_ops[0].name, "x");
  EXPECT_EQ(r.result.failed_ops[0].why, "boom");
  EXPECT_EQ(r.result.ops_not_run, 2u);
  ASSERT_EQ(r.result.not_run.size(), 2u);
  EXPECT_EQ(r.result.not_run[0].name, "b");
  EXPECT_EQ(r.result.not_run[1].name, "c");
  ASSERT_EQ(r.result.collectives.size(), 1u);
  EXPECT_TRUE(r.result.collectives[0].failed);
  EXPECT_EQ(r.result.collectives[0].end, Time::ns(110));
  EXPECT_EQ(interval(r, bl.w, 1, "d"), Iv(0, 5));
}

TEST(ExecutorTest, AFailedSendRecvStopsItsBothEnds) {
  // A send/recv of 7 bytes fails after 30 ns: the op after the recv never runs.
  Builder bl(2);
  bl.send(0, "s", 1, 7);
  uint32_t rv = bl.recv(1, "r", 0, 7);
  bl.compute(1, "after", 10, {rv});
  Replay r = replay(bl.w, Time::ns(100), Time::ns(30), 7);
  EXPECT_EQ(r.result.failed_ops.size(), 2u);
  EXPECT_EQ(r.result.ops_not_run, 1u);
}

TEST(ExecutorTest, DependenciesAndStreamOrder) {
  // Rank 0, in ns:
  //   a: compute 10, stream 0                      -> [0, 10]
  //   b: delay 5 on stream "side", after a         -> [10, 15]
  //   c: compute 3, stream 0 (after a by order)    -> [10, 13]
  //   d: compute 2, stream 0, after b and c        -> starts at max(13, 15) = 15 -> [15, 17]
  Builder b(1);
  uint8_t side = b.w.stream_of("side");
  uint32_t a = b.compute(0, "a", 10);
  uint32_t bb = b.delay(0, "b", Time::ns(5), {a}, side);
  uint32_t c = b.compute(0, "c", 3);
  b.compute(0, "d", 2, {bb, c});
  Replay r = replay(b.w);
  EXPECT_EQ(interval(r, b.w, 0, "a"), Iv(0, 10));
  EXPECT_EQ(interval(r, b.w, 0, "b"), Iv(10, 15));
  EXPECT_EQ(interval(r, b.w, 0, "c"), Iv(10, 13));
  EXPECT_EQ(interval(r, b.w, 0, "d"), Iv(15, 17));
  EXPECT_EQ(r.result.makespan, Time::ns(17));
  // Three compute ops priced by the model; the delay is not a compute op.
  EXPECT_EQ(r.result.ops_priced_by, (std::map<std::string, uint64_t>{{"fake", 3}}));
}

TEST(ExecutorTest, OpsOnOneStreamSerializeOnTwoStreamsOverlap) {
  // Two 10 ns ops with no dependency: on one stream [0,10] then [10,20] (makespan 20); on two
  // streams both [0,10] (makespan 10).
  Builder one(1);
  one.compute(0, "x", 10);
  one.compute(0, "y", 10);
  Replay r1 = replay(one.w);
  EXPECT_EQ(interval(r1, one.w, 0, "x"), Iv(0, 10));
  EXPECT_EQ(interval(r1, one.w, 0, "y"), Iv(10, 20));
  EXPECT_EQ(r1.result.makespan, Time::ns(20));

  Builder two(1);
  two.compute(0, "x", 10);
  two.compute(0, "y", 10, {}, two.w.stream_of("stream2"));
  Replay r2 = replay(two.w);
  EXPECT_EQ(interval(r2, two.w, 0, "x"), Iv(0, 10));
  EXPECT_EQ(interval(r2, two.w, 0, "y"), Iv(0, 10));
  EXPECT_EQ(r2.result.makespan, Time::ns(10));
}

TEST(ExecutorTest, ACollectiveIsExclusiveWhenNoOtherNetworkOpCanOverlapIt) {
  // Exclusive: every rank that communicates is a member and communicates on one stream (rank 2
  // only computes), so the collective holds every network stream until it ends.
  Builder only(3);
  for (int r = 0; r < 2; ++r) {
    only.collective(r, "ar1", {0, 1}, 1000);
    only.collective(r, "ar2", {0, 1}, 1000);
  }
  only.compute(2, "c", 10);
  Replay r1 = replay(only.w);
  ASSERT_EQ(r1.calls.size(), 2u);
  EXPECT_TRUE(r1.calls[0].exclusive);
  EXPECT_TRUE(r1.calls[1].exclusive);

  // Rank 2 sends to rank 0: a network rank outside the group, so not exclusive.
  Builder outside(3);
  outside.collective(0, "ar", {0, 1}, 1000);
  outside.collective(1, "ar", {0, 1}, 1000);
  outside.send(2, "s", 0, 10);
  outside.recv(0, "r", 2, 10);
  Replay r2 = replay(outside.w);
  ASSERT_EQ(r2.calls.size(), 1u);
  EXPECT_FALSE(r2.calls[0].exclusive);

  // Every rank in the group, but rank 0 also sends on a second stream: that send may run while
  // the collective does, so not exclusive.
  Builder two_streams(2);
  const uint8_t side = two_streams.w.stream_of("side");
  two_streams.collective(0, "ar", {0, 1}, 1000);
  two_streams.collective(1, "ar", {0, 1}, 1000);
  two_streams.send(0, "s", 1, 10, 0, {}, side);
  two_streams.recv(1, "r", 0, 10, 0, {}, side);
  Replay r3 = replay(two_streams.w);
  ASSERT_EQ(r3.calls.size(), 1u);
  EXPECT_FALSE(r3.calls[0].exclusive);
}

TEST(ExecutorTest, FixedDurationOpsArePricedAsTrace) {
  Builder b(1);
  const uint32_t replayed = b.b.timed_compute(0, "replayed", Time::ns(7), 0, "");
  b.w.ranks[0].ops[replayed].flops = 1e6;  // ignored: the duration wins
  b.compute(0, "modelled", 4);
  Replay r = replay(b.w);
  EXPECT_EQ(interval(r, b.w, 0, "replayed"), Iv(0, 7));
  EXPECT_EQ(interval(r, b.w, 0, "modelled"), Iv(7, 11));
  EXPECT_EQ(r.result.ops_priced_by, (std::map<std::string, uint64_t>{{"fake", 1}, {"trace", 1}}));
}

TEST(ExecutorTest, CollectiveWaitsForAllMembers) {
  // Rank 0 joins at 0; rank 1 computes 7 ns first; rank 2 computes 40 ns. The collective starts
  // when the last member joins (40) and takes 100 ns: every member finishes at 140.
  Builder b(3);
  b.collective(0, "ar", {0, 1, 2}, 4096);
  uint32_t c1 = b.compute(1, "c1", 7);
  b.collective(1, "ar", {0, 1, 2}, 4096, {c1});
  uint32_t c2 = b.compute(2, "c2", 40);
  b.collective(2, "ar", {0, 1, 2}, 4096, {c2});
  Replay r = replay(b.w);
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].at, Time::ns(40));
  EXPECT_EQ(r.calls[0].ranks, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(r.calls[0].bytes, 4096);
  EXPECT_EQ(interval(r, b.w, 0, "ar"), Iv(0, 140));
  EXPECT_EQ(interval(r, b.w, 1, "ar"), Iv(7, 140));
  EXPECT_EQ(interval(r, b.w, 2, "ar"), Iv(40, 140));
  ASSERT_EQ(r.result.collectives.size(), 1u);
  const CollectiveRecord& c = r.result.collectives[0];
  EXPECT_EQ(c.name, "ar");
  EXPECT_EQ(c.algorithm, "fake_ring");
  EXPECT_EQ(c.ranks, 3);
  EXPECT_EQ(c.bytes, 4096);
  EXPECT_EQ(c.start, Time::ns(40));
  EXPECT_EQ(c.end, Time::ns(140));
  EXPECT_EQ(r.result.rank_finish, (std::vector<Time>{Time::ns(140), Time::ns(140), Time::ns(140)}));
}

TEST(ExecutorTest, CollectivesMatchByOrderWithinAGroup) {
  // Two groups: {0,1} and {1,2}. Rank 1 issues g01#0, g12#0, g01#1 on one stream; the k-th
  // collective of a group meets the k-th of the other members. With 100 ns each:
  //   g01#0 [0,100]; g12#0 [100,200]; g01#1 [200,300] (rank 0's second waits for rank 1).
  Builder b(3);
  b.collective(0, "a0", {0, 1}, 8);
  b.collective(0, "a1", {0, 1}, 16);
  b.collective(1, "a0", {0, 1}, 8);
  b.collective(1, "b0", {1, 2}, 32);
  b.collective(1, "a1", {0, 1}, 16);
  b.collective(2, "b0", {1, 2}, 32);
  Replay r = replay(b.w);
  ASSERT_EQ(r.calls.size(), 3u);
  EXPECT_EQ(r.calls[0].bytes, 8);
  EXPECT_EQ(r.calls[1].bytes, 32);
  EXPECT_EQ(r.calls[2].bytes, 16);
  EXPECT_EQ(interval(r, b.w, 0, "a1"), Iv(100, 300));
  EXPECT_EQ(interval(r, b.w, 2, "b0"), Iv(0, 200));
  EXPECT_EQ(r.result.makespan, Time::ns(300));
}

TEST(ExecutorTest, SendAndRecvMeetWhenBothArePosted) {
  // Rank 0 sends at 0; rank 1 posts its recv after 20 ns of compute. The transfer starts at 20
  // (rendezvous) and takes 30: both ops end at 50.
  Builder b(2);
  b.send(0, "s", 1, 1000);
  uint32_t c = b.compute(1, "work", 20);
  b.recv(1, "r", 0, 1000, 0, {c});
  Replay r = replay(b.w);
  ASSERT_EQ(r.p2p.size(), 1u);
  EXPECT_EQ(r.p2p[0].src, 0);
  EXPECT_EQ(r.p2p[0].dst, 1);
  EXPECT_EQ(r.p2p[0].bytes, 1000);
  EXPECT_EQ(r.p2p[0].at, Time::ns(20));
  EXPECT_EQ(interval(r, b.w, 0, "s"), Iv(0, 50));
  EXPECT_EQ(interval(r, b.w, 1, "r"), Iv(20, 50));
}

TEST(ExecutorTest, SendRecvMatchByTagThenInOrder) {
  // Rank 0 sends tag 5 (100 B) then tag 6 (200 B) on stream comm; rank 1 receives tag 6 on comm
  // and tag 5 on "comm2". Matching is by (src, dst, tag), so the sizes agree and nothing hangs:
  //   tag 5: posted by both at 0 -> [0, 30]; tag 6: send posted at 30 (after tag 5 on rank 0's
  //   stream), recv at 0 -> [30, 60] for the send, [0, 60] for the recv.
  Builder b(2);
  b.send(0, "s5", 1, 100, 5);
  b.send(0, "s6", 1, 200, 6);
  b.recv(1, "r6", 0, 200, 6);
  b.recv(1, "r5", 0, 100, 5, {}, b.w.stream_of("comm2"));
  Replay r = replay(b.w);
  EXPECT_EQ(interval(r, b.w, 0, "s5"), Iv(0, 30));
  EXPECT_EQ(interval(r, b.w, 1, "r5"), Iv(0, 30));
  EXPECT_EQ(interval(r, b.w, 0, "s6"), Iv(30, 60));
  EXPECT_EQ(interval(r, b.w, 1, "r6"), Iv(0, 60));
  // Two messages with the same tag match first-in first-out.
  Builder f(2);
  f.send(0, "first", 1, 10);
  f.send(0, "second", 1, 20);
  f.recv(1, "r1", 0, 10);
  f.recv(1, "r2", 0, 20);
  EXPECT_EQ(run_error(f.w), "<no error>");
}

TEST(ExecutorTest, DeadlockRecvWithNoSend) {
  Builder b(2);
  b.recv(0, "lonely", 1, 64, 3);
  EXPECT_EQ(run_error(b.w),
            "deadlock: the workload ended with ops that can never run: rank 0 op 0 ('lonely', "
            "recv) has no matching send (peer 1, tag 3)");
}

TEST(ExecutorTest, DeadlockTagMismatch) {
  // A send with tag 1 never meets a recv with tag 2: both are reported, one line per rank.
  Builder b(2);
  b.send(0, "s", 1, 64, 1);
  b.recv(1, "r", 0, 64, 2);
  EXPECT_EQ(run_error(b.w),
            "deadlock: the workload ended with ops that can never run: rank 0 op 0 ('s', send) has "
            "no matching recv (peer 1, tag 1); rank 1 op 0 ('r', recv) has no matching send (peer "
            "0, tag 2)");
}

TEST(ExecutorTest, DeadlockCollectiveOneRankNeverJoins) {
  // Rank 1 is a member of group {0, 1} but never issues the collective.
  Builder b(2);
  b.collective(0, "ar", {0, 1}, 1024);
  b.compute(0, "after", 5);
  b.compute(1, "busy", 5);
  EXPECT_EQ(run_error(b.w),
            "deadlock: the workload ended with ops that can never run: rank 0 op 0 ('ar', "
            "collective) waits for the other members of group [0, 1]");
}

TEST(ExecutorTest, DeadlockNamesAtMostOneOpPerRankAndFiveInAll) {
  // Seven ranks, each with a recv nobody answers followed by a dependent op: the message lists
  // the first stuck op of each of the first five ranks only.
  Builder b(7);
  for (int r = 0; r < 7; ++r) {
    uint32_t rv = b.recv(r, "r", (r + 1) % 7, 8, 9);
    b.compute(r, "c", 1, {rv});
  }
  std::string msg = run_error(b.w);
  EXPECT_NE(msg.find("rank 4 op 0"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("rank 5"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("op 1"), std::string::npos) << msg;
}

TEST(ExecutorTest, MismatchedCollectiveSizesAreRejected) {
  Builder b(2);
  b.collective(0, "grad", {0, 1}, 1024);
  b.collective(1, "grad'", {0, 1}, 2048);
  EXPECT_EQ(run_error(b.w),
            "collective #0 on group [0, 1] disagrees between ranks: rank 0 op 0 ('grad') is "
            "all_reduce of 1024 bytes (root 0), rank 1 op 0 ('grad'') is all_reduce of 2048 bytes "
            "(root 0)");
}

TEST(ExecutorTest, AnErrorWhileRunningPointsAtTheOpsOrigin) {
  // Ops from a file carry their origin: the mismatch is found when rank 1's op joins (rank 0's
  // joined first), so the error is at rank 1's op, g.json:7:5; a trace's op names its node.
  Builder b(2);
  b.collective(0, "grad", {0, 1}, 1024);
  b.collective(1, "grad", {0, 1}, 2048);
  b.w.ranks[0].ops[0].origin = b.w.add_origin({b.w.intern("g.json"), 3, 5});
  b.w.ranks[1].ops[0].origin = b.w.add_origin({b.w.intern("g.json"), 7, 5});
  try {
    replay(b.w);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where().str(), "g.json:7:5");
  }
  b.w.ranks[1].ops[0].origin = b.w.add_origin({b.w.intern("t.1.et"), 0, 0, 216});
  try {
    replay(b.w);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where().str(), "t.1.et");
    EXPECT_TRUE(e.message().ends_with("(root 0) (Chakra node 216)")) << e.message();
  }
}

TEST(ExecutorTest, MismatchedCollectiveKindsAreRejected) {
  Builder b(2);
  b.collective(0, "x", {0, 1}, 1024, {}, CollectiveKind::kAllGather);
  b.collective(1, "x", {0, 1}, 1024, {}, CollectiveKind::kReduceScatter);
  EXPECT_EQ(run_error(b.w),
            "collective #0 on group [0, 1] disagrees between ranks: rank 0 op 0 ('x') is all_gather "
            "of 1024 bytes (root 0), rank 1 op 0 ('x') is reduce_scatter of 1024 bytes (root 0)");
}

TEST(ExecutorTest, MismatchedSendRecvSizesAreRejected) {
  Builder b(2);
  b.send(0, "s", 1, 100);
  b.recv(1, "r", 0, 200);
  EXPECT_EQ(run_error(b.w),
            "send rank 0 op 0 ('s') of 100 bytes meets recv rank 1 op 0 ('r') of 200 bytes");
}

TEST(ExecutorTest, PeerOutsideTheWorkloadIsRejected) {
  Builder b(2);
  b.send(0, "s", 5, 100);
  EXPECT_EQ(run_error(b.w), "rank 0 op 0 ('s'): peer 5 is not a rank (0..1)");
}

TEST(ExecutorTest, DependencyOnALaterOpIsRejected) {
  Builder b(1);
  b.compute(0, "a", 1, {1});
  b.compute(0, "b", 1);
  EXPECT_EQ(run_error(b.w), "rank 0 op 0 ('a') depends on op 1, which is not an earlier op");
  Builder self(1);
  self.compute(0, "loop", 1, {0});
  EXPECT_EQ(run_error(self.w), "rank 0 op 0 ('loop') depends on op 0, which is not an earlier op");
}

TEST(ExecutorTest, ComputeCommunicationAndExposedBreakdown) {
  // Per rank (both ranks alike), in ns:
  //   A: compute 4, stream 0                   [0, 4]
  //   B: compute 6, stream 0                   [4, 10]
  //   C: all-reduce after A, stream 1, 8 ns    [4, 12]   (fake collective: 8 ns)
  //   D: compute 2 after C, stream 0           [12, 14]
  // compute   = |[0,4] u [4,10] u [12,14]| = 4 + 6 + 2 = 12 ns
  // comm      = |[4,12]|                   = 8 ns
  // exposed   = comm not under compute     = [10,12] = 2 ns
  // makespan  = 14 ns
  Builder b(2);
  for (int r = 0; r < 2; ++r) {
    uint32_t a = b.compute(r, "A", 4);
    b.compute(r, "B", 6);
    uint32_t c = b.collective(r, "C", {0, 1}, 1 << 20, {a});
    b.compute(r, "D", 2, {c});
  }
  Replay run8 = replay(b.w, /*collective_time=*/Time::ns(8));
  EXPECT_EQ(interval(run8, b.w, 1, "C"), Iv(4, 12));
  EXPECT_EQ(interval(run8, b.w, 1, "D"), Iv(12, 14));
  EXPECT_EQ(run8.result.makespan, Time::ns(14));
  constexpr double kPs = 1e-12;  // the breakdown is summed in integer ps, then scaled
  EXPECT_NEAR(run8.result.compute_s, 12e-9, kPs);
  EXPECT_NEAR(run8.result.communication_s, 8e-9, kPs);
  EXPECT_NEAR(run8.result.exposed_communication_s, 2e-9, kPs);
}

TEST(ExecutorTest, BreakdownIsTheMeanOverRanks) {
  // Rank 0 computes 10 ns while its 6 ns send is in flight (fully hidden); rank 1 only receives
  // (6 ns, fully exposed). Means over the two ranks:
  //   compute (10 + 0) / 2 = 5 ns; comm (6 + 6) / 2 = 6 ns; exposed (0 + 6) / 2 = 3 ns.
  Builder b(2);
  b.compute(0, "work", 10);
  b.send(0, "s", 1, 64);
  b.recv(1, "r", 0, 64);
  Replay r = replay(b.w, Time::ns(100), /*p2p_time=*/Time::ns(6));
  constexpr double kPs = 1e-12;
  EXPECT_NEAR(r.result.compute_s, 5e-9, kPs);
  EXPECT_NEAR(r.result.communication_s, 6e-9, kPs);
  EXPECT_NEAR(r.result.exposed_communication_s, 3e-9, kPs);
  EXPECT_EQ(r.result.makespan, Time::ns(10));
}

TEST(ExecutorTest, CommunicationSplitsByCommunicatorAndPhaseAndIdleTime) {
  // Two ranks, in ns (fake collective 8 ns, fake send/recv 6 ns):
  //   rank 0: F forward compute 4 [0, 4]; send to rank 1 after F [4, 10] (phase forward);
  //           G all-reduce on communicator "dp" after the send [10, 18] (phase gradient_sync)
  //   rank 1: recv from rank 0 [0, 10] (posted at 0, matched at 4, done at 10: 10 ns on the
  //           rank's timeline); B backward compute 5 after it [10, 15]; G [15, 23]: the
  //           all-reduce runs once both members joined (15), 8 ns; rank 0's G waits from 10.
  // Rank 0: compute [0,4] = 4; comm [4,10] u [10,23] = 19, all exposed; idle: 23 - 23 = 0.
  // Rank 1: compute [10,15] = 5; comm [0,10] u [15,23] = 18, exposed 18; idle 0.
  // Means: compute 4.5; comm 18.5; exposed 18.5; idle 0 (compute + exposed + idle = 23).
  // By communicator: send/recv: rank 0 6 ns, rank 1 10 ns -> 8; exposed the same.
  //                  dp: rank 0 [10,23] 13, rank 1 [15,23] 8 -> 10.5.
  // By phase: forward: compute (4 + 0)/2 = 2, comm (6 + 10)/2 = 8 (the recv is tagged forward);
  //           backward: compute (0 + 5)/2 = 2.5; gradient_sync: comm (13 + 8)/2 = 10.5.
  Builder b(2);
  b.b.tags().phase = OpPhase::kForward;
  uint32_t f = b.compute(0, "F", 4);
  uint32_t s = b.send(0, "s", 1, 64, 0, {f});
  uint32_t r = b.recv(1, "r", 0, 64);
  b.b.tags().phase = OpPhase::kBackward;
  uint32_t bw = b.compute(1, "B", 5, {r});
  b.b.tags().phase = OpPhase::kGradientSync;
  const uint32_t dp = b.b.group({0, 1}, "dp");
  b.b.collective(0, "G", CollectiveKind::kAllReduce, 1 << 20, dp, "auto", {s});
  b.b.collective(1, "G", CollectiveKind::kAllReduce, 1 << 20, dp, "auto", {bw});
  Replay run = replay(b.w, /*collective_time=*/Time::ns(8), /*p2p_time=*/Time::ns(6));
  EXPECT_EQ(interval(run, b.w, 0, "G"), Iv(10, 23));
  EXPECT_EQ(interval(run, b.w, 1, "r"), Iv(0, 10));
  const auto& x = run.result;
  constexpr double kPs = 1e-12;
  EXPECT_EQ(x.makespan, Time::ns(23));
  EXPECT_NEAR(x.compute_s, 4.5e-9, kPs);
  EXPECT_NEAR(x.communication_s, 18.5e-9, kPs);
  EXPECT_NEAR(x.exposed_communication_s, 18.5e-9, kPs);
  EXPECT_NEAR(x.idle_s, 0.0, kPs);
  ASSERT_EQ(x.communication_by_group.size(), 2u);
  EXPECT_NEAR(x.communication_by_group.at("send/recv").time_s, 8e-9, kPs);
  EXPECT_NEAR(x.communication_by_group.at("send/recv").exposed_s, 8e-9, kPs);
  EXPECT_NEAR(x.communication_by_group.at("dp").time_s, 10.5e-9, kPs);
  ASSERT_EQ(x.by_phase.size(), 3u);
  EXPECT_NEAR(x.by_phase.at("forward").compute_s, 2e-9, kPs);
  EXPECT_NEAR(x.by_phase.at("forward").communication_s, 8e-9, kPs);
  EXPECT_NEAR(x.by_phase.at("backward").compute_s, 2.5e-9, kPs);
  EXPECT_NEAR(x.by_phase.at("gradient_sync").communication_s, 10.5e-9, kPs);
}

TEST(ExecutorTest, IdleTimeIsWhatARankSpendsNeitherComputingNorCommunicating) {
  // Rank 0 computes 10 ns; rank 1 computes 3 ns and then has nothing to do until the
  // makespan (10 ns): idle (0 + 7) / 2 = 3.5 ns (a pipeline's bubble looks like this).
  Builder b(2);
  b.compute(0, "long", 10);
  b.compute(1, "short", 3);
  Replay r = replay(b.w);
  EXPECT_NEAR(r.result.idle_s, 3.5e-9, 1e-12);
  EXPECT_TRUE(r.result.communication_by_group.empty());
  EXPECT_EQ(r.result.by_phase.size(), 1u);  // "none": untagged
  EXPECT_NEAR(r.result.by_phase.at("none").compute_s, 6.5e-9, 1e-12);
}

TEST(ExecutorTest, WithoutRecordingNoOpsAreKept) {
  Builder b(1);
  b.compute(0, "a", 3);
  Simulator sim;
  FakeCompute compute;
  FakeComm comm(sim);
  Executor exec(sim, b.w, compute, comm, /*record_ops=*/false);
  exec.start();
  sim.run();
  ExecutionResult r = exec.finish();
  EXPECT_TRUE(r.ops.empty());
  EXPECT_EQ(r.makespan, Time::ns(3));
}

TEST(ExecutorTest, EmptyWorkloadFinishesAtZero) {
  Builder b(3);
  Replay r = replay(b.w);
  EXPECT_EQ(r.result.makespan, Time::zero());
  EXPECT_EQ(r.result.rank_finish.size(), 3u);
  EXPECT_EQ(r.events, 0u);
}

// BUG: the executor never checks that a rank issuing a collective is a member of its group.
// Here rank 2 (not in {0, 1}) issues a collective on group {0, 1} at t = 0 while ranks 0 and 1
// compute for 5 ns first: rank 2 and rank 0 fill the two places of collective #0 and run it,
// and rank 1's collective then waits forever, so the user gets a deadlock blaming rank 1, a
// correct member, instead of an error about rank 2. (The graph_json loader checks membership,
// but generators and future importers build Workloads directly.)
// Fix: in Executor's constructor, where deps are already validated, check for every collective
// op that std::find(groups[op.group], rank) succeeds, else throw ConfigError(fmt::format(
// "rank {} op {} ('{}') issues a collective on group {}, which it is not a member of", ...)).
TEST(ExecutorTest, CollectiveFromANonMemberIsRejected) {
  Builder b(3);
  for (int r = 0; r < 2; ++r) {
    uint32_t c = b.compute(r, "work", 5);
    b.collective(r, "ar", {0, 1}, 1024, {c});
  }
  b.collective(2, "ar", {0, 1}, 1024);
  EXPECT_EQ(run_error(b.w),
            "rank 2 op 0 ('ar') issues a collective on group [0, 1], which it is not a member of");
}

}  // namespace
}  // namespace dtsim::simcore
