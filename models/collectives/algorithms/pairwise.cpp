// `pairwise`: n-1 exchange steps (all-to-all and all-to-all-v; schedule.h, alpha_beta.h).
#include <algorithm>

#include "models/collectives/alpha_beta.h"
#include "models/collectives/schedule_builder.h"

namespace dtsim::collectives {

using simcore::CollectiveKind;

namespace {

constexpr CollectiveKind kKinds[] = {CollectiveKind::kAllToAll};

double transfer_count(const ScheduleRequest& r) {
  const double n = r.n;
  return n * (n - 1) * r.chunks;
}

void expand(const ScheduleRequest& r, ScheduleBuilder& b) {
  const double bytes = r.bytes;
  const int n = r.n;
  add_pairwise(b, n, r.chunks, [&](int64_t, int64_t) { return bytes / n; });
}

double seconds(CollectiveKind, int n, double bytes, const AlphaBetaParams& p) {
  const double N = n;
  return pipelined_seconds(N - 1, p.chunks, p.alpha_s, bytes / N, p.bw_bytes_per_s);
}

void expand_v(int n, std::span<const double> matrix, int chunks, ScheduleBuilder& b) {
  add_pairwise(b, n, chunks,
               [&](int64_t i, int64_t j) { return matrix[static_cast<size_t>(i * n + j)]; });
}

/** n-1 steps one after the other; step s costs max over i of alpha_c + matrix[i][(i+s)%n]/B_c
 *  (every step pays its alpha, even for 0 bytes). */
double seconds_v(int n, std::span<const double> matrix, std::span<const int> box_of,
                 const AlphaBetaParams& p) {
  double total = 0;
  for (int s = 1; s < n; ++s) {
    double step = 0;
    for (int i = 0; i < n; ++i) {
      const int j = (i + s) % n;
      const bool across = !(box_of.empty() || box_of[i] == box_of[j]);
      step = std::max(step,
                      alltoallv_message_seconds(across, matrix[static_cast<size_t>(i) * n + j], p));
    }
    total += step;
  }
  return total;
}

}  // namespace

const AlgorithmFamily& pairwise_algorithm() {
  static const AlgorithmFamily f{.name = "pairwise",
                                 .kinds = kKinds,
                                 .transfer_count = transfer_count,
                                 .expand = expand,
                                 .alpha_beta_seconds = seconds,
                                 .expand_alltoallv = expand_v,
                                 .alltoallv_seconds = seconds_v};
  return f;
}

}  // namespace dtsim::collectives
