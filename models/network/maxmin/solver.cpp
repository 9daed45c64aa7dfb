#include "models/network/maxmin/solver.h"

#include <algorithm>
#include <cmath>

#include "simcore/error.h"

namespace dtsim::network {

uint32_t MaxMinSolver::add_constraint(double capacity) {
  DTSIM_ASSERT(capacity >= 0 && std::isfinite(capacity), "constraint capacity not finite, >= 0");
  capacity_.push_back(capacity);
  rows_.emplace_back();
  cnst_stamp_.push_back(0);
  rem_.push_back(0.0);
  wsum_.push_back(0.0);
  cnt_.push_back(0);
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
  if (!x.unit_coefficients) {
    for (double a : coefficients)
      DTSIM_ASSERT(a > 0 && std::isfinite(a), "max-min coefficient not finite, > 0");
    if (len > x.coef_cap) {
      x.coef_off = static_cast<uint32_t>(coef_pool_.size());
      x.coef_cap = len;
      coef_pool_.resize(coef_pool_.size() + len);
    }
    std::copy(coefficients.begin(), coefficients.end(), coef_pool_.begin() + x.coef_off);
  }
  x.weight = weight;
  x.bound = bound;
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
  for (uint32_t h = 0; h < x.len; ++h) {
    uint32_t c = cnst_pool_[x.off + h];
    pos_pool_[x.off + h] = static_cast<uint32_t>(rows_[c].size());
    rows_[c].push_back(v);
    dirty_.push_back(c);
  }
}

void MaxMinSolver::disable(uint32_t v) {
  Variable& x = vars_[v];
  DTSIM_ASSERT(x.enabled, "max-min variable disabled twice");
  x.enabled = false;
  x.value = 0;
  for (uint32_t h = 0; h < x.len; ++h) {
    uint32_t c = cnst_pool_[x.off + h];
    auto& row = rows_[c];
    uint32_t p = pos_pool_[x.off + h];
    uint32_t moved = row.back();
    row[p] = moved;
    row.pop_back();
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

void MaxMinSolver::release(uint32_t v) {
  DTSIM_ASSERT(!vars_[v].enabled, "released an enabled max-min variable");
  free_vars_.push_back(v);
}

void MaxMinSolver::fix(uint32_t v, double value) {
  Variable& x = vars_[v];
  x.stamp = epoch_ - 1;  // mark fixed (any value != epoch_)
  if (std::fabs(value - x.value) > 1e-9 * value) {
    changed_.push_back(Change{v, x.value});
    x.value = value;
  }
  const uint32_t* cs = cnst_pool_.data() + x.off;
  if (x.unit_coefficients) {
    for (uint32_t h = 0; h < x.len; ++h) {
      const uint32_t c = cs[h];
      rem_[c] -= x.value;
      if (rem_[c] < 0) rem_[c] = 0;
      wsum_[c] -= x.weight;
      --cnt_[c];
    }
  } else {
    const double* as = coef_pool_.data() + x.coef_off;
    for (uint32_t h = 0; h < x.len; ++h) {
      const uint32_t c = cs[h];
      rem_[c] -= as[h] * x.value;
      if (rem_[c] < 0) rem_[c] = 0;
      wsum_[c] -= as[h] * x.weight;
      --cnt_[c];
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
  // Each variable is reached once: it adds its coefficient x weight to each of its rows' sums,
  // and a bounded one puts its bound's level, bound / weight, in the heap.
  auto reach = [this](uint32_t c) {
    if (cnst_stamp_[c] == epoch_) return;
    cnst_stamp_[c] = epoch_;
    comp_.push_back(c);
    rem_[c] = capacity_[c];
    wsum_[c] = 0;
    cnt_[c] = 0;
  };
  for (uint32_t c : dirty_) reach(c);
  dirty_.clear();
  for (size_t i = 0; i < comp_.size(); ++i) {
    for (uint32_t v : rows_[comp_[i]]) {
      Variable& x = vars_[v];
      if (x.stamp == epoch_) continue;
      x.stamp = epoch_;
      if (x.bound != kUnbounded) heap_.emplace_back(x.bound / x.weight, v | kBoundTag);
      const uint32_t* cs = cnst_pool_.data() + x.off;
      const double* as = x.unit_coefficients ? nullptr : coef_pool_.data() + x.coef_off;
      for (uint32_t h = 0; h < x.len; ++h) {
        const uint32_t c = cs[h];
        reach(c);
        wsum_[c] += as ? as[h] * x.weight : x.weight;
        ++cnt_[c];
      }
    }
  }
  // Progressive filling: repeatedly take the lowest level at which something saturates: a
  // constraint's remaining capacity over its unfixed variables' summed coefficient x weight, or
  // a variable's bound over its weight. A constraint's level only grows while variables
  // elsewhere are fixed (each is fixed at or below it), so the heap keeps one entry per
  // constraint and re-keys it lazily: a popped entry whose level has grown goes back in.
  for (uint32_t c : comp_)
    if (cnt_[c]) heap_.emplace_back(rem_[c] / wsum_[c], c);
  auto cmp = [](const std::pair<double, uint32_t>& a, const std::pair<double, uint32_t>& b) {
    return a.first > b.first || (a.first == b.first && a.second > b.second);
  };
  std::make_heap(heap_.begin(), heap_.end(), cmp);
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), cmp);
    auto [key, id] = heap_.back();
    heap_.pop_back();
    if (id & kBoundTag) {  // a bound below every constraint's level: fix the variable at it
      const uint32_t v = id & ~kBoundTag;
      if (vars_[v].stamp == epoch_) fix(v, vars_[v].bound);
      continue;
    }
    const uint32_t c = id;
    if (cnt_[c] == 0) continue;
    double share = rem_[c] / wsum_[c];
    if (share > key) {  // grew since it was keyed: re-key
      heap_.emplace_back(share, c);
      std::push_heap(heap_.begin(), heap_.end(), cmp);
      continue;
    }
    // Guard against a level driven to zero by rounding (capacity is never really exhausted).
    const double level = std::max(share, capacity_[c] * 1e-12);
    for (uint32_t v : rows_[c]) {
      const Variable& x = vars_[v];
      if (x.stamp != epoch_) continue;  // already fixed in this solve
      fix(v, std::min(x.weight * level, x.bound));
    }
  }
  return changed_;
}

}  // namespace dtsim::network
