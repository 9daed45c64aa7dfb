#include "models/collectives/schedule.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "simcore/error.h"
#include "tests/support/config_error.h"
#include "tests/support/schedule_replay.h"

namespace dtsim::collectives {
namespace {

using simcore::CollectiveKind;
using simcore::ConfigError;

/** The registry entry of that name. */
collectives::Algorithm algo(std::string_view name) {
  return collectives::parse_algorithm_or_throw(name);
}

constexpr double kGiB = 1073741824.0;  // 2^30
constexpr double kRelTol = 1e-12;      // replayed sums of a few dozen doubles

// ---- helpers -------------------------------------------------------------------------------

/** Every dependency names an earlier transfer, and every range lies inside `deps`. */
void expect_deps_earlier(const Schedule& s) {
  for (size_t t = 0; t < s.transfers.size(); ++t) {
    const Transfer& tr = s.transfers[t];
    ASSERT_LE(tr.dep_begin, tr.dep_end);
    ASSERT_LE(tr.dep_end, s.deps.size());
    for (uint32_t d : s.deps_of(t)) ASSERT_LT(d, t) << "transfer " << t;
  }
}

/** Longest dependency chain, counted in transfers. */
int critical_steps(const Schedule& s) {
  std::vector<int> depth(s.transfers.size(), 1);
  int longest = 0;
  for (size_t t = 0; t < s.transfers.size(); ++t) {
    for (uint32_t d : s.deps_of(t)) depth[t] = std::max(depth[t], depth[d] + 1);
    longest = std::max(longest, depth[t]);
  }
  return longest;
}

/**
 * Contention-free replay: a transfer starts when its deps are done and takes
 * latency_s + bytes / bw. Returns the finish time of the last transfer.
 */
using test::replay;

struct PerRank {
  std::vector<double> sent, received;
};
PerRank per_rank_bytes(const Schedule& s, int n) {
  PerRank p{std::vector<double>(n, 0.0), std::vector<double>(n, 0.0)};
  for (const Transfer& t : s.transfers) {
    EXPECT_NE(t.src, t.dst);
    EXPECT_GE(t.src, 0);
    EXPECT_LT(t.src, n);
    EXPECT_GE(t.dst, 0);
    EXPECT_LT(t.dst, n);
    p.sent[t.src] += t.bytes;
    p.received[t.dst] += t.bytes;
  }
  return p;
}

void expect_every_rank_moves(const Schedule& s, int n, double expected) {
  PerRank p = per_rank_bytes(s, n);
  for (int i = 0; i < n; ++i) {
    EXPECT_NEAR(p.sent[i], expected, expected * kRelTol) << "rank " << i;
    EXPECT_NEAR(p.received[i], expected, expected * kRelTol) << "rank " << i;
  }
}

using test::config_error_what;

// ---- ring ----------------------------------------------------------------------------------

TEST(RingSchedule, AllReduceStepsBytesAndDeps) {
  // 2(n-1) = 14 steps of n = 8 transfers of S/n; every rank sends and receives 2(n-1)/n * S.
  const int n = 8;
  const double S = kGiB;
  Schedule s = build_schedule(CollectiveKind::kAllReduce, algo("ring"), n, S, 0, 1, {});
  EXPECT_EQ(s.algorithm, algo("ring"));
  ASSERT_EQ(s.transfers.size(), 14u * 8u);
  for (const Transfer& t : s.transfers) {
    EXPECT_EQ(t.dst, (t.src + 1) % n);
    EXPECT_EQ(t.bytes, S / n);
  }
  expect_deps_earlier(s);
  expect_every_rank_moves(s, n, 2.0 * (n - 1) / n * S);
  EXPECT_EQ(critical_steps(s), 2 * (n - 1));
  // Transfer (s=1, i=3) is index 8 + 3; it waits for (0, 2) (what it received) and (0, 3).
  auto d = s.deps_of(11);
  EXPECT_EQ(std::vector<uint32_t>(d.begin(), d.end()), (std::vector<uint32_t>{2, 3}));
  EXPECT_TRUE(s.deps_of(3).empty());
}

TEST(RingSchedule, AllReduceReplayMatchesClosedForm) {
  // Non-blocking switch, 2 hops of a = 1 us each, B = 450 GB/s per rank:
  // 2(n-1)(2a + S/(nB)) = 14 * (2e-6 + 2^30 / 3.6e12) = 4.203662649e-3 s.
  const int n = 8;
  const double S = kGiB, a = 1e-6, B = 450e9;
  Schedule s = build_schedule(CollectiveKind::kAllReduce, algo("ring"), n, S, 0, 1, {});
  const double expected = 2.0 * (n - 1) * (2 * a + S / (n * B));
  EXPECT_NEAR(expected, 4.203662649e-3, 1e-12);
  EXPECT_NEAR(replay(s, 2 * a, B), expected, expected * kRelTol);
}

TEST(RingSchedule, ChunksPipeline) {
  // c pieces of S/(nc) per step: (2(n-1) + c - 1) pieces on the critical path.
  const int n = 8, c = 4;
  const double S = kGiB, a = 1e-6, B = 450e9;
  Schedule s = build_schedule(CollectiveKind::kAllReduce, algo("ring"), n, S, 0, c, {});
  ASSERT_EQ(s.transfers.size(), static_cast<size_t>(2 * (n - 1) * n * c));
  expect_deps_earlier(s);
  expect_every_rank_moves(s, n, 2.0 * (n - 1) / n * S);
  EXPECT_EQ(critical_steps(s), 2 * (n - 1) + c - 1);
  const double expected = (2 * (n - 1) + c - 1) * (a + S / (n * c * B));
  EXPECT_NEAR(replay(s, a, B), expected, expected * kRelTol);
}

TEST(RingSchedule, ReduceScatterAndAllGather) {
  // n-1 steps of S/n: every rank moves (n-1)/n * S.
  const int n = 6;
  const double S = 6e6;
  for (auto kind : {CollectiveKind::kReduceScatter, CollectiveKind::kAllGather}) {
    Schedule s = build_schedule(kind, algo("ring"), n, S, 0, 1, {});
    ASSERT_EQ(s.transfers.size(), static_cast<size_t>((n - 1) * n));
    expect_deps_earlier(s);
    expect_every_rank_moves(s, n, (n - 1.0) / n * S);
    EXPECT_EQ(critical_steps(s), n - 1);
  }
}

TEST(RingSchedule, BidirectionalSplitsTheData) {
  // Two rings on S/2, one each way: each rank sends (n-1)/n * S to each neighbour.
  const int n = 5;
  const double S = 10e6;
  Schedule s =
      build_schedule(CollectiveKind::kAllReduce, algo("ring_bidirectional"), n, S, 0, 1, {});
  ASSERT_EQ(s.transfers.size(), static_cast<size_t>(2 * 2 * (n - 1) * n));
  expect_deps_earlier(s);
  expect_every_rank_moves(s, n, 2.0 * (n - 1) / n * S);
  EXPECT_EQ(critical_steps(s), 2 * (n - 1));
  std::vector<double> forward(n, 0), backward(n, 0);
  for (const Transfer& t : s.transfers) {
    EXPECT_EQ(t.bytes, S / 2 / n);
    if (t.dst == (t.src + 1) % n)
      forward[t.src] += t.bytes;
    else if (t.dst == (t.src + n - 1) % n)
      backward[t.src] += t.bytes;
    else
      ADD_FAILURE() << t.src << " -> " << t.dst;
  }
  for (int i = 0; i < n; ++i) {
    EXPECT_NEAR(forward[i], (n - 1.0) / n * S, 1e-6);
    EXPECT_NEAR(backward[i], (n - 1.0) / n * S, 1e-6);
  }
}

TEST(RingSchedule, TwoRanksAndZeroBytes) {
  // n = 2: 2 steps of one transfer each way; 0 bytes still yields the transfers.
  Schedule s = build_schedule(CollectiveKind::kAllReduce, algo("ring"), 2, 0, 0, 1, {});
  ASSERT_EQ(s.transfers.size(), 4u);
  for (const Transfer& t : s.transfers) EXPECT_EQ(t.bytes, 0.0);
  expect_deps_earlier(s);
  EXPECT_EQ(critical_steps(s), 2);
  // Zero bytes cost only latency: 2 steps of 1 us.
  EXPECT_DOUBLE_EQ(replay(s, 1e-6, 1e9), 2e-6);
}

TEST(Schedule, OneRankIsEmpty) {
  for (auto kind :
       {CollectiveKind::kAllReduce, CollectiveKind::kReduceScatter, CollectiveKind::kAllGather,
        CollectiveKind::kAllToAll, CollectiveKind::kBroadcast, CollectiveKind::kReduce}) {
    Schedule s = build_schedule(kind, Algorithm{}, 1, 1e6, 0, 1, {});
    EXPECT_TRUE(s.transfers.empty());
    EXPECT_TRUE(s.deps.empty());
  }
  EXPECT_TRUE(
      build_schedule(CollectiveKind::kAllReduce, algo("double_binary_tree"), 1, 1, 0, 3, {})
          .transfers.empty());
  EXPECT_TRUE(
      build_schedule(CollectiveKind::kAllReduce, algo("halving_doubling"), 1, 1, 0, 1, {})
          .transfers.empty());
}

// ---- all-to-all ----------------------------------------------------------------------------

TEST(AllToAllSchedule, DirectIsEveryPairAtOnce) {
  // n(n-1) transfers of S/n with no deps: each rank sends and receives (n-1)/n * S.
  const int n = 16;
  const double S = 16e6;
  Schedule s = build_schedule(CollectiveKind::kAllToAll, algo("direct"), n, S, 0, 1, {});
  ASSERT_EQ(s.transfers.size(), static_cast<size_t>(n * (n - 1)));
  EXPECT_TRUE(s.deps.empty());
  std::set<std::pair<int, int>> pairs;
  for (const Transfer& t : s.transfers) {
    EXPECT_EQ(t.bytes, S / n);
    pairs.insert({t.src, t.dst});
  }
  EXPECT_EQ(pairs.size(), static_cast<size_t>(n * (n - 1)));
  expect_every_rank_moves(s, n, (n - 1.0) / n * S);
  EXPECT_EQ(critical_steps(s), 1);
}

TEST(AllToAllSchedule, DirectAt1024RanksIsCompact) {
  // 1024 * 1023 = 1,047,552 transfers of 24 bytes each and no deps at all.
  static_assert(sizeof(Transfer) == 24);
  Schedule s =
      build_schedule(CollectiveKind::kAllToAll, algo("direct"), 1024, 1 << 20, 0, 1, {});
  EXPECT_EQ(s.transfers.size(), 1'047'552u);
  EXPECT_TRUE(s.deps.empty());
}

TEST(AllToAllSchedule, DirectChunksChainPerPair) {
  const int n = 4, c = 3;
  Schedule s = build_schedule(CollectiveKind::kAllToAll, algo("direct"), n, 12, 0, c, {});
  ASSERT_EQ(s.transfers.size(), static_cast<size_t>(n * (n - 1) * c));
  expect_deps_earlier(s);
  for (size_t t = 0; t < s.transfers.size(); ++t)
    for (uint32_t d : s.deps_of(t)) {
      EXPECT_EQ(s.transfers[d].src, s.transfers[t].src);
      EXPECT_EQ(s.transfers[d].dst, s.transfers[t].dst);
    }
  EXPECT_EQ(critical_steps(s), c);
  expect_every_rank_moves(s, n, (n - 1.0) / n * 12);
}

TEST(AllToAllSchedule, PairwiseSteps) {
  // Step s: i -> (i+s) % n, after its own previous send and what it received at step s-1.
  const int n = 8;
  const double S = 8e6;
  Schedule s = build_schedule(CollectiveKind::kAllToAll, algo("pairwise"), n, S, 0, 1, {});
  ASSERT_EQ(s.transfers.size(), static_cast<size_t>(n * (n - 1)));
  expect_deps_earlier(s);
  expect_every_rank_moves(s, n, (n - 1.0) / n * S);
  EXPECT_EQ(critical_steps(s), n - 1);
  std::set<std::pair<int, int>> pairs;
  for (const Transfer& t : s.transfers) pairs.insert({t.src, t.dst});
  EXPECT_EQ(pairs.size(), static_cast<size_t>(n * (n - 1)));
  // Step 2 (t = 1), rank 5 -> 7 at index 8 + 5: deps 5 -> 6 (index 5) and 4 -> 5 (index 4).
  const Transfer& t = s.transfers[13];
  EXPECT_EQ(t.src, 5);
  EXPECT_EQ(t.dst, 7);
  auto d = s.deps_of(13);
  EXPECT_EQ(std::set<uint32_t>(d.begin(), d.end()), (std::set<uint32_t>{4, 5}));
}

// ---- halving-doubling ----------------------------------------------------------------------

TEST(HalvingDoublingSchedule, AllReduce) {
  // log2(16) = 4 halving steps (S/2, S/4, S/8, S/16) and 4 doubling steps (mirror):
  // every rank moves 2(n-1)/n * S, the same as a ring, in 2 log2(n) = 8 steps.
  const int n = 16;
  const double S = kGiB;
  Schedule s =
      build_schedule(CollectiveKind::kAllReduce, algo("halving_doubling"), n, S, 0, 1, {});
  ASSERT_EQ(s.transfers.size(), static_cast<size_t>(8 * n));
  expect_deps_earlier(s);
  expect_every_rank_moves(s, n, 2.0 * (n - 1) / n * S);
  EXPECT_EQ(critical_steps(s), 8);
  EXPECT_EQ(s.transfers[5].dst, 5 ^ 8);
  EXPECT_EQ(s.transfers[5].bytes, S / 2);
  EXPECT_EQ(s.transfers[3 * n + 5].dst, 5 ^ 1);
  EXPECT_EQ(s.transfers[3 * n + 5].bytes, S / 16);
  EXPECT_EQ(s.transfers[7 * n + 5].dst, 5 ^ 8);
  EXPECT_EQ(s.transfers[7 * n + 5].bytes, S / 2);
  // Step 1 transfer 5 -> 5^4 = 1 depends on step 0 of 5 (5<->13) and of 1 (1<->9).
  auto d = s.deps_of(n + 5);
  EXPECT_EQ(std::set<uint32_t>(d.begin(), d.end()), (std::set<uint32_t>{5, 13, 1, 9}));
}

TEST(HalvingDoublingSchedule, ReduceScatterAndAllGather) {
  const int n = 8;
  const double S = 8e6;
  for (auto kind : {CollectiveKind::kReduceScatter, CollectiveKind::kAllGather}) {
    Schedule s = build_schedule(kind, algo("halving_doubling"), n, S, 0, 1, {});
    ASSERT_EQ(s.transfers.size(), static_cast<size_t>(3 * n));
    expect_deps_earlier(s);
    expect_every_rank_moves(s, n, (n - 1.0) / n * S);
    EXPECT_EQ(critical_steps(s), 3);
  }
  // Reduce-scatter halves: first S/2 to i^4; all-gather doubles: first S/8 to i^1.
  auto rs =
      build_schedule(CollectiveKind::kReduceScatter, algo("halving_doubling"), n, S, 0, 1, {});
  EXPECT_EQ(rs.transfers[0].dst, 4);
  EXPECT_EQ(rs.transfers[0].bytes, S / 2);
  auto ag = build_schedule(CollectiveKind::kAllGather, algo("halving_doubling"), n, S, 0, 1, {});
  EXPECT_EQ(ag.transfers[0].dst, 1);
  EXPECT_EQ(ag.transfers[0].bytes, S / 8);
}

TEST(HalvingDoublingSchedule, TwoRanksAndChunks) {
  Schedule s =
      build_schedule(CollectiveKind::kAllReduce, algo("halving_doubling"), 2, 4, 0, 2, {});
  ASSERT_EQ(s.transfers.size(), 8u);  // 2 steps x 2 pieces x 2 ranks
  expect_deps_earlier(s);
  expect_every_rank_moves(s, 2, 4.0);  // 2(n-1)/n * S = S
  EXPECT_EQ(critical_steps(s), 2 + 2 - 1);
}

TEST(HalvingDoublingSchedule, RejectsNonPowerOfTwo) {
  EXPECT_EQ(config_error_what([] {
              build_schedule(CollectiveKind::kAllReduce, algo("halving_doubling"), 6, 1, 0, 1,
                             {});
            }),
            "error: all_reduce with algorithm \"halving_doubling\" needs a power-of-two group "
            "size; got n = 6");
}

// ---- double binary tree --------------------------------------------------------------------

int ceil_log2(int n) {
  int l = 0;
  while ((1 << l) < n) ++l;
  return l;
}

TEST(DoubleBinaryTree, TreesSpanAndAreShallow) {
  for (int n = 1; n <= 70; ++n) {
    auto trees = double_binary_tree(n);
    for (const Tree& t : trees) {
      ASSERT_EQ(t.parent.size(), static_cast<size_t>(n));
      EXPECT_EQ(t.parent[t.root], -1);
      std::vector<int> children(n, 0);
      for (int v = 0; v < n; ++v) {
        if (v != t.root) {
          ASSERT_GE(t.parent[v], 0) << "n=" << n << " v=" << v;
          ++children[t.parent[v]];
        }
      }
      for (int v = 0; v < n; ++v) EXPECT_LE(children[v], 2) << "n=" << n;
      EXPECT_EQ(tree_depth(t), ceil_log2(n)) << "n=" << n;  // also checks it is a tree
    }
    if (n % 2 == 0) {  // mirror: no position is an inner node of both trees
      std::vector<int> inner0(n, 0), inner1(n, 0);
      for (int v = 0; v < n; ++v) {
        if (trees[0].parent[v] >= 0) inner0[trees[0].parent[v]] = 1;
        if (trees[1].parent[v] >= 0) inner1[trees[1].parent[v]] = 1;
      }
      for (int v = 0; v < n; ++v) EXPECT_LE(inner0[v] + inner1[v], 1) << "n=" << n << " v=" << v;
    }
  }
}

TEST(DoubleBinaryTree, MatchesNcclIllustration) {
  // NCCL src/graph/trees.cc, 14 ranks: 0-8; 8-{4,12}; 4-{2,6}; 12-{10,13}; 2-{1,3}; ...
  auto t = double_binary_tree(14);
  const std::vector<int32_t> parent0 = {-1, 2, 4, 2, 8, 6, 4, 6, 0, 10, 12, 10, 8, 12};
  EXPECT_EQ(t[0].parent, parent0);
  EXPECT_EQ(t[1].root, 13);
  for (int v = 0; v < 14; ++v)
    EXPECT_EQ(t[1].parent[v], parent0[13 - v] < 0 ? -1 : 13 - parent0[13 - v]);
  // Odd n: tree 1 is tree 0 shifted by one.
  auto odd = double_binary_tree(5);
  EXPECT_EQ(odd[0].parent, (std::vector<int32_t>{-1, 2, 4, 2, 0}));
  EXPECT_EQ(odd[1].root, 1);
  EXPECT_EQ(odd[1].parent, (std::vector<int32_t>{1, -1, 3, 0, 3}));
}

TEST(DoubleBinaryTreeSchedule, AllReduce) {
  // Each tree carries S/2 over its n-1 edges up and down: 2 * 2(n-1) * S/2 = 2(n-1) S in all.
  // Critical path: depth D up, D down, plus c-1 pieces: 2D + c - 1.
  const int n = 16, c = 4;
  const double S = 64e6, a = 1e-6, B = 100e9;
  Schedule s =
      build_schedule(CollectiveKind::kAllReduce, algo("double_binary_tree"), n, S, 0, c, {});
  ASSERT_EQ(s.transfers.size(), static_cast<size_t>(4 * (n - 1) * c));
  expect_deps_earlier(s);
  PerRank p = per_rank_bytes(s, n);
  double total = 0;
  auto trees = double_binary_tree(n);
  for (int v = 0; v < n; ++v) {
    // Sent: S/2 up in each tree where v is not the root, S/2 down to each child.
    double expected = 0;
    for (const Tree& t : trees) {
      if (t.parent[v] >= 0) expected += S / 2;
      for (int u = 0; u < n; ++u)
        if (t.parent[u] == v) expected += S / 2;
    }
    EXPECT_NEAR(p.sent[v], expected, 1e-3) << v;
    EXPECT_NEAR(p.received[v], expected, 1e-3) << v;
    total += p.sent[v];
  }
  EXPECT_NEAR(total, 2.0 * (n - 1) * S, 1e-3);
  const int D = 4;
  EXPECT_EQ(critical_steps(s), 2 * D + c - 1);
  const double expected = (2 * D + c - 1) * (a + S / 2 / c / B);
  EXPECT_NEAR(replay(s, a, B), expected, expected * kRelTol);
}

TEST(DoubleBinaryTreeSchedule, TwoAndThreeRanks) {
  for (int n : {2, 3}) {
    Schedule s =
        build_schedule(CollectiveKind::kAllReduce, algo("double_binary_tree"), n, 2, 0, 1, {});
    EXPECT_EQ(s.transfers.size(), static_cast<size_t>(4 * (n - 1)));
    expect_deps_earlier(s);
    EXPECT_EQ(critical_steps(s), 2 * ceil_log2(n));
  }
}

// ---- broadcast / reduce --------------------------------------------------------------------

TEST(ChainSchedule, BroadcastFromRoot) {
  // Chain 3 -> 4 -> ... -> 2 (mod 8), S in c pieces: (n-1) + (c-1) pieces on the critical path.
  const int n = 8, c = 4, root = 3;
  const double S = 8e6, a = 2e-6, B = 50e9;
  Schedule s = build_schedule(CollectiveKind::kBroadcast, algo("ring"), n, S, root, c, {});
  ASSERT_EQ(s.transfers.size(), static_cast<size_t>((n - 1) * c));
  expect_deps_earlier(s);
  EXPECT_EQ(s.transfers[0].src, root);
  EXPECT_EQ(s.transfers[0].dst, root + 1);
  PerRank p = per_rank_bytes(s, n);
  for (int v = 0; v < n; ++v) {
    EXPECT_NEAR(p.received[v], v == root ? 0 : S, 1e-6) << v;
    EXPECT_NEAR(p.sent[v], v == (root + n - 1) % n ? 0 : S, 1e-6) << v;
  }
  EXPECT_EQ(critical_steps(s), n - 1 + c - 1);
  const double expected = (n - 1 + c - 1) * (a + S / c / B);
  EXPECT_NEAR(replay(s, a, B), expected, expected * kRelTol);
}

TEST(ChainSchedule, ReduceEndsAtRoot) {
  const int n = 5, root = 2;
  Schedule s = build_schedule(CollectiveKind::kReduce, algo("ring"), n, 10, root, 2, {});
  expect_deps_earlier(s);
  EXPECT_EQ(s.transfers[0].src, (root + n - 1) % n);
  EXPECT_EQ(s.transfers[n - 2].dst, root);
  PerRank p = per_rank_bytes(s, n);
  EXPECT_EQ(p.sent[root], 0);
  EXPECT_NEAR(p.received[root], 10, 1e-12);
  EXPECT_EQ(critical_steps(s), n - 1 + 1);
}

TEST(ChainSchedule, RejectsRootOutOfRange) {
  EXPECT_EQ(config_error_what([] {
              build_schedule(CollectiveKind::kBroadcast, algo("ring"), 4, 1, 4, 1, {});
            }),
            "error: broadcast: root must be in [0, 4); got 4");
}

// ---- hierarchical --------------------------------------------------------------------------

TEST(HierarchicalSchedule, TwoBoxesOfFour) {
  // m = 4, b = 2: RS inside boxes (3 steps of S/4), AR across (2 steps of S/8), AG inside (3).
  // Per rank 3/4 S + 2 * 1/8 S + 3/4 S = 7/4 S = 2(n-1)/n * S; critical path 3 + 2 + 3 = 8.
  const int n = 8;
  const double S = 8e6;
  const std::vector<int> box_of = {0, 0, 0, 0, 1, 1, 1, 1};
  Schedule s =
      build_schedule(CollectiveKind::kAllReduce, algo("hierarchical"), n, S, 0, 1, box_of);
  ASSERT_EQ(s.transfers.size(), static_cast<size_t>((3 + 2 + 3) * n));
  expect_deps_earlier(s);
  expect_every_rank_moves(s, n, 2.0 * (n - 1) / n * S);
  EXPECT_EQ(critical_steps(s), 8);
  for (size_t t = 0; t < s.transfers.size(); ++t) {
    const Transfer& tr = s.transfers[t];
    const bool cross = box_of[tr.src] != box_of[tr.dst];
    const bool phase2 = t >= 24 && t < 40;
    EXPECT_EQ(cross, phase2) << t;
    EXPECT_EQ(tr.bytes, phase2 ? S / 8 : S / 4) << t;
    if (phase2) {
      EXPECT_EQ(tr.src % 4, tr.dst % 4);  // same local index
    }
  }
  // Box 0's reduce-scatter ring is transfers 0..11 (step s, member j at 4s + j). Rank 0's first
  // phase-2 send (index 24) waits for its last phase-1 send (0 -> 1, index 8) and its last
  // phase-1 receive (3 -> 0, index 11).
  auto d = s.deps_of(24);
  EXPECT_EQ(std::set<uint32_t>(d.begin(), d.end()), (std::set<uint32_t>{8, 11}));
}

TEST(HierarchicalSchedule, InterleavedBoxIds) {
  // Boxes 7 and 5 interleaved: local index follows position order inside each box.
  const std::vector<int> box_of = {7, 5, 7, 5, 7, 5};
  Schedule s =
      build_schedule(CollectiveKind::kAllReduce, algo("hierarchical"), 6, 6, 0, 2, box_of);
  expect_deps_earlier(s);
  expect_every_rank_moves(s, 6, 2.0 * 5 / 6 * 6);
  EXPECT_EQ(critical_steps(s), (2 + 1) + (2 + 1) + (2 + 1));
}

TEST(HierarchicalSchedule, OneBoxOrOnePerBox) {
  // One box: RS + AG inside it (a ring all-reduce in two halves). One rank per box: AR only.
  Schedule one_box =
      build_schedule(CollectiveKind::kAllReduce, algo("hierarchical"), 4, 4, 0, 1, {});
  EXPECT_EQ(one_box.transfers.size(), 2u * 3u * 4u);
  expect_every_rank_moves(one_box, 4, 6);
  EXPECT_EQ(critical_steps(one_box), 6);
  Schedule spread = build_schedule(CollectiveKind::kAllReduce, algo("hierarchical"), 4, 4, 0, 1,
                                   {0, 1, 2, 3});
  EXPECT_EQ(spread.transfers.size(), 2u * 3u * 4u);
  EXPECT_EQ(critical_steps(spread), 6);
}

TEST(HierarchicalSchedule, RejectsUnequalBoxes) {
  EXPECT_EQ(config_error_what([] {
              build_schedule(CollectiveKind::kAllReduce, algo("hierarchical"), 5, 1, 0, 1,
                             {0, 0, 0, 1, 1});
            }),
            "error: all_reduce with algorithm \"hierarchical\" needs the same number of members "
            "in every box; box 0 holds 3 but box 1 holds 2");
}

// ---- every algorithm, many sizes ------------------------------------------------------------

TEST(Schedule, SweepInvariants) {
  // For n = 1..24 and 1..3 chunks: deps point earlier and every rank moves the nccl-tests total
  // (all-reduce 2(n-1)/n S, reduce-scatter / all-gather / all-to-all (n-1)/n S); the double
  // binary tree moves 2(n-1) S in all; the chain moves (n-1) S.
  using K = CollectiveKind;
  const double S = 1e6;
  for (int n = 1; n <= 24; ++n)
    for (int c = 1; c <= 3; ++c)
      for (K kind : {K::kAllReduce, K::kReduceScatter, K::kAllGather, K::kAllToAll, K::kBroadcast,
                     K::kReduce})
        for (Algorithm a : supported_algorithms(kind)) {
          if (a == algo("halving_doubling") && (n & (n - 1)) != 0) continue;
          // The NCCL families need NCCL's constants and pair costs: nccl_tuning_test.cpp.
          if (a.name().starts_with("nccl") || a.name().starts_with("nvls")) continue;
          std::vector<int> box_of;
          if (a == algo("hierarchical")) {
            const int m = n % 4 == 0 ? 4 : n % 3 == 0 ? 3 : 1;
            for (int i = 0; i < n; ++i) box_of.push_back(i / m);
          }
          SCOPED_TRACE(
              fmt::format("{} {} n={} c={}", simcore::to_string(kind), to_string(a), n, c));
          Schedule s = build_schedule(kind, a, n, S, n / 2, c, box_of);
          EXPECT_EQ(s.algorithm, a);
          expect_deps_earlier(s);
          if (n == 1) {
            EXPECT_TRUE(s.transfers.empty());
            continue;
          }
          const double factor = simcore::busbw_factor(kind, n);
          if (a == algo("double_binary_tree") || kind == K::kBroadcast || kind == K::kReduce) {
            double total = 0;
            for (const Transfer& t : s.transfers) total += t.bytes;
            const double expected =
                a == algo("double_binary_tree") ? 2.0 * (n - 1) * S : (n - 1.0) * S;
            EXPECT_NEAR(total, expected, expected * 1e-12);
          } else {
            expect_every_rank_moves(s, n, factor * S);
          }
        }
}

// ---- resolve, names and bad input ---------------------------------------------------------

TEST(Algorithm, NamesRoundTrip) {
  for (auto a : {Algorithm{}, algo("ring"), algo("ring_bidirectional"),
                 algo("direct"), algo("pairwise"), algo("halving_doubling"),
                 algo("double_binary_tree"), algo("hierarchical"), algo("pccl_ring")}) {
    EXPECT_EQ(parse_algorithm(to_string(a)), a);
    EXPECT_EQ(parse_algorithm_or_throw(to_string(a)), a);
  }
  EXPECT_EQ(to_string(algo("ring_bidirectional")), "ring_bidirectional");
  EXPECT_EQ(parse_algorithm("Ring"), std::nullopt);
  EXPECT_EQ(config_error_what([] { parse_algorithm_or_throw("rign"); }),
            "error: unknown collective algorithm \"rign\"; expected one of: auto, ring, "
            "ring_bidirectional, direct, pairwise, halving_doubling, double_binary_tree, "
            "hierarchical, pccl_ring, nccl_ring, nccl_tree, nvls, nvls_tree, nccl; did you mean \"ring\"?");
  EXPECT_EQ(config_error_what([] { parse_algorithm_or_throw("butterfly_xyz"); }),
            "error: unknown collective algorithm \"butterfly_xyz\"; expected one of: auto, ring, "
            "ring_bidirectional, direct, pairwise, halving_doubling, double_binary_tree, "
            "hierarchical, pccl_ring, nccl_ring, nccl_tree, nvls, nvls_tree, nccl");
}

TEST(Resolve, Auto) {
  using K = CollectiveKind;
  const std::vector<int> two_by_four = {0, 0, 0, 0, 1, 1, 1, 1};
  EXPECT_EQ(resolve(K::kAllReduce, Algorithm{}, 8, two_by_four), algo("hierarchical"));
  EXPECT_EQ(resolve(K::kAllReduce, Algorithm{}, 8, {}), algo("ring"));
  EXPECT_EQ(resolve(K::kAllReduce, Algorithm{}, 8, std::vector<int>(8, 3)), algo("ring"));
  EXPECT_EQ(resolve(K::kAllReduce, Algorithm{}, 4, {0, 1, 2, 3}), algo("ring"));
  EXPECT_EQ(resolve(K::kAllReduce, Algorithm{}, 5, {0, 0, 0, 1, 1}), algo("ring"));
  EXPECT_EQ(resolve(K::kReduceScatter, Algorithm{}, 8, two_by_four), algo("ring"));
  EXPECT_EQ(resolve(K::kAllGather, Algorithm{}, 8, two_by_four), algo("ring"));
  EXPECT_EQ(resolve(K::kAllToAll, Algorithm{}, 8, two_by_four), algo("direct"));
  EXPECT_EQ(resolve(K::kBroadcast, Algorithm{}, 8, two_by_four), algo("ring"));
  EXPECT_EQ(resolve(K::kReduce, Algorithm{}, 8, two_by_four), algo("ring"));
  // build_schedule resolves auto itself.
  EXPECT_EQ(build_schedule(K::kAllReduce, Algorithm{}, 8, 1, 0, 1, two_by_four).algorithm,
            algo("hierarchical"));
}

TEST(Resolve, RejectsUnsupportedPairs) {
  using K = CollectiveKind;
  EXPECT_EQ(config_error_what([] { resolve(K::kAllReduce, algo("direct"), 4, {}); }),
            "error: all_reduce does not support algorithm \"direct\"; supported: auto, ring, "
            "ring_bidirectional, halving_doubling, double_binary_tree, hierarchical, pccl_ring, "
            "nccl_ring, nccl_tree, nvls, nvls_tree, nccl");
  EXPECT_EQ(config_error_what([] { resolve(K::kAllToAll, algo("ring"), 4, {}); }),
            "error: all_to_all does not support algorithm \"ring\"; supported: auto, direct, "
            "pairwise");
  EXPECT_EQ(config_error_what([] { resolve(K::kReduceScatter, algo("double_binary_tree"), 4, {}); }),
            "error: reduce_scatter does not support algorithm \"double_binary_tree\"; supported: "
            "auto, ring, ring_bidirectional, halving_doubling, pccl_ring, nccl_ring, nccl");
  EXPECT_EQ(config_error_what([] { resolve(K::kBroadcast, algo("hierarchical"), 4, {}); }),
            "error: broadcast does not support algorithm \"hierarchical\"; supported: auto, ring");
  EXPECT_EQ(config_error_what([] { resolve(K::kAllGather, algo("halving_doubling"), 12, {}); }),
            "error: all_gather with algorithm \"halving_doubling\" needs a power-of-two group "
            "size; got n = 12");
}

TEST(BuildSchedule, RejectsBadInput) {
  using K = CollectiveKind;
  auto ring = algo("ring");
  EXPECT_EQ(config_error_what([&] { build_schedule(K::kAllReduce, ring, 0, 1, 0, 1, {}); }),
            "error: all_reduce: group size must be >= 1; got 0");
  EXPECT_EQ(config_error_what([&] { build_schedule(K::kAllReduce, ring, 4, -1, 0, 1, {}); }),
            "error: all_reduce: bytes must be a finite number >= 0; got -1");
  EXPECT_EQ(config_error_what([&] { build_schedule(K::kAllGather, ring, 4, NAN, 0, 1, {}); }),
            "error: all_gather: bytes must be a finite number >= 0; got nan");
  EXPECT_EQ(config_error_what([&] { build_schedule(K::kAllReduce, ring, 4, 1, 0, 0, {}); }),
            "error: all_reduce: chunks must be >= 1; got 0");
  EXPECT_EQ(config_error_what([&] { build_schedule(K::kReduce, ring, 4, 1, -1, 1, {}); }),
            "error: reduce: root must be in [0, 4); got -1");
  EXPECT_EQ(config_error_what([&] {
              build_schedule(K::kAllReduce, ring, 4, 1, 0, 1, {0, 0, 1});
            }),
            "error: all_reduce: box_of has 3 entries for a group of 4");
  EXPECT_EQ(
      config_error_what([&] { build_schedule(K::kAllToAll, algo("direct"), 70000, 1, 0, 1, {}); }),
      "error: all_to_all with algorithm \"direct\" over 70000 positions in 1 chunks needs "
      "4899930000 transfers; at most 2^32-1 fit in a schedule");
}

}  // namespace
}  // namespace dtsim::collectives
