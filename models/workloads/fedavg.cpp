#include "models/workloads/fedavg.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/workloads/sparseloco.h"  // index_bits
#include "simcore/error.h"
#include "simcore/rng.h"

namespace dtsim::workloads {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr uint64_t kSelectStream = simcore::hash_name("fedavg.select");
constexpr uint64_t kDropoutStream = simcore::hash_name("fedavg.dropout");
}  // namespace

double compressed_vector_bits(const Compression& c, int64_t params) {
  const double p = static_cast<double>(params);
  const double value_bits = c.scheme == Compression::Scheme::kNone ? 32.0 : c.bits;
  // k = ceil(d P), forgiving binary rounding of d (as selected_count does).
  const double kept = c.density >= 1 ? p : std::ceil(c.density * p * (1 - 1e-12));
  double bits = kept * value_bits;
  if (c.density < 1) bits += kept * index_bits(params);  // ceil(log2 P)
  if (c.scheme == Compression::Scheme::kQsgd) {
    const double bucket = c.bucket > 0 ? static_cast<double>(c.bucket) : p;
    bits += 32.0 * std::ceil(kept / bucket);  // one fp32 norm per bucket
  }
  return bits;
}

int64_t uplink_bytes(const Compression& c, int64_t params) {
  const double vectors = c.algorithm == Compression::Algorithm::kScaffold ? 2 : 1;
  return static_cast<int64_t>(std::ceil(vectors * compressed_vector_bits(c, params) / 8.0));
}

int64_t downlink_bytes(const Compression& c, int64_t params) {
  const int64_t vectors = c.algorithm == Compression::Algorithm::kFedAvg ? 1 : 2;
  return vectors * 4 * params;
}

int64_t target_updates(const FedAvgParams& p, int64_t clients) {
  // floor(C N), forgiving the rounding of C in binary (0.29 x 100 = 28.999999999999996).
  const double x = p.sample_fraction * static_cast<double>(clients);
  return std::max<int64_t>(1, static_cast<int64_t>(std::floor(x * (1 + 1e-12))));
}

int64_t selected_count(const FedAvgParams& p, int64_t clients) {
  const int64_t m = target_updates(p, clients);
  // ceil(m (1 + o)), forgiving binary rounding (100 x 1.1 = 110.00000000000001: 110, not 111).
  const double x = static_cast<double>(m) * (1 + p.over_selection);
  return std::min<int64_t>(clients, static_cast<int64_t>(std::ceil(x * (1 - 1e-12))));
}

std::vector<int64_t> select_clients(const Population& pop, uint64_t seed, int round,
                                    double t_start_s, int64_t count) {
  const size_t n = static_cast<size_t>(pop.clients);
  std::vector<std::pair<uint64_t, int64_t>> keys(n);
  for (size_t c = 0; c < n; ++c)
    keys[c] = {simcore::counter_u64(seed, kSelectStream, c, static_cast<uint64_t>(round)),
               static_cast<int64_t>(c)};
  // The smallest keys first, in growing batches, checking availability only for them: the
  // `count` smallest keys among the online clients without a look-up per registered client.
  // Ties in the 64-bit key (vanishingly rare) break by client id: a total order.
  const bool trace = !pop.availability.empty();
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(std::max<int64_t>(count, 0)));
  size_t done = 0;
  size_t next = std::min(n, static_cast<size_t>(std::max<int64_t>(2 * count, 64)));
  while (std::ssize(out) < count && done < n) {
    std::nth_element(keys.begin() + static_cast<std::ptrdiff_t>(done),
                     keys.begin() + static_cast<std::ptrdiff_t>(next - 1), keys.end());
    std::sort(keys.begin() + static_cast<std::ptrdiff_t>(done),
              keys.begin() + static_cast<std::ptrdiff_t>(next));
    for (size_t i = done; i < next && std::ssize(out) < count; ++i)
      if (!trace || pop.availability.online(keys[i].second, t_start_s))
        out.push_back(keys[i].second);
    done = next;
    next = std::min(n, 2 * next);
  }
  return out;
}

