// ProgramBuilder: the one way ops are made (names interned, deps, streams, structured tags).
#include "simcore/program_builder.h"

#include <gtest/gtest.h>

#include <vector>

namespace dtsim::simcore {
namespace {

TEST(ProgramBuilderTest, MakesOpsWithInternedNamesDepsStreamsAndTags) {
  Workload w;
  w.ranks.resize(2);
  ProgramBuilder b(w);
  const uint32_t g = b.group({0, 1}, "dp");
  const uint8_t tp = b.stream("tp_comm");
  b.tags().phase = OpPhase::kForward;
  b.tags().layer = 3;
  b.tags().micro_batch = 1;
  const uint32_t fwd = b.compute(0, "fwd", 1e9, 2e6, "bf16");
  b.tags().phase = OpPhase::kGradientSync;
  const uint32_t ar =
      b.collective(0, "grad all_reduce", CollectiveKind::kAllReduce, 64, g, "ring", {fwd}, tp);
  b.send(0, "send", 1, 8, 7, {ar});
  b.recv(1, "recv", 0, 8, 7);
  b.delay(1, "wait", Time::us(5));
  b.timed_compute(1, "fwd", Time::ns(10), 0, "fp32");

  ASSERT_EQ(w.ranks[0].ops.size(), 3u);
  ASSERT_EQ(w.ranks[1].ops.size(), 3u);
  const Op& c = w.ranks[0].ops[fwd];
  EXPECT_EQ(c.kind, OpKind::kCompute);
  EXPECT_EQ(w.str(c.name), "fwd");
  EXPECT_EQ(w.str(c.dtype), "bf16");
  EXPECT_EQ(c.flops, 1e9);
  EXPECT_EQ(c.mem_bytes, 2e6);
  EXPECT_EQ(c.tags.phase, OpPhase::kForward);
  EXPECT_EQ(c.tags.layer, 3);
  EXPECT_EQ(c.tags.micro_batch, 1);
  EXPECT_EQ(c.tags.step, OpTags::kNone);
  const Op& a = w.ranks[0].ops[ar];
  EXPECT_EQ(a.kind, OpKind::kCollective);
  EXPECT_EQ(a.stream, tp);
  EXPECT_EQ(w.groups[a.group], (std::vector<int>{0, 1}));
  EXPECT_EQ(w.communicator(a.group), "dp");
  EXPECT_EQ(w.str(a.algorithm), "ring");
  EXPECT_EQ(a.deps, (std::vector<uint32_t>{fwd}));
  EXPECT_EQ(a.tags.phase, OpPhase::kGradientSync);
  EXPECT_EQ(w.ranks[0].ops[2].kind, OpKind::kSend);
  EXPECT_EQ(w.ranks[0].ops[2].stream, kCommStream);
  EXPECT_EQ(w.ranks[1].ops[0].kind, OpKind::kRecv);
  EXPECT_EQ(w.ranks[1].ops[0].peer, 0);
  EXPECT_EQ(w.ranks[1].ops[0].tag, 7);
  EXPECT_EQ(w.ranks[1].ops[1].delay, Time::us(5));
  EXPECT_EQ(w.ranks[1].ops[1].stream, kComputeStream);
  EXPECT_EQ(w.ranks[1].ops[2].duration, Time::ns(10));
  // One string per distinct name: the second "fwd" reuses the first's id.
  EXPECT_EQ(w.ranks[1].ops[2].name, c.name);
  EXPECT_EQ(w.str(w.ranks[1].ops[2].dtype), "fp32");
}

TEST(ProgramBuilderTest, PrivateStringsArePublishedInRankThenOpOrder) {
  // Two builders fill disjoint ranks with private tables, as parallel builders do; publishing
  // them in rank order gives the ids one shared builder gives.
  auto build = [](ProgramBuilder& b, int r) {
    b.compute(r, r == 0 ? "a" : "b", 1, 0, "bf16");
    b.compute(r, "c", 1, 0, "bf16");
  };
  Workload shared;
  shared.ranks.resize(2);
  {
    ProgramBuilder b(shared);
    build(b, 0);
    build(b, 1);
  }
  Workload parallel;
  parallel.ranks.resize(2);
  ProgramBuilder b1(parallel, ProgramBuilder::Strings::kPrivate);
  ProgramBuilder b0(parallel, ProgramBuilder::Strings::kPrivate);
  build(b1, 1);  // built first, published second
  build(b0, 0);
  b0.publish_strings({0});
  b1.publish_strings({1});
  EXPECT_EQ(parallel.strings, shared.strings);
  for (int r = 0; r < 2; ++r)
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(parallel.ranks[r].ops[i].name, shared.ranks[r].ops[i].name);
      EXPECT_EQ(parallel.ranks[r].ops[i].dtype, shared.ranks[r].ops[i].dtype);
    }
}

TEST(ProgramBuilderTest, NameSequencesReuseIdsAndSurviveAMismatch) {
  Workload w;
  w.ranks.resize(2);
  ProgramBuilder b(w);
  b.begin_name_sequence(0);
  b.compute(0, "x", 1, 0, "bf16");
  b.compute(0, "y", 1, 0, "bf16");
  b.begin_name_sequence(0);
  b.compute(1, "x", 1, 0, "bf16");
  b.compute(1, "z", 1, 0, "bf16");  // differs from the recorded "y": interned as usual
  b.end_name_sequence();
  EXPECT_EQ(w.ranks[1].ops[0].name, w.ranks[0].ops[0].name);
  EXPECT_EQ(w.str(w.ranks[1].ops[1].name), "z");
  EXPECT_EQ(w.str(w.ranks[0].ops[1].name), "y");
}

TEST(ProgramBuilderTest, AllToAllVNamesItsMatrix) {
  Workload w;
  w.ranks.resize(2);
  w.matrices.push_back({0, 5, 7, 0});
  ProgramBuilder b(w);
  const uint32_t g = b.group({0, 1}, "ep");
  b.all_to_all_v(0, "dispatch", 0, 5, g, "auto");
  const Op& op = w.ranks[0].ops[0];
  EXPECT_EQ(op.collective, CollectiveKind::kAllToAll);
  EXPECT_EQ(op.matrix, 0);
  EXPECT_EQ(op.bytes, 5);
}

}  // namespace
}  // namespace dtsim::simcore
