// FedAvg rounds: counter-based draws, sampling, compression sizes, closing a round (deadline,
// over-selection, dropouts) and a round's phases on the flow back-end against closed forms.
#include "models/workloads/fedavg.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "models/network/flow_comm_model.h"
#include "models/network/links/nr_cell.h"
#include "models/workloads/fedavg_round.h"
#include "simcore/rng.h"
#include "topologies/edge_cell.h"
#include "topologies/routing.h"

namespace dtsim::workloads {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Population population(int64_t n, std::vector<double> shares) {
  Population pop;
  pop.clients = n;
  for (size_t i = 0; i < shares.size(); ++i) {
    ClientClass c;
    c.name = "c" + std::to_string(i);
    c.share = shares[i];
    c.cell = "cell";
    c.uplink_bytes_per_s = c.downlink_bytes_per_s = 1e8;
    c.train_flops_per_s = 1e9;
    c.samples = 100;
    pop.classes.push_back(c);
  }
  pop.finish();
  return pop;
}

TEST(CounterDrawTest, AValueIsAPureFunctionOfItsKeyWhateverTheOrderOfEvaluation) {
  // Forward and backward over the same keys give the same values: no hidden state.
  std::vector<uint64_t> fwd, bwd(1000);
  for (uint64_t c = 0; c < 1000; ++c) fwd.push_back(simcore::counter_u64(7, 3, c, 5));
  for (uint64_t c = 1000; c-- > 0;) bwd[c] = simcore::counter_u64(7, 3, c, 5);
  EXPECT_EQ(fwd, bwd);
  // Each key word matters.
  EXPECT_NE(simcore::counter_u64(7, 3, 1, 5), simcore::counter_u64(8, 3, 1, 5));
  EXPECT_NE(simcore::counter_u64(7, 3, 1, 5), simcore::counter_u64(7, 4, 1, 5));
  EXPECT_NE(simcore::counter_u64(7, 3, 1, 5), simcore::counter_u64(7, 3, 1, 6));
  EXPECT_NE(simcore::counter_u64(7, 3, 1, 5), simcore::counter_u64(7, 3, 5, 1));
}

TEST(CounterDrawTest, UniformDrawsFillTenBinsEvenly) {
  // 100000 draws in 10 bins: each expects 10000, sd sqrt(100000 x 0.1 x 0.9) = 94.9. Pearson's
  // chi-square with 9 degrees of freedom stays below 27.9 with probability 0.999.
  std::vector<int> bins(10, 0);
  double sum = 0;
  for (uint64_t c = 0; c < 100000; ++c) {
    const double u = simcore::counter_uniform(1, simcore::hash_name("test"), c, 0);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    ++bins[static_cast<size_t>(u * 10)];
  }
  double chi2 = 0;
  for (int b : bins) chi2 += (b - 10000.0) * (b - 10000.0) / 10000.0;
  EXPECT_LT(chi2, 27.9);
  // Mean 1/2, sd of the mean sqrt(1/12 / 100000) = 0.00091; 5 sd.
  EXPECT_NEAR(sum / 100000, 0.5, 0.0046);
}

TEST(FedAvgPopulationTest, ClassesHoldContiguousIdRangesByShare) {
  // N = 10, shares 0.3 / 0.5 / 0.2: ids [0, 3), [3, 8), [8, 10).
  Population pop = population(10, {0.3, 0.5, 0.2});
  EXPECT_EQ(pop.class_of(0), 0);
  EXPECT_EQ(pop.class_of(2), 0);
  EXPECT_EQ(pop.class_of(3), 1);
  EXPECT_EQ(pop.class_of(7), 1);
  EXPECT_EQ(pop.class_of(8), 2);
  EXPECT_EQ(pop.class_of(9), 2);
  EXPECT_EQ(pop.class_begin(3), 10);
}

TEST(FedAvgSamplingTest, SameSeedAndRoundSameClientsAnotherRoundOthers) {
  Population pop = population(1000, {1.0});
  const auto a = select_clients(pop, 42, 3, 0, 50);
  const auto b = select_clients(pop, 42, 3, 0, 50);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 50u);
  EXPECT_EQ(std::set<int64_t>(a.begin(), a.end()).size(), 50u);  // without replacement
  EXPECT_NE(select_clients(pop, 42, 4, 0, 50), a);
  EXPECT_NE(select_clients(pop, 43, 3, 0, 50), a);
  // The sample of a larger count extends the smaller one (bottom-k: the same keys).
  const auto c = select_clients(pop, 42, 3, 0, 60);
  EXPECT_TRUE(std::equal(a.begin(), a.end(), c.begin()));
}

