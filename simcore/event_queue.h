#pragma once
/**
 * Deterministic priority queue of timed events: a 4-ary min-heap in a `std::vector`, keyed by
 * `(time, seq)` where `seq` is an insertion counter, so equal-time events pop in insertion order
 * (a total, reproducible order, as in ns-3).
 *
 * Each entry is one 16-byte key, `(time, seq, payload)` packed so that one unsigned 128-bit
 * comparison orders by time, then seq (simcore/event_key.h). Four siblings fill one 64-byte
 * cache line. LadderQueue (simcore/ladder_queue.h) keeps the same order in O(1) amortised.
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
#include <new>
#include <type_traits>
#include <vector>

#include "simcore/error.h"
#include "simcore/event_key.h"
#include "simcore/time.h"

namespace dtsim::simcore {

/** Allocator that aligns blocks to 64 bytes (a cache line), for the heap's sibling groups. */
template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(64))); }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t(64)); }
  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const { return true; }
};

template <typename Payload>
class EventQueue {
  static_assert(std::is_integral_v<Payload>, "EventQueue payloads are small integers");

 public:
  static constexpr int kPayloadBits = kEventPayloadBits;
  static constexpr uint64_t kMaxPayload = kMaxEventPayload;
  static constexpr uint64_t kMaxSeq = kMaxEventSeq;

  using Entry = QueuedEvent<Payload>;

  EventQueue() : heap_(kPad) {}
  bool empty() const { return heap_.size() == kPad; }
  size_t size() const { return heap_.size() - kPad; }
  void reserve(size_t n) { heap_.reserve(n + kPad); }
  Entry top() const { return unpack(heap_[kPad]); }
  /** Time of the earliest event, without unpacking it. Precondition: !empty(). */
  int64_t top_time_ps() const { return event_key_time_ps(heap_[kPad]); }

  /** Inserts an event; returns its sequence number. */
  uint64_t push(Time t, Payload p) {
    const uint64_t s = next_seq_;
    const Key k = pack_event_key(t, s, p);
    ++next_seq_;
    heap_.push_back(k);
    sift_up(size() - 1);
    return s;
  }

  /** Removes and returns the earliest event. Precondition: !empty(). */
  Entry pop() {
    Entry out = unpack(heap_[kPad]);
    Key last = heap_.back();
    heap_.pop_back();
    if (!empty()) sift_down(last);
    return out;
  }

 private:
  using Key = EventKey;
  static constexpr size_t kArity = 4;
  // Logical node i lives at heap_[i + kPad]: with 16-byte keys and a 64-byte aligned block, the
  // four children of a node (logical 4i+1 .. 4i+4, physical 4(i+1) ..) fill one cache line.
  static constexpr size_t kPad = 3;
  static Entry unpack(Key k) { return unpack_event_key<Payload>(k); }

  void sift_up(size_t i) {
    Key* h = heap_.data() + kPad;
    Key e = h[i];
    while (i > 0) {
      size_t parent = (i - 1) / kArity;
      if (!(e < h[parent])) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = e;
  }

  /** Places `e` starting from the root (hole method: moves, no swaps). */
  void sift_down(Key e) {
    const size_t n = size();
    Key* h = heap_.data() + kPad;
    size_t i = 0;
    while (true) {
      size_t first = i * kArity + 1;
      if (first >= n) break;
      size_t best = first;
      if (first + kArity <= n) {  // full sibling group (one cache line): minimum of four
        size_t b01 = first + (h[first + 1] < h[first]);
        size_t b23 = first + 2 + (h[first + 3] < h[first + 2]);
        best = h[b23] < h[b01] ? b23 : b01;
      } else {
        for (size_t c = first + 1; c < n; ++c)
          if (h[c] < h[best]) best = c;
      }
      if (!(h[best] < e)) break;
      h[i] = h[best];
      i = best;
    }
    h[i] = e;
  }

  std::vector<Key, CacheLineAllocator<Key>> heap_;
  uint64_t next_seq_ = 0;
};

}  // namespace dtsim::simcore
