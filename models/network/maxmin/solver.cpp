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
  cnt_.push_back(0);
  return static_cast<uint32_t>(capacity_.size() - 1);
}

uint32_t MaxMinSolver::add_variable(std::span<const uint32_t> constraints) {
  uint32_t v;
  if (!free_vars_.empty()) {
    v = free_vars_.back();
    free_vars_.pop_back();
  } else {
    vars_.emplace_back();
    v = static_cast<uint32_t>(vars_.size() - 1);
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

std::span<const MaxMinSolver::Change> MaxMinSolver::solve() {
  changed_.clear();
  if (dirty_.empty()) return changed_;
  ++solves_;
  ++epoch_;
  comp_.clear();
  // Component discovery: constraints reachable from the dirty ones through shared variables.
  for (uint32_t c : dirty_)
    if (cnst_stamp_[c] != epoch_) {
      cnst_stamp_[c] = epoch_;
      comp_.push_back(c);
    }
  dirty_.clear();
  for (size_t i = 0; i < comp_.size(); ++i) {
    for (uint32_t v : rows_[comp_[i]]) {
      Variable& x = vars_[v];
      if (x.stamp == epoch_) continue;
      x.stamp = epoch_;
      const uint32_t* cs = cnst_pool_.data() + x.off;
      for (uint32_t h = 0; h < x.len; ++h)
        if (cnst_stamp_[cs[h]] != epoch_) {
          cnst_stamp_[cs[h]] = epoch_;
          comp_.push_back(cs[h]);
        }
    }
  }
  // Progressive filling: repeatedly saturate the constraint with the smallest fair share. A
  // constraint's share only grows while variables elsewhere are fixed, so the heap keeps one
  // entry per constraint and re-keys it lazily: a popped entry whose share has grown goes back.
  heap_.clear();
  for (uint32_t c : comp_) {
    rem_[c] = capacity_[c];
    cnt_[c] = static_cast<uint32_t>(rows_[c].size());
    if (cnt_[c]) heap_.emplace_back(rem_[c] / cnt_[c], c);
  }
  auto cmp = [](const std::pair<double, uint32_t>& a, const std::pair<double, uint32_t>& b) {
    return a.first > b.first || (a.first == b.first && a.second > b.second);
  };
  std::make_heap(heap_.begin(), heap_.end(), cmp);
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), cmp);
    auto [key, c] = heap_.back();
    heap_.pop_back();
    if (cnt_[c] == 0) continue;
    double share = rem_[c] / cnt_[c];
    if (share > key) {  // grew since it was keyed: re-key
      heap_.emplace_back(share, c);
      std::push_heap(heap_.begin(), heap_.end(), cmp);
      continue;
    }
    // Guard against a share driven to zero by rounding (capacity is never really exhausted).
    const double r = std::max(share, capacity_[c] * 1e-12);
    for (uint32_t v : rows_[c]) {
      Variable& x = vars_[v];
      if (x.stamp != epoch_) continue;  // already fixed in this solve
      x.stamp = epoch_ - 1;             // mark fixed (any value != epoch_)
      if (std::fabs(r - x.value) > 1e-9 * r) {
        changed_.push_back(Change{v, x.value});
        x.value = r;
      }
      const uint32_t* cs = cnst_pool_.data() + x.off;
      for (uint32_t h = 0; h < x.len; ++h) {
        uint32_t c2 = cs[h];
        rem_[c2] -= x.value;
        if (rem_[c2] < 0) rem_[c2] = 0;
        --cnt_[c2];
      }
    }
  }
  return changed_;
}

}  // namespace dtsim::network