TEST(FedAvgSamplingTest, EveryClientIsSelectedAboutEquallyOften) {
  // N = 20, m = 5, 4000 rounds: each client is selected Binomial(4000, 1/4) times: mean 1000,
  // sd sqrt(4000 x 0.25 x 0.75) = 27.4; every count within 5 sd (137).
  Population pop = population(20, {1.0});
  std::vector<int> count(20, 0);
  for (int r = 0; r < 4000; ++r)
    for (int64_t c : select_clients(pop, 9, r, 0, 5)) ++count[static_cast<size_t>(c)];
  for (int c = 0; c < 20; ++c) EXPECT_NEAR(count[static_cast<size_t>(c)], 1000, 137) << c;
}

TEST(FedAvgSamplingTest, OnlyClientsOnlineAtTheRoundsStartAreEligible) {
  // Clients 0-3 listed: 0 online [0, 10), 1 [5, 20), 2 [0, 1) and [2, 3), 3 [100, 200);
  // clients 4, 5 unlisted: always online. At t = 6: eligible {0, 1, 4, 5}.
  Population pop = population(6, {1.0});
  pop.availability = AvailabilityTrace({0, 1, 2, 3}, {0, 1, 2, 4, 5},
                                       {{0, 10}, {5, 20}, {0, 1}, {2, 3}, {100, 200}});
  EXPECT_TRUE(pop.availability.online(0, 9.999));
  EXPECT_FALSE(pop.availability.online(0, 10));  // [start, end)
  EXPECT_EQ(pop.availability.online_until(1, 6), 20);
  EXPECT_EQ(pop.availability.online_until(4, 6), kInf);
  auto s = select_clients(pop, 1, 0, 6, 6);
  std::sort(s.begin(), s.end());
  EXPECT_EQ(s, (std::vector<int64_t>{0, 1, 4, 5}));
  // At t = 10: client 0's interval has ended: {1, 4, 5}.
  s = select_clients(pop, 1, 0, 10, 6);
  std::sort(s.begin(), s.end());
  EXPECT_EQ(s, (std::vector<int64_t>{1, 4, 5}));
}

TEST(FedAvgSamplingTest, ClientsTheTraceDoesNotListAreAlwaysOnline) {
  // Listed: client 2 online [0, 5), client 5 online [10, 20) and [30, 40). Clients 0, 1, 3, 4
  // (between listed ids) and 6 (past the last) are not listed: always online.
  AvailabilityTrace t({2, 5}, {0, 1, 3}, {{0, 5}, {10, 20}, {30, 40}});
  for (int64_t c : {0, 1, 3, 4, 6, 1000}) EXPECT_TRUE(t.online(c, 25)) << c;
  EXPECT_TRUE(t.online(2, 4.5));
  EXPECT_FALSE(t.online(2, 5));
  EXPECT_FALSE(t.online(5, 25));
  EXPECT_TRUE(t.online(5, 30));
  EXPECT_EQ(t.online_until(5, 35), 40);
  EXPECT_EQ(t.online_until(3, 35), kInf);
  // The next start after t = 12: 30 (client 5's second interval).
  EXPECT_EQ(t.next_start_after(12), 30);
  EXPECT_EQ(t.next_start_after(30), kInf);
}

