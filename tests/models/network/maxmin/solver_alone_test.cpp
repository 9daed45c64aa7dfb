// The solver's shortcut for a variable alone on every row it uses (MaxMinSolver::
// set_alone_shortcut): hand-worked systems, then the shortcut against the plain filling on
// seeded random systems, bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "models/network/maxmin/solver.h"
#include "simcore/rng.h"

namespace dtsim::network {
namespace {

std::vector<uint32_t> changed_ids(std::span<const MaxMinSolver::Change> changes) {
  std::vector<uint32_t> ids;
  for (const auto& c : changes) ids.push_back(c.variable);
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(MaxMinSolverAlone, ARingOfPrivatePathsGetsEachPathsBottleneck) {
  // A 3-rank ring: x0 on {up0 = 4, down1 = 6}, x1 on {up1 = 5, down2 = 2}, x2 on {up2 = 7,
  // down0 = 7}. No two share a constraint, so each is alone on its rows: progressive filling
  // saturates its least constraint at capacity / 1: x0 = min(4, 6) = 4, x1 = min(5, 2) = 2,
  // x2 = min(7, 7) = 7, exactly (a division by 1 is exact).
  for (const bool shortcut : {true, false}) {
    MaxMinSolver s;
    s.set_alone_shortcut(shortcut);
    const uint32_t up0 = s.add_constraint(4), down1 = s.add_constraint(6),
                   up1 = s.add_constraint(5), down2 = s.add_constraint(2),
                   up2 = s.add_constraint(7), down0 = s.add_constraint(7);
    const std::vector<uint32_t> p0{up0, down1}, p1{up1, down2}, p2{up2, down0};
    const uint32_t x0 = s.add_variable(p0), x1 = s.add_variable(p1), x2 = s.add_variable(p2);
    for (uint32_t x : {x0, x1, x2}) s.enable(x);
    EXPECT_EQ(changed_ids(s.solve()), (std::vector<uint32_t>{x0, x1, x2}));
    EXPECT_EQ(s.value(x0), 4);
    EXPECT_EQ(s.value(x1), 2);
    EXPECT_EQ(s.value(x2), 7);
  }
}

TEST(MaxMinSolverAlone, AVariableLeftAloneByADepartureTakesTheWholeBottleneck) {
  // a on {l = 10, m = 3}, b on {l}: shares l 10/2 = 5, m 3/1 = 3, so m saturates first: a = 3,
  // then b = 10 - 3 = 7 (a is not alone: it shares l). When b leaves, a is alone on l and m:
  // a = min(10, 3) = 3, unchanged, so the solve reports nothing. When instead a leaves, b is
  // alone on l: b = 10.
  for (const bool shortcut : {true, false}) {
    MaxMinSolver s;
    s.set_alone_shortcut(shortcut);
    const uint32_t l = s.add_constraint(10), m = s.add_constraint(3);
    const std::vector<uint32_t> pa{l, m}, pb{l};
    const uint32_t a = s.add_variable(pa), b = s.add_variable(pb);
    s.enable(a);
    s.enable(b);
    s.solve();
    EXPECT_EQ(s.value(a), 3);
    EXPECT_EQ(s.value(b), 7);
    s.disable(b);
    EXPECT_TRUE(s.solve().empty());
    EXPECT_EQ(s.value(a), 3);
    s.enable(b);
    s.solve();
    s.disable(a);
    EXPECT_EQ(changed_ids(s.solve()), (std::vector<uint32_t>{b}));
    EXPECT_EQ(s.value(b), 10);
  }
}

TEST(MaxMinSolverAlone, ACapacityOfZeroTakesTheFillingsPath) {
  // A lone variable on a constraint of capacity 0 gets the filling's floor, capacity x 1e-12 =
  // 0, and is reported as changed only if it had a value: the shortcut leaves it to the filling.
  MaxMinSolver s;
  const uint32_t z = s.add_constraint(0), w = s.add_constraint(8);
  const std::vector<uint32_t> p{z, w};
  const uint32_t x = s.add_variable(p);
  s.enable(x);
  s.solve();
  EXPECT_EQ(s.value(x), 0);
  s.set_capacity(z, 2);  // back: alone, min(2, 8) = 2
  EXPECT_EQ(changed_ids(s.solve()), (std::vector<uint32_t>{x}));
  EXPECT_EQ(s.value(x), 2);
}

/** A seeded random sequence of enables, disables and capacity changes on a small system where
 *  many variables are alone (private paths) and some share; returns every value after every
 *  solve, and the sorted ids each solve reported. */
struct Trace {
  std::vector<double> values;
  std::vector<std::vector<uint32_t>> changes;
};
Trace run_random(uint64_t seed, bool shortcut, bool with_general) {
  MaxMinSolver s;
  s.set_alone_shortcut(shortcut);
  constexpr uint32_t kConstraints = 40, kVars = 60;
  for (uint32_t c = 0; c < kConstraints; ++c)
    s.add_constraint(1.0 + static_cast<double>(simcore::mix64(seed * 1000 + c) % 97));
  std::vector<uint32_t> vars;
  for (uint32_t v = 0; v < kVars; ++v) {
    const uint64_t h = simcore::mix64(seed * 7919 + v);
    std::vector<uint32_t> path;
    const uint32_t len = 1 + h % 3;
    for (uint32_t k = 0; k < len; ++k) {
      const uint32_t c = static_cast<uint32_t>(simcore::mix64(h + k) % kConstraints);
      if (std::find(path.begin(), path.end(), c) == path.end()) path.push_back(c);
    }
    const bool general = with_general && h % 5 == 0;
    vars.push_back(s.add_variable(path, {}, general ? 2.0 : 1.0,
                                  general ? 3.0 : MaxMinSolver::kUnbounded));
  }
  Trace t;
  std::vector<bool> on(kVars, false);
  for (uint32_t step = 0; step < 400; ++step) {
    const uint64_t h = simcore::mix64(seed * 104729 + step);
    const uint32_t v = static_cast<uint32_t>(h % kVars);
    if (h % 11 == 0) {
      s.set_capacity(static_cast<uint32_t>((h >> 8) % kConstraints),
                     static_cast<double>((h >> 16) % 50));
    } else if (on[v]) {
      s.disable(vars[v]);
      on[v] = false;
    } else {
      s.enable(vars[v]);
      on[v] = true;
    }
    t.changes.push_back(changed_ids(s.solve()));
    for (uint32_t x : vars) t.values.push_back(s.value(x));
  }
  return t;
}

TEST(MaxMinSolverAlone, TheShortcutChangesNoValueBitForBit) {
  // Against the plain filling on the same sequence: every value after every solve is identical
  // (EXPECT_EQ on doubles: bit for bit), and so is the set of variables each solve reports.
  for (const bool general : {false, true})
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      const Trace fast = run_random(seed, true, general);
      const Trace plain = run_random(seed, false, general);
      ASSERT_EQ(fast.values.size(), plain.values.size());
      for (size_t i = 0; i < fast.values.size(); ++i)
        ASSERT_EQ(fast.values[i], plain.values[i]) << "seed " << seed << " entry " << i;
      EXPECT_EQ(fast.changes, plain.changes) << "seed " << seed;
    }
}

}  // namespace
}  // namespace dtsim::network
