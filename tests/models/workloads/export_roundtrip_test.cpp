// Chakra export -> serialize -> parse -> import gives back the same workload graph: the same ops
// (kind, stream, name, FLOPs, bytes, durations to the picosecond, collective, group, algorithm,
// root, peer, tag) and the same effective dependencies (explicit deps plus the previous op of the
// stream, which dtsim runs in program order and the exporter writes as a control dependency).
#include <gtest/gtest.h>

#include <set>

#include "models/workloads/chakra/chakra_export.h"
#include "models/workloads/chakra/chakra_import.h"
#include "models/workloads/chakra/et_reader.h"
#include "models/workloads/collective_sweep.h"
#include "models/workloads/data_parallel.h"
#include "simcore/program_builder.h"

namespace dtsim::workloads::chakra {
namespace {

using namespace dtsim::simcore;

/** Explicit deps plus the stream predecessor, per op. */
std::vector<std::set<uint32_t>> effective_deps(const Workload& w, size_t r) {
  const auto& ops = w.ranks[r].ops;
  std::vector<std::set<uint32_t>> out(ops.size());
  std::map<std::string, int64_t> last;
  for (uint32_t i = 0; i < ops.size(); ++i) {
    out[i].insert(ops[i].deps.begin(), ops[i].deps.end());
    auto [it, fresh] = last.try_emplace(w.stream_names[ops[i].stream], -1);
    if (it->second >= 0) out[i].insert(static_cast<uint32_t>(it->second));
    it->second = i;
  }
  return out;
}

Workload round_trip(const Workload& w, const simcore::ComputeModel* price = nullptr) {
  auto ranks = export_chakra(w, price);
  std::vector<RankTrace> traces;
  for (size_t r = 0; r < ranks.size(); ++r)
    traces.push_back(parse_et(serialize_et("0.0.4", ranks[r]), "rank" + std::to_string(r)));
  ImportOptions opt;
  opt.comm_groups = comm_groups(w);
  ImportStats stats;
  Workload back = import_chakra(traces, opt, &stats);
  EXPECT_TRUE(stats.skipped.empty());
  EXPECT_EQ(stats.unknown_attributes, 0u);
  return back;
}

void expect_same(const Workload& a, const Workload& b) {
  ASSERT_EQ(a.ranks.size(), b.ranks.size());
  for (size_t r = 0; r < a.ranks.size(); ++r) {
    const auto& x = a.ranks[r].ops;
    const auto& y = b.ranks[r].ops;
    ASSERT_EQ(x.size(), y.size()) << "rank " << r;
    auto dx = effective_deps(a, r), dy = effective_deps(b, r);
    for (size_t i = 0; i < x.size(); ++i) {
      SCOPED_TRACE(testing::Message() << "rank " << r << " op " << i << " " << a.str(x[i].name));
      EXPECT_EQ(x[i].kind, y[i].kind);
      EXPECT_EQ(a.stream_names[x[i].stream], b.stream_names[y[i].stream]);
      EXPECT_EQ(a.str(x[i].name), b.str(y[i].name));
      EXPECT_EQ(dx[i], dy[i]);
      switch (x[i].kind) {
        case OpKind::kCompute:
          EXPECT_EQ(x[i].flops, y[i].flops);
          EXPECT_EQ(x[i].mem_bytes, y[i].mem_bytes);
          EXPECT_EQ(x[i].duration, y[i].duration);
          EXPECT_EQ(a.str(x[i].dtype), b.str(y[i].dtype));
          break;
        case OpKind::kDelay: EXPECT_EQ(x[i].delay, y[i].delay); break;
        case OpKind::kCollective:
          EXPECT_EQ(x[i].collective, y[i].collective);
          EXPECT_EQ(x[i].bytes, y[i].bytes);
          EXPECT_EQ(a.groups[x[i].group], b.groups[y[i].group]);
          EXPECT_EQ(a.str(x[i].algorithm), b.str(y[i].algorithm));
          EXPECT_EQ(x[i].root, y[i].root);
          break;
        case OpKind::kSend:
        case OpKind::kRecv:
          EXPECT_EQ(x[i].peer, y[i].peer);
          EXPECT_EQ(x[i].bytes, y[i].bytes);
          EXPECT_EQ(x[i].tag, y[i].tag);
          break;
      }
    }
  }
}

TEST(ChakraExportTest, DataParallelStepRoundTrips) {
  DataParallelParams p;
  p.model = {.name = "tiny",
             .layers = 2,
             .hidden = 64,
             .ffn_hidden = 256,
             .heads = 4,
             .kv_heads = 2,
             .vocab = 1000,
             .tied_embeddings = false,
             .mlp_matrices = 3,
             .moe = {}};
  p.ranks = 4;
  p.seq_len = 128;
  p.bucket_bytes = 4096;
  Workload w = make_data_parallel(p, nullptr);
  expect_same(w, round_trip(w));
}

TEST(ChakraExportTest, CollectiveSweepRoundTrips) {
  CollectiveSweepParams p;
  p.kind = CollectiveKind::kBroadcast;
  p.algorithm = "ring";
  p.ranks = 3;
  p.min_bytes = 0;
  p.max_bytes = 1 << 20;
  p.factor = 4;
  p.root = 2;
  Workload w = make_collective_sweep(p);
  expect_same(w, round_trip(w));
}

TEST(ChakraExportTest, HandBuiltGraphWithDelaysP2pAndStreamsRoundTrips) {
  // Durations that are not whole microseconds survive exactly (duration_ps / delay_ps).
  Workload w;
  w.ranks.resize(2);
  ProgramBuilder b(w);
  const uint8_t side = b.stream("side");
  b.timed_compute(0, "traced", Time::ps(1'234'567), 0, "");
  b.delay(0, "wait", Time::ps(999), {0});
  b.send(0, "send", 1, 4096, 7, {}, side);
  b.recv(1, "recv", 0, 4096, 7, {}, side);
  b.compute(1, "mm", 1.5, 64, "fp8", {0});  // fractional FLOPs: written as a double
  expect_same(w, round_trip(w));
}

/** Prices a compute op at 2 us per FLOP (a stand-in for a device model). */
class TwoMicrosPerFlop : public simcore::ComputeModel {
 public:
  simcore::ComputeCost cost(const Workload&, const Op& op, int) const override {
    return {Time::us(static_cast<int64_t>(2 * op.flops)), "two_us_per_flop"};
  }
};

TEST(ChakraExportTest, PricedComputeCarriesItsDurationAndGroupsTheirRole) {
  // With a cost model, a compute op of 3 FLOPs carries duration_micros 6 (for other Chakra
  // consumers) and duration_from; dtsim re-imports it from its FLOPs, so the graph is unchanged.
  // A communicator named "dp" (group 0) is exported as process group "dp.0".
  Workload w;
  w.ranks.resize(2);
  ProgramBuilder b(w);
  const uint32_t dp = b.group({0, 1}, "dp");
  for (int r = 0; r < 2; ++r) {
    b.compute(r, "mm", 3, 64, "bf16");
    b.collective(r, "grad", CollectiveKind::kAllReduce, 1024, dp, "ring", {0});
  }
  const TwoMicrosPerFlop price;
  auto ranks = export_chakra(w, &price);
  EXPECT_EQ(ranks[1][0].duration_micros(), 6u);
  bool named = false;
  for (const auto& a : ranks[1][1].attr())
    if (a.name() == "pg_name") named = a.string_val() == "dp.0";
  EXPECT_TRUE(named);
  EXPECT_EQ(comm_groups(w), (std::map<std::string, std::vector<int>>{{"dp.0", {0, 1}}}));
  expect_same(w, round_trip(w, &price));
}

}  // namespace
}  // namespace dtsim::workloads::chakra
