#include "models/network/flow_fabric.h"

#include <algorithm>
#include <cmath>

namespace dtsim::network {

using simcore::Time;

FlowFabric::FlowFabric(simcore::Simulator& sim, const topologies::Topology& topology,
                       double batch_tolerance)
    : sim_(sim), topo_(topology), batch_tolerance_(batch_tolerance) {
  DTSIM_ASSERT(batch_tolerance >= 0 && batch_tolerance < 1, "batch tolerance outside [0, 1)");
  const size_t nch = topology.channel_count();
  capacity_.resize(nch);
  for (uint32_t c = 0; c < nch; ++c) capacity_[c] = topology.channel_capacity(c);
  on_channel_.resize(nch);
  carried_.assign(nch, 0.0);
  channel_stamp_.assign(nch, 0);
  rem_.assign(nch, 0.0);
  cnt_.assign(nch, 0);
}

uint32_t FlowFabric::alloc_flow() {
  if (!free_flows_.empty()) {
    uint32_t f = free_flows_.back();
    free_flows_.pop_back();
    return f;
  }
  flows_.emplace_back();
  done_.emplace_back();
  return static_cast<uint32_t>(flows_.size() - 1);
}

void FlowFabric::start_flow(const topologies::Path& path, double bytes,
                            std::function<void()> done) {
  DTSIM_ASSERT(bytes >= 0, "flow with negative bytes");
  ++flows_started_;
  uint32_t f = alloc_flow();
  Flow& fl = flows_[f];
  const uint32_t len = static_cast<uint32_t>(path.channels.size());
  if (len > fl.path_cap) {  // reserve room in the pool (old room, if any, is left unused)
    fl.path_off = static_cast<uint32_t>(path_pool_.size());
    fl.path_cap = len;
    path_pool_.resize(path_pool_.size() + len);
    pos_pool_.resize(pos_pool_.size() + len);
  }
  fl.path_len = len;
  std::copy(path.channels.begin(), path.channels.end(), path_pool_.begin() + fl.path_off);
  fl.bytes = bytes;
  fl.remaining = bytes;
  fl.rate = 0;
  fl.active = false;
  done_[f] = std::move(done);
  int64_t at = (sim_.now() + path.latency).count_ps();
  auto [it, fresh] = arrivals_.try_emplace(at);
  it->second.push_back(f);
  if (fresh) sim_.schedule_at(Time::ps(at), [this, at] { on_arrivals(at); });
}

void FlowFabric::on_arrivals(int64_t time_ps) {
  auto node = arrivals_.extract(time_ps);
  std::vector<std::function<void()>> instant;
  for (uint32_t f : node.mapped()) {
    Flow& fl = flows_[f];
    if (fl.remaining <= 0 || fl.path_len == 0) {  // zero bytes: latency only
      instant.push_back(std::move(done_[f]));
      done_[f] = nullptr;
      free_flows_.push_back(f);
      continue;
    }
    activate(f);
  }
  solve();
  arm_completion_event();
  for (auto& cb : instant) cb();
}

void FlowFabric::activate(uint32_t f) {
  Flow& fl = flows_[f];
  fl.active = true;
  fl.updated_ps = fl.start_ps = sim_.now().count_ps();
  fl.rate = 0;
  ++active_;
  for (uint32_t h = 0; h < fl.path_len; ++h) {
    uint32_t c = path_pool_[fl.path_off + h];
    pos_pool_[fl.path_off + h] = static_cast<uint32_t>(on_channel_[c].size());
    on_channel_[c].push_back(f);
    dirty_.push_back(c);
  }
}

void FlowFabric::deactivate(uint32_t f) {
  Flow& fl = flows_[f];
  fl.active = false;
  ++fl.version;
  --active_;
  for (uint32_t h = 0; h < fl.path_len; ++h) {
    uint32_t c = path_pool_[fl.path_off + h];
    auto& list = on_channel_[c];
    uint32_t p = pos_pool_[fl.path_off + h];
    uint32_t moved = list.back();
    list[p] = moved;
    list.pop_back();
    if (moved != f) {
      const Flow& m = flows_[moved];
      for (uint32_t k = 0; k < m.path_len; ++k)
        if (path_pool_[m.path_off + k] == c) {
          pos_pool_[m.path_off + k] = p;
          break;
        }
    }
    carried_[c] += fl.bytes;
    dirty_.push_back(c);
  }
}

void FlowFabric::solve() {
  if (dirty_.empty()) return;
  ++solves_;
  ++epoch_;
  const int64_t now_ps = sim_.now().count_ps();
  comp_channels_.clear();
  // Component discovery: channels reachable from the dirty ones through shared flows.
  for (uint32_t c : dirty_)
    if (channel_stamp_[c] != epoch_) {
      channel_stamp_[c] = epoch_;
      comp_channels_.push_back(c);
    }
  dirty_.clear();
  for (size_t i = 0; i < comp_channels_.size(); ++i) {
    for (uint32_t f : on_channel_[comp_channels_[i]]) {
      Flow& fl = flows_[f];
      if (fl.stamp == epoch_) continue;
      fl.stamp = epoch_;
      const uint32_t* path = path_pool_.data() + fl.path_off;
      for (uint32_t h = 0; h < fl.path_len; ++h)
        if (channel_stamp_[path[h]] != epoch_) {
          channel_stamp_[path[h]] = epoch_;
          comp_channels_.push_back(path[h]);
        }
    }
  }
  // Progressive filling: repeatedly saturate the channel with the smallest fair share. A
  // channel's share only grows while flows elsewhere are fixed, so the heap keeps one entry per
  // channel and re-keys it lazily: a popped entry whose share has grown goes back in.
  heap_.clear();
  for (uint32_t c : comp_channels_) {
    rem_[c] = capacity_[c];
    cnt_[c] = static_cast<uint32_t>(on_channel_[c].size());
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
    for (uint32_t f : on_channel_[c]) {
      Flow& fl = flows_[f];
      if (fl.stamp != epoch_) continue;  // already fixed in this solve
      fl.stamp = epoch_ - 1;             // mark fixed (any value != epoch_)
      // Lazy update: only a real rate change touches the flow's bytes and finish time.
      if (std::fabs(r - fl.rate) > 1e-9 * r) {
        if (fl.rate > 0) {
          fl.remaining -= fl.rate * static_cast<double>(now_ps - fl.updated_ps) * 1e-12;
          if (fl.remaining < 0) fl.remaining = 0;
        }
        fl.updated_ps = now_ps;
        fl.rate = r;
        ++fl.version;
        Time left = fl.remaining > 0
                        ? simcore::transfer_time(fl.remaining, simcore::Rate::bytes_per_s(r))
                        : Time::zero();
        completions_.push(Completion{now_ps + left.count_ps(), f, fl.version});
      }
      const uint32_t* path = path_pool_.data() + fl.path_off;
      for (uint32_t h = 0; h < fl.path_len; ++h) {
        uint32_t c2 = path[h];
        rem_[c2] -= fl.rate;
        if (rem_[c2] < 0) rem_[c2] = 0;
        --cnt_[c2];
      }
    }
  }
}

void FlowFabric::arm_completion_event() {
  // Every re-solve that changes a flow's rate pushes a new entry and leaves the old one stale;
  // when stale entries outnumber live flows 3 to 1, rebuild the heap from the live entries so
  // that it stays O(active flows) (a skewed all-to-all re-solves thousands of times).
  if (completions_.size() > 4 * active_ + 1024) {
    std::vector<Completion> live;
    live.reserve(active_);
    while (!completions_.empty()) {
      const Completion& c = completions_.top();
      const Flow& fl = flows_[c.flow];
      if (fl.active && fl.version == c.version) live.push_back(c);
      completions_.pop();
    }
    completions_ = decltype(completions_)(std::greater<>(), std::move(live));
  }
  while (!completions_.empty()) {
    const Completion& top = completions_.top();
    const Flow& fl = flows_[top.flow];
    if (fl.active && fl.version == top.version) break;
    completions_.pop();  // stale
  }
  if (completions_.empty()) return;
  int64_t t = completions_.top().time_ps;
  if (t == completion_event_ps_) return;
  if (completion_event_.valid()) sim_.cancel(completion_event_);
  completion_event_ps_ = t;
  completion_event_ = sim_.schedule_at(Time::ps(t), [this] {
    completion_event_ = {};
    completion_event_ps_ = -1;
    on_completions();
  });
}

void FlowFabric::on_completions() {
  const int64_t now_ps = sim_.now().count_ps();
  std::vector<std::function<void()>> callbacks;
  while (!completions_.empty()) {
    Completion c = completions_.top();
    if (c.time_ps > now_ps) {
      const Flow& fl = flows_[c.flow];
      if (!fl.active || fl.version != c.version) {
        completions_.pop();
        continue;
      }
      double slack = batch_tolerance_ * static_cast<double>(c.time_ps - fl.start_ps);
      if (static_cast<double>(c.time_ps - now_ps) > slack) break;
    }
    completions_.pop();
    Flow& fl = flows_[c.flow];
    if (!fl.active || fl.version != c.version) continue;
    deactivate(c.flow);
    callbacks.push_back(std::move(done_[c.flow]));
    done_[c.flow] = nullptr;
    free_flows_.push_back(c.flow);
  }
  solve();
  arm_completion_event();
  for (auto& cb : callbacks) cb();
}

std::vector<simcore::LinkClassUsage> FlowFabric::usage() const {
  std::map<std::string, simcore::LinkClassUsage> by_class;
  for (uint32_t c = 0; c < capacity_.size(); ++c) {
    if (!topo_.channel_exists(c)) continue;
    auto& u = by_class[topo_.channel_class(c)];
    u.link_class = topo_.channel_class(c);
    u.bytes += carried_[c];
    u.capacity_bytes_per_s += capacity_[c];
  }
  std::vector<simcore::LinkClassUsage> out;
  for (auto& [k, v] : by_class) out.push_back(v);
  return out;
}

}  // namespace dtsim::network
