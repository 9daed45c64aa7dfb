// The `5g` and `wifi` link models through the flow back-end: clients (ranks 1..k) attached to one
// cell or access point `cell`, which a backhaul joins to the server (rank 0). Each client's
// access link carries its rate r_i (both directions); every link has 1 ms latency, so a
// client-server path has L = 2 ms. The backhaul (1e10 B/s) never binds.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "models/network/flow_comm_model.h"
#include "models/network/links/nr_cell.h"
#include "models/network/links/wifi.h"
#include "simcore/simulator.h"
#include "tests/support/config_error.h"
#include "topologies/routing.h"

namespace dtsim::network {
namespace {

using simcore::Simulator;
using simcore::Time;
using topologies::NodeKind;
using topologies::Topology;

constexpr double kL = 0.002;    // s, access + backhaul latency
constexpr double kTolS = 1e-9;  // picosecond rounding of a few flows

Topology cell(const std::vector<double>& rates) {
  Topology t;
  t.add_node("server", NodeKind::kAccelerator);
  for (size_t i = 0; i < rates.size(); ++i)
    t.add_node("client" + std::to_string(i), NodeKind::kAccelerator);
  const uint32_t c = t.add_node("cell", NodeKind::kSwitch);
  t.add_link({0, c, "backhaul", 1e10, 1e10, Time::ms(1), true});
  for (size_t i = 0; i < rates.size(); ++i)
    t.add_link({static_cast<uint32_t>(i + 1), c, "radio", rates[i], rates[i], Time::ms(1), true});
  return t;
}

struct Send {
  int src, dst;
  double bytes;
};

/** Finish time (s) of each send, all started at 0 on a cell of `rates` with model `spec`. */
std::vector<double> run(const std::vector<double>& rates, std::shared_ptr<LinkModelSpec> spec,
                        const std::vector<Send>& sends, uint64_t seed = 1) {
  Topology t = cell(rates);
  topologies::Router router(t);
  Simulator sim(seed);
  LinkModelSpecs links{{"radio", spec}};
  FlowCommModel comm(sim, t, router, {}, links);
  std::vector<double> done(sends.size(), -1);
  for (size_t i = 0; i < sends.size(); ++i)
    comm.start_p2p(sends[i].src, sends[i].dst, static_cast<int64_t>(sends[i].bytes),
                   [&, i] { done[i] = sim.now().seconds(); });
  sim.run();
  return done;
}

std::shared_ptr<LinkModelSpec> fdd() { return std::make_shared<NrCellSpec>(NrCellParams{}); }
std::shared_ptr<LinkModelSpec> tdd(const std::string& pattern) {
  return std::make_shared<NrCellSpec>(NrCellParams{.tdd = true, .tdd_pattern = pattern, .rates = {}, .latency_jitter_s = 0});
}
std::shared_ptr<LinkModelSpec> wifi(bool fair) {
  return std::make_shared<WifiSpec>(WifiParams{.airtime_fairness = fair, .rates = {}, .latency_jitter_s = 0});
}

TEST(NrCell, EqualRateClientsEachGetOneKthOfTheUplink) {
  // 4 clients of r = 1e8 B/s upload 1e8 B each: sum x_i / r <= 1 with equal shares gives
  // x = r / 4 = 2.5e7 B/s, so T = L + 1e8 / 2.5e7 = 4.002 s for every client.
  auto done =
      run({1e8, 1e8, 1e8, 1e8}, fdd(), {{1, 0, 1e8}, {2, 0, 1e8}, {3, 0, 1e8}, {4, 0, 1e8}});
  for (double d : done) EXPECT_NEAR(d, kL + 4.0, kTolS);
}

TEST(NrCell, ProportionalFairGivesEqualTimeShares) {
  // r1 = 1e8, r2 = 2.5e7 B/s, 5e7 B each. Equal time (1/2 each): x1 = 5e7, x2 = 1.25e7 B/s.
  // Client 1 ends at 5e7 / 5e7 = 1 s; client 2 has 3.75e7 B left and then the cell to itself:
  // 1 + 3.75e7 / 2.5e7 = 2.5 s.
  auto done = run({1e8, 2.5e7}, fdd(), {{1, 0, 5e7}, {2, 0, 5e7}});
  EXPECT_NEAR(done[0], kL + 1.0, kTolS);
  EXPECT_NEAR(done[1], kL + 2.5, kTolS);
}

TEST(NrCell, FddDirectionsDoNotShare) {
  // One upload (client 1) and one download (to client 2), both r = 1e8 B/s, 1e8 B: separate
  // uplink and downlink constraints, so each runs at r: T = L + 1 s.
  auto done = run({1e8, 1e8}, fdd(), {{1, 0, 1e8}, {0, 2, 1e8}});
  EXPECT_NEAR(done[0], kL + 1.0, kTolS);
  EXPECT_NEAR(done[1], kL + 1.0, kTolS);
}

TEST(NrCell, TddPatternFixesEachDirectionsFraction) {
  // DDDSU: uplink 1/5 of the time, downlink 3/5 (S counts for neither). r = 1e8 B/s, 1e8 B:
  // up T = L + 1e8 / 2e7 = 5 s; down T = L + 1e8 / 6e7 = 1.6666... s.
  auto done = run({1e8, 1e8}, tdd("DDDSU"), {{1, 0, 1e8}, {0, 2, 1e8}});
  EXPECT_NEAR(done[0], kL + 5.0, kTolS);
  EXPECT_NEAR(done[1], kL + 1e8 / 6e7, kTolS);
}

TEST(NrCell, BadTddPatternsAreRejected) {
  EXPECT_EQ(test::config_error([] { tdd("DDDSD"); }),
            "tdd_pattern: \"DDDSD\" has no U slot: the uplink would get no airtime");
  EXPECT_EQ(test::config_error([] { tdd("UUU"); }),
            "tdd_pattern: \"UUU\" has no D slot: the downlink would get no airtime");
  EXPECT_EQ(test::config_error([] { tdd("DDXU"); }),
            "tdd_pattern: expected slots D (downlink), S (special) or U (uplink); got 'X' in "
            "\"DDXU\"");
}

TEST(NrCell, ALinkBetweenTwoClientsIsRejected) {
  Topology t;
  t.add_node("a", NodeKind::kAccelerator);
  t.add_node("b", NodeKind::kAccelerator);
  t.add_link({0, 1, "radio", 1e8, 1e8, Time::ms(1), true});
  topologies::Router router(t);
  Simulator sim;
  EXPECT_EQ(test::config_error([&] {
              FlowCommModel(sim, t, router, {}, {{"radio", fdd()}});
            }),
            "link class 'radio' (model 5g): link a - b must join a client (an "
            "accelerator) to a cell (a base station or access point, not an accelerator)");
}

TEST(Wifi, OneSlowClientDragsEveryClientDown) {
  // Heusse et al. 2003: with equal transmit opportunities every client gets
  // x = 1 / sum_i (1 / r_i). Rates 1e8, 1e8, 1e8, 1e7 B/s: x = 1 / 1.3e-7 = 7.6923e6 B/s, for
  // the fast clients too (without the slow one they would get 1e8 / 3 = 3.3e7). 1e7 B each:
  // all end together at L + 1e7 x 1.3e-7 = L + 1.3 s.
  auto done =
      run({1e8, 1e8, 1e8, 1e7}, wifi(false), {{1, 0, 1e7}, {2, 0, 1e7}, {3, 0, 1e7}, {4, 0, 1e7}});
  for (double d : done) EXPECT_NEAR(d, kL + 1.3, kTolS);
}

TEST(Wifi, AirtimeFairnessGivesEqualTimeShares) {
  // Same clients, airtime fairness: x_i = r_i / 4: 2.5e7 (fast), 2.5e6 (slow). The fast ones
  // end at 1e7 / 2.5e7 = 0.4 s; the slow one has sent 1e6 B and then has the medium alone:
  // 0.4 + 9e6 / 1e7 = 1.3 s.
  auto done =
      run({1e8, 1e8, 1e8, 1e7}, wifi(true), {{1, 0, 1e7}, {2, 0, 1e7}, {3, 0, 1e7}, {4, 0, 1e7}});
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(done[i], kL + 0.4, kTolS);
  EXPECT_NEAR(done[3], kL + 1.3, kTolS);
}

TEST(Wifi, BothDirectionsShareOneAirtime) {
  // An upload and a download, r = 1e8 B/s each, 1e8 B: x / r + x / r <= 1 gives x = 5e7 B/s:
  // T = L + 2 s.
  auto done = run({1e8, 1e8}, wifi(false), {{1, 0, 1e8}, {0, 2, 1e8}});
  EXPECT_NEAR(done[0], kL + 2.0, kTolS);
  EXPECT_NEAR(done[1], kL + 2.0, kTolS);
}

TEST(Wifi, ClientToClientUsesTheAirtimeTwice) {
  // Client 1 -> client 2 through the access point: up and down, both on the one airtime:
  // x (1 / 1e8 + 1 / 1e8) <= 1, x = 5e7 B/s; 1e8 B take 2 s after L = 2 ms (two access links).
  auto done = run({1e8, 1e8}, wifi(false), {{1, 2, 1e8}});
  EXPECT_NEAR(done[0], kL + 2.0, kTolS);
}

TEST(NrCell, LatencyJitterIsSeededAndBounded) {
  // One upload of 1e7 B at 1e8 B/s: L + 0.1 s, plus a jitter in [0, 5 ms) on its one access
  // hop; the same seed gives the same draw, another seed (almost surely) another.
  NrCellParams p;
  p.latency_jitter_s = 0.005;
  auto spec = std::make_shared<NrCellSpec>(p);
  const double a = run({1e8}, spec, {{1, 0, 1e7}}, 3)[0];
  EXPECT_GE(a, kL + 0.1);
  EXPECT_LT(a, kL + 0.1 + 0.005);
  EXPECT_EQ(run({1e8}, spec, {{1, 0, 1e7}}, 3)[0], a);
  EXPECT_NE(run({1e8}, spec, {{1, 0, 1e7}}, 4)[0], a);
}

}  // namespace
}  // namespace dtsim::network
