// The ASTRA-sim microbenchmark traces (one collective per rank, 1 MiB; see
// shared/data/README.md) replayed end to end: Chakra import -> executor -> FlowCommModel on a
// switch, compared with the same collective issued by a collective_sweep, and with the closed
// forms of the algorithms `auto` picks on one switch (ring for all-reduce, all-gather and
// reduce-scatter; direct for all-to-all).
//
// Size convention. Every trace holds comm_size = 1,048,576 B for all four kinds, so the values
// alone cannot say whether an all-gather's comm_size is its input or its output. dtsim maps
// comm_size as ASTRA-sim, which wrote these traces, reads it (chakra_import.h): the all-reduce
// buffer, the reduce-scatter input, the all-to-all send buffer, and an all-gather's per-rank
// INPUT (ASTRA-sim's Ring: msg_size = data_size and final_data_size = data_size * nodes_in_ring
// for All_Gather; Workload::issue_comm passes comm_size straight to generate_all_gather), so the
// nccl-tests size of the all-gather is n * comm_size (nccl_bytes() below).

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "models/workloads/chakra/chakra_import.h"
#include "models/workloads/chakra/et_reader.h"
#include "models/workloads/chakra/trace_files.h"
#include "models/workloads/collective_sweep.h"
#include "simcore/workload.h"
#include "tools/dtsim/runner.h"
#include "tools/dtsim/scenario.h"
#include "topologies/builders.h"

