#pragma once
/**
 * Deterministic priority queue of timed events: a 4-ary min-heap in a `std::vector`, keyed by
 * `(time, seq)` where `seq` is an insertion counter, so equal-time events pop in insertion order
 * (a total, reproducible order, as in ns-3).
 *
 * Complexity: push and pop O(log4 n); `top` O(1). Cancellation is done one level up
 * (`Simulator`) with tombstones, so it is O(1) and the heap stays untouched.
 *
 *     EventQueue<uint32_t> q;
 *     q.push(Time::ns(5), 7);
 *     auto e = q.pop();   // e.time == 5 ns, e.payload == 7
 */
#include <cstdint>
#include <utility>
#include <vector>

#include "simcore/time.h"

namespace dtsim::simcore {

template <typename Payload>
class EventQueue {
 public:
  struct Entry {
    int64_t time_ps;
    uint64_t seq;
    Payload payload;
    bool operator<(const Entry& o) const {
      return time_ps < o.time_ps || (time_ps == o.time_ps && seq < o.seq);
    }
  };

  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  void reserve(size_t n) { heap_.reserve(n); }
  const Entry& top() const { return heap_.front(); }

  /** Inserts an event; returns its sequence number. */
  uint64_t push(Time t, Payload p) {
    uint64_t s = next_seq_++;
    heap_.push_back(Entry{t.count_ps(), s, std::move(p)});
    sift_up(heap_.size() - 1);
    return s;
  }

  /** Removes and returns the earliest event. Precondition: !empty(). */
  Entry pop() {
    Entry out = std::move(heap_.front());
    Entry last = std::move(heap_.back());
    heap_.pop_back();
    if (!heap_.empty()) sift_down(std::move(last));
    return out;
  }

 private:
  static constexpr size_t kArity = 4;

  void sift_up(size_t i) {
    Entry e = std::move(heap_[i]);
    while (i > 0) {
      size_t parent = (i - 1) / kArity;
      if (!(e < heap_[parent])) break;
      heap_[i] = std::move(heap_[parent]);
      i = parent;
    }
    heap_[i] = std::move(e);
  }

  /** Places `e` starting from the root (hole method: moves, no swaps). */
  void sift_down(Entry e) {
    const size_t n = heap_.size();
    size_t i = 0;
    while (true) {
      size_t first = i * kArity + 1;
      if (first >= n) break;
      size_t best = first;
      size_t end = first + kArity < n ? first + kArity : n;
      for (size_t c = first + 1; c < end; ++c)
        if (heap_[c] < heap_[best]) best = c;
      if (!(heap_[best] < e)) break;
      heap_[i] = std::move(heap_[best]);
      i = best;
    }
    heap_[i] = std::move(e);
  }

  std::vector<Entry> heap_;
  uint64_t next_seq_ = 0;
};

}  // namespace dtsim::simcore
