// MaxMinSolver::set_coefficient_and_weight: a radio client whose rate changed while it runs.
#include <gtest/gtest.h>

#include <vector>

#include "models/network/maxmin/solver.h"

namespace dtsim::network {
namespace {

constexpr double kRelTol = 1e-12;  // as solver_test.cpp

TEST(MaxMinSolverSetTerms, ACoefficientChangeReSolvesTheRow) {
  // An airtime row of capacity 1, two clients of rate 1e8 (coefficient 1e-8), weight 1:
  // x = 1 / (2e-8) = 5e7 each. Client b's rate drops to 2.5e7 (coefficient 4e-8):
  // x = 1 / (1e-8 + 4e-8) = 2e7 each (the anomaly).
  MaxMinSolver s;
  const uint32_t air = s.add_constraint(1);
  const double a0 = 1e-8;
  const uint32_t a = s.add_variable({&air, 1}, {&a0, 1});
  const uint32_t b = s.add_variable({&air, 1}, {&a0, 1});
  s.enable(a);
  s.enable(b);
  s.solve();
  EXPECT_NEAR(s.value(a), 5e7, 5e7 * kRelTol);
  s.set_coefficient_and_weight(b, 0, 4e-8, 1);
  const auto changed = s.solve();
  EXPECT_EQ(changed.size(), 2u);
  EXPECT_NEAR(s.value(a), 2e7, 2e7 * kRelTol);
  EXPECT_NEAR(s.value(b), 2e7, 2e7 * kRelTol);
  // Equal time instead: weights proportional to the rates, 1 and 0.25: x_a = L, x_b = L / 4,
  // L (1e-8 + 0.25 x 4e-8) = 1: L = 5e7: x_a = 5e7, x_b = 1.25e7 (each half the time).
  s.set_coefficient_and_weight(b, 0, 4e-8, 0.25);
  s.solve();
  EXPECT_NEAR(s.value(a), 5e7, 5e7 * kRelTol);
  EXPECT_NEAR(s.value(b), 1.25e7, 1.25e7 * kRelTol);
}

TEST(MaxMinSolverSetTerms, AVariableWithUnitTermsGetsItsFirstCoefficient) {
  // A link of 10 and a row of 12 shared by a plain variable p (link and row, coefficients 1)
  // and q (row only). Equal shares: the row binds at 6 each. Setting p's coefficient on the
  // row to 2: 2 x_p + x_q <= 12 with x_p = x_q gives 4 each (the link, 10, does not bind).
  MaxMinSolver s;
  const uint32_t link = s.add_constraint(10), row = s.add_constraint(12);
  const std::vector<uint32_t> pc{link, row};
  const uint32_t p = s.add_variable(pc);
  const uint32_t q = s.add_variable({&row, 1});
  s.enable(p);
  s.enable(q);
  s.solve();
  EXPECT_NEAR(s.value(p), 6, 6 * kRelTol);
  s.set_coefficient_and_weight(p, 1, 2, 1);
  s.solve();
  EXPECT_NEAR(s.value(p), 4, 4 * kRelTol);
  EXPECT_NEAR(s.value(q), 4, 4 * kRelTol);
  // Disabled and released, its slot reused by a plain variable: unit terms again.
  s.disable(p);
  s.release(p);
  const uint32_t r = s.add_variable(pc);
  s.enable(r);
  s.solve();
  EXPECT_NEAR(s.value(r), 6, 6 * kRelTol);
  EXPECT_NEAR(s.value(q), 6, 6 * kRelTol);
}

}  // namespace
}  // namespace dtsim::network
