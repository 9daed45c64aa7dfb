#include "models/network/maxmin/solver.h"

#include <algorithm>
#include <cmath>

#include "simcore/error.h"

namespace dtsim::network {

uint32_t MaxMinSolver::add_constraint(double capacity) {
  DTSIM_ASSERT(capacity >= 0 && std::isfinite(capacity), "constraint capacity not finite, >= 0");
  capacity_.push_back(capacity);
  rows_.emplace_back();
  non_unit_.push_back(0);
  cnst_stamp_.push_back(0);
  fill_.emplace_back();
  return static_cast<uint32_t>(capacity_.size() - 1);
}

void MaxMinSolver::set_capacity(uint32_t c, double capacity) {
  DTSIM_ASSERT(capacity >= 0 && std::isfinite(capacity), "constraint capacity not finite, >= 0");
  capacity_[c] = capacity;
  dirty_.push_back(c);
}

uint32_t MaxMinSolver::add_variable(std::span<const uint32_t> constraints,
                                    std::span<const double> coefficients, double weight,
                                    double bound) {
  DTSIM_ASSERT(weight > 0 && std::isfinite(weight), "max-min weight not finite, > 0");
  DTSIM_ASSERT(bound >= 0, "max-min bound negative or not a number");
  DTSIM_ASSERT(coefficients.empty() || coefficients.size() == constraints.size(),
               "max-min coefficients do not match the constraints");
  uint32_t v;
  if (!free_vars_.empty()) {
    v = free_vars_.back();
    free_vars_.pop_back();
  } else {
    vars_.emplace_back();
    v = static_cast<uint32_t>(vars_.size() - 1);
    DTSIM_ASSERT(v < kBoundTag, "too many max-min variables");
  }
  Variable& x = vars_[v];
  const uint32_t len = static_cast<uint32_t>(constraints.size());
  if (len > x.cap) {  // reserve room in the pool (old room, if any, is left unused)
    x.off = static_cast<uint32_t>(cnst_pool_.size());
    x.cap = len;
    cnst_pool_.resize(cnst_pool_.size() + len);
    pos_pool_.resize(pos_pool_.size() + len);
  }
  x.len = len;
  std::copy(constraints.begin(), constraints.end(), cnst_pool_.begin() + x.off);
  x.unit_coefficients =
      std::all_of(coefficients.begin(), coefficients.end(), [](double a) { return a == 1.0; });
  x.general = weight != 1.0 || bound != kUnbounded || !x.unit_coefficients;
  // terms_ reaches only as far as the last variable that ever had non-default terms.
  if (x.general || v < terms_.size()) {
    if (v >= terms_.size()) terms_.resize(v + 1);
    Terms& t = terms_[v];
    t.weight = weight;
    t.bound = bound;
    if (!x.unit_coefficients) {
      for (double a : coefficients)
        DTSIM_ASSERT(a > 0 && std::isfinite(a), "max-min coefficient not finite, > 0");
      if (len > t.coef_cap) {
        t.coef_off = static_cast<uint32_t>(coef_pool_.size());
        t.coef_cap = len;
        coef_pool_.resize(coef_pool_.size() + len);
      }
      std::copy(coefficients.begin(), coefficients.end(), coef_pool_.begin() + t.coef_off);
    }
  }
  x.value = 0;
  x.enabled = false;
  return v;
}

void MaxMinSolver::enable(uint32_t v) {
  Variable& x = vars_[v];
  DTSIM_ASSERT(!x.enabled, "max-min variable enabled twice");
  DTSIM_ASSERT(x.len > 0, "max-min variable with no constraint");
  x.enabled = true;
  x.value = 0;
  if (x.general) ++general_vars_;
  for (uint32_t h = 0; h < x.len; ++h) {
    uint32_t c = cnst_pool_[x.off + h];
    pos_pool_[x.off + h] = static_cast<uint32_t>(rows_[c].size());
    rows_[c].push_back(v);
    if (x.general && !unit_on(v, h)) ++non_unit_[c];
    dirty_.push_back(c);
  }
}

void MaxMinSolver::disable(uint32_t v) {
  Variable& x = vars_[v];
  DTSIM_ASSERT(x.enabled, "max-min variable disabled twice");
  x.enabled = false;
  x.value = 0;
  if (x.general) --general_vars_;
  for (uint32_t h = 0; h < x.len; ++h) {
    uint32_t c = cnst_pool_[x.off + h];
    auto& row = rows_[c];
    uint32_t p = pos_pool_[x.off + h];
    uint32_t moved = row.back();
    row[p] = moved;
    row.pop_back();
    if (x.general && !unit_on(v, h)) --non_unit_[c];
    if (moved != v) {
      const Variable& m = vars_[moved];
      for (uint32_t k = 0; k < m.len; ++k)
        if (cnst_pool_[m.off + k] == c) {
          pos_pool_[m.off + k] = p;
          break;
        }
    }
    dirty_.push_back(c);
  }
}

void MaxMinSolver::set_coefficient_and_weight(uint32_t v, uint32_t h, double coefficient,
                                              double weight) {
  DTSIM_ASSERT(coefficient > 0 && std::isfinite(coefficient),
               "max-min coefficient not finite, > 0");
  DTSIM_ASSERT(weight > 0 && std::isfinite(weight), "max-min weight not finite, > 0");
  Variable& x = vars_[v];
  DTSIM_ASSERT(h < x.len, "max-min coefficient index beyond the variable's constraints");
  // Take the variable off its rows' counts of non-unit entries; put it back once changed.
  if (x.enabled && x.general)
    for (uint32_t k = 0; k < x.len; ++k)
      if (!unit_on(v, k)) --non_unit_[cnst_pool_[x.off + k]];
  if (v >= terms_.size()) terms_.resize(v + 1);  // default terms until now
  Terms& t = terms_[v];
  if (x.unit_coefficients) {  // coefficient storage, every entry 1
    if (x.len > t.coef_cap) {
      t.coef_off = static_cast<uint32_t>(coef_pool_.size());
      t.coef_cap = x.len;
      coef_pool_.resize(coef_pool_.size() + x.len);
    }
    std::fill_n(coef_pool_.begin() + t.coef_off, x.len, 1.0);
    x.unit_coefficients = false;
  }
  coef_pool_[t.coef_off + h] = coefficient;
  t.weight = weight;
  if (x.enabled && !x.general) ++general_vars_;
  x.general = true;
  if (x.enabled)
    for (uint32_t k = 0; k < x.len; ++k) {
      const uint32_t c = cnst_pool_[x.off + k];
      if (!unit_on(v, k)) ++non_unit_[c];
      dirty_.push_back(c);
    }
}

void MaxMinSolver::release(uint32_t v) {
  DTSIM_ASSERT(!vars_[v].enabled, "released an enabled max-min variable");
  free_vars_.push_back(v);
}

// Inlined: it is the inner loop of the filling. kGeneral: some enabled variable has a weight,
// coefficient or bound that is not the default (otherwise every sum of coefficient x weight is
// the count of variables, and the plain loop does the same arithmetic with less work).
template <bool kGeneral>
[[gnu::always_inline]] inline void MaxMinSolver::fix(uint32_t v, double value) {
  Variable& x = vars_[v];
  x.stamp = epoch_ - 1;  // mark fixed (any value != epoch_)
  if (std::fabs(value - x.value) > 1e-9 * value) {
    changed_.push_back(Change{v, x.value});
    x.value = value;
  }
  const uint32_t* cs = cnst_pool_.data() + x.off;
  const uint32_t len = x.len;
  const double val = x.value;  // a local: the stores below may not alias it
  const double w = kGeneral ? terms(v).weight : 1.0;
  Fill* fill = fill_.data();
  if (!kGeneral || x.unit_coefficients) {
    for (uint32_t h = 0; h < len; ++h) {
      Fill& f = fill[cs[h]];
      f.rem -= val;
      if (f.rem < 0) f.rem = 0;
      if (kGeneral) f.wsum -= w;
      --f.cnt;
    }
  } else {
    const double* as = coef_pool_.data() + terms(v).coef_off;
    for (uint32_t h = 0; h < len; ++h) {
      Fill& f = fill[cs[h]];
      f.rem -= as[h] * val;
      if (f.rem < 0) f.rem = 0;
      f.wsum -= as[h] * w;
      --f.cnt;
    }
  }
}

std::span<const MaxMinSolver::Change> MaxMinSolver::solve() {
  changed_.clear();
  if (dirty_.empty()) return changed_;
  ++solves_;
  ++epoch_;
  comp_.clear();
  heap_.clear();
  // Component discovery: constraints reachable from the dirty ones through shared variables.
  // Each bounded variable reached puts its bound's level, bound / weight, in the heap.
  for (uint32_t c : dirty_)
    if (cnst_stamp_[c] != epoch_) {
      cnst_stamp_[c] = epoch_;
      comp_.push_back(c);
    }
  dirty_.clear();
  const bool general = general_vars_ > 0;
  for (size_t i = 0; i < comp_.size(); ++i) {
    for (uint32_t v : rows_[comp_[i]]) {
      Variable& x = vars_[v];
      if (x.stamp == epoch_ || x.stamp == epoch_ - 1) continue;  // reached, or fixed alone
      const uint32_t* cs = cnst_pool_.data() + x.off;
      if (alone_shortcut_ && !x.general && fix_alone(v)) continue;
      x.stamp = epoch_;
      if (general && x.general && terms(v).bound != kUnbounded)
        heap_.add(terms(v).bound / terms(v).weight, v | kBoundTag);
      for (uint32_t h = 0; h < x.len; ++h)
        if (cnst_stamp_[cs[h]] != epoch_) {
          cnst_stamp_[cs[h]] = epoch_;
          comp_.push_back(cs[h]);
        }
    }
  }
  if (general) {
    fill<true>();
  } else {
    fill<false>();
  }
  return changed_;
}

bool MaxMinSolver::fix_alone(uint32_t v) {
  // A variable of default terms alone on every row of its own: the filling would pop its
  // constraint of least capacity c first, at share capacity_c / 1 (exact), and fix it there;
  // nothing else shares its rows, so that is its value whatever the rest of the component does.
  // A capacity of 0 takes the filling's path (its zero-level guard, and the stall it reports).
  Variable& x = vars_[v];
  const uint32_t* cs = cnst_pool_.data() + x.off;
  double level = kUnbounded;
  for (uint32_t h = 0; h < x.len; ++h) {
    if (rows_[cs[h]].size() != 1) return false;
    level = std::min(level, capacity_[cs[h]]);
  }
  if (!(level > 0)) return false;
  x.stamp = epoch_ - 1;  // fixed in this solve (the filling skips its rows)
  if (std::fabs(level - x.value) > 1e-9 * level) {
    changed_.push_back(Change{v, x.value});
    x.value = level;
  }
  return true;
}

double MaxMinSolver::unfixed_weight(uint32_t c) const {
  double w = 0;
  for (uint32_t v : rows_[c]) {
    const Variable& x = vars_[v];
    if (x.stamp != epoch_) continue;  // fixed
    const uint32_t* cs = cnst_pool_.data() + x.off;
    const uint32_t h = static_cast<uint32_t>(std::find(cs, cs + x.len, c) - cs);
    w += coefficient(v, h) * terms(v).weight;
  }
  return w;
}

template <bool kGeneral>
void MaxMinSolver::fill() {
  // Progressive filling: repeatedly take the lowest level at which something saturates: a
  // constraint's remaining capacity over its unfixed variables' summed coefficient x weight, or
  // a variable's bound over its weight. A constraint's level only grows while variables
  // elsewhere are fixed (each is fixed at or below it), so the heap keeps one entry per
  // constraint and re-keys it lazily: a popped entry whose level has grown goes back in.
  for (uint32_t c : comp_) {
    Fill& f = fill_[c];
    f.rem = capacity_[c];
    f.cnt = static_cast<uint32_t>(rows_[c].size());
    if (f.cnt == 1 && vars_[rows_[c][0]].stamp != epoch_) f.cnt = 0;  // its one variable: alone
    f.wsum = f.cnt;  // every coefficient and weight 1, unless some are not:
    if (kGeneral && non_unit_[c]) f.wsum = unfixed_weight(c);  // all unfixed yet
    if (f.cnt) heap_.add(f.rem / (kGeneral ? f.wsum : f.cnt), c);
  }
  heap_.build();
  while (!heap_.empty()) {
    const auto [key, id] = heap_.pop();
    if (kGeneral && (id & kBoundTag)) {  // a bound below every constraint's level: fix at it
      const uint32_t v = id & ~kBoundTag;
      if (vars_[v].stamp == epoch_) fix<kGeneral>(v, terms(v).bound);
      continue;
    }
    const uint32_t c = id;
    Fill& f = fill_[c];
    if (f.cnt == 0) continue;
    // A row with weights or coefficients other than 1 has its sum taken afresh from its
    // unfixed variables before it is used: the running sum may have drifted by rounding (to
    // zero or below when the weights on a row span many orders of magnitude).
    if (kGeneral && non_unit_[c]) f.wsum = unfixed_weight(c);
    double share = f.rem / (kGeneral ? f.wsum : f.cnt);
    if (share > key) {  // grew since it was keyed: re-key
      heap_.push(share, c);
      continue;
    }
    // Guard against a level driven to zero by rounding (capacity is never really exhausted).
    const double level = std::max(share, capacity_[c] * 1e-12);
    for (uint32_t v : rows_[c]) {
      if (vars_[v].stamp != epoch_) continue;  // already fixed in this solve
      if constexpr (kGeneral) {
        const Terms& t = terms(v);
        fix<kGeneral>(v, std::min(t.weight * level, t.bound));
      } else {
        fix<kGeneral>(v, level);
      }
    }
  }
}

}  // namespace dtsim::network
