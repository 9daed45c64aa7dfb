#include "simcore/time.h"

#include <fmt/format.h>

#include <limits>

namespace dtsim::simcore {

namespace {
constexpr double kMaxPs = 9.2e18;  // a little below INT64_MAX, so the cast is always defined
}

Time Time::from_seconds(double seconds) {
  double ps = std::nearbyint(seconds * 1e12);
  if (!std::isfinite(ps) || ps > kMaxPs || ps < -kMaxPs)
    throw TimeOverflow(fmt::format("{} s", seconds));
  return Time(static_cast<int64_t>(ps));
}

namespace {
/** ceil() that ignores floating-point noise: a value within a few ulp of a whole picosecond
 *  (e.g. 1e-9 * 1e12 = 1000.0000000000001) counts as that picosecond. */
double ceil_whole(double ps) {
  constexpr double kNoise = 8 * std::numeric_limits<double>::epsilon();
  double whole = std::nearbyint(ps);
  if (std::fabs(ps - whole) <= kNoise * std::fabs(whole)) return whole;
  return std::ceil(ps);
}
}  // namespace

Time Time::from_seconds_ceil(double seconds) {
  double ps = ceil_whole(seconds * 1e12);
  if (!std::isfinite(ps) || ps > kMaxPs || ps < -kMaxPs)
    throw TimeOverflow(fmt::format("{} s", seconds));
  return Time(static_cast<int64_t>(ps));
}

std::string Time::str() const {
  double a = std::fabs(static_cast<double>(ps_));
  if (a >= 1e12) return fmt::format("{:.9f} s", ps_ * 1e-12);
  if (a >= 1e9) return fmt::format("{:.9f} ms", ps_ * 1e-9);
  if (a >= 1e6) return fmt::format("{:.6f} us", ps_ * 1e-6);
  return fmt::format("{:.3f} ns", ps_ * 1e-3);
}

Time transfer_time(double bytes, Rate rate) {
  DTSIM_ASSERT(bytes >= 0, "negative byte count");
  if (bytes == 0) return Time::zero();
  DTSIM_ASSERT(rate.bytes_per_second() > 0, "transfer at a non-positive rate");
  // ps = ceil(bytes * 1e12 / rate); computed as bytes / (rate / 1e12) to keep exactness for
  // rates that are whole bytes per picosecond multiples.
  double ps = ceil_whole(bytes * 1e12 / rate.bytes_per_second());
  if (ps < 1) ps = 1;
  if (!std::isfinite(ps) || ps > kMaxPs)
    throw TimeOverflow(fmt::format("{} bytes at {} B/s", bytes, rate.bytes_per_second()));
  return Time::ps(static_cast<int64_t>(ps));
}

}  // namespace dtsim::simcore
