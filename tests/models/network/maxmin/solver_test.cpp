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
}

}  // namespace
}  // namespace dtsim::network
