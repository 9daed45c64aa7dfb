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
                            const FlowTerms& terms) {
  start(path.channels, path.latency, bytes, std::move(done), terms);
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
  start(tree_, latency, bytes, std::move(done), terms);
}

void FlowFabric::start(std::span<const uint32_t> channels, Time latency, double bytes,
                       std::function<void()> done, const FlowTerms& terms) {
  DTSIM_ASSERT(bytes >= 0, "flow with negative bytes");
  DTSIM_ASSERT(terms.extra_constraints.size() == terms.extra_coefficients.size(),
               "extra constraints and coefficients differ in number");
  ++flows_started_;
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
  }
  Flow& fl = flows_[f];
  fl.bytes = bytes;
  fl.remaining = bytes;
  fl.active = false;
  done_[f] = std::move(done);
  int64_t at = (sim_.now() + latency).count_ps();
  auto [it, fresh] = arrivals_.try_emplace(at);
  it->second.push_back(f);
  if (fresh) sim_.schedule_at(Time::ps(at), [this, at] { on_arrivals(at); });
}

void FlowFabric::on_arrivals(int64_t time_ps) {
  auto node = arrivals_.extract(time_ps);
  std::vector<std::function<void()>> instant;
  for (uint32_t f : node.mapped()) {
    Flow& fl = flows_[f];
    if (fl.remaining <= 0 || solver_.constraints(f).empty()) {  // zero bytes: latency only
      instant.push_back(std::move(done_[f]));
      done_[f] = nullptr;
      solver_.release(f);
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
  ++active_;
  solver_.enable(f);
}

void FlowFabric::deactivate(uint32_t f) {
  Flow& fl = flows_[f];
  fl.active = false;
  ++fl.version;
  --active_;
  for (uint32_t c : solver_.constraints(f)) carried_[c] += fl.bytes;
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
    if (r <= 0 && fl.remaining > 0) continue;  // stalled (a channel of capacity 0) until it rises
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
    solver_.release(c.flow);
  }
  solve();
  arm_completion_event();
  for (auto& cb : callbacks) cb();
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
