// The flow back-end's reused timings (FlowCommModel, "Reused timings"): a collective that runs
// alone on an idle fabric takes the recorded timing of an identical one; whenever anything else
// shares the network, it is simulated. Every case runs with reuse on and off: the times, bytes
// and events must be the same, and the closed form says what they are.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/network/flow_comm_model.h"
#include "simcore/executor.h"
#include "simcore/program_builder.h"
#include "simcore/simulator.h"
#include "simcore/workload.h"
#include "topologies/builders.h"
#include "topologies/routing.h"

namespace dtsim::network {
namespace {

using simcore::CollectiveCall;
using simcore::CollectiveKind;
using simcore::Simulator;
using simcore::Time;
using topologies::Router;
using topologies::Topology;

// 8 GPUs on one switch, one 450 GB/s (per direction), 1 us link each: every GPU-to-GPU path is
// 2 hops, latency 2a = 2 us, bottleneck B = 450e9 B/s (scenarios/ring_allreduce_closed_form).
const topologies::LinkSpec kNvlink{"nvlink", 450e9, Time::us(1)};
constexpr int64_t kGiB = int64_t{1} << 30;
// Ring all-reduce of S = 1 GiB over n = 8 alone: T = 2(n-1)(2a + S/(nB))
//   = 14 x (2,000,000 + 298,261,617.78) ps = 4,203,662,648.9 ps; each of the 14 steps rounds
// its transfer up to a whole picosecond, so within 14 ps of it.
constexpr double kRingPs = 4'203'662'648.9;
constexpr double kRingTolPs = 14;

/** Ends (ps) of `count` identical ring all-reduces (`exclusive` as given), each started when
 *  the one before ends; plus the model's counters. */
struct Chain {
  std::vector<int64_t> ends;
  uint64_t reused = 0, flows = 0, events = 0;
  double nvlink_bytes = 0;
};

Chain chain(bool reuse, int count, bool exclusive, bool foreign_at_third = false) {
  Topology t = topologies::build_switch(8, kNvlink);
  Simulator sim;
  Router router(t);
  CollectiveOptions o;
  o.reuse_timings = reuse;
  FlowCommModel comm(sim, t, router, o);
  std::vector<int> ranks{0, 1, 2, 3, 4, 5, 6, 7};
  CollectiveCall call{CollectiveKind::kAllReduce, "ring", &ranks, kGiB, 0};
  call.exclusive = exclusive;
  Chain c;
  std::function<void()> next = [&] {
    c.ends.push_back(sim.now().count_ps());
    if (static_cast<int>(c.ends.size()) == count) return;
    // A foreign transfer already on the fabric when the third one starts (0 -> 1, 1 GiB).
    if (foreign_at_third && c.ends.size() == 2) comm.start_p2p(0, 1, kGiB, [] {});
    comm.start_collective(call, next);
  };
  comm.start_collective(call, next);
  sim.run();
  c.reused = comm.reused_collectives();
  c.flows = comm.fabric().flows_started();
  c.events = sim.events_processed();
  for (const auto& u : comm.link_usage())
    if (u.link_class == "nvlink") c.nvlink_bytes = u.bytes;
  return c;
}

TEST(ReusedTimingsTest, AnIdenticalExclusiveCollectiveTakesTheRecordedTime) {
  const Chain on = chain(true, 4, true), off = chain(false, 4, true);
  EXPECT_EQ(on.reused, 2u);  // the first two are simulated (the second recorded), two reuse it
  EXPECT_EQ(off.reused, 0u);
  ASSERT_EQ(on.ends.size(), 4u);
  EXPECT_EQ(on.ends, off.ends);
  for (size_t k = 0; k < 4; ++k)
    EXPECT_NEAR(on.ends[k], (k + 1) * kRingPs, (k + 1) * kRingTolPs) << "collective " << k;
  // Each all-reduce: 8 ranks x 14 steps = 112 flows, each of S/n bytes on 2 nvlink channels:
  // 112 x 2^27 x 2 B = 30,064,771,072 B per collective.
  EXPECT_EQ(on.flows, 4u * 112);
  EXPECT_EQ(on.flows, off.flows);
  EXPECT_EQ(on.nvlink_bytes, 4 * 30'064'771'072.0);
  EXPECT_EQ(on.nvlink_bytes, off.nvlink_bytes);
  EXPECT_EQ(on.events, off.events);
}

TEST(ReusedTimingsTest, ACallNotExclusiveIsAlwaysSimulated) {
  const Chain on = chain(true, 3, false);
  EXPECT_EQ(on.reused, 0u);
  EXPECT_EQ(on.ends, chain(false, 3, false).ends);
}

TEST(ReusedTimingsTest, AFlowAlreadyOnTheFabricStopsTheReuse) {
  // The third all-reduce starts while a 1 GiB transfer 0 -> 1 runs: it is simulated, and it
  // is slower than the others, since its flows out of rank 0 share that link with the transfer
  // (a reused timing would give it the recorded duration, T).
  // The first two ran alone (the second recorded); the third starts beside the transfer.
  const Chain on = chain(true, 3, true, true), off = chain(false, 3, true, true);
  EXPECT_EQ(on.reused, 0u);
  ASSERT_EQ(on.ends.size(), 3u);
  EXPECT_EQ(on.ends, off.ends);
  EXPECT_NEAR(on.ends[1], 2 * kRingPs, 2 * kRingTolPs);
  EXPECT_GT(on.ends[2] - on.ends[1], kRingPs + 1000);
}

/** A compute op takes its FLOPs in nanoseconds. */
class NsCompute : public simcore::ComputeModel {
 public:
  simcore::ComputeCost cost(const simcore::Workload&, const simcore::Op& op,
                            int) const override {
    return {Time::ns(static_cast<int64_t>(op.flops)), "ns"};
  }
};

struct Replay {
  simcore::ExecutionResult result;
  uint64_t reused = 0, events = 0;
};

Replay replay(const simcore::Workload& w, bool reuse) {
  Topology t = topologies::build_switch(8, kNvlink);
  Simulator sim;
  Router router(t);
  CollectiveOptions o;
  o.reuse_timings = reuse;
  FlowCommModel comm(sim, t, router, o);
  NsCompute compute;
  simcore::Executor exec(sim, w, compute, comm, true);
  exec.start();
  sim.run();
  Replay r;
  r.result = exec.finish();
  r.reused = comm.reused_collectives();
  r.events = sim.events_processed();
  return r;
}

/** Three 1 GiB ring all-reduces over 8 ranks on the comm stream, the k-th after the k-th of
 *  three 1 ms compute ops: ar0 runs [1 ms, 1 ms + T], ar1 [1 ms + T, 1 ms + 2T], ar2 after it
 *  (T > 1 ms: each waits for the one before). With `side_send`, rank 0 also sends 1 GiB to
 *  rank 1 on a second stream after a delay of 1 ms + 1.5 T: in the middle of ar1. */
simcore::Workload steps(bool side_send) {
  simcore::Workload w;
  w.ranks.resize(8);
  simcore::ProgramBuilder b(w);
  const uint32_t g = b.group({0, 1, 2, 3, 4, 5, 6, 7});
  for (int r = 0; r < 8; ++r)
    for (int k = 0; k < 3; ++k) {
      const uint32_t c = b.compute(r, "c" + std::to_string(k), 1e6, 0, "", {},
                                   simcore::kComputeStream);
      b.collective(r, "ar" + std::to_string(k), CollectiveKind::kAllReduce, kGiB, g, "ring", {c});
    }
  if (side_send) {
    const uint8_t side = w.stream_of("side");
    const Time at = Time::ms(1) + Time::ps(static_cast<int64_t>(1.5 * kRingPs));
    const uint32_t d0 = b.delay(0, "wait", at, {}, side);
    b.send(0, "s", 1, kGiB, 0, {d0}, side);
    b.recv(1, "r", 0, kGiB, 0, {}, side);
  }
  return w;
}

TEST(ReusedTimingsTest, ExecutorStepsReuseWhenAloneAndNotWhenAFlowJoinsMidCollective) {
  // Alone: each all-reduce takes T; the first two are simulated (the second recorded), the
  // third reuses it.
  const simcore::Workload alone = steps(false);
  const Replay on = replay(alone, true), off = replay(alone, false);
  EXPECT_EQ(on.reused, 1u);
  ASSERT_EQ(on.result.collectives.size(), 3u);
  for (size_t k = 0; k < 3; ++k) {
    const auto& c = on.result.collectives[k];
    EXPECT_NEAR((c.end - c.start).count_ps(), kRingPs, kRingTolPs) << "collective " << k;
    EXPECT_EQ(c.start, off.result.collectives[k].start);
    EXPECT_EQ(c.end, off.result.collectives[k].end);
  }
  EXPECT_EQ(on.result.makespan, off.result.makespan);
  EXPECT_EQ(on.events, off.events);

  // A send on another stream joins in the middle of ar1: no collective is exclusive, and ar1
  // is slower than alone (its flows out of rank 0 share that link with the send for a while).
  const simcore::Workload mixed = steps(true);
  const Replay mon = replay(mixed, true), moff = replay(mixed, false);
  EXPECT_EQ(mon.reused, 0u);
  ASSERT_EQ(mon.result.collectives.size(), 3u);
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(mon.result.collectives[k].start, moff.result.collectives[k].start);
    EXPECT_EQ(mon.result.collectives[k].end, moff.result.collectives[k].end);
  }
  const auto& ar1 = mon.result.collectives[1];
  EXPECT_GT((ar1.end - ar1.start).count_ps(), kRingPs + 1e6);
  EXPECT_EQ(mon.result.makespan, moff.result.makespan);
}

}  // namespace
}  // namespace dtsim::network