bool drops_out(const FedAvgParams& p, uint64_t seed, int64_t client, int round) {
  if (p.dropout_probability <= 0) return false;
  return simcore::counter_uniform(seed, kDropoutStream, static_cast<uint64_t>(client),
                                  static_cast<uint64_t>(round)) < p.dropout_probability;
}

double training_time_s(const FedAvgParams& p, const Population& pop, uint64_t seed,
                       int64_t client) {
  const ClientClass& c = pop.classes[static_cast<size_t>(pop.class_of(client))];
  const double flops = p.local_epochs * c.samples * p.train_flops_per_sample;
  return flops / (c.train_flops_per_s * pop.speed_factor(seed, client));
}

double aggregation_time_s(const FedAvgParams& p, int64_t updates) {
  if (updates <= 0) return 0;
  // SCAFFOLD's server also averages the control-variate deltas: twice the coordinates.
  const double vectors = p.compression.algorithm == Compression::Algorithm::kScaffold ? 2 : 1;
  const double coords = vectors * static_cast<double>(p.params) * static_cast<double>(updates);
  const double t_flops = p.server_flops_per_s > 0 ? 2 * coords / p.server_flops_per_s : 0;
  const double t_mem =
      p.server_memory_bytes_per_s > 0 ? 4 * coords / p.server_memory_bytes_per_s : 0;
  return std::max(t_flops, t_mem);
}

const char* to_string(ClientOutcome o) {
  switch (o) {
    case ClientOutcome::kKept:
      return "kept";
    case ClientOutcome::kStraggler:
      return "straggler";
    case ClientOutcome::kLate:
      return "late";
    case ClientOutcome::kDroppedOut:
      return "dropped_out";
    case ClientOutcome::kOffline:
      return "offline";
    case ClientOutcome::kOutstanding:
      return "outstanding";
  }
  return "?";
}

RoundClose close_round(const std::vector<ClientTimeline>& clients, int64_t target,
                       std::optional<double> deadline_s) {
  RoundClose r;
  r.outcome.assign(clients.size(), ClientOutcome::kOutstanding);
  // Arrivals in time order (ties by position: deterministic).
  std::vector<size_t> order;
  double all_resolved = 0;  // when every client has arrived or failed
  for (size_t i = 0; i < clients.size(); ++i) {
    const ClientTimeline& c = clients[i];
    if (std::isfinite(c.arrival_s)) order.push_back(i);
    all_resolved = std::max(all_resolved, std::min(c.arrival_s, c.failed_at_s));
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return clients[a].arrival_s < clients[b].arrival_s; });
  double end = all_resolved;
  if (std::ssize(order) >= target && target > 0)
    end = std::min(end, clients[order[static_cast<size_t>(target - 1)]].arrival_s);
  if (deadline_s) end = std::min(end, *deadline_s);
  r.collect_end_s = end;
  for (size_t i : order) {
    if (clients[i].arrival_s > end) continue;
    if (r.kept < target) {
      r.outcome[i] = ClientOutcome::kKept;
      ++r.kept;
    } else {
      r.outcome[i] = ClientOutcome::kLate;  // same instant as the m-th: not needed
    }
  }
  for (size_t i = 0; i < clients.size(); ++i) {
    if (r.outcome[i] != ClientOutcome::kOutstanding) continue;
    const ClientTimeline& c = clients[i];
    if (c.failed_at_s <= end || (!std::isfinite(c.arrival_s) && std::isfinite(c.failed_at_s)))
      r.outcome[i] = c.dropped_out ? ClientOutcome::kDroppedOut : ClientOutcome::kOffline;
    else if (deadline_s && end == *deadline_s && c.arrival_s > end)
      r.outcome[i] = ClientOutcome::kStraggler;
    else if (c.arrival_s > end)
      r.outcome[i] = ClientOutcome::kLate;
  }
  return r;
}

}  // namespace dtsim::workloads
