#include "models/network/links/tcp_throughput.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dtsim::network {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kCubicC = 0.4;     // RFC 9438 section 4.7
constexpr double kCubicBeta = 0.7;  // RFC 9438 section 4.6 (beta_cubic)
}  // namespace

double mathis_bytes_per_s(double mss_bytes, double rtt_s, double loss, double c) {
  if (loss <= 0) return kInf;
  return mss_bytes / rtt_s * c / std::sqrt(loss);
}

double padhye_bytes_per_s(double mss_bytes, double rtt_s, double loss, double b, double rto_s) {
  if (loss <= 0) return kInf;
  const double p = loss;
  const double denom = rtt_s * std::sqrt(2 * b * p / 3) +
                       rto_s * std::min(1.0, 3 * std::sqrt(3 * b * p / 8)) * p * (1 + 32 * p * p);
  return mss_bytes / denom;
}

double cubic_bytes_per_s(double mss_bytes, double rtt_s, double loss) {
  if (loss <= 0) return kInf;
  const double w_segments = std::pow(kCubicC * (3 + kCubicBeta) / (4 * (1 - kCubicBeta)), 0.25) *
                            std::pow(rtt_s, 0.75) / std::pow(loss, 0.75);
  return std::max(w_segments * mss_bytes / rtt_s, mathis_bytes_per_s(mss_bytes, rtt_s, loss));
}

double bbr_bytes_per_s(double capacity_bytes_per_s, double loss) {
  return capacity_bytes_per_s * (1 - loss);
}

double window_bound_bytes_per_s(double max_window_bytes, double rtt_s) {
  return max_window_bytes / rtt_s;
}

SlowStart slow_start(double bytes, double initial_window_bytes, double target_window_bytes) {
  SlowStart s;
  double window = initial_window_bytes;
  // Rounds with a window below the target; the round that reaches it runs at the steady rate.
  while (window < target_window_bytes && s.bytes < bytes) {
    s.bytes = std::min(bytes, s.bytes + window);
    ++s.rounds;
    window *= 2;
  }
  return s;
}

}  // namespace dtsim::network
