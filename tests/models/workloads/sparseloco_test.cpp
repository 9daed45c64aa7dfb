// SparseLoCo's compressed sync (models/workloads/sparseloco.h): the payload of chunk-wise top-k
// with q-bit values and ceil(log2 C)-bit indices, worked by hand from the docstring's rule, and
// the all-gather that carries it.
#include "models/workloads/sparseloco.h"

#include <gtest/gtest.h>

namespace dtsim::workloads {
namespace {

TEST(SparseLocoBytes, IndexBitsAreTheCeilingOfLog2OfTheChunk) {
  EXPECT_EQ(index_bits(2), 1);
  EXPECT_EQ(index_bits(4096), 12);  // Templar's 12-bit packed indices
  EXPECT_EQ(index_bits(4097), 13);
  EXPECT_EQ(index_bits(3000), 12);  // 2^11 = 2048 < 3000 <= 4096
}

TEST(SparseLocoBytes, KeptEntriesPerChunkAndInThePartialLastChunk) {
  // N = 10,000, C = 4096, d = 0.01: 2 full chunks of round(40.96) = 41, a last chunk of 1,808
  // with round(18.08) = 18: K = 100.
  EXPECT_EQ(kept_elements(10'000, 0.01, 4096), 2 * 41 + 18);
  // At least one entry per chunk: d = 1e-6 keeps 1 of each of the 3 chunks.
  EXPECT_EQ(kept_elements(10'000, 1e-6, 4096), 3);
  // d = 1 keeps everything.
  EXPECT_EQ(kept_elements(10'000, 1.0, 4096), 10'000);
}

TEST(SparseLocoBytes, PayloadIsKeptEntriesTimesValueAndIndexBits) {
  // 8e9 params, tp 8, pp 2: N = 5e8 = 122,070 chunks of 4096 + 1,280. d = 0.03: 123 per chunk,
  // round(38.4) = 38 in the last: K = 122,070 x 123 + 38 = 15,014,648. q = 2, 12-bit indices:
  // 14 bits each: 210,205,072 bits = 26,275,634 B.
  SparseLocoParams s;
  s.diloco.replica.tp = 8;
  s.diloco.replica.pp = 2;
  s.diloco.outer_bits = 2;
  s.density = 0.03;
  EXPECT_EQ(shard_elements(s.diloco, 8'000'000'000), 500'000'000);
  EXPECT_EQ(kept_elements(500'000'000, 0.03, 4096), 15'014'648);
  EXPECT_EQ(sparse_payload_bytes(s, 8'000'000'000), 26'275'634);
  // A shard that does not divide rounds up: 1001 params over tp 2 = 501 elements; one chunk,
  // round(0.03 x 501) = round(15.03) = 15 entries x 14 bits = 210 bits = 26.25 B -> 27 B.
  s.diloco.replica.tp = 2;
  s.diloco.replica.pp = 1;
  EXPECT_EQ(shard_elements(s.diloco, 1001), 501);
  EXPECT_EQ(sparse_payload_bytes(s, 1001), 27);
  // ZeRO-1 with dp 4 splits the shard again: 8e9 / (8 x 4) = 2.5e8 elements.
  s.diloco.replica.tp = 8;
  s.diloco.replica.dp = 4;
  s.diloco.replica.zero_stage = 1;
  EXPECT_EQ(shard_elements(s.diloco, 8'000'000'000), 250'000'000);
}

TEST(SparseLocoSync, OneAllGatherOfRPayloadsPerRankOverItsPosition) {
  // R = 3 replicas of tp 2: positions 0 and 1 gather over {0, 2, 4} and {1, 3, 5}; each rank's
  // all-gather is 3 x payload (nccl-tests: the gathered total). 1001 params / 2 = 501 elements:
  // 27 B each (above).
  SparseLocoParams s;
  s.diloco.replica.tp = 2;
  s.diloco.replicas = 3;
  s.diloco.outer_bits = 2;
  s.density = 0.03;
  const simcore::Workload w = make_sparse_sync(s, 1001, 0);
  ASSERT_EQ(w.ranks.size(), 6u);
  for (int r = 0; r < 6; ++r) {
    ASSERT_EQ(w.ranks[r].ops.size(), 1u);
    const simcore::Op& op = w.ranks[r].ops[0];
    EXPECT_EQ(op.collective, simcore::CollectiveKind::kAllGather);
    EXPECT_EQ(op.bytes, 3 * 27);
    EXPECT_EQ(w.groups[op.group], (std::vector<int>{r % 2, 2 + r % 2, 4 + r % 2}));
    EXPECT_EQ(op.tags.phase, simcore::OpPhase::kOuterSync);
    EXPECT_EQ(op.tags.replica, r / 2);
  }
}

}  // namespace
}  // namespace dtsim::workloads
