#pragma once
/**
 * Deterministic priority queue of timed events in O(1) amortised time per operation: a **ladder
 * queue** (Tang, Goh and Thng, "Ladder Queue: An O(1) Priority Queue Structure for Large-Scale
 * Discrete Event Simulation", ACM TOMACS 15(3), 2005), keyed by the same `(time, seq)` key as
 * EventQueue (simcore/event_key.h), so both pop the same events in the same order: time, then
 * insertion order.
 *
 * Three tiers, each holding later events than the one before:
 * - **bottom**: a short sorted run of the earliest events; `pop` takes its front;
 * - **rungs**: arrays of buckets of equal width in time (unsorted arrays); rung r+1 splits one
 *   bucket of rung r into finer buckets; a bucket moves to the bottom (and is sorted there) when
 *   the bottom runs dry, or splits into a new rung when it holds more than `kSplit` events;
 * - **top**: an unsorted array of the far-future events (at or after `top_start`), turned into
 *   the first rung, with about `kPerBucket` events a bucket, when everything before it has been
 *   popped.
 * An event is pushed into the earliest tier whose time range holds it: an append for top and
 * rungs, a sorted insert for the bottom (which spills into a new rung when it outgrows
 * `kBottomMax`). Buckets are arrays, not the paper's linked lists: a bucket is read in one
 * sequential sweep, and their storage is kept from rung to rung, so the steady state allocates
 * nothing.
 * Limits: as EventQueue (payload in [0, 2^24); 2^40 pushes), checked (InternalError).
 * Complexity: push and pop O(1) amortised when the event times are spread out (each event is
 * moved at most once per rung, at most kMaxRungs times); a bucket that cannot be split further
 * (events at one picosecond, or kMaxRungs reached) is sorted, O(m log m) for m events.
 * Cancellation is done one level up (`Simulator`) with tombstones, so it is O(1).
 * Source: Tang, Goh & Thng (2005), as above (one event a bucket and a split threshold of 50
 * there; 8 and 64 here, measured in tests/bench/event_queue_bench.cpp).
 *
 *     LadderQueue<uint32_t> q;
 *     q.push(Time::ns(5), 7);
 *     auto e = q.pop();   // e.time_ps == 5000, e.payload == 7
 */
#include <algorithm>
#include <cstdint>
#include <vector>

#include "simcore/error.h"
#include "simcore/event_key.h"
#include "simcore/time.h"

namespace dtsim::simcore {

template <typename Payload>
class LadderQueue {
  static_assert(std::is_integral_v<Payload>, "LadderQueue payloads are small integers");

 public:
  using Entry = QueuedEvent<Payload>;
  using Wide = unsigned __int128;  // boundaries in biased ps, past 2^64 without wrapping
  static constexpr size_t kPerBucket = 8;   ///< events per bucket aimed at when a rung opens
  static constexpr size_t kSplit = 64;      ///< a bucket above this many events splits
  static constexpr size_t kBottomMax = 256;  ///< a bottom above this spills into a rung
  static constexpr size_t kMaxRungs = 8;

  LadderQueue() { rung_.reserve(kMaxRungs); }  // references to rungs stay valid
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  void reserve(size_t n) { top_.reserve(n); }
  /** The earliest event. Precondition: !empty(). */
  Entry top() const { return unpack_event_key<Payload>(bottom_[head_]); }
  /** Time of the earliest event. Precondition: !empty(). */
  int64_t top_time_ps() const { return event_key_time_ps(bottom_[head_]); }

  /** Inserts an event; returns its sequence number. */
  uint64_t push(Time t, Payload p) {
    const uint64_t s = next_seq_;
    const EventKey k = pack_event_key(t, s, p);
    ++next_seq_;
    if (size_++ == 0) {  // the first event: it alone is the bottom; later ones go to the top
      rungs_ = 0;
      head_ = 0;
      bottom_.clear();
      bottom_.push_back(k);
      top_start_ = Wide{event_key_biased_time(k)} + 1;
      return s;
    }
    insert(k);
    return s;
  }

  /** Removes and returns the earliest event. Precondition: !empty(). */
  Entry pop() {
    const Entry out = unpack_event_key<Payload>(bottom_[head_++]);
    if (--size_ > 0 && head_ == bottom_.size()) refill();
    return out;
  }

 private:
  using Bucket = std::vector<EventKey>;
  /** Buckets of `width` ps each from `start` (biased time); those before `cur` are spent. */
  struct Rung {
    uint64_t start = 0;
    uint64_t width = 1;
    uint32_t cur = 0;
    uint32_t buckets = 0;
    std::vector<Bucket> bucket;  // unsorted; storage kept from rung to rung
    Wide boundary() const { return Wide{start} + Wide{cur} * width; }
  };

