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
  for (uint32_t c = 0; c < nch; ++c) solver_.add_constraint(topology.channel_capacity(c));
  carried_.assign(nch, 0.0);
}

void FlowFabric::start_flow(const topologies::Path& path, double bytes, std::function<void()> done,
                            const FlowTerms& terms, simcore::FailFn failed) {
  start(path.channels, path.latency, bytes, std::move(done), terms, std::move(failed));
}

void FlowFabric::start_multicast(std::span<const topologies::Path> paths, double bytes,
                                 std::function<void()> done, const FlowTerms& terms) {
  DTSIM_ASSERT(!paths.empty(), "multicast flow without a destination");
  DTSIM_ASSERT(terms.coefficients.empty(), "multicast flow with per-channel coefficients");
  // The tree: every channel of every path, once (paths from one source share their upstream
  // channels). The order of a variable's channels does not change its rate.
  tree_.clear();
  Time latency = Time::zero();
  for (const topologies::Path& p : paths) {
    latency = std::max(latency, p.latency);
    tree_.insert(tree_.end(), p.channels.begin(), p.channels.end());
  }
  std::sort(tree_.begin(), tree_.end());
  tree_.erase(std::unique(tree_.begin(), tree_.end()), tree_.end());
  const uint32_t f = start(tree_, latency, bytes, std::move(done), terms, {});
  flows_[f].multicast = true;
}

uint32_t FlowFabric::start(std::span<const uint32_t> channels, Time latency, double bytes,
                           std::function<void()> done, const FlowTerms& terms,
                           simcore::FailFn failed) {
  DTSIM_ASSERT(bytes >= 0, "flow with negative bytes");
  DTSIM_ASSERT(terms.extra_constraints.size() == terms.extra_coefficients.size(),
               "extra constraints and coefficients differ in number");
  ++flows_started_;
  if (!extra_latency_.empty())
    for (uint32_t c : channels) latency += extra_latency_[c];
  uint32_t f = 0;
  if (terms.extra_constraints.empty()) {
    f = solver_.add_variable(channels, terms.coefficients, terms.weight, terms.bound_bytes_per_s);
  } else {  // the path's channels, then the shared media
    std::vector<uint32_t> all(channels.begin(), channels.end());
    std::vector<double> coef = terms.coefficients;
    coef.resize(all.size(), 1.0);
    all.insert(all.end(), terms.extra_constraints.begin(), terms.extra_constraints.end());
    coef.insert(coef.end(), terms.extra_coefficients.begin(), terms.extra_coefficients.end());
    f = solver_.add_variable(all, coef, terms.weight, terms.bound_bytes_per_s);
  }
  if (f >= flows_.size()) {
    flows_.resize(f + 1);
    done_.resize(f + 1);
    failed_.resize(f + 1);
  }
  Flow& fl = flows_[f];
  fl.bytes = bytes;
  fl.remaining = bytes;
  fl.active = false;
  fl.live = true;
  fl.multicast = false;
  fl.coefficients = !terms.coefficients.empty();
  fl.serial = ++serials_;
  done_[f] = std::move(done);
  failed_[f] = std::move(failed);
  int64_t at = (sim_.now() + latency).count_ps();
  fl.arrive_ps = at;
  auto [it, fresh] = arrivals_.try_emplace(at);
  it->second.push_back(f);
  if (fresh) sim_.schedule_at(Time::ps(at), [this, at] { on_arrivals(at); });
  return f;
}

void FlowFabric::count_reused(uint64_t flows,
                              std::span<const std::pair<uint32_t, double>> carried) {
  flows_started_ += flows;
  for (const auto& [c, bytes] : carried) {
    DTSIM_ASSERT(c < carried_.size(), "reused bytes on no channel");
    carry(c, bytes);
  }
}

void FlowFabric::on_arrivals(int64_t time_ps) {
  ++events_;
  auto node = arrivals_.extract(time_ps);
  std::vector<std::function<void()>> instant;
  for (uint32_t f : node.mapped()) {
    Flow& fl = flows_[f];
    if (fl.remaining <= 0 || solver_.constraints(f).empty()) {  // zero bytes: latency only
      instant.push_back(std::move(done_[f]));
      done_[f] = nullptr;
      failed_[f] = nullptr;
      fl.live = false;
      solver_.release(f);
      continue;
    }
    activate(f);
  }
  solve();
  if (on_stall_)  // a flow that arrives at rate 0 is no change to the solver: look for it here
    for (uint32_t f : node.mapped())
      if (flows_[f].active && solver_.value(f) <= 0) on_stall_(f);
  arm_completion_event();
  for (auto& cb : instant) cb();
}

void FlowFabric::activate(uint32_t f) {
  Flow& fl = flows_[f];
  fl.active = true;
  fl.updated_ps = fl.start_ps = sim_.now().count_ps();
  ++active_;
  solver_.enable(f);
}

void FlowFabric::deactivate(uint32_t f) {
  Flow& fl = flows_[f];
  fl.active = false;
  ++fl.version;
  --active_;
  for (uint32_t c : solver_.constraints(f)) carry(c, fl.bytes);
  solver_.disable(f);
}