TEST(FedAvgTest, TargetAndOverSelection) {
  // N = 1000, C = 0.1: m = 100; o = 0.3: ceil(130) = 130 selected (Bonawitz et al.'s 130%).
  FedAvgParams p;
  p.sample_fraction = 0.1;
  EXPECT_EQ(target_updates(p, 1000), 100);
  p.over_selection = 0.3;
  EXPECT_EQ(selected_count(p, 1000), 130);
  // 100 x 1.1 is 110.00000000000001 in binary: still 110 selected.
  p.sample_fraction = 0.1;
  p.over_selection = 0.1;
  EXPECT_EQ(selected_count(p, 1000), 110);
  // 0.29 x 100 is 28.999999999999996 in binary: still 29 clients.
  p.over_selection = 0;
  p.sample_fraction = 0.29;
  EXPECT_EQ(target_updates(p, 100), 29);
  // C N < 1 still samples one client: max(1, floor(0.001 x 10)) = 1.
  p.sample_fraction = 0.001;
  p.over_selection = 0;
  EXPECT_EQ(target_updates(p, 10), 1);
}

TEST(FedAvgCompressionTest, BytesPerClientFollowTheClosedForms) {
  const int64_t P = 1248424;  // SqueezeNet 1.0's parameters
  Compression c;
  // Dense fp32: 4 P bytes up and down.
  EXPECT_EQ(uplink_bytes(c, P), 4 * P);
  EXPECT_EQ(downlink_bytes(c, P), 4 * P);
  // QSGD, q = 4 bits, one norm for the whole vector: (4 P + 32) / 8 = 624212 + 4.
  c.scheme = Compression::Scheme::kQsgd;
  c.bits = 4;
  EXPECT_EQ(uplink_bytes(c, P), 624212 + 4);
  // ... with buckets of 512 coordinates: ceil(P / 512) = 2439 norms of 4 B.
  c.bucket = 512;
  EXPECT_EQ(uplink_bytes(c, P), 624212 + 2439 * 4);
  // RQM, q = 4: 4 bits per coordinate, no norm.
  c.scheme = Compression::Scheme::kRqm;
  c.bucket = 0;
  EXPECT_EQ(uplink_bytes(c, P), 624212);
  // Top-k, d = 0.01, fp32 values: k = ceil(12484.24) = 12485, each 32 + ceil(log2 P) = 32 + 21
  // bits (2^20 = 1048576 < P <= 2^21): ceil(12485 x 53 / 8) = 82714 (82713.125 rounded up).
  Compression t;
  t.density = 0.01;
  EXPECT_EQ(uplink_bytes(t, P), 82714);
  // SCAFFOLD: model and control variate, dense: 8 P up, 8 P down.
  Compression s;
  s.algorithm = Compression::Algorithm::kScaffold;
  EXPECT_EQ(uplink_bytes(s, P), 8 * P);
  EXPECT_EQ(downlink_bytes(s, P), 8 * P);
  // SCAFCOM with 8-bit RQM: one vector of P bytes: an eighth of SCAFFOLD's uplink.
  s.algorithm = Compression::Algorithm::kScafcom;
  s.scheme = Compression::Scheme::kRqm;
  s.bits = 8;
  EXPECT_EQ(uplink_bytes(s, P), P);
  EXPECT_EQ(downlink_bytes(s, P), 8 * P);
}

ClientTimeline arrives(double at) { return {0.1, 0.5, at, kInf, false}; }

TEST(FedAvgCloseRoundTest, WithoutDeadlineTheRoundWaitsForTheSlowestClient) {
  const auto r = close_round({arrives(3), arrives(1), arrives(2)}, 3, std::nullopt);
  EXPECT_EQ(r.collect_end_s, 3);
  EXPECT_EQ(r.kept, 3);
}

TEST(FedAvgCloseRoundTest, ADeadlineDropsTheStragglers) {
  // Deadline 2.5: the client arriving at 3 is a straggler; the round closes at 2.5.
  const auto r = close_round({arrives(3), arrives(1), arrives(2)}, 3, 2.5);
  EXPECT_EQ(r.collect_end_s, 2.5);
  EXPECT_EQ(r.kept, 2);
  EXPECT_EQ(r.outcome[0], ClientOutcome::kStraggler);
  EXPECT_EQ(r.outcome[1], ClientOutcome::kKept);
}