  /** Places a key in the earliest tier whose range holds it (not the first event). */
  void insert(EventKey k) {
    const uint64_t bt = event_key_biased_time(k);
    if (bt >= top_start_) {
      if (top_.empty()) top_min_ = top_max_ = bt;
      top_.push_back(k);
      top_min_ = std::min(top_min_, bt);
      top_max_ = std::max(top_max_, bt);
      return;
    }
    for (size_t r = 0; r < rungs_; ++r) {
      Rung& g = rung_[r];
      if (bt >= g.boundary()) {
        g.bucket[(bt - g.start) / g.width].push_back(k);
        return;
      }
    }
    // Before every rung's spent boundary: a sorted insert into the bottom.
    auto at = std::upper_bound(bottom_.begin() + static_cast<ptrdiff_t>(head_), bottom_.end(), k);
    bottom_.insert(at, k);
    if (bottom_.size() - head_ > kBottomMax && rungs_ < kMaxRungs) spill_bottom();
  }

  /** Opens rung `rungs_` over [start, start + buckets x width), every bucket empty. */
  Rung& open_rung(uint64_t start, uint64_t width, uint64_t buckets) {
    if (rung_.size() <= rungs_) rung_.emplace_back();
    Rung& g = rung_[rungs_++];
    g.start = start;
    g.width = width;
    g.cur = 0;
    g.buckets = static_cast<uint32_t>(buckets);
    if (g.bucket.size() < buckets) g.bucket.resize(buckets);
    for (uint32_t b = 0; b < g.buckets; ++b) g.bucket[b].clear();
    return g;
  }

  /** Moves keys [first, last) into rung g's buckets. */
  static void distribute(const EventKey* first, const EventKey* last, Rung& g) {
    for (; first != last; ++first)
      g.bucket[(event_key_biased_time(*first) - g.start) / g.width].push_back(*first);
  }

  /** Turns an overgrown bottom into a new rung below the others (times [front, boundary)). */
  void spill_bottom() {
    const uint64_t lo = event_key_biased_time(bottom_[head_]);
    // Every event at one picosecond: only the seq orders them, and a new one goes last.
    if (event_key_biased_time(bottom_.back()) == lo) return;
    const Wide hi = rungs_ == 0 ? top_start_ : rung_[rungs_ - 1].boundary();
    const Wide n = bottom_.size() - head_;
    const Wide width = (hi - lo) / n + 1;  // < 2^64: hi - lo <= 2^64 and n >= 2
    Rung& g = open_rung(lo, static_cast<uint64_t>(width),
                        static_cast<uint64_t>((hi - lo - 1) / width + 1));
    distribute(bottom_.data() + head_, bottom_.data() + bottom_.size(), g);
    refill();
  }

  /** Refills the bottom with the earliest non-empty bucket. Precondition: size_ > 0. */
  void refill() {
    bottom_.clear();
    head_ = 0;
    while (true) {
      if (rungs_ == 0) {  // everything left is in the top: it becomes the first rung
        DTSIM_ASSERT(!top_.empty(), "ladder queue lost its events");
        const uint64_t n = (top_.size() - 1) / kPerBucket + 1;
        const uint64_t width = (top_max_ - top_min_) / n + 1;
        const uint64_t buckets = (top_max_ - top_min_) / width + 1;
        Rung& g = open_rung(top_min_, width, buckets);
        top_start_ = Wide{top_min_} + Wide{buckets} * width;
        distribute(top_.data(), top_.data() + top_.size(), g);
        top_.clear();
      }
      Rung& g = rung_[rungs_ - 1];
      while (g.cur < g.buckets && g.bucket[g.cur].empty()) ++g.cur;
      if (g.cur == g.buckets) {  // spent
        --rungs_;
        continue;
      }
      Bucket& b = g.bucket[g.cur];
      const uint64_t start = g.start + g.cur * g.width;
      ++g.cur;
      if (b.size() > kSplit && g.width > 1 && rungs_ < kMaxRungs) {  // split into a finer rung
        const uint64_t parent_width = g.width;
        const uint64_t width = (parent_width - 1) / (b.size() / kPerBucket) + 1;
        Rung& child = open_rung(start, width, (parent_width - 1) / width + 1);
        distribute(b.data(), b.data() + b.size(), child);
        b.clear();
        continue;
      }
      bottom_.swap(b);  // b takes the bottom's (empty) storage
      std::sort(bottom_.begin(), bottom_.end());
      return;
    }
  }

  std::vector<EventKey> bottom_;  // sorted; the live part is [head_, size)
  size_t head_ = 0;
  std::vector<Rung> rung_;  // the first rungs_ are in use (storage kept for reuse)
  size_t rungs_ = 0;
  std::vector<EventKey> top_;  // unsorted
  Wide top_start_ = 0;         // biased time: events at or after it go to the top
  uint64_t top_min_ = 0, top_max_ = 0;
  size_t size_ = 0;
  uint64_t next_seq_ = 0;
};

}  // namespace dtsim::simcore
