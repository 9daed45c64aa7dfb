// TCP's throughput closed forms (models/network/links/tcp_throughput.h), each checked against
// its formula worked out by hand here, at the point the issue names: MSS 1460 B, RTT 50 ms,
// p = 1e-3.
#include "models/network/links/tcp_throughput.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace dtsim::network {
namespace {

constexpr double kRelTol = 1e-12;  // a handful of double operations

TEST(TcpThroughput, MathisAtTheTextbookPoint) {
  // (MSS / RTT) C / sqrt(p) = (1460 / 0.05) / sqrt(1e-3) = 29,200 x 31.6227766 = 923,385.08 B/s
  // = 7.387 Mb/s with C = 1; x sqrt(3/2) = 1,130,911.14 B/s = 9.047 Mb/s.
  EXPECT_NEAR(mathis_bytes_per_s(1460, 0.05, 1e-3, 1.0), 923385.0767691669, 923385 * kRelTol);
  EXPECT_NEAR(mathis_bytes_per_s(1460, 0.05, 1e-3), 1130911.1370925657, 1130911 * kRelTol);
  EXPECT_EQ(mathis_bytes_per_s(1460, 0.05, 0), std::numeric_limits<double>::infinity());
}

TEST(TcpThroughput, PadhyeWithTimeouts) {
  // b = 2, T0 = 0.2 s: RTT sqrt(2bp/3) = 0.05 x sqrt(1.3333e-3) = 1.8257419e-3 s;
  // T0 min(1, 3 sqrt(3bp/8)) p (1 + 32p^2) = 0.2 x 0.08215838 x 1e-3 x 1.000032 = 1.643221e-5 s;
  // 1460 / (1.8257419e-3 + 1.643221e-5) = 792,541.83 B/s (6.34 Mb/s), below Mathis' 9.05 Mb/s.
  EXPECT_NEAR(padhye_bytes_per_s(1460, 0.05, 1e-3, 2, 0.2), 792541.8292423149, 792541 * 1e-9);
}

TEST(TcpThroughput, CubicIsRenoFriendlyOnShortPathsAndCubicOnLongFatOnes) {
  // W = (0.4 x 3.7 / (4 x 0.3))^(1/4) RTT^(3/4) / p^(3/4) segments.
  // RTT 50 ms, p = 1e-3: W = 1.05384 x 0.105737 / 5.62341e-3 = 19.815 segments, below Reno's
  // sqrt(3/(2p)) = 38.73: CUBIC runs at Reno's (Mathis') rate.
  EXPECT_NEAR(cubic_bytes_per_s(1460, 0.05, 1e-3), mathis_bytes_per_s(1460, 0.05, 1e-3),
              1130911 * kRelTol);
  // RTT 200 ms, p = 1e-6: W = 1.05383 x 0.299070 / 3.16228e-5 = 9966.5 segments (Reno: 1224.7):
  // rate = 9966.5 x 1460 / 0.2 = 72.755 MB/s.
  const double w = std::pow(0.4 * 3.7 / 1.2, 0.25) * std::pow(0.2, 0.75) / std::pow(1e-6, 0.75);
  EXPECT_NEAR(w, 9966.5, 0.05);
  EXPECT_NEAR(cubic_bytes_per_s(1460, 0.2, 1e-6), w * 1460 / 0.2, 72.757e6 * kRelTol);
}

TEST(TcpThroughput, BbrAndTheWindowBound) {
  // BBR: capacity (1 - p); the window: 6 MiB per 50 ms = 125,829,120 B/s.
  EXPECT_DOUBLE_EQ(bbr_bytes_per_s(1.25e9, 0.01), 1.2375e9);
  EXPECT_DOUBLE_EQ(window_bound_bytes_per_s(6291456, 0.05), 125829120);
}

TEST(TcpThroughput, SlowStartDoublesTheWindowEachRound) {
  // IW 10 segments = 14,600 B; target window 100,000 B: rounds with a window below it carry
  // 14,600 + 29,200 + 58,400 = 102,200 B in 3 rounds (the 4th window, 116,800 B, is above).
  SlowStart s = slow_start(1e9, 14600, 100000);
  EXPECT_EQ(s.rounds, 3);
  EXPECT_DOUBLE_EQ(s.bytes, 102200);
  // 20,000 B fit in two rounds (14,600 then the 5,400 left).
  s = slow_start(20000, 14600, 100000);
  EXPECT_EQ(s.rounds, 2);
  EXPECT_DOUBLE_EQ(s.bytes, 20000);
  // A target at or below the initial window: no slow start at all.
  EXPECT_EQ(slow_start(1e9, 14600, 14600).rounds, 0);
}

}  // namespace
}  // namespace dtsim::network