void FlowFabric::solve() {
  const int64_t now_ps = sim_.now().count_ps();
  // Lazy update: only a real rate change touches the flow's bytes and finish time.
  for (const MaxMinSolver::Change& ch : solver_.solve()) {
    Flow& fl = flows_[ch.variable];
    if (ch.old_value > 0) {
      fl.remaining -= ch.old_value * static_cast<double>(now_ps - fl.updated_ps) * 1e-12;
      if (fl.remaining < 0) fl.remaining = 0;
    }
    fl.updated_ps = now_ps;
    ++fl.version;
    const double r = solver_.value(ch.variable);
    if (r <= 0 && fl.remaining > 0) {  // stalled (a channel of capacity 0) until it rises
      if (on_stall_) on_stall_(ch.variable);
      continue;
    }
    Time left = fl.remaining > 0
                    ? simcore::transfer_time(fl.remaining, simcore::Rate::bytes_per_s(r))
                    : Time::zero();
    // Checked: a flow due beyond Time's range is an error (TimeOverflow), never a wrap.
    completions_.push(Completion{(sim_.now() + left).count_ps(), ch.variable, fl.version});
  }
}

void FlowFabric::set_channel_capacity(uint32_t channel, double bw_bytes_per_s) {
  solver_.set_capacity(channel, bw_bytes_per_s);
  solve();
  arm_completion_event();
}

uint32_t FlowFabric::add_constraint(double capacity) {
  carried_.push_back(0.0);
  return solver_.add_constraint(capacity);
}

void FlowFabric::update_uses(uint32_t channel, uint32_t constraint, double old_coefficient,
                             double new_coefficient, double weight) {
  auto update = [&](uint32_t f) {
    const auto cs = solver_.constraints(f);
    if (std::find(cs.begin(), cs.end(), channel) == cs.end()) return;
    const auto it = std::find(cs.begin(), cs.end(), constraint);
    if (it == cs.end()) return;
    const uint32_t h = static_cast<uint32_t>(it - cs.begin());
    const double a = solver_.coefficient(f, h) - old_coefficient + new_coefficient;
    solver_.set_coefficient_and_weight(f, h, a, weight);
  };
  const auto row = solver_.row(channel);
  const std::vector<uint32_t> running(row.begin(), row.end());
  for (uint32_t f : running) update(f);
  for (const auto& [at, waiting] : arrivals_)
    for (uint32_t f : waiting) update(f);
  solve();
  arm_completion_event();
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
    ++events_;
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
    failed_[c.flow] = nullptr;
    fl.live = false;
    solver_.release(c.flow);
  }
  solve();
  arm_completion_event();
  for (auto& cb : callbacks) cb();
}

void FlowFabric::set_channel_extra_latency(uint32_t channel, Time extra) {
  DTSIM_ASSERT(extra >= Time::zero(), "negative extra latency");
  if (extra_latency_.empty()) extra_latency_.assign(solver_.constraint_count(), Time::zero());
  extra_latency_.at(channel) = extra;
}

std::vector<uint32_t> FlowFabric::live_flows() const {
  std::vector<uint32_t> out;
  for (uint32_t f = 0; f < flows_.size(); ++f)
    if (flows_[f].live) out.push_back(f);
  return out;
}

double FlowFabric::remaining_bytes(uint32_t f) const {
  const Flow& fl = flows_[f];
  if (!fl.active) return fl.remaining;
  const double sent =
      solver_.value(f) * static_cast<double>(sim_.now().count_ps() - fl.updated_ps) * 1e-12;
  return std::max(0.0, fl.remaining - sent);
}

double FlowFabric::withdraw(uint32_t f) {
  DTSIM_ASSERT(live(f), "withdrew a flow that is not live");
  Flow& fl = flows_[f];
  const double left = remaining_bytes(f);
  if (fl.active) {
    fl.active = false;
    --active_;
    for (uint32_t c : solver_.constraints(f)) carry(c, fl.bytes - left);
    solver_.disable(f);
  } else {
    auto it = arrivals_.find(fl.arrive_ps);
    DTSIM_ASSERT(it != arrivals_.end(), "a waiting flow has no arrival");
    std::erase(it->second, f);  // its arrival event finds one flow fewer
  }
  ++fl.version;
  fl.live = false;
  return left;
}

void FlowFabric::fail_flow(uint32_t f, const std::string& why) {
  withdraw(f);
  simcore::FailFn failed = std::move(failed_[f]);
  failed_[f] = nullptr;
  done_[f] = nullptr;
  solver_.release(f);
  solve();
  arm_completion_event();
  if (failed) failed(why);
}

uint32_t FlowFabric::reroute_flow(uint32_t f, const topologies::Path& path) {
  DTSIM_ASSERT(reroutable(f), "rerouted a flow that cannot move");
  FlowTerms terms;
  terms.weight = solver_.weight(f);
  terms.bound_bytes_per_s = solver_.bound(f);
  const double left = withdraw(f);
  std::function<void()> done = std::move(done_[f]);
  simcore::FailFn failed = std::move(failed_[f]);
  done_[f] = nullptr;
  failed_[f] = nullptr;
  solver_.release(f);
  --flows_started_;  // the same transfer
  const uint32_t g = start(path.channels, path.latency, left, std::move(done), terms,
                           std::move(failed));
  solve();
  arm_completion_event();
  return g;
}

std::vector<simcore::LinkClassUsage> FlowFabric::usage() const {
  std::map<std::string, simcore::LinkClassUsage> by_class;
  for (uint32_t c = 0; c < topo_.channel_count(); ++c) {
    if (!topo_.channel_exists(c)) continue;
    auto& u = by_class[topo_.channel_class(c)];
    u.link_class = topo_.channel_class(c);
    u.bytes += carried_[c];
    u.capacity_bytes_per_s += solver_.capacity(c);
  }
  std::vector<simcore::LinkClassUsage> out;
  for (auto& [k, v] : by_class) out.push_back(v);
  return out;
}

}  // namespace dtsim::network
