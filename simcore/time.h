#pragma once
/**
 * Simulated time, byte counts and data rates.
 *
 * `Time` is a signed 64-bit count of **picoseconds** (range about ±106 days). It has no
 * constructor from a bare number: use the named factories. Arithmetic that leaves the range
 * throws `TimeOverflow` (a `ConfigError`: an input asked for a time the engine cannot
 * represent), never wraps.
 *
 * Units: Time in ps; Bytes in bytes; Rate in bytes per second (GB = 1e9 B, GiB = 2^30 B).
 * Source: integer picosecond time follows htsim (Raiciu et al., NSDI 2011 tooling).
 *
 *     Time t = Time::us(1) + Time::ns(500);   // 1.5 us
 *     Time x = transfer_time(1 << 30, Rate::gigabytes_per_s(450));  // 2386092943 ps (rounded up)
 */
#include <cmath>
#include <compare>
#include <cstdint>
#include <limits>
#include <string>

#include "simcore/error.h"

namespace dtsim::simcore {

/** Thrown when a simulated time leaves the range of `Time`. */
class TimeOverflow : public ConfigError {
 public:
  explicit TimeOverflow(const std::string& what)
      : ConfigError("simulated time beyond the range of Time (about +-106 days at 1 ps): " +
                    what) {}
};

class Time {
 public:
  constexpr Time() = default;
  static constexpr Time zero() { return Time(0); }
  static constexpr Time max() { return Time(std::numeric_limits<int64_t>::max()); }
  static Time ps(int64_t v) { return Time(v); }
  static Time ns(int64_t v) { return Time(mul(v, 1'000)); }
  static Time us(int64_t v) { return Time(mul(v, 1'000'000)); }
  static Time ms(int64_t v) { return Time(mul(v, 1'000'000'000)); }
  static Time s(int64_t v) { return Time(mul(v, 1'000'000'000'000)); }
  /** Nearest picosecond to `seconds`. Errors: TimeOverflow when out of range or not finite. */
  static Time from_seconds(double seconds);
  /** Smallest whole picosecond count >= `seconds`, ignoring floating-point noise of a few ulp
   *  (1e-9 s is 1000 ps, not 1001). */
  static Time from_seconds_ceil(double seconds);

  constexpr int64_t count_ps() const { return ps_; }
  constexpr double seconds() const { return static_cast<double>(ps_) * 1e-12; }

  Time operator+(Time o) const {
    int64_t r;
    if (__builtin_add_overflow(ps_, o.ps_, &r)) throw TimeOverflow("addition overflowed");
    return Time(r);
  }
  Time operator-(Time o) const {
    int64_t r;
    if (__builtin_sub_overflow(ps_, o.ps_, &r)) throw TimeOverflow("subtraction overflowed");
    return Time(r);
  }
  Time& operator+=(Time o) { return *this = *this + o; }
  Time& operator-=(Time o) { return *this = *this - o; }
  Time operator*(int64_t k) const { return Time(mul(ps_, k)); }
  constexpr auto operator<=>(const Time&) const = default;

  /** Human form with a unit chosen by magnitude, e.g. "4.203662649 ms". */
  std::string str() const;

 private:
  constexpr explicit Time(int64_t ps) : ps_(ps) {}
  static int64_t mul(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r)) throw TimeOverflow("multiplication overflowed");
    return r;
  }
  int64_t ps_ = 0;
};

/** A non-negative byte count. */
class Bytes {
 public:
  constexpr Bytes() = default;
  constexpr explicit Bytes(int64_t n) : n_(n) {}
  constexpr int64_t count() const { return n_; }
  constexpr auto operator<=>(const Bytes&) const = default;
  constexpr Bytes operator+(Bytes o) const { return Bytes(n_ + o.n_); }
  constexpr Bytes& operator+=(Bytes o) { n_ += o.n_; return *this; }

 private:
  int64_t n_ = 0;
};

/** A data rate in bytes per second (a link direction's capacity, a flow's share). */
class Rate {
 public:
  constexpr Rate() = default;
  static constexpr Rate bytes_per_s(double v) { return Rate(v); }
  static constexpr Rate gigabytes_per_s(double v) { return Rate(v * 1e9); }
  /** Bits per second (e.g. "400 Gb/s" NICs) converted to bytes per second. */
  static constexpr Rate bits_per_s(double v) { return Rate(v / 8.0); }
  constexpr double bytes_per_second() const { return v_; }
  constexpr auto operator<=>(const Rate&) const = default;

 private:
  constexpr explicit Rate(double v) : v_(v) {}
  double v_ = 0.0;
};

/**
 * Time to move `bytes` at `rate`, rounded *up* to the next picosecond (a result within a few ulp
 * of a whole picosecond counts as that picosecond), so a non-empty transfer
 * never takes zero time. Errors: TimeOverflow when the result is beyond the range of Time;
 * InternalError for a non-positive rate.
 */
Time transfer_time(double bytes, Rate rate);

}  // namespace dtsim::simcore
