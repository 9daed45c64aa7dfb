// Composition: append (one after the other on each rank) and merge (side by side).
#include "simcore/composition.h"

#include <gtest/gtest.h>

#include <vector>

#include "simcore/program_builder.h"

namespace dtsim::simcore {
namespace {

/** Two ranks: a compute op each, then an all-reduce over both on a named stream. */
Workload step(const char* name) {
  Workload w;
  w.ranks.resize(2);
  ProgramBuilder b(w);
  const uint32_t g = b.group({0, 1}, "dp");
  const uint8_t s = b.stream("dp_comm");
  for (int r = 0; r < 2; ++r) {
    const uint32_t c = b.compute(r, name, 10, 0, "bf16");
    b.collective(r, "sync", CollectiveKind::kAllReduce, 64, g, "ring", {c}, s);
  }
  return w;
}

TEST(CompositionTest, AppendRunsTheBlockAfterTheRanksLastOps) {
  Workload w = step("first");
  append(w, step("second"), /*step=*/1);
  ASSERT_EQ(w.ranks[0].ops.size(), 4u);
  const Op& second = w.ranks[0].ops[2];
  EXPECT_EQ(w.str(second.name), "second");
  // The block's root waits for the rank's sink (the first all-reduce, op 1).
  EXPECT_EQ(second.deps, (std::vector<uint32_t>{1}));
  EXPECT_EQ(second.tags.step, 1);
  EXPECT_EQ(w.ranks[0].ops[0].tags.step, OpTags::kNone);
  // Deps inside the block are shifted; communicator and stream tables are shared, not doubled.
  EXPECT_EQ(w.ranks[0].ops[3].deps, (std::vector<uint32_t>{2}));
  EXPECT_EQ(w.ranks[0].ops[3].group, w.ranks[0].ops[1].group);
  EXPECT_EQ(w.ranks[0].ops[3].stream, w.ranks[0].ops[1].stream);
  EXPECT_EQ(w.groups.size(), 1u);
  EXPECT_EQ(w.stream_names.size(), 3u);
}

TEST(CompositionTest, MergeOfAPlacedWorkloadRunsBesideWithoutWaiting) {
  // A second replica placed on ranks 2 and 3 of a 4-rank cluster, beside the first.
  Workload w = step("replica0");
  merge(w, step("replica1").placed({2, 3}, 4));
  ASSERT_EQ(w.ranks.size(), 4u);
  EXPECT_EQ(w.ranks[0].ops.size(), 2u);
  ASSERT_EQ(w.ranks[2].ops.size(), 2u);
  EXPECT_TRUE(w.ranks[2].ops[0].deps.empty());
  EXPECT_EQ(w.groups[w.ranks[2].ops[1].group], (std::vector<int>{2, 3}));
  EXPECT_EQ(w.communicator(w.ranks[2].ops[1].group), "dp");
  EXPECT_EQ(w.groups.size(), 2u);
}

TEST(CompositionTest, MatricesAreRenumbered) {
  Workload a, b;
  a.ranks.resize(1);
  b.ranks.resize(1);
  a.matrices.push_back({1});
  b.matrices.push_back({2});
  ProgramBuilder pb(b);
  pb.all_to_all_v(0, "a2a", 0, 2, pb.group({0}), "auto");
  append(a, b);
  ASSERT_EQ(a.matrices.size(), 2u);
  EXPECT_EQ(a.ranks[0].ops[0].matrix, 1);
  EXPECT_EQ(a.matrices[1], (std::vector<double>{2}));
}

}  // namespace
}  // namespace dtsim::simcore
