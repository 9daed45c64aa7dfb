#pragma once
/**
 * Max-min fair sharing of capacities among variables: the linear system the flow back-end
 * solves after each arrival or departure, as its own object (after SimGrid's `lmm`).
 *
 * A **constraint** is a resource of fixed capacity (a channel: one direction of a link). A
 * **variable** is a consumer (a flow) that uses every constraint on its list with coefficient
 * 1. `solve()` gives each enabled variable the max-min fair value: progressive filling raises
 * every unfixed variable's value together, saturates the constraint whose remaining capacity
 * divided by its unfixed variables is smallest, fixes its variables at that share, and repeats.
 *
 * Selective update: `enable`, `disable` mark the variable's constraints dirty, and `solve()`
 * re-solves only the connected component (constraints linked through shared variables) that
 * the dirty constraints reach; every other value stands. A new value within a relative 1e-9 of
 * the old one is taken as unchanged (the two differ only by floating-point noise), so a
 * variable outside the real change keeps its value bit for bit, and its user does no work.
 *
 * Lazy update is the user's side: `solve()` returns the variables whose value changed, with
 * their old value, so the user brings its own state (a flow's bytes left, its finish time) up to
 * date for those alone.
 *
 * Units: a capacity and a value are in the same unit (for a channel, bytes per second).
 * Errors: InternalError (assertion) on misuse: an unknown id, enabling an enabled variable,
 * releasing an enabled one, a variable with no constraint.
 * Complexity: `solve()` costs O(P log C) for P variable-constraint incidences and C constraints
 * in the touched component; `enable`/`disable` cost O(path length) plus, for `disable`, a scan
 * of the paths of the variable moved into the freed slot of each row.
 * Source: max-min fairness by progressive filling, Bertsekas & Gallager, "Data Networks" (2nd
 * ed., 1992), section 6.5.2; selective and lazy updates after SimGrid's `lmm` (Casanova et al.,
 * "Versatile, scalable, and accurate simulation of distributed applications and platforms",
 * JPDC 74(10), 2014).
 *
 *     MaxMinSolver s;
 *     uint32_t link = s.add_constraint(10e9);       // 10 GB/s
 *     uint32_t a = s.add_variable({&link, 1});
 *     uint32_t b = s.add_variable({&link, 1});
 *     s.enable(a);
 *     s.enable(b);
 *     s.solve();                                    // value(a) == value(b) == 5e9
 */
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace dtsim::network {

class MaxMinSolver {
 public:
  /** A variable whose value the last `solve()` changed, and the value it had before. */
  struct Change {
    uint32_t variable;
    double old_value;
  };

  /** Adds a constraint of `capacity` (finite, >= 0); ids are dense, from 0, in the order of the
   * calls. */
  uint32_t add_constraint(double capacity);
  size_t constraint_count() const { return capacity_.size(); }
  double capacity(uint32_t c) const { return capacity_[c]; }
  /** Enabled variables on constraint `c`'s row, in no particular order. */
  std::span<const uint32_t> row(uint32_t c) const { return rows_[c]; }

  /**
   * Adds a disabled variable of value 0 that uses each of `constraints` (a constraint may not
   * appear twice). Ids of released variables are reused, last released first.
   */
  uint32_t add_variable(std::span<const uint32_t> constraints);
  /** Joins the variable to its constraints' rows; the next solve gives it a value. */
  void enable(uint32_t v);
  /** Takes the variable off its rows (its value drops to 0); its constraints get re-solved. */
  void disable(uint32_t v);
  /** Frees a disabled variable's id for reuse. */
  void release(uint32_t v);

  bool enabled(uint32_t v) const { return vars_[v].enabled; }
  double value(uint32_t v) const { return vars_[v].value; }
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
  /** Number of solves that had something to do. */
  uint64_t solves() const { return solves_; }

 private:
  struct Variable {
    double value = 0;
    uint32_t off = 0;  // constraints in cnst_pool_[off, off + len)
    uint32_t len = 0;
    uint32_t cap = 0;    // room reserved in the pool for this slot
    uint32_t stamp = 0;  // solve epoch in which it was reached and is not yet fixed
    bool enabled = false;
  };

  std::vector<double> capacity_;             // per constraint
  std::vector<std::vector<uint32_t>> rows_;  // enabled variables per constraint
  std::vector<Variable> vars_;
  std::vector<uint32_t> cnst_pool_;  // constraints of every variable
  std::vector<uint32_t> pos_pool_;   // index of the variable in each of its constraints' rows
  std::vector<uint32_t> free_vars_;
  std::vector<uint32_t> dirty_;
  std::vector<uint32_t> cnst_stamp_;
  uint32_t epoch_ = 0;
  uint64_t solves_ = 0;
  // scratch for solve()
  std::vector<double> rem_;
  std::vector<uint32_t> cnt_;
  std::vector<uint32_t> comp_;
  std::vector<std::pair<double, uint32_t>> heap_;
  std::vector<Change> changed_;
};

}  // namespace dtsim::network
