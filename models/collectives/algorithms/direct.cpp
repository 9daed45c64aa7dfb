// `direct`: every pair at once (all-to-all and all-to-all-v; schedule.h, alpha_beta.h).
#include <algorithm>
#include <array>

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
  add_direct(b, n, r.chunks, [&](int64_t, int64_t) { return bytes / n; }, false);
}

double seconds(CollectiveKind, int n, double bytes, const AlphaBetaParams& p) {
  const double N = n;
  return p.alpha_s + (N - 1) * bytes / (N * p.bw_bytes_per_s);
}

void expand_v(int n, std::span<const double> matrix, int chunks, ScheduleBuilder& b) {
  add_direct(
      b, n, chunks, [&](int64_t i, int64_t j) { return matrix[static_cast<size_t>(i * n + j)]; },
      true);
}

/** max over positions i and classes c of alpha_c + max(sent_i,c, received_i,c) / B_c. */
double seconds_v(int n, std::span<const double> matrix, std::span<const int> box_of,
                 const AlphaBetaParams& p) {
  // Per position and class (0 = same box, 1 = other box): bytes sent and received.
  std::vector<std::array<double, 4>> load(static_cast<size_t>(n), {0, 0, 0, 0});
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const double b = matrix[static_cast<size_t>(i) * n + j];
      if (i == j || b == 0) continue;
      const int c = box_of.empty() || box_of[i] == box_of[j] ? 0 : 1;
      load[i][c] += b;      // sent
      load[j][2 + c] += b;  // received
    }
  double t = 0;
  for (const auto& l : load)
    for (int c = 0; c < 2; ++c) {
      const double bytes = std::max(l[c], l[2 + c]);
      if (bytes > 0) t = std::max(t, alltoallv_message_seconds(c == 1, bytes, p));
    }
  return t;
}

}  // namespace

const AlgorithmFamily& direct_algorithm() {
  static const AlgorithmFamily f{.name = "direct",
                                 .kinds = kKinds,
                                 .transfer_count = transfer_count,
                                 .expand = expand,
                                 .alpha_beta_seconds = seconds,
                                 .expand_alltoallv = expand_v,
                                 .alltoallv_seconds = seconds_v};
  return f;
}

}  // namespace dtsim::collectives
