#include "models/workloads/fedavg_population.h"

#include <algorithm>
#include <cmath>

#include "simcore/error.h"
#include "simcore/rng.h"

namespace dtsim::workloads {

AvailabilityTrace::AvailabilityTrace(std::vector<int64_t> clients, std::vector<int64_t> offsets,
                                     std::vector<Interval> intervals)
    : clients_(std::move(clients)), offsets_(std::move(offsets)), intervals_(std::move(intervals)) {
  DTSIM_ASSERT(offsets_.size() == clients_.size() + 1, "AvailabilityTrace: offsets");
}

int64_t AvailabilityTrace::find(int64_t client) const {
  auto it = std::lower_bound(clients_.begin(), clients_.end(), client);
  if (it == clients_.end() || *it != client) return -1;
  return it - clients_.begin();
}

int64_t AvailabilityTrace::holding(int64_t k, double t_s) const {
  const auto first = intervals_.begin() + offsets_[k];
  const auto last = intervals_.begin() + offsets_[k + 1];
  // The last interval starting at or before t.
  auto it = std::upper_bound(first, last, t_s,
                             [](double t, const Interval& iv) { return t < iv.start_s; });
  if (it == first) return -1;
  --it;
  return t_s < it->end_s ? it - intervals_.begin() : -1;
}

bool AvailabilityTrace::online(int64_t client, double t_s) const {
  const int64_t k = find(client);
  return k < 0 || holding(k, t_s) >= 0;
}

double AvailabilityTrace::online_until(int64_t client, double t_s) const {
  const int64_t k = find(client);
  if (k < 0) return std::numeric_limits<double>::infinity();
  const int64_t i = holding(k, t_s);
  return i < 0 ? t_s : intervals_[static_cast<size_t>(i)].end_s;
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
  const ClientClass& c = classes[static_cast<size_t>(class_of(client))];
  if (c.speed_max == c.speed_min) return c.speed_min;
  static constexpr uint64_t kStream = simcore::hash_name("fedavg.speed");
  const double u = simcore::counter_uniform(seed, kStream, static_cast<uint64_t>(client), 0);
  return c.speed_min + u * (c.speed_max - c.speed_min);
}

}  // namespace dtsim::workloads
