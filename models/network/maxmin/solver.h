#pragma once
/**
 * Weighted max-min fair sharing of capacities among variables: the linear system the flow
 * back-end solves after each arrival or departure, as its own object (after SimGrid's `lmm`).
 *
 * A **constraint** is a resource with a capacity that may change over time (a channel: one
 * direction of a link; a radio cell's airtime). A **variable** is a consumer (a flow) with a
 * **weight** w > 0, an optional upper **bound**, and a **coefficient** a > 0 on each constraint
 * of its row set: constraint c requires sum over its variables of a_vc x_v <= capacity_c. A
 * link direction has every coefficient 1; a cell's airtime row has capacity 1 and coefficient
 * 1 / r_v for a client of link rate r_v (its x_v / r_v is the fraction of time it transmits).
 *
 * `solve()` gives each enabled variable its weighted max-min fair value by progressive filling:
 * a common level L rises from 0, each unfixed variable's value being w_v L; the constraint with
 * the least remaining capacity / (sum over its unfixed variables of a_vc w_v) saturates first
 * and fixes its variables at w_v L; a variable whose bound b_v is reached earlier (b_v / w_v
 * below that level) is fixed at its bound instead; repeat until every variable is fixed. With
 * every weight and coefficient 1 and no bound this is plain max-min fairness.
 *
 * Selective update: `enable`, `disable` and `set_capacity` mark constraints dirty, and
 * `solve()` re-solves only the connected component (constraints linked through shared
 * variables) that the dirty constraints reach; every other value stands. A new value within a
 * relative 1e-9 of the old one is taken as unchanged (the two differ only by floating-point
 * noise), so a variable outside the real change keeps its value bit for bit, and its user does
 * no work. A variable of default terms alone on each of its rows (a ring's transfer on links of
 * its own) takes its least capacity at once, without the filling's heap: the same value bit for
 * bit, at O(row-set size) (see `set_alone_shortcut`).
 *
 * Lazy update is the user's side: `solve()` returns the variables whose value changed, with
 * their old value, so the user brings its own state (a flow's bytes left, its finish time) up to
 * date for those alone. (The solver knows rates, not bytes nor time: keeping bytes and finish
 * times with the events that use them keeps it a pure function of its terms.)
 *
 * Units: a value and a bound in the variable's unit (for a flow, bytes per second); a capacity
 * in the constraint's unit, and a coefficient in constraint units per variable unit (for a
 * channel, bytes per second and 1; for an airtime row, 1 and seconds per byte). Weights have no
 * unit.
 * Errors: InternalError (assertion) on misuse: enabling an enabled variable, releasing an
 * enabled one, a variable with no constraint, a weight or coefficient not > 0, a bound or a
 * capacity negative or not a number.
 * Complexity: `solve()` costs O(P log (C + B)) for P variable-constraint incidences, C
 * constraints and B bounded variables in the touched component. A row whose weights or
 * coefficients are not all 1 also costs a scan of its row each time it leaves the heap (its sum
 * is taken afresh, free of rounding drift). While no enabled variable has a non-default term,
 * the plain filling runs, with the same arithmetic as before these terms existed.
 * `enable`/`disable` cost O(row-set size), plus for `disable` a scan of the row set of the
 * variable moved into the freed slot of each row.
 * Source: max-min fairness by progressive filling, Bertsekas & Gallager, "Data Networks" (2nd
 * ed., 1992), section 6.5.2 (weights and bounds: the same filling on the scaled problem);
 * weights, bounds, coefficients, selective and lazy updates after SimGrid's `lmm` (Casanova et
 * al., "Versatile, scalable, and accurate simulation of distributed applications and
 * platforms", JPDC 74(10), 2014; kernel/lmm/maxmin.cpp).
 *
 *     MaxMinSolver s;
 *     uint32_t link = s.add_constraint(4e9);             // 4 GB/s
 *     uint32_t a = s.add_variable({&link, 1});           // weight 1
 *     uint32_t b = s.add_variable({&link, 1}, {}, 3.0);  // weight 3
 *     s.enable(a);
 *     s.enable(b);
 *     s.solve();  // value(a) == 1e9, value(b) == 3e9
 */
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "models/network/maxmin/level_heap.h"

namespace dtsim::network {

class MaxMinSolver {
 public:
  /** A variable whose value the last `solve()` changed, and the value it had before. */
  struct Change {
    uint32_t variable;
    double old_value;
  };

  static constexpr double kUnbounded = std::numeric_limits<double>::infinity();

  /** Adds a constraint of `capacity` (finite, >= 0); ids are dense, from 0, in call order. */
  uint32_t add_constraint(double capacity);
  /** Changes a constraint's capacity (finite, >= 0); the next solve redoes its component. */
  void set_capacity(uint32_t c, double capacity);
  size_t constraint_count() const { return capacity_.size(); }
  double capacity(uint32_t c) const { return capacity_[c]; }
  /** Enabled variables on constraint `c`'s row, in no particular order. */
  std::span<const uint32_t> row(uint32_t c) const { return rows_[c]; }

  /**
   * Adds a disabled variable of value 0 that uses each of `constraints` (a constraint may not
   * appear twice) with the matching entry of `coefficients` (> 0; empty: every coefficient 1),
   * of weight `weight` (> 0) and at most `bound` (>= 0). Ids of released variables are reused,
   * last released first.
   */
  uint32_t add_variable(std::span<const uint32_t> constraints,
                        std::span<const double> coefficients = {}, double weight = 1,
                        double bound = kUnbounded);
  /** Joins the variable to its constraints' rows; the next solve gives it a value. */
  void enable(uint32_t v);
  /** Takes the variable off its rows (its value drops to 0); its constraints get re-solved. */
  void disable(uint32_t v);
  /**
   * Changes variable v's coefficient on the h-th constraint of `constraints(v)` to `coefficient`
   * (> 0, finite) and its weight to `weight` (> 0, finite), enabled or not (a radio client whose
   * rate changed); the next solve redoes its component.
   */
  void set_coefficient_and_weight(uint32_t v, uint32_t h, double coefficient, double weight);
  /** Frees a disabled variable's id for reuse. */
  void release(uint32_t v);

