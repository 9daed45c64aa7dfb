#include "simcore/time.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "simcore/error.h"

namespace dtsim::simcore {
namespace {

// INT64_MAX picoseconds = 9,223,372,036,854,775,807 ps = 9.223e6 s = 2562.05 h = 106.75 days:
// the range DESIGN.md quotes ("about +-106 days").
constexpr int64_t kMaxPs = std::numeric_limits<int64_t>::max();

/** The message of the TimeOverflow thrown by `f`, or "<no error>". */
template <typename F>
std::string overflow_message(F&& f) {
  try {
    f();
  } catch (const TimeOverflow& e) {
    return e.message();
  }
  return "<no error>";
}

TEST(TimeTest, FactoriesScaleToPicoseconds) {
  // 1 ns = 1e3 ps, 1 us = 1e6 ps, 1 ms = 1e9 ps, 1 s = 1e12 ps (SI prefixes).
  EXPECT_EQ(Time::ps(7).count_ps(), 7);
  EXPECT_EQ(Time::ns(7).count_ps(), 7'000);
  EXPECT_EQ(Time::us(7).count_ps(), 7'000'000);
  EXPECT_EQ(Time::ms(7).count_ps(), 7'000'000'000);
  EXPECT_EQ(Time::s(7).count_ps(), 7'000'000'000'000);
  EXPECT_EQ(Time::zero().count_ps(), 0);
  EXPECT_EQ(Time().count_ps(), 0);
  EXPECT_EQ(Time::max().count_ps(), kMaxPs);
  // Negative values are representable (differences of times).
  EXPECT_EQ(Time::us(-3).count_ps(), -3'000'000);
}

TEST(TimeTest, ArithmeticAndOrdering) {
  // 1 us + 500 ns = 1,500,000 ps (the example of time.h).
  EXPECT_EQ(Time::us(1) + Time::ns(500), Time::ps(1'500'000));
  EXPECT_EQ(Time::us(1) - Time::ns(500), Time::ns(500));
  EXPECT_EQ(Time::ns(3) * 4, Time::ns(12));
  Time t = Time::ns(1);
  t += Time::ns(2);
  EXPECT_EQ(t, Time::ns(3));
  t -= Time::ns(5);
  EXPECT_EQ(t, Time::ns(-2));
  EXPECT_LT(Time::ps(999), Time::ns(1));
  EXPECT_GT(Time::s(1), Time::ms(999));
  EXPECT_EQ(Time::ms(1), Time::us(1000));
}

TEST(TimeTest, SecondsIsPicosecondsTimes1e12) {
  EXPECT_DOUBLE_EQ(Time::ms(5).seconds(), 5e-3);
  EXPECT_DOUBLE_EQ(Time::ps(1).seconds(), 1e-12);
}

TEST(TimeTest, FactoriesThrowTimeOverflowOutOfRange) {
  // 10^7 s = 10^19 ps > INT64_MAX (9.22e18 ps): out of range.
  EXPECT_EQ(overflow_message([] { Time::s(10'000'000); }),
            "simulated time beyond the range of Time (about +-106 days at 1 ps): multiplication "
            "overflowed");
  // 9.2e6 s = 9.2e18 ps fits.
  EXPECT_EQ(Time::s(9'200'000).count_ps(), 9'200'000'000'000'000'000);
  // 2563 h = 9,226,800 s > 9,223,372 s: out of range; 2562 h fits.
  EXPECT_NE(overflow_message([] { Time::s(2563 * 3600); }), "<no error>");
  EXPECT_EQ(overflow_message([] { Time::s(2562 * 3600); }), "<no error>");
  EXPECT_NE(overflow_message([] { Time::ms(-10'000'000'000); }), "<no error>");
  EXPECT_NE(overflow_message([] { Time::ns(kMaxPs); }), "<no error>");
  EXPECT_NE(overflow_message([] { Time::us(kMaxPs / 1'000'000 + 1); }), "<no error>");
}

TEST(TimeTest, ArithmeticOverflowThrowsNeverWraps) {
  EXPECT_EQ(overflow_message([] { (void)(Time::max() + Time::ps(1)); }),
            "simulated time beyond the range of Time (about +-106 days at 1 ps): addition "
            "overflowed");
  EXPECT_EQ(overflow_message([] { (void)(Time::ps(-kMaxPs) - Time::ps(2)); }),
            "simulated time beyond the range of Time (about +-106 days at 1 ps): subtraction "
            "overflowed");
  EXPECT_EQ(overflow_message([] { (void)(Time::s(5'000'000) * 2); }),
            "simulated time beyond the range of Time (about +-106 days at 1 ps): multiplication "
            "overflowed");
  EXPECT_NE(overflow_message([] {
              Time t = Time::max();
              t += Time::ps(1);
            }),
            "<no error>");
  // Exactly at the edge is fine: (INT64_MAX - 1) + 1 = INT64_MAX.
  EXPECT_EQ(Time::ps(kMaxPs - 1) + Time::ps(1), Time::max());
}

TEST(TimeTest, TimeOverflowIsAConfigError) {
  // An input asked for a time the engine cannot represent: a user error (exit 2), not a bug.
  EXPECT_THROW((void)(Time::max() + Time::ns(1)), ConfigError);
}

TEST(TimeTest, FromSecondsRoundsToNearestPicosecond) {
  EXPECT_EQ(Time::from_seconds(1.5e-6), Time::ps(1'500'000));
  EXPECT_EQ(Time::from_seconds(0), Time::zero());
  EXPECT_EQ(Time::from_seconds(-2e-9), Time::ps(-2'000));
  // 1.4 ps -> 1 ps; 1.6 ps -> 2 ps (nearest).
  EXPECT_EQ(Time::from_seconds(1.4e-12), Time::ps(1));
  EXPECT_EQ(Time::from_seconds(1.6e-12), Time::ps(2));
  // 1e-9 s reads 1000.0000000000001 ps in double arithmetic; nearest is 1000 ps.
  EXPECT_EQ(Time::from_seconds(1e-9), Time::ns(1));
  // 3000 h = 1.08e7 s = 1.08e19 ps > 9.22e18 ps.
  EXPECT_EQ(overflow_message([] { Time::from_seconds(3000.0 * 3600); }),
            "simulated time beyond the range of Time (about +-106 days at 1 ps): 10800000 s");
  EXPECT_NE(overflow_message([] { Time::from_seconds(-1e7); }), "<no error>");
  EXPECT_NE(overflow_message([] { Time::from_seconds(std::nan("")); }), "<no error>");
  EXPECT_NE(overflow_message([] { Time::from_seconds(std::numeric_limits<double>::infinity()); }),
            "<no error>");
}

TEST(TimeTest, FromSecondsCeilRoundsUp) {
  // 1.2 ps -> 2 ps; 1.5 us is whole -> 1,500,000 ps.
  EXPECT_EQ(Time::from_seconds_ceil(1.2e-12), Time::ps(2));
  EXPECT_EQ(Time::from_seconds_ceil(1.5e-6), Time::ps(1'500'000));
  EXPECT_NE(overflow_message([] { Time::from_seconds_ceil(1e8); }), "<no error>");
}

// BUG: from_seconds_ceil(1e-9) is 1001 ps. 1e-9 * 1e12 evaluates to 1000.0000000000001 in
// double arithmetic and std::ceil turns that noise into a whole extra picosecond. 76,933 of the
// first 200,000 whole-nanosecond durations k * 1e-9 s are affected. The roofline model already
// works around it (models/compute/roofline.cpp ceil_ps); AnalyticalCommModel, which schedules
// Time::from_seconds_ceil(alpha_beta_seconds(...)), does not (see flow_comm_model_test.cpp).
// Fix: move roofline's ceil_ps into Time::from_seconds_ceil (a product within a few ulp of a
// whole picosecond is that picosecond) and drop the copy in roofline.cpp.
TEST(TimeTest, FromSecondsCeilIgnoresFloatingPointNoise) {
  // 1 ns, 2 ns and 4 ns are whole picosecond counts: 1000, 2000, 4000 ps.
  EXPECT_EQ(Time::from_seconds_ceil(1e-9).count_ps(), 1'000);
  EXPECT_EQ(Time::from_seconds_ceil(2e-9).count_ps(), 2'000);
  EXPECT_EQ(Time::from_seconds_ceil(4e-9).count_ps(), 4'000);
}

TEST(TimeTest, TransferTimeIsBytesOverRateRoundedUp) {
  // 2^30 B at 450 GB/s = 1,073,741,824 / 450e9 s = 2,386,092,942.2 ps -> 2,386,092,943 ps.
  EXPECT_EQ(transfer_time(1 << 30, Rate::gigabytes_per_s(450)).count_ps(), 2'386'092'943);
  // 1e9 B at 50 GB/s = 20 ms exactly: no rounding.
  EXPECT_EQ(transfer_time(1e9, Rate::gigabytes_per_s(50)), Time::ms(20));
  // 400 Gb/s = 50e9 B/s; 1e6 B take 20 us.
  EXPECT_EQ(transfer_time(1e6, Rate::bits_per_s(400e9)), Time::us(20));
  // 1e9 B at 3e9 B/s = 333,333,333,333.33 ps -> 333,333,333,334 ps.
  EXPECT_EQ(transfer_time(1e9, Rate::bytes_per_s(3e9)), Time::ps(333'333'333'334));
}

TEST(TimeTest, NonEmptyTransferNeverTakesZeroTime) {
  // 1 B at 1e15 B/s = 0.001 ps -> rounded up to 1 ps; so is a fraction of a byte.
  EXPECT_EQ(transfer_time(1, Rate::bytes_per_s(1e15)), Time::ps(1));
  EXPECT_EQ(transfer_time(1e-6, Rate::bytes_per_s(1e15)), Time::ps(1));
  // Nothing to move costs nothing.
  EXPECT_EQ(transfer_time(0, Rate::bytes_per_s(1e9)), Time::zero());
}

TEST(TimeTest, TransferTimeRejectsMisuse) {
  // A non-positive rate or negative bytes is a dtsim bug (InternalError), not a user error.
  EXPECT_THROW(transfer_time(1, Rate::bytes_per_s(0)), InternalError);
  EXPECT_THROW(transfer_time(1, Rate::bytes_per_s(-1)), InternalError);
  EXPECT_THROW(transfer_time(-1, Rate::bytes_per_s(1e9)), InternalError);
  // 1e10 B at 1 B/s = 1e10 s = 1e22 ps: out of range.
  EXPECT_EQ(overflow_message([] { transfer_time(1e10, Rate::bytes_per_s(1)); }),
            "simulated time beyond the range of Time (about +-106 days at 1 ps): 10000000000 "
            "bytes at 1 B/s");
}

TEST(TimeTest, RateConversions) {
  // 400 Gb/s over 8 bits per byte = 50e9 B/s; 450 GB/s = 450e9 B/s.
  EXPECT_DOUBLE_EQ(Rate::bits_per_s(400e9).bytes_per_second(), 50e9);
  EXPECT_DOUBLE_EQ(Rate::gigabytes_per_s(450).bytes_per_second(), 450e9);
  EXPECT_DOUBLE_EQ(Rate::bytes_per_s(7).bytes_per_second(), 7);
}

TEST(TimeTest, StrPicksAUnitByMagnitude) {
  // The closed form of the ring example: 4,203,662,649 ps = 4.203662649 ms.
  EXPECT_EQ(Time::ps(4'203'662'649).str(), "4.203662649 ms");
  EXPECT_EQ(Time::s(2).str(), "2.000000000 s");
  EXPECT_EQ(Time::ns(1500).str(), "1.500000 us");
  EXPECT_EQ(Time::ps(1500).str(), "1.500 ns");
}

TEST(BytesTest, AddsAndCompares) {
  Bytes b(10);
  b += Bytes(5);
  EXPECT_EQ(b.count(), 15);
  EXPECT_EQ(Bytes(1) + Bytes(2), Bytes(3));
  EXPECT_LT(Bytes(1), Bytes(2));
}

}  // namespace
}  // namespace dtsim::simcore
