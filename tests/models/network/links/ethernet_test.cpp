// The `ethernet` link model: TCP goodput from the line rate, the MTU and the header overheads.
#include "models/network/links/ethernet.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "models/network/flow_comm_model.h"
#include "simcore/simulator.h"
#include "tests/support/config_error.h"
#include "topologies/routing.h"

namespace dtsim::network {
namespace {

using simcore::Simulator;
using simcore::Time;
using topologies::NodeKind;
using topologies::Topology;

constexpr double kTolS = 1e-9;

TEST(Ethernet, GigabitWith1500MtuCarries941MbpsOfTcpPayload) {
  // Per 1538 B on the wire (1500 + 14 + 4 + 8 + 12), 1500 - 20 - 20 - 12 = 1448 B of payload:
  // 1e9 x 1448 / 1538 = 941.482 Mb/s (the figure usually quoted for iperf over 1 GbE).
  EXPECT_NEAR(EthernetParams{}.efficiency() * 1e9, 941.482e6, 1e3);
  // Without timestamps: 1460 / 1538 -> 949.285 Mb/s.
  EXPECT_NEAR((EthernetParams{1500, false}.efficiency() * 1e9), 949.285e6, 1e3);
  // Jumbo frames, 9000 B: 8948 / 9038 = 0.990042.
  EXPECT_NEAR((EthernetParams{9000, true}.efficiency()), 8948.0 / 9038.0, 1e-12);
}

/** Finish times of `n` transfers of `bytes` from rank 0 to 1 over one 1 Gb/s link. */
std::vector<double> run(int n, double bytes) {
  Topology t;
  t.add_node("a", NodeKind::kAccelerator);
  t.add_node("b", NodeKind::kAccelerator);
  t.add_link({0, 1, "gbe", 1.25e8, 1.25e8, Time::us(50), true});
  topologies::Router router(t);
  Simulator sim;
  FlowCommModel comm(sim, t, router, {},
                     {{"gbe", std::make_shared<EthernetSpec>(EthernetParams{})}});
  std::vector<double> done(n, -1);
  for (int i = 0; i < n; ++i)
    comm.start_p2p(0, 1, static_cast<int64_t>(bytes), [&, i] { done[i] = sim.now().seconds(); });
  sim.run();
  return done;
}

TEST(Ethernet, ALoneTransferRunsAtTheGoodput) {
  // 1e8 B at 1.25e8 x 1448 / 1538 B/s: T = 50 us + 1e8 x 1538 / (1.25e8 x 1448) s.
  auto done = run(1, 1e8);
  EXPECT_NEAR(done[0], 50e-6 + 1e8 * 1538.0 / (1.25e8 * 1448.0), kTolS);
}

TEST(Ethernet, TransfersShareTheLineRate) {
  // Two transfers share the goodput: each gets half, T = 50 us + 2 x 1e8 x 1538 / (1.25e8 x
  // 1448) s.
  auto done = run(2, 1e8);
  for (double d : done) EXPECT_NEAR(d, 50e-6 + 2e8 * 1538.0 / (1.25e8 * 1448.0), kTolS);
}

TEST(Ethernet, MtuOutOfRangeIsRejected) {
  EXPECT_EQ(test::config_error([] {
              EthernetSpec(EthernetParams{60, true});
            }),
            "mtu: expected more than 68 B and at most 9216 B; got 60 B");
}

}  // namespace
}  // namespace dtsim::network