namespace dtsim::workloads::chakra {
namespace {

namespace fs = std::filesystem;
using simcore::CollectiveKind;
using simcore::Time;

const std::string kMicrobenchDir =
    DTSIM_SOURCE_DIR "/../shared/data/chakra/astra-sim-microbenchmarks";

#define SKIP_WITHOUT_TRACES()                                                       \
  do {                                                                              \
    if (!fs::is_directory(kMicrobenchDir))                                          \
      GTEST_SKIP() << "shared test data not found at " << kMicrobenchDir            \
                   << " (see shared/data/README.md)";                              \
  } while (0)

constexpr int64_t kCommSize = 1 << 20;  // every trace's comm_size (1 MiB)
// The cluster of the closed-form tests: n GPUs on one switch, one link per GPU of B = 450e9 B/s
// per direction and a = 1 us, so every GPU-to-GPU path has 2 hops (latency 2a) and bottleneck B.
constexpr double kLinkBytesPerS = 450e9;
constexpr double kLinkLatencyS = 1e-6;
// Each step's transfer is rounded up to a whole picosecond (< 1 ps per step; 2(n-1) = 30 steps at
// most here, the 16-rank all-reduce).
constexpr double kClosedFormTolPs = 30.0;

struct Microbench {
  const char* kind;
  CollectiveKind collective;
};
const Microbench kBenches[] = {{"all_reduce", CollectiveKind::kAllReduce},
                               {"all_gather", CollectiveKind::kAllGather},
                               {"reduce_scatter", CollectiveKind::kReduceScatter},
                               {"all_to_all", CollectiveKind::kAllToAll}};
const int kRankCounts[] = {4, 8, 16};

std::string prefix_of(const std::string& kind, int n) {
  return kMicrobenchDir + "/" + kind + "/" + std::to_string(n) + "npus_1MB/" + kind;
}

/** The nccl-tests size dtsim gives a trace's collective: comm_size for every kind today. If the
 *  importer adopts ASTRA-sim's all-gather convention, the all-gather line becomes n * comm_size. */
/** The nccl-tests size of a traced collective: an all-gather's comm_size is its per-rank input
 *  (ASTRA-sim's convention, see the file comment), so its output is n x comm_size. */
int64_t nccl_bytes(CollectiveKind k, int64_t comm_size, int n) {
  return k == CollectiveKind::kAllGather ? comm_size * n : comm_size;
}

cli::Scenario cluster(int n, simcore::Workload w) {
  cli::Scenario s;
  s.name = "chakra-microbench";
  s.topology = topologies::build_switch(n, {"nvlink", kLinkBytesPerS, Time::us(1)});
  // Collectives only: the device is never asked to price anything, but the roofline model
  // wants a usable spec.
  s.device.name = "test device";
  s.device.peak_flops_per_s = {{"bf16", 1e15}};
  s.device.hbm_bw_bytes_per_s = 3e12;
  s.network_model = "flow";
  s.workload = std::move(w);
  return s;
}

/** Simulated makespan (ps) of the trace's replay on n GPUs on one switch. */
int64_t replay_ps(const std::string& kind, int n) {
  simcore::Workload w = import_chakra(read_et_ranks(prefix_of(kind, n)), {}, nullptr);
  return cli::simulate(cluster(n, std::move(w)), false).result.makespan.count_ps();
}

/** Simulated makespan (ps) of one collective_sweep collective of `bytes` on the same cluster. */
int64_t sweep_ps(CollectiveKind kind, int n, int64_t bytes) {
  CollectiveSweepParams p;
  p.kind = kind;
  p.ranks = n;
  p.min_bytes = p.max_bytes = static_cast<double>(bytes);
  return cli::simulate(cluster(n, make_collective_sweep(p)), false).result.makespan.count_ps();
}

/** The closed form (ps) of the algorithm `auto` picks on one switch, S the nccl-tests size:
 *  ring all-reduce 2(n-1)(2a + S/(nB)); ring all-gather and reduce-scatter (n-1)(2a + S/(nB));
 *  direct all-to-all 2a + (n-1)S/(nB) (each rank's n-1 flows share its uplink max-min fairly).
 *  Source: Patarasuk & Yuan, JPDC 2009 (ring); Thakur, Rabenseifner & Gropp, IJHPCA 2005. */
double closed_form_ps(CollectiveKind kind, int n, double S) {
  const double a = kLinkLatencyS, B = kLinkBytesPerS;
  double s = 0;
  switch (kind) {
    case CollectiveKind::kAllReduce: s = 2 * (n - 1) * (2 * a + S / (n * B)); break;
    case CollectiveKind::kAllGather:
    case CollectiveKind::kReduceScatter: s = (n - 1) * (2 * a + S / (n * B)); break;
    case CollectiveKind::kAllToAll: s = 2 * a + (n - 1) * S / (n * B); break;
    default: ADD_FAILURE() << "no closed form"; break;
  }
  return s * 1e12;
}

TEST(ChakraMicrobenchTest, ReplayTakesExactlyAsLongAsTheSameSweepCollective) {
  SKIP_WITHOUT_TRACES();
  // The replay issues, on every rank, one collective of comm_size bytes over all ranks with the
  // `auto` algorithm, on the comm stream with no dependency: the very op make_collective_sweep
  // issues. Same engine, same cluster -> the same picosecond.
  for (const auto& b : kBenches) {
    for (int n : kRankCounts) {
      SCOPED_TRACE(std::string(b.kind) + " x " + std::to_string(n));
      EXPECT_EQ(replay_ps(b.kind, n), sweep_ps(b.collective, n, nccl_bytes(b.collective, kCommSize, n)));
    }
  }
}

TEST(ChakraMicrobenchTest, ReplayMatchesTheClosedForms) {
  SKIP_WITHOUT_TRACES();
  // S = 1,048,576 B, a = 1 us, B = 450e9 B/s; S/(nB) = 582,542.2 ps (n = 4), 291,271.1 ps (8),
  // 145,635.6 ps (16):
  //                     n = 4            n = 8            n = 16
  //   all-reduce      15,495,253.3     32,077,795.6     64,369,066.7 ps
  //   all-gather       7,747,626.7     16,038,897.8     32,184,533.3 ps
  //   reduce-scatter   7,747,626.7     16,038,897.8     32,184,533.3 ps
  //   all-to-all       3,747,626.7      4,038,897.8      4,184,533.3 ps
  for (const auto& b : kBenches) {
    for (int n : kRankCounts) {
      SCOPED_TRACE(std::string(b.kind) + " x " + std::to_string(n));
      double expected = closed_form_ps(b.collective, n, nccl_bytes(b.collective, kCommSize, n));
      EXPECT_NEAR(replay_ps(b.kind, n), expected, kClosedFormTolPs);
    }
  }
}

TEST(ChakraMicrobenchTest, ReplayIsTheClosedFormWithEachStepRoundedUpToAPicosecond) {
  SKIP_WITHOUT_TRACES();
  // Exactly: the flow back-end rounds each flow's transfer time up to a whole picosecond, and
  // the 2-hop latency 2a = 2,000,000 ps is exact. In ps, S/(nB) = 1,048,576 x 1e12 / (n x 450e9)
  // = 20,971,520 / (9n), so with ceil(x / d) = (x + d - 1) / d in integers:
  //   ring, `steps` steps:  steps x (2,000,000 + ceil(20,971,520 / (9n)))
  //   direct all-to-all:    2,000,000 + ceil((n-1) x 20,971,520 / (9n))
  //   ring all-gather, S = n x 1 MiB (comm_size is the per-rank input): each of the n-1 steps
  //   moves S/n = 1 MiB: (n-1) x (2,000,000 + ceil(20,971,520 / 9))
  // e.g. the 4-rank all-reduce: 6 x (2,000,000 + 582,543) = 15,495,258 ps.
  auto ceil_div = [](int64_t x, int64_t d) { return (x + d - 1) / d; };
  const int64_t two_a = 2'000'000, x = 20'971'520;
  for (const auto& b : kBenches) {
    for (int n : kRankCounts) {
      SCOPED_TRACE(std::string(b.kind) + " x " + std::to_string(n));
      int64_t expected = 0;
      switch (b.collective) {
        case CollectiveKind::kAllReduce: expected = 2 * (n - 1) * (two_a + ceil_div(x, 9 * n)); break;
        case CollectiveKind::kAllToAll: expected = two_a + ceil_div((n - 1) * x, 9 * n); break;
        case CollectiveKind::kAllGather: expected = (n - 1) * (two_a + ceil_div(x, 9)); break;
        default: expected = (n - 1) * (two_a + ceil_div(x, 9 * n)); break;
      }
      EXPECT_EQ(replay_ps(b.kind, n), expected);
    }
  }
}

TEST(ChakraMicrobenchTest, ReportRecordsOneCollectivePerTraceWithItsSize) {
  SKIP_WITHOUT_TRACES();
  // The 8-rank all-to-all: one collective record of 1 MiB over 8 ranks, algorithm direct.
  simcore::Workload w = import_chakra(read_et_ranks(prefix_of("all_to_all", 8)), {}, nullptr);
  cli::RunOutcome o = cli::simulate(cluster(8, std::move(w)), false);
  ASSERT_EQ(o.result.collectives.size(), 1u);
  const auto& c = o.result.collectives[0];
  EXPECT_EQ(c.kind, CollectiveKind::kAllToAll);
  EXPECT_EQ(c.bytes, kCommSize);
  EXPECT_EQ(c.ranks, 8);
  EXPECT_EQ(c.algorithm, "direct");
  EXPECT_EQ(c.end - c.start, o.result.makespan);
}

// ASTRA-sim reads an all-gather's comm_size as the per-rank input (see the file comment).
// Expected, 8 ranks: nccl-tests size S = 8 x 1 MiB, ring all-gather (n-1)(2a + S/(nB)) =
// 7 x (2 us + 1,048,576 / 450e9 s) = 30,311,182.2 ps.
TEST(ChakraMicrobenchTest, AllGatherCommSizeIsThePerRankInputAsInAstraSim) {
  SKIP_WITHOUT_TRACES();
  simcore::Workload w = import_chakra(read_et_ranks(prefix_of("all_gather", 8)), {}, nullptr);
  ASSERT_EQ(w.ranks.size(), 8u);
  EXPECT_EQ(w.ranks[0].ops.at(0).bytes, 8 * kCommSize);
  EXPECT_NEAR(replay_ps("all_gather", 8), 30'311'182.2, kClosedFormTolPs);
}

}  // namespace
}  // namespace dtsim::workloads::chakra
