#include "models/network/flow_comm_model.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/network/analytical_comm_model.h"
#include "simcore/error.h"
#include "simcore/simulator.h"
#include "topologies/builders.h"
#include "topologies/routing.h"
#include "tests/support/config_error.h"

namespace dtsim::network {
namespace {

using simcore::CollectiveCall;
using simcore::CollectiveKind;
using simcore::CommModel;
using simcore::ConfigError;
using simcore::Simulator;
using simcore::Time;
using topologies::Router;
using topologies::Topology;

// The cluster of scenarios/ring_allreduce_closed_form.yaml: 8 GPUs on one switch, one
// 450 GB/s (per direction), 1 us link per GPU, so every GPU-to-GPU path has 2 hops:
// latency 2a = 2 us and bottleneck B = 450e9 B/s.
const topologies::LinkSpec kNvlink{"nvlink", 450e9, Time::us(1)};

// "Within 1 ns" of the closed form: each of the 14 ring steps rounds its transfer up to a
// whole picosecond (< 1 ps per step), and the analytical model rounds its total once.
constexpr double kClosedFormTolPs = 1000.0;

enum class Backend { kFlow, kAnalytical };

/** Time (ps) for one collective over ranks 0..n-1 on `t`, started at 0 on a fresh simulator. */
int64_t collective_ps(const Topology& t, Backend backend, CollectiveKind kind,
                      const std::string& algorithm, int n, int64_t bytes,
                      std::string* used = nullptr) {
  Simulator sim;
  Router router(t);
  std::unique_ptr<CommModel> comm;
  if (backend == Backend::kFlow)
    comm = std::make_unique<FlowCommModel>(sim, t, router);
  else
    comm = std::make_unique<AnalyticalCommModel>(sim, t, router);
  std::vector<int> ranks(n);
  for (int i = 0; i < n; ++i) ranks[i] = i;
  int64_t done = -1;
  CollectiveCall call{kind, algorithm, &ranks, bytes, 0};
  std::string algo = comm->start_collective(call, [&] { done = sim.now().count_ps(); });
  if (used) *used = algo;
  sim.run();
  return done;
}

using test::config_error;

TEST(FlowCommModelTest, RingAllReduceMatchesTheClosedForm) {
  // T = 2(n-1)(2a + S/(nB)) with S = 2^30 B, n = 8, a = 1 us, B = 450e9 B/s:
  //   S/(nB) = 134,217,728 / 450e9 s = 298,261,617.78 ps
  //   T = 14 x (2,000,000 + 298,261,617.78) ps = 4,203,662,648.9 ps = 4.203662649 ms.
  // Every step, each GPU's uplink and downlink carry exactly one flow, so no sharing.
  Topology t = topologies::build_switch(8, kNvlink);
  std::string used;
  int64_t ps =
      collective_ps(t, Backend::kFlow, CollectiveKind::kAllReduce, "ring", 8, 1 << 30, &used);
  EXPECT_NEAR(ps, 4'203'662'648.9, kClosedFormTolPs);
  EXPECT_EQ(used, "ring");
}

TEST(FlowCommModelTest, AnalyticalRingAllReduceGivesTheSame) {
  // The analytical back-end's alpha is the largest neighbour path latency (2a = 2 us) and B the
  // smallest path bottleneck (450e9 B/s): the same closed form as above.
  Topology t = topologies::build_switch(8, kNvlink);
  std::string used;
  int64_t ps =
      collective_ps(t, Backend::kAnalytical, CollectiveKind::kAllReduce, "ring", 8, 1 << 30, &used);
  EXPECT_NEAR(ps, 4'203'662'648.9, kClosedFormTolPs);
  EXPECT_EQ(used, "ring");
  int64_t flow = collective_ps(t, Backend::kFlow, CollectiveKind::kAllReduce, "ring", 8, 1 << 30);
  EXPECT_NEAR(ps, flow, kClosedFormTolPs);
}

TEST(FlowCommModelTest, ZeroByteCollectiveCostsLatencyOnly) {
  // Every one of the 2(n-1) = 14 steps is a 0-byte flow that pays the 2-hop latency 2a = 2 us:
  // T = 14 x 2 us = 28 us exactly, and the collective does finish (no hang).
  Topology t = topologies::build_switch(8, kNvlink);
  EXPECT_EQ(collective_ps(t, Backend::kFlow, CollectiveKind::kAllReduce, "ring", 8, 0), 28'000'000);
  // Analytical: 2(n-1)(alpha + 0) = 14 x 2e-6 s = 2.8e-5 s (2.8e-5 * 1e12 is exactly 28e6).
  EXPECT_EQ(collective_ps(t, Backend::kAnalytical, CollectiveKind::kAllReduce, "ring", 8, 0),
            28'000'000);
}

TEST(FlowCommModelTest, SingleRankCollectiveFinishesAtOnce) {
  // A group of one has an empty schedule: done at t = 0, with both back-ends.
  Topology t = topologies::build_switch(8, kNvlink);
  EXPECT_EQ(collective_ps(t, Backend::kFlow, CollectiveKind::kAllReduce, "auto", 1, 1 << 20), 0);
  EXPECT_EQ(collective_ps(t, Backend::kAnalytical, CollectiveKind::kAllReduce, "auto", 1, 1 << 20),
            0);
}

TEST(FlowCommModelTest, RingAllGatherMatchesTheClosedForm) {
  // All-gather of S = 2^30 B (the output, nccl-tests convention) over n = 8 by ring:
  // (n-1)(2a + S/(nB)) = 7 x 300,261,617.78 ps = 2,101,831,324.4 ps.
  Topology t = topologies::build_switch(8, kNvlink);
  EXPECT_NEAR(collective_ps(t, Backend::kFlow, CollectiveKind::kAllGather, "ring", 8, 1 << 30),
              2'101'831'324.4, kClosedFormTolPs);
}

TEST(FlowCommModelTest, PointToPointIsLatencyPlusBytesOverBandwidth) {
  // 450e6 B from rank 0 to rank 5: 2a + S/B = 2 us + 1 ms = 1,002,000,000 ps, both back-ends.
  Topology t = topologies::build_switch(8, kNvlink);
  for (Backend backend : {Backend::kFlow, Backend::kAnalytical}) {
    Simulator sim;
    Router router(t);
    std::unique_ptr<CommModel> comm;
    if (backend == Backend::kFlow)
      comm = std::make_unique<FlowCommModel>(sim, t, router);
    else
      comm = std::make_unique<AnalyticalCommModel>(sim, t, router);
    int64_t done = -1;
    comm->start_p2p(0, 5, 450'000'000, [&] { done = sim.now().count_ps(); });
    sim.run();
    EXPECT_EQ(done, 1'002'000'000);
  }
}

TEST(FlowCommModelTest, LinkUsageOfARingAllReduce) {
  // Ring all-reduce: 2(n-1) = 14 steps of n = 8 transfers of S/n = 2^27 B, each transfer
  // crossing 2 channels (GPU uplink, switch downlink):
  //   14 x 8 x 2^27 x 2 = 30,064,771,072 B (the "30.065 GB carried" the CLI prints).
  // Capacity: 8 links x 2 directions x 450e9 B/s = 7.2e12 B/s. The analytical back-end does
  // not account bytes per link.
  Topology t = topologies::build_switch(8, kNvlink);
  Simulator sim;
  Router router(t);
  FlowCommModel flow(sim, t, router);
  std::vector<int> ranks{0, 1, 2, 3, 4, 5, 6, 7};
  flow.start_collective({CollectiveKind::kAllReduce, "ring", &ranks, 1 << 30, 0}, [] {});
  sim.run();
  auto u = flow.link_usage();
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].link_class, "nvlink");
  EXPECT_DOUBLE_EQ(u[0].bytes, 30'064'771'072.0);
  EXPECT_DOUBLE_EQ(u[0].capacity_bytes_per_s, 7.2e12);
  AnalyticalCommModel analytical(sim, t, router);
  EXPECT_TRUE(analytical.link_usage().empty());
}

TEST(FlowCommModelTest, MisuseIsRejected) {
  Topology t = topologies::build_switch(8, kNvlink);
  Simulator sim;
  Router router(t);
  FlowCommModel flow(sim, t, router);
  std::vector<int> too_many{0, 1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(config_error([&] {
              flow.start_collective({CollectiveKind::kAllReduce, "ring", &too_many, 8, 0}, [] {});
            }),
            "collective over rank 8, but the cluster has 8 ranks");
  std::vector<int> ok{0, 1};
  EXPECT_EQ(config_error([&] {
              flow.start_collective({CollectiveKind::kAllReduce, "rign", &ok, 8, 0}, [] {});
            }),
            "unknown collective algorithm \"rign\"; expected one of: auto, ring, "
            "ring_bidirectional, direct, pairwise, halving_doubling, double_binary_tree, "
            "hierarchical, pccl_ring, nccl_ring, nccl_tree, nvls, nvls_tree, nccl; did you mean \"ring\"?");
  EXPECT_EQ(config_error([&] { flow.start_p2p(0, 8, 8, [] {}); }),
            "rank 0 or 8 is not in the cluster (8 ranks)");
  AnalyticalCommModel analytical(sim, t, router);
  EXPECT_EQ(
      config_error([&] {
        analytical.start_collective({CollectiveKind::kAllReduce, "ring", &too_many, 8, 0}, [] {});
      }),
      "collective over rank 8, but the cluster has 8 ranks");
}

TEST(FlowCommModelTest, NoRouteIsAConfigErrorBeforeAnyFlowStarts) {
  // Two switches that are not connected: gpu0, gpu1 on swa; gpu2, gpu3 on swb.
  Topology t;
  using topologies::NodeKind;
  std::vector<uint32_t> g;
  for (int i = 0; i < 4; ++i)
    g.push_back(t.add_node("gpu" + std::to_string(i), NodeKind::kAccelerator));
  uint32_t swa = t.add_node("swa", NodeKind::kSwitch), swb = t.add_node("swb", NodeKind::kSwitch);
  for (int i = 0; i < 4; ++i)
    t.add_link({g[i], i < 2 ? swa : swb, "nvlink", 450e9, 450e9, Time::us(1), true});
  Simulator sim;
  Router router(t);
  FlowCommModel flow(sim, t, router);
  std::vector<int> all{0, 1, 2, 3};
  EXPECT_EQ(config_error([&] {
              flow.start_collective({CollectiveKind::kAllReduce, "ring", &all, 1024, 0}, [] {});
            }),
            "rank 1 has no route to its peer rank 2: no route from 'gpu1' to 'gpu2' (accelerators and "
            "hosts carry transit traffic only with forwards: true)");
  EXPECT_EQ(flow.fabric().flows_started(), 0u);
  AnalyticalCommModel analytical(sim, t, router);
  EXPECT_EQ(config_error([&] { analytical.start_p2p(0, 3, 8, [] {}); }),
            "rank 0 has no route to its peer rank 3: no route from 'gpu0' to 'gpu3' (accelerators and "
            "hosts carry transit traffic only with forwards: true)");
}

// BUG (user-visible effect of Time::from_seconds_ceil, see time_test.cpp): a zero-byte ring
// all-reduce over 2 ranks with a 500 ps link latency costs 2(n-1) x 2a = 2 x 1 ns = 2000 ps,
// but the analytical back-end schedules Time::from_seconds_ceil(2e-9) = 2001 ps because
// 2e-9 * 1e12 evaluates to 2000.0000000000002. The flow back-end gives 2000 ps.
// Fix: make Time::from_seconds_ceil ignore a few ulp of noise (as roofline's ceil_ps does).
TEST(FlowCommModelTest, AnalyticalIsExactForWholePicosecondTimes) {
  Topology t = topologies::build_switch(2, {"nvlink", 450e9, Time::ps(500)});
  EXPECT_EQ(collective_ps(t, Backend::kFlow, CollectiveKind::kAllReduce, "ring", 2, 0), 2000);
  EXPECT_EQ(collective_ps(t, Backend::kAnalytical, CollectiveKind::kAllReduce, "ring", 2, 0), 2000);
}

}  // namespace
}  // namespace dtsim::network
