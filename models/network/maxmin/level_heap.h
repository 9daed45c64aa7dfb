#pragma once
/**
 * Min-heap of (level, id) entries for the max-min filling: levels are non-negative doubles (a
 * constraint's fair share, a bound over its weight), ids 32-bit. Entries pop in increasing
 * level, ties by increasing id: a total order, so the filling fixes the same variables in the
 * same order whatever the heap's layout.
 *
 * Each entry is one unsigned 128-bit integer, the level's IEEE-754 bits above the id: for
 * non-negative doubles the bits order as the values do (-0.0 is stored as +0.0), so one
 * integer comparison replaces a floating-point comparison and a tie-break. A 4-ary layout
 * halves the depth of a binary heap (std::push_heap / pop_heap, which the solver used before).
 *
 * Errors: none (a negative or NaN level is a caller bug; the solver never makes one).
 * Complexity: push O(log4 n), pop O(4 log4 n), `build` O(n).
 *
 *     LevelHeap h;
 *     h.add(2.0, 7);
 *     h.add(1.0, 9);
 *     h.build();
 *     h.pop();  // {1.0, 9}
 */
#include <bit>
#include <cstdint>
#include <utility>
#include <vector>

namespace dtsim::network {

class LevelHeap {
 public:
  struct Entry {
    double level;
    uint32_t id;
  };

  void clear() { h_.clear(); }
  bool empty() const { return h_.empty(); }
  size_t size() const { return h_.size(); }
  /** Appends an entry without ordering; call `build` before the first pop. */
  void add(double level, uint32_t id) { h_.push_back(pack(level, id)); }
  /** Orders the entries added since the last pop (Floyd's heap construction). */
  void build() {
    if (h_.size() < 2) return;
    for (size_t i = (h_.size() - 2) / kArity + 1; i-- > 0;) sift_down(i, h_[i]);
  }
  void push(double level, uint32_t id) {
    h_.push_back(pack(level, id));
    sift_up(h_.size() - 1);
  }
  /** Removes and returns the least entry. Precondition: !empty(). */
  Entry pop() {
    const Key top = h_.front();
    const Key last = h_.back();
    h_.pop_back();
    if (!h_.empty()) sift_down(0, last);
    return Entry{std::bit_cast<double>(static_cast<uint64_t>(top >> 64)),
                 static_cast<uint32_t>(top)};
  }

 private:
  using Key = unsigned __int128;
  static constexpr size_t kArity = 4;
  static Key pack(double level, uint32_t id) {
    return (static_cast<Key>(std::bit_cast<uint64_t>(level + 0.0)) << 64) | id;  // -0.0 -> +0.0
  }
  void sift_up(size_t i) {
    const Key e = h_[i];
    while (i > 0) {
      const size_t parent = (i - 1) / kArity;
      if (!(e < h_[parent])) break;
      h_[i] = h_[parent];
      i = parent;
    }
    h_[i] = e;
  }
  /** Places `e` at or below slot i (hole method: moves, no swaps). */
  void sift_down(size_t i, Key e) {
    const size_t n = h_.size();
    while (true) {
      const size_t first = i * kArity + 1;
      if (first >= n) break;
      size_t best = first;
      const size_t end = first + kArity < n ? first + kArity : n;
      for (size_t c = first + 1; c < end; ++c)
        if (h_[c] < h_[best]) best = c;
      if (!(h_[best] < e)) break;
      h_[i] = h_[best];
      i = best;
    }
    h_[i] = e;
  }
  std::vector<Key> h_;
};

}  // namespace dtsim::network