TEST(FedAvgCloseRoundTest, ADeadlineNoClientMeetsGivesARoundWithZeroUpdates) {
  const auto r = close_round({arrives(3), arrives(4)}, 2, 0.5);
  EXPECT_EQ(r.collect_end_s, 0.5);
  EXPECT_EQ(r.kept, 0);
  EXPECT_EQ(r.outcome[0], ClientOutcome::kStraggler);
  EXPECT_EQ(r.outcome[1], ClientOutcome::kStraggler);
}

TEST(FedAvgCloseRoundTest, OverSelectionKeepsTheFirstMUpdates) {
  // 4 selected, m = 2: closes at the 2nd arrival (t = 2); the others are late.
  const auto r = close_round({arrives(3), arrives(1), arrives(2), arrives(5)}, 2, std::nullopt);
  EXPECT_EQ(r.collect_end_s, 2);
  EXPECT_EQ(r.kept, 2);
  EXPECT_EQ(r.outcome[0], ClientOutcome::kLate);
  EXPECT_EQ(r.outcome[1], ClientOutcome::kKept);
  EXPECT_EQ(r.outcome[2], ClientOutcome::kKept);
  EXPECT_EQ(r.outcome[3], ClientOutcome::kLate);
}

TEST(FedAvgCloseRoundTest, DropoutsEndTheWaitWhenTheyFail) {
  // Client 0 drops out after training (t = 0.5); client 1 arrives at 2: the round closes at 2
  // with 1 update. With client 1 offline at 1.5 instead, the round closes at 1.5 with none.
  ClientTimeline drop{0.1, 0.5, kInf, 0.5, true};
  auto r = close_round({drop, arrives(2)}, 2, std::nullopt);
  EXPECT_EQ(r.collect_end_s, 2);
  EXPECT_EQ(r.kept, 1);
  EXPECT_EQ(r.outcome[0], ClientOutcome::kDroppedOut);
  ClientTimeline off{0.1, 0.5, kInf, 1.5, false};
  r = close_round({drop, off}, 2, std::nullopt);
  EXPECT_EQ(r.collect_end_s, 1.5);
  EXPECT_EQ(r.kept, 0);
  EXPECT_EQ(r.outcome[1], ClientOutcome::kOffline);
}

TEST(FedAvgTest, DropoutsFollowTheirProbability) {
  // p = 0.2 over 50000 (client, round) keys: Binomial mean 10000, sd 89.4; 5 sd.
  FedAvgParams p;
  p.dropout_probability = 0.2;
  int n = 0;
  for (int64_t c = 0; c < 5000; ++c)
    for (int r = 0; r < 10; ++r) n += drops_out(p, 3, c, r);
  EXPECT_NEAR(n, 10000, 447);
}

TEST(FedAvgTest, TrainingAndAggregationTimes) {
  // E = 2 epochs x 100 samples x 1e6 FLOPs / 1e9 FLOP/s = 0.2 s.
  Population pop = population(4, {1.0});
  FedAvgParams p;
  p.local_epochs = 2;
  p.train_flops_per_sample = 1e6;
  EXPECT_DOUBLE_EQ(training_time_s(p, pop, 1, 0), 0.2);
  // Aggregating 10 updates of P = 1e6: 2e7 FLOPs / 1e10 = 2 ms; 4e7 B / 1e9 B/s = 40 ms: memory
  // bound, 40 ms. No update: no aggregation.
  p.params = 1000000;
  p.server_flops_per_s = 1e10;
  p.server_memory_bytes_per_s = 1e9;
  EXPECT_DOUBLE_EQ(aggregation_time_s(p, 10), 0.04);
  EXPECT_EQ(aggregation_time_s(p, 0), 0);
  // SCAFFOLD: the control-variate deltas too, 80 ms.
  p.compression.algorithm = Compression::Algorithm::kScaffold;
  EXPECT_DOUBLE_EQ(aggregation_time_s(p, 10), 0.08);
}

/** An edge_cell with one cell: backhaul and cell uplink 1 TB/s (never the bottleneck), latency
 *  1 ms each hop (backhaul, cell uplink, access: 3 ms a way), clients at `rate` both ways. */
