#include "models/workloads/fedavg_population.h"

#include <algorithm>
#include <cmath>

#include "simcore/error.h"
#include "simcore/rng.h"

namespace dtsim::workloads {

AvailabilityTrace::AvailabilityTrace(std::vector<int64_t> clients, std::vector<int64_t> offsets,
                                     std::vector<Interval> intervals)
    : intervals_(std::move(intervals)) {
  DTSIM_ASSERT(offsets.size() == clients.size() + 1, "AvailabilityTrace: offsets");
  if (clients.empty()) return;
  dense_.assign(static_cast<size_t>(clients.back()) + 2, 0);
  // dense_[c] = first interval of c; unlisted ids get the next listed id's start (no intervals).
  size_t k = clients.size();
  int64_t next = offsets.back();
  for (int64_t c = clients.back() + 1; c-- > 0;) {
    if (k > 0 && clients[k - 1] == c) next = offsets[--k];
    dense_[static_cast<size_t>(c)] = next;
  }
  dense_.back() = offsets.back();
}

int64_t AvailabilityTrace::holding(int64_t client, double t_s) const {
  const auto first = intervals_.begin() + dense_[static_cast<size_t>(client)];
  const auto last = intervals_.begin() + dense_[static_cast<size_t>(client) + 1];
  // The last interval starting at or before t.
  auto it = std::upper_bound(first, last, t_s,
                             [](double t, const Interval& iv) { return t < iv.start_s; });
  if (it == first) return -1;
  --it;
  return t_s < it->end_s ? it - intervals_.begin() : -1;
}

bool AvailabilityTrace::online(int64_t client, double t_s) const {
  return !listed(client) || holding(client, t_s) >= 0;
}

double AvailabilityTrace::online_until(int64_t client, double t_s) const {
  if (!listed(client)) return std::numeric_limits<double>::infinity();
  const int64_t i = holding(client, t_s);
  return i < 0 ? t_s : intervals_[static_cast<size_t>(i)].end_s;
}

double AvailabilityTrace::next_start_after(double t_s) const {
  double best = std::numeric_limits<double>::infinity();
  for (const Interval& iv : intervals_)
    if (iv.start_s > t_s) best = std::min(best, iv.start_s);
  return best;
}

void Population::finish() {
  begin_.assign(classes.size() + 1, clients);
  double cum = 0;
  for (size_t c = 0; c < classes.size(); ++c) {
    begin_[c] = std::min<int64_t>(clients, std::llround(cum * static_cast<double>(clients)));
    cum += classes[c].share;
  }
  begin_[0] = 0;
}

int Population::class_of(int64_t client) const {
  DTSIM_ASSERT(client >= 0 && client < clients, "Population::class_of: no such client");
  // The last class whose first id is <= client (empty classes are skipped by upper_bound).
  auto it = std::upper_bound(begin_.begin(), begin_.end() - 1, client);
  return static_cast<int>(it - begin_.begin()) - 1;
}

double Population::speed_factor(uint64_t seed, int64_t client) const {
  if (!speed_trace.empty()) {
    auto it = std::lower_bound(speed_trace.begin(), speed_trace.end(),
                               std::pair<int64_t, double>{client, 0.0},
                               [](const auto& a, const auto& b) { return a.first < b.first; });
    if (it != speed_trace.end() && it->first == client) return it->second;
  }
  const ClientClass& c = classes[static_cast<size_t>(class_of(client))];
  if (c.speed_max == c.speed_min) return c.speed_min;
  static constexpr uint64_t kStream = simcore::hash_name("fedavg.speed");
  const double u = simcore::counter_uniform(seed, kStream, static_cast<uint64_t>(client), 0);
  return c.speed_min + u * (c.speed_max - c.speed_min);
}

}  // namespace dtsim::workloads
