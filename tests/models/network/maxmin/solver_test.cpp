#include "models/network/maxmin/solver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "simcore/error.h"

namespace dtsim::network {
namespace {

// Solver values come from floating-point divisions and subtractions; compared with the exact
// closed form within a relative 1e-12 (rounding of a few operations, far below the 1e-9 the
// solver itself treats as "unchanged").
constexpr double kRelTol = 1e-12;

std::vector<uint32_t> changed_ids(std::span<const MaxMinSolver::Change> changes) {
  std::vector<uint32_t> ids;
  for (const auto& c : changes) ids.push_back(c.variable);
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(MaxMinSolverTest, EqualSharesOnOneConstraint) {
  // Three variables on one constraint of 9: progressive filling raises all three together until
  // the constraint saturates at 9 / 3 = 3 each.
  MaxMinSolver s;
  const uint32_t c = s.add_constraint(9);
  std::vector<uint32_t> v;
  for (int i = 0; i < 3; ++i) {
    v.push_back(s.add_variable({&c, 1}));
    s.enable(v.back());
  }
  s.solve();
  for (uint32_t x : v) EXPECT_NEAR(s.value(x), 3, 3 * kRelTol);
}

TEST(MaxMinSolverTest, ThreeFlowTextbookAllocation) {
  // The network of validation/cases/maxmin_flow_*.yaml at t = 0, as constraints:
  //   up1 (h1's uplink, 4), mid (s0->s1, 10), and links of 100 that never bind.
  //   A = {mid, big}, B = {up1, mid, big}, C = {up1, big2}.
  // Progressive filling (Bertsekas & Gallager 6.5.2): shares up1 4/2 = 2, mid 10/2 = 5, so up1
  // saturates first: B = C = 2. mid then has 10 - 2 = 8 left for A alone: A = 8.
  MaxMinSolver s;
  const uint32_t up1 = s.add_constraint(4), mid = s.add_constraint(10), big = s.add_constraint(100),
                 big2 = s.add_constraint(100);
  const std::vector<uint32_t> pa{mid, big}, pb{up1, mid, big}, pc{up1, big2};
  const uint32_t a = s.add_variable(pa), b = s.add_variable(pb), c = s.add_variable(pc);
  s.enable(a);
  s.enable(b);
  s.enable(c);
  auto changes = s.solve();
  EXPECT_EQ(changed_ids(changes), (std::vector<uint32_t>{a, b, c}));
  for (const auto& ch : changes) EXPECT_EQ(ch.old_value, 0);  // fresh variables start at 0
  EXPECT_NEAR(s.value(a), 8, 8 * kRelTol);
  EXPECT_NEAR(s.value(b), 2, 2 * kRelTol);
  EXPECT_NEAR(s.value(c), 2, 2 * kRelTol);
  // C leaves: B alone on up1 gets 4, A gets 10 - 4 = 6.
  s.disable(c);
  EXPECT_EQ(s.value(c), 0);
  changes = s.solve();
  EXPECT_EQ(changed_ids(changes), (std::vector<uint32_t>{a, b}));
  EXPECT_NEAR(s.value(a), 6, 6 * kRelTol);
  EXPECT_NEAR(s.value(b), 4, 4 * kRelTol);
  for (const auto& ch : changes)
    EXPECT_NEAR(ch.old_value, ch.variable == a ? 8.0 : 2.0, 8 * kRelTol);
}

TEST(MaxMinSolverTest, OnlyTheTouchedComponentIsResolved) {
  // Two disjoint constraints, x on c0 (capacity 2), y on c1 (capacity 6). Adding z to c1
  // touches c1's component only: y and z become 3 each, x stays 2 and is not reported.
  MaxMinSolver s;
  const uint32_t c0 = s.add_constraint(2), c1 = s.add_constraint(6);
  const uint32_t x = s.add_variable({&c0, 1}), y = s.add_variable({&c1, 1});
  s.enable(x);
  s.enable(y);
  s.solve();
  EXPECT_EQ(s.solves(), 1u);
  const uint32_t z = s.add_variable({&c1, 1});
  s.enable(z);
  EXPECT_EQ(changed_ids(s.solve()), (std::vector<uint32_t>{y, z}));
  EXPECT_EQ(s.value(x), 2);  // 2 / 1: exact
  EXPECT_EQ(s.value(y), 3);  // 6 / 2: exact
  EXPECT_EQ(s.value(z), 3);
  // Nothing touched since: a solve is a no-op and is not counted.
  EXPECT_TRUE(s.solve().empty());
  EXPECT_EQ(s.solves(), 2u);
}

TEST(MaxMinSolverTest, AValueThatDoesNotMoveIsNotReported) {
  // x on c0 (capacity 4) and c1 (capacity 10); y on c1 only. Shares: c0 4/1, c1 10/2 = 5, so
  // c0 binds: x = 4, y = 10 - 4 = 6. A new w on c1 alone: c1's share 10/3 < 4 now binds
  // first, so x = y = w = 10/3 (all change). Removing w returns to x = 4, y = 6.
  MaxMinSolver s;
  const uint32_t c0 = s.add_constraint(4), c1 = s.add_constraint(10);
  const std::vector<uint32_t> px{c0, c1};
  const uint32_t x = s.add_variable(px), y = s.add_variable({&c1, 1});
  s.enable(x);
  s.enable(y);
  s.solve();
  EXPECT_EQ(s.value(x), 4);
  EXPECT_EQ(s.value(y), 6);
  const uint32_t w = s.add_variable({&c1, 1});
  s.enable(w);
  EXPECT_EQ(changed_ids(s.solve()), (std::vector<uint32_t>{x, y, w}));
  for (uint32_t v : {x, y, w}) EXPECT_NEAR(s.value(v), 10.0 / 3, 4 * kRelTol);
  s.disable(w);
  s.release(w);
  // Re-adding a variable on c0 only: c0's share 4/2 = 2 binds first: x = z = 2, y = 8.
  const uint32_t z = s.add_variable({&c0, 1});
  EXPECT_EQ(z, w);  // the released id is reused
  s.enable(z);
  s.solve();
  EXPECT_EQ(s.value(x), 2);
  EXPECT_EQ(s.value(z), 2);
  EXPECT_EQ(s.value(y), 8);
}

TEST(MaxMinSolverTest, WeightsScaleTheShare) {
  // Weighted max-min: two variables of weights 1 and 3 on one constraint of 4. The level L
  // rises until 1 L + 3 L = 4: L = 1, so the values are 1 and 3 (exact in binary).
  MaxMinSolver s;
  const uint32_t c = s.add_constraint(4);
  const uint32_t a = s.add_variable({&c, 1}, {}, 1.0), b = s.add_variable({&c, 1}, {}, 3.0);
  s.enable(a);
  s.enable(b);
  s.solve();
  EXPECT_EQ(s.value(a), 1);
  EXPECT_EQ(s.value(b), 3);
}

TEST(MaxMinSolverTest, WeightedThreeFlowCase) {
  // The textbook network of ThreeFlowTextbookAllocation with C of weight 3:
  //   up1 (4): B (w 1), C (w 3)       level 4 / (1 + 3) = 1
  //   mid (10): A (w 1), B (w 1)      level 10 / 2 = 5
  // up1 saturates first at L = 1: B = 1, C = 3. mid has 10 - 1 = 9 left for A alone: A = 9.
  MaxMinSolver s;
  const uint32_t up1 = s.add_constraint(4), mid = s.add_constraint(10);
  const std::vector<uint32_t> pa{mid}, pb{up1, mid}, pc{up1};
  const uint32_t a = s.add_variable(pa), b = s.add_variable(pb), c = s.add_variable(pc, {}, 3.0);
  for (uint32_t v : {a, b, c}) s.enable(v);
  s.solve();
  EXPECT_EQ(s.value(a), 9);
  EXPECT_EQ(s.value(b), 1);
  EXPECT_EQ(s.value(c), 3);
}

TEST(MaxMinSolverTest, ABoundBelowTheFairShareFreesCapacityForTheOthers) {
  // Three variables on a constraint of 9 (fair share 3). x is bounded at 1 < 3: x = 1, and the
  // other two share 9 - 1 = 8: 4 each. A bound above the share (5 > 3) changes nothing.
  MaxMinSolver s;
  const uint32_t c = s.add_constraint(9), d = s.add_constraint(9);
  const uint32_t x = s.add_variable({&c, 1}, {}, 1.0, 1.0);
  const uint32_t y = s.add_variable({&c, 1}), z = s.add_variable({&c, 1});
  const uint32_t p = s.add_variable({&d, 1}, {}, 1.0, 5.0);
  const uint32_t q = s.add_variable({&d, 1}), r = s.add_variable({&d, 1});
  for (uint32_t v : {x, y, z, p, q, r}) s.enable(v);
  s.solve();
  EXPECT_EQ(s.value(x), 1);
  EXPECT_EQ(s.value(y), 4);
  EXPECT_EQ(s.value(z), 4);
  for (uint32_t v : {p, q, r}) EXPECT_EQ(s.value(v), 3);
}

TEST(MaxMinSolverTest, ABoundIsReachedAtBoundOverWeight) {
  // x (weight 2, bound 3) and y (weight 1) on a constraint of 9. The constraint would
  // saturate at L = 9 / (2 + 1) = 3, but x reaches its bound at L = 3 / 2 = 1.5 first: x = 3,
  // and y takes the rest, 9 - 3 = 6. A lone bounded variable on a roomy constraint gets its
  // bound: w (bound 2.5) on a constraint of 100.
  MaxMinSolver s;
  const uint32_t c = s.add_constraint(9), big = s.add_constraint(100);
  const uint32_t x = s.add_variable({&c, 1}, {}, 2.0, 3.0), y = s.add_variable({&c, 1});
  const uint32_t w = s.add_variable({&big, 1}, {}, 1.0, 2.5);
  for (uint32_t v : {x, y, w}) s.enable(v);
  s.solve();
  EXPECT_EQ(s.value(x), 3);
  EXPECT_EQ(s.value(y), 6);
  EXPECT_EQ(s.value(w), 2.5);
}

// A radio cell's airtime row: capacity 1, and a client of link rate r_i uses 1 / r_i of the
// airtime per unit of throughput, so sum x_i / r_i <= 1. Clients at 100, 50 and 25 (any unit
// of rate, e.g. MB/s).
struct Cell {
  MaxMinSolver s;
  uint32_t air = s.add_constraint(1);
  std::vector<double> rate{100, 50, 25};
  std::vector<uint32_t> client;
  /** Adds the clients with the given weights (and bounds) and solves. */
  void solve(const std::vector<double>& weights, const std::vector<double>& bounds) {
    for (size_t i = 0; i < rate.size(); ++i) {
      const double coef = 1 / rate[i];
      client.push_back(s.add_variable({&air, 1}, {&coef, 1}, weights[i], bounds[i]));
      s.enable(client.back());
    }
    s.solve();
  }
};
constexpr double kInf = MaxMinSolver::kUnbounded;

TEST(MaxMinSolverTest, AirtimeRowWithEqualWeightsGivesEqualThroughput) {
  // Equal weights: every client gets the same x with x (1/100 + 1/50 + 1/25) = 1, so
  // x = 1 / 0.07 = 100 / 7: the slow client drags the fast ones down to its level (the 802.11
  // "performance anomaly", Heusse et al., INFOCOM 2003).
  Cell cell;
  cell.solve({1, 1, 1}, {kInf, kInf, kInf});
  for (uint32_t v : cell.client) EXPECT_NEAR(cell.s.value(v), 100.0 / 7, 100.0 / 7 * kRelTol);
}

TEST(MaxMinSolverTest, AirtimeRowWithRateWeightsGivesEqualAirtime) {
  // Weights w_i = r_i: x_i = r_i L and sum r_i L / r_i = 3 L = 1, L = 1/3: each client has a
  // third of the airtime, x = (100/3, 50/3, 25/3). This is also the proportional-fair
  // allocation (maximise sum log x_i subject to sum x_i / r_i <= 1: 1/x_i = lambda / r_i, so
  // x_i = r_i / 3).
  Cell cell;
  cell.solve(cell.rate, {kInf, kInf, kInf});
  for (size_t i = 0; i < 3; ++i)
    EXPECT_NEAR(cell.s.value(cell.client[i]), cell.rate[i] / 3, cell.rate[i] * kRelTol);
}

TEST(MaxMinSolverTest, AirtimeRowWithABoundedClient) {
  // Equal weights, the fast client bounded at 5 < 100/7: it uses 5/100 = 0.05 of the airtime;
  // the other two share the rest equally: x (1/50 + 1/25) = 0.95, x = 0.95 / 0.06 = 95/6.
  Cell cell;
  cell.solve({1, 1, 1}, {5, kInf, kInf});
  EXPECT_NEAR(cell.s.value(cell.client[0]), 5, 5 * kRelTol);
  EXPECT_NEAR(cell.s.value(cell.client[1]), 95.0 / 6, 16 * kRelTol);
  EXPECT_NEAR(cell.s.value(cell.client[2]), 95.0 / 6, 16 * kRelTol);
}

TEST(MaxMinSolverTest, AirtimeRowAndAWiredBottleneck) {
  // Equal weights; the slow client (25) also crosses a backhaul of 4. Levels: airtime
  // 1 / 0.07 = 14.3, backhaul 4 / 1 = 4, so the backhaul binds first: x3 = 4, using 4/25 = 0.16
  // of the airtime. The other two share 0.84 with x (1/100 + 1/50) = 0.84: x = 28.
  // Check: 28/100 + 28/50 + 4/25 = 0.28 + 0.56 + 0.16 = 1.
  MaxMinSolver s;
  const uint32_t air = s.add_constraint(1), backhaul = s.add_constraint(4);
  const std::vector<double> c1{1.0 / 100}, c2{1.0 / 50}, c3{1.0 / 25, 1.0};
  const std::vector<uint32_t> p12{air}, p3{air, backhaul};
  const uint32_t x1 = s.add_variable(p12, c1), x2 = s.add_variable(p12, c2),
                 x3 = s.add_variable(p3, c3);
  for (uint32_t v : {x1, x2, x3}) s.enable(v);
  s.solve();
  EXPECT_NEAR(s.value(x3), 4, 4 * kRelTol);
  EXPECT_NEAR(s.value(x1), 28, 28 * kRelTol);
  EXPECT_NEAR(s.value(x2), 28, 28 * kRelTol);
  EXPECT_EQ(s.coefficient(x3, 0), 1.0 / 25);
  EXPECT_EQ(s.coefficient(x3, 1), 1.0);
  EXPECT_EQ(s.coefficient(x1, 0), 1.0 / 100);
}

TEST(MaxMinSolverTest, ACapacityChangeResolvesItsComponentOnly) {
  // a, b on c (capacity 4): 2 each; x alone on d (capacity 3): 3. c's capacity rises to 10:
  // a and b get 5 each (reported, with their old value 2); x is not touched. Then c drops to
  // 0 (a link down): a and b get 0.
  MaxMinSolver s;
  const uint32_t c = s.add_constraint(4), d = s.add_constraint(3);
  const uint32_t a = s.add_variable({&c, 1}), b = s.add_variable({&c, 1}),
                 x = s.add_variable({&d, 1});
  for (uint32_t v : {a, b, x}) s.enable(v);
  s.solve();
  EXPECT_EQ(s.value(a), 2);
  s.set_capacity(c, 10);
  EXPECT_EQ(s.capacity(c), 10);
  auto changes = s.solve();
  EXPECT_EQ(changed_ids(changes), (std::vector<uint32_t>{a, b}));
  for (const auto& ch : changes) EXPECT_EQ(ch.old_value, 2);
  EXPECT_EQ(s.value(a), 5);
  EXPECT_EQ(s.value(b), 5);
  EXPECT_EQ(s.value(x), 3);
  s.set_capacity(c, 0);
  EXPECT_EQ(changed_ids(s.solve()), (std::vector<uint32_t>{a, b}));
  EXPECT_EQ(s.value(a), 0);
  EXPECT_EQ(s.value(b), 0);
}

TEST(MaxMinSolverTest, AMulticastVariableIsChargedOncePerConstraintOfItsTree) {
  // A multicast from src to d1 and d2 is one variable on its tree {up (6), down1 (10),
  // down2 (10)}, coefficient 1 on each; a unicast u to d1 uses {up, down1}. Levels: up 6/2 = 3,
  // down1 10/2 = 5, down2 10/1 = 10. up saturates first: m = u = 3. The tree pays up once: as
  // two unicasts to d1 and d2 beside u, each would get 6/3 = 2.
  MaxMinSolver s;
  const uint32_t up = s.add_constraint(6), down1 = s.add_constraint(10),
                 down2 = s.add_constraint(10);
  const std::vector<uint32_t> tree{up, down1, down2}, path{up, down1};
  const uint32_t m = s.add_variable(tree), u = s.add_variable(path);
  s.enable(m);
  s.enable(u);
  s.solve();
  EXPECT_EQ(s.value(m), 3);
  EXPECT_EQ(s.value(u), 3);
}

TEST(MaxMinSolverTest, WeightsManyOrdersOfMagnitudeApartStillShareExactly) {
  // x (weight 1) and y (weight 1e-20) on c (capacity 1); x also on d (capacity 0.5). Levels:
  // c 1 / (1 + 1e-20) = 1, d 0.5 / 1: d saturates first, x = 0.5. c has 0.5 left for y alone:
  // y = 0.5. (A running sum of weights would read (1 + 1e-20) - 1 = 0 here, in floating point.)
  MaxMinSolver s;
  const uint32_t c = s.add_constraint(1), d = s.add_constraint(0.5);
  const std::vector<uint32_t> px{c, d};
  const uint32_t x = s.add_variable(px), y = s.add_variable({&c, 1}, {}, 1e-20);
  s.enable(x);
  s.enable(y);
  s.solve();
  EXPECT_EQ(s.value(x), 0.5);
  EXPECT_NEAR(s.value(y), 0.5, 0.5 * kRelTol);
}

TEST(MaxMinSolverTest, MisuseIsAnInternalError) {
  MaxMinSolver s;
  const uint32_t c = s.add_constraint(1);
  const uint32_t v = s.add_variable({&c, 1});
  EXPECT_THROW(s.disable(v), simcore::InternalError);
  s.enable(v);
  EXPECT_THROW(s.enable(v), simcore::InternalError);
  EXPECT_THROW(s.release(v), simcore::InternalError);
  const uint32_t none = s.add_variable({});
  EXPECT_THROW(s.enable(none), simcore::InternalError);
  EXPECT_THROW(s.add_constraint(-1), simcore::InternalError);
  EXPECT_THROW(s.set_capacity(c, -1), simcore::InternalError);
  EXPECT_THROW(s.add_variable({&c, 1}, {}, 0.0), simcore::InternalError);  // weight 0
  EXPECT_THROW(s.add_variable({&c, 1}, {}, 1.0, -1.0), simcore::InternalError);
  const double zero = 0, two[] = {1, 1};
  EXPECT_THROW(s.add_variable({&c, 1}, {&zero, 1}), simcore::InternalError);
  EXPECT_THROW(s.add_variable({&c, 1}, two), simcore::InternalError);  // size mismatch
}

}  // namespace
}  // namespace dtsim::network