topologies::EdgeCellParams one_cell(const std::string& access_class, int clients, double rate) {
  topologies::EdgeCellParams p;
  p.backhaul = {"backhaul", 1e12, simcore::Time::ms(1)};
  p.cells = {
      {"cell", {"fibre", 1e12, simcore::Time::ms(1)}, {access_class, 0, simcore::Time::ms(1)}}};
  for (int i = 0; i < clients; ++i) p.clients.push_back({"cell", rate, rate});
  return p;
}

TEST(FedAvgRoundTest, TwoClientsOnOwnLinksPayLatencyPlusBytesOverRate) {
  // Plain access links (no shared medium) of 1e8 B/s each way; the model S = 1e6 B down, the
  // update U = 5e5 B up; path latency L = 3 ms. Client 1 trains 0.2 s, client 2 0.3 s.
  //   downlink end = L + S / B = 0.003 + 0.01 = 0.013 s (each alone on its access link)
  //   training end = 0.013 + 0.2 = 0.213 s, and 0.313 s
  //   arrival = training end + L + U / B = + 0.003 + 0.005: 0.221 s and 0.321 s.
  const topologies::Topology t = topologies::build_edge_cell(one_cell("access", 2, 1e8));
  simcore::Simulator sim(1);
  topologies::Router router(t);
  network::FlowCommModel comm(sim, t, router);
  const auto tl = run_round_network(sim, comm, 0, {{1, 0.2, true, kInf}, {2, 0.3, true, kInf}},
                                    1000000, 500000);
  EXPECT_NEAR(tl[0].downlink_end_s, 0.013, 1e-12);
  EXPECT_NEAR(tl[1].downlink_end_s, 0.013, 1e-12);
  EXPECT_NEAR(tl[0].train_end_s, 0.213, 1e-12);
  EXPECT_NEAR(tl[0].arrival_s, 0.221, 1e-12);
  EXPECT_NEAR(tl[1].arrival_s, 0.321, 1e-12);
  // A client that drops out trains but never uploads; the server learns at its training end.
  simcore::Simulator sim2(1);
  network::FlowCommModel comm2(sim2, t, router);
  const auto d = run_round_network(sim2, comm2, 0, {{1, 0.2, false, kInf}, {2, 0.3, true, 0.3}},
                                   1000000, 500000);
  EXPECT_TRUE(d[0].dropped_out);
  EXPECT_NEAR(d[0].failed_at_s, 0.213, 1e-12);
  EXPECT_EQ(d[0].arrival_s, kInf);
  // Client 2 goes offline at 0.3 s, before its training ends (0.313 s): no upload.
  EXPECT_FALSE(d[1].dropped_out);
  EXPECT_EQ(d[1].failed_at_s, 0.3);
  EXPECT_EQ(d[1].arrival_s, kInf);
}

TEST(FedAvgRoundTest, TwoClientsOnOneFddCellShareItsAirtime) {
  // A 5G FDD cell: each direction one airtime of capacity 1; proportional fair gives k active
  // clients r / k each (nr_cell.h). Both clients train 0.2 s, so both downlinks and both uplinks
  // overlap: each at 1e8 / 2 = 5e7 B/s.
  //   downlink end = L + S / (r / 2) = 0.003 + 1e6 / 5e7 = 0.023 s
  //   arrival = 0.023 + 0.2 + 0.003 + 5e5 / 5e7 = 0.236 s
  const topologies::Topology t = topologies::build_edge_cell(one_cell("nr", 2, 1e8));
  network::LinkModelSpecs links{
      {"nr", std::make_shared<network::NrCellSpec>(network::NrCellParams{})}};
  simcore::Simulator sim(1);
  topologies::Router router(t);
  network::FlowCommModel comm(sim, t, router, {}, links);
  const auto tl = run_round_network(sim, comm, 0, {{1, 0.2, true, kInf}, {2, 0.2, true, kInf}},
                                    1000000, 500000);
  for (const auto& c : tl) {
    EXPECT_NEAR(c.downlink_end_s, 0.023, 1e-9);
    EXPECT_NEAR(c.arrival_s, 0.236, 1e-9);
  }
}

}  // namespace
}  // namespace dtsim::workloads
