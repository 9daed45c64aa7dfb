// `halving_doubling` (Rabenseifner): recursive halving reduce-scatter, then recursive doubling
// all-gather (schedule.h, alpha_beta.h).
#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "models/collectives/alpha_beta.h"
#include "models/collectives/schedule_builder.h"
#include "simcore/error.h"

namespace dtsim::collectives {

using simcore::CollectiveKind;
using simcore::ConfigError;

namespace {

constexpr CollectiveKind kKinds[] = {CollectiveKind::kAllReduce, CollectiveKind::kReduceScatter,
                                     CollectiveKind::kAllGather};

bool is_power_of_two(int n) { return n > 0 && (n & (n - 1)) == 0; }

int log2_exact(int n) {
  int l = 0;
  while ((1 << l) < n) ++l;
  return l;
}

/** One exchange step of halving-doubling: partner = i XOR distance, `bytes` each way. */
struct HdStep {
  int distance;
  double bytes;
};

void add_halving_doubling(ScheduleBuilder& b, int n, int chunks, const std::vector<HdStep>& steps) {
  const int64_t base = b.size();
  auto idx = [&](int64_t t, int64_t k, int64_t i) { return base + (t * chunks + k) * n + i; };
  for (size_t t = 0; t < steps.size(); ++t)
    for (int k = 0; k < chunks; ++k)
      for (int i = 0; i < n; ++i) {
        const int p = i ^ steps[t].distance;
        int64_t d[5] = {kNoTransfer, kNoTransfer, kNoTransfer, kNoTransfer, kNoTransfer};
        if (t > 0) {
          const int q = steps[t - 1].distance;
          d[0] = idx(t - 1, k, i);      // sender's previous send
          d[1] = idx(t - 1, k, i ^ q);  // sender's previous receive
          d[2] = idx(t - 1, k, p);      // receiver's previous send
          d[3] = idx(t - 1, k, p ^ q);  // receiver's previous receive
        }
        if (k > 0) d[4] = idx(t, k - 1, i);
        b.add(i, p, steps[t].bytes / chunks, d);
      }
}void check_group(CollectiveKind kind, int n, std::span<const int>) {
  if (!is_power_of_two(n))
    throw ConfigError(fmt::format(
        "{} with algorithm \"halving_doubling\" needs a power-of-two group size; got n = {}",
        simcore::to_string(kind), n));
}

double transfer_count(const ScheduleRequest& r) {
  return (r.kind == CollectiveKind::kAllReduce ? 2 : 1) * log2_exact(r.n) *
         static_cast<double>(r.n) * r.chunks;
}

void expand(const ScheduleRequest& r, ScheduleBuilder& b) {
  const int n = r.n;
  const int levels = log2_exact(n);
  std::vector<HdStep> steps;
  if (r.kind != CollectiveKind::kAllGather)  // recursive halving
    for (int k = 0; k < levels; ++k) steps.push_back({n >> (k + 1), std::ldexp(r.bytes, -(k + 1))});
  if (r.kind != CollectiveKind::kReduceScatter)  // recursive doubling
    for (int k = 0; k < levels; ++k) steps.push_back({1 << k, std::ldexp(r.bytes, k) / n});
  add_halving_doubling(b, n, r.chunks, steps);
}

/** 2 log2(n) alpha + 2 (n-1)/n S/B for all-reduce, half that for reduce-scatter / all-gather;
 *  chunks ignored. */
double seconds(CollectiveKind kind, int n, double bytes, const AlphaBetaParams& p) {
  const double N = n;
  const double rounds = kind == CollectiveKind::kAllReduce ? 2 : 1;
  return rounds * (std::log2(N) * p.alpha_s + (N - 1) / N * bytes / p.bw_bytes_per_s);
}

}  // namespace

const AlgorithmFamily& halving_doubling_algorithm() {
  static const AlgorithmFamily f{.name = "halving_doubling",
                                 .kinds = kKinds,
                                 .check_group = check_group,
                                 .transfer_count = transfer_count,
                                 .expand = expand,
                                 .alpha_beta_seconds = seconds};
  return f;
}

}  // namespace dtsim::collectives
