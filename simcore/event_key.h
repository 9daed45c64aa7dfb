#pragma once
/**
 * The packed `(time, seq, payload)` key shared by the event queues (EventQueue, LadderQueue):
 * one unsigned 128-bit integer whose natural order is time, then seq (an insertion counter), so
 * equal-time events pop in insertion order (a total, reproducible order, as in ns-3).
 *
 * Layout: the time in ps, biased to unsigned (sign bit flipped), in the high 64 bits; then 40
 * bits of seq and 24 bits of payload.
 * Limits: payload in [0, 2^24); seq in [0, 2^40) (1.1e12 pushes per queue). Both are checked by
 * `pack` (InternalError).
 *
 *     EventKey k = pack_event_key(Time::ns(5), 3, 7);
 *     event_key_time_ps(k) == 5000
 */
#include <cstdint>

#include "simcore/error.h"
#include "simcore/time.h"

namespace dtsim::simcore {

using EventKey = unsigned __int128;

inline constexpr int kEventPayloadBits = 24;
inline constexpr uint64_t kMaxEventPayload = (uint64_t{1} << kEventPayloadBits) - 1;
inline constexpr uint64_t kMaxEventSeq = (uint64_t{1} << (64 - kEventPayloadBits)) - 1;

/** A time in ps as an unsigned integer of the same order (the sign bit flipped). */
inline uint64_t bias_time_ps(int64_t t) { return static_cast<uint64_t>(t) ^ (uint64_t{1} << 63); }
inline int64_t unbias_time_ps(uint64_t b) { return static_cast<int64_t>(b ^ (uint64_t{1} << 63)); }

/** Packs an event's key. Errors: InternalError on a payload or seq out of range. */
template <typename Payload>
inline EventKey pack_event_key(Time t, uint64_t seq, Payload p) {
  DTSIM_ASSERT(p >= 0 && static_cast<uint64_t>(p) <= kMaxEventPayload,
               "event payload out of range");
  DTSIM_ASSERT(seq <= kMaxEventSeq, "event sequence counter exhausted");
  return (static_cast<EventKey>(bias_time_ps(t.count_ps())) << 64) |
         (seq << kEventPayloadBits) | static_cast<uint64_t>(p);
}

/** The biased time (high 64 bits) of a key. */
inline uint64_t event_key_biased_time(EventKey k) { return static_cast<uint64_t>(k >> 64); }
inline int64_t event_key_time_ps(EventKey k) { return unbias_time_ps(event_key_biased_time(k)); }

/** An event as a queue hands it out. */
template <typename Payload>
struct QueuedEvent {
  int64_t time_ps;
  uint64_t seq;
  Payload payload;
};

template <typename Payload>
inline QueuedEvent<Payload> unpack_event_key(EventKey k) {
  const uint64_t lo = static_cast<uint64_t>(k);
  return QueuedEvent<Payload>{event_key_time_ps(k), lo >> kEventPayloadBits,
                              static_cast<Payload>(lo & kMaxEventPayload)};
}

}  // namespace dtsim::simcore
