#pragma once
/**
 * Deterministic priority queue of timed events: a 4-ary min-heap in a `std::vector`, keyed by
 * `(time, seq)` where `seq` is an insertion counter, so equal-time events pop in insertion order
 * (a total, reproducible order, as in ns-3).
 *
 * Each entry is one 16-byte key, `(time, seq, payload)` packed so that one unsigned 128-bit
 * comparison orders by time, then seq: the time (biased to unsigned) in the high 64 bits, then
 * 40 bits of seq and 24 bits of payload. Four siblings fill one 64-byte cache line.
 *
 * Limits: payload in [0, 2^24) (the Simulator stores a slot index: 16.7 million events pending
 * at once); at most 2^40 (1.1e12) pushes per queue. Both are checked (InternalError).
 * Complexity: push and pop O(log4 n); `top` O(1). Cancellation is done one level up
 * (`Simulator`) with tombstones, so it is O(1) and the heap stays untouched.
 *
 *     EventQueue<uint32_t> q;
 *     q.push(Time::ns(5), 7);
 *     auto e = q.pop();   // e.time_ps == 5000, e.payload == 7
 */
#include <cstdint>
#include <type_traits>
#include <vector>

#include "simcore/error.h"
#include "simcore/time.h"

namespace dtsim::simcore {

template <typename Payload>
class EventQueue {
  static_assert(std::is_integral_v<Payload>, "EventQueue payloads are small integers");

 public:
  static constexpr int kPayloadBits = 24;
  static constexpr uint64_t kMaxPayload = (uint64_t{1} << kPayloadBits) - 1;
  static constexpr uint64_t kMaxSeq = (uint64_t{1} << (64 - kPayloadBits)) - 1;

  struct Entry {
    int64_t time_ps;
    uint64_t seq;
    Payload payload;
  };

  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  void reserve(size_t n) { heap_.reserve(n); }
  Entry top() const { return unpack(heap_.front()); }
  /** Time of the earliest event, without unpacking it. Precondition: !empty(). */
  int64_t top_time_ps() const { return unbias(static_cast<uint64_t>(heap_.front() >> 64)); }

  /** Inserts an event; returns its sequence number. */
  uint64_t push(Time t, Payload p) {
    DTSIM_ASSERT(p >= 0 && static_cast<uint64_t>(p) <= kMaxPayload, "event payload out of range");
    DTSIM_ASSERT(next_seq_ <= kMaxSeq, "event sequence counter exhausted");
    uint64_t s = next_seq_++;
    Key k = (static_cast<Key>(bias(t.count_ps())) << 64) |
            (s << kPayloadBits) | static_cast<uint64_t>(p);
    heap_.push_back(k);
    sift_up(heap_.size() - 1);
    return s;
  }

  /** Removes and returns the earliest event. Precondition: !empty(). */
  Entry pop() {
    Entry out = unpack(heap_.front());
    Key last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(last);
    return out;
  }

 private:
  using Key = unsigned __int128;
  static constexpr size_t kArity = 4;
  static constexpr uint64_t kSign = uint64_t{1} << 63;

  static uint64_t bias(int64_t t) { return static_cast<uint64_t>(t) ^ kSign; }
  static int64_t unbias(uint64_t b) { return static_cast<int64_t>(b ^ kSign); }
  static Entry unpack(Key k) {
    uint64_t lo = static_cast<uint64_t>(k);
    return Entry{unbias(static_cast<uint64_t>(k >> 64)), lo >> kPayloadBits,
                 static_cast<Payload>(lo & kMaxPayload)};
  }

  void sift_up(size_t i) {
    Key e = heap_[i];
    while (i > 0) {
      size_t parent = (i - 1) / kArity;
      if (!(e < heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }

  /** Places `e` starting from the root. Bottom-up (Floyd): the hole first walks down to a leaf
   *  along the smallest children, without comparing with `e` (the entry taken from the back is
   *  usually large and belongs near the bottom), then `e` climbs back up from there. */
  void sift_down(Key e) {
    const size_t n = heap_.size();
    Key* h = heap_.data();
    size_t i = 0;
    while (true) {
      size_t first = i * kArity + 1;
      if (first + kArity <= n) {  // full sibling group: minimum of four without data branches
        size_t b01 = first + (h[first + 1] < h[first]);
        size_t b23 = first + 2 + (h[first + 3] < h[first + 2]);
        size_t best = h[b23] < h[b01] ? b23 : b01;
        h[i] = h[best];
        i = best;
        continue;
      }
      if (first < n) {
        size_t best = first;
        for (size_t c = first + 1; c < n; ++c)
          if (h[c] < h[best]) best = c;
        h[i] = h[best];
        i = best;
      }
      break;
    }
    // Climb: move parents down while they are larger than `e`.
    while (i > 0) {
      size_t parent = (i - 1) / kArity;
      if (!(e < h[parent])) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = e;
  }

  std::vector<Key> heap_;
  uint64_t next_seq_ = 0;
};

}  // namespace dtsim::simcore
