#include "simcore/simulator.h"

namespace dtsim::simcore {

EventId Simulator::schedule_at(Time t, Callback cb) {
  DTSIM_ASSERT(t >= now_, "event scheduled in the past (" + t.str() + " < now " + now_.str() + ")");
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    DTSIM_ASSERT(slots_.size() <= kMaxEventPayload,
                 "more than 16.7 million events pending at once");
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.armed = true;
  s.cb = std::move(cb);
  s.seq = queue_.push(t, slot);
  ++live_;
  return EventId{slot, s.seq};
}

bool Simulator::cancel(EventId id) {
  if (!id.valid() || id.slot >= slots_.size()) return false;
  Slot& s = slots_[id.slot];
  if (!s.armed || s.seq != id.seq) return false;
  s.armed = false;
  s.cb = nullptr;
  --live_;
  // The queue entry stays as a tombstone; its slot is recycled when it pops.
  return true;
}

bool Simulator::step(Time limit) {
  while (!queue_.empty()) {
    if (queue_.top_time_ps() > limit.count_ps()) return false;
    auto e = queue_.pop();
    Slot& s = slots_[e.payload];
    bool live = s.armed && s.seq == e.seq;
    Callback cb = live ? std::move(s.cb) : nullptr;
    s.armed = false;
    s.cb = nullptr;
    free_slots_.push_back(e.payload);
    if (!live) continue;
    --live_;
    now_ = Time::ps(e.time_ps);
    ++processed_;
    cb();
    return true;
  }
  return false;
}

void Simulator::run() {
  while (step(Time::max())) {
  }
}

void Simulator::run_until(Time limit) {
  while (step(limit)) {
  }
  if (limit > now_) now_ = limit;
}

}  // namespace dtsim::simcore