  bool enabled(uint32_t v) const { return vars_[v].enabled; }
  double value(uint32_t v) const { return vars_[v].value; }
  double weight(uint32_t v) const { return terms(v).weight; }
  double bound(uint32_t v) const { return terms(v).bound; }
  /** Coefficient of the variable on the h-th constraint of `constraints(v)`. */
  double coefficient(uint32_t v, uint32_t h) const {
    return vars_[v].unit_coefficients ? 1.0 : coef_pool_[terms(v).coef_off + h];
  }
  std::span<const uint32_t> constraints(uint32_t v) const {
    const Variable& x = vars_[v];
    return {cnst_pool_.data() + x.off, x.len};
  }
  /** Highest variable id handed out so far, plus one. */
  size_t variable_slots() const { return vars_.size(); }

  /**
   * Re-solves the component reached from the constraints touched since the last solve and
   * returns the variables whose value changed (valid until the next call). No-op when nothing
   * was touched.
   */
  std::span<const Change> solve();
  /**
   * Whether `solve()` fixes a variable of default terms that is alone on every row it uses at
   * its least capacity without the filling (on by default). The values are the same bit for bit
   * either way (the filling would give that variable exactly capacity / 1); only the order of
   * the returned changes may differ. Off: the plain filling, for tests to compare against.
   */
  void set_alone_shortcut(bool on) { alone_shortcut_ = on; }
  /** Number of solves that had something to do. */
  uint64_t solves() const { return solves_; }

 private:
  static constexpr uint32_t kBoundTag = uint32_t{1} << 31;  // heap entry of a variable's bound

  /** What the filling reads of every variable (kept small: it is reached through the rows). */
  struct Variable {
    double value = 0;
    uint32_t off = 0;  // constraints in cnst_pool_[off, off + len)
    uint32_t len = 0;
    uint32_t cap = 0;    // room reserved in the pool for this slot
    uint32_t stamp = 0;  // solve epoch in which it was reached and is not yet fixed
    bool enabled = false;
    bool unit_coefficients = true;
    bool general = false;  // a weight, coefficient or bound other than the default
  };
  /** The rest of a variable's terms, read only when some variable has non-default ones. */
  struct Terms {
    double weight = 1;
    double bound = kUnbounded;
    uint32_t coef_off = 0;  // coefficients in coef_pool_ (unless all 1)
    uint32_t coef_cap = 0;  // room reserved in coef_pool_ for this slot
  };

  std::vector<double> capacity_;             // per constraint
  std::vector<std::vector<uint32_t>> rows_;  // enabled variables per constraint
  // per constraint: enabled variables on its row whose weight or coefficient there is not 1
  // (a row without any has coefficient x weight sum = its size, found without a scan)
  std::vector<uint32_t> non_unit_;
  std::vector<Variable> vars_;
  std::vector<Terms> terms_;  // per variable, up to the last with non-default terms
  static constexpr Terms kDefaultTerms{1.0, kUnbounded, 0, 0};
  const Terms& terms(uint32_t v) const { return v < terms_.size() ? terms_[v] : kDefaultTerms; }
  std::vector<uint32_t> cnst_pool_;  // constraints of every variable
  std::vector<uint32_t> pos_pool_;   // index of the variable in each of its constraints' rows
  std::vector<double> coef_pool_;    // coefficients of the variables that are not all 1
  std::vector<uint32_t> free_vars_;
  std::vector<uint32_t> dirty_;
  std::vector<uint32_t> cnst_stamp_;
  uint32_t epoch_ = 1;  // above every fresh stamp + 1: a stamp of epoch_ - 1 means "fixed alone"
  size_t general_vars_ = 0;  // enabled variables with a non-default term
  bool alone_shortcut_ = true;
  uint64_t solves_ = 0;
  // scratch for solve()
  struct Fill {        // a constraint's state during the filling (one cache line's worth)
    double rem = 0;    // capacity left
    double wsum = 0;   // sum of coefficient x weight over its unfixed variables
    uint32_t cnt = 0;  // number of its unfixed variables
  };
  std::vector<Fill> fill_;
  std::vector<uint32_t> comp_;
  LevelHeap heap_;  // levels of constraints (by id) and of bounds (id | kBoundTag)
  std::vector<Change> changed_;

  /** Fixes variable v at `value` (unless within 1e-9 of its old one) and charges its rows. */
  template <bool kGeneral>
  void fix(uint32_t v, double value);
  /** If variable v (default terms) is alone on each of its rows, of least capacity > 0 among
   *  them, fixes it at that capacity, as the filling would, and returns true. */
  bool fix_alone(uint32_t v);
  /** Sum of coefficient x weight over the unfixed variables of row c, in this solve. */
  double unfixed_weight(uint32_t c) const;
  /** Progressive filling of the component in comp_. */
  template <bool kGeneral>
  void fill();
  /** Whether variable v has weight 1 and coefficient 1 on its h-th constraint. */
  bool unit_on(uint32_t v, uint32_t h) const {
    return terms(v).weight == 1.0 && coefficient(v, h) == 1.0;
  }
};

}  // namespace dtsim::network
