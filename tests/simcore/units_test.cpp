#include "simcore/units.h"

#include <gtest/gtest.h>

#include <optional>
#include <string_view>

namespace dtsim::simcore {
namespace {

// Prefixes (units.h, DESIGN.md): decimal k=1e3, M=1e6, G=1e9, T=1e12, P=1e15; binary Ki=2^10,
// Mi=2^20, Gi=2^30, Ti=2^40. "B" is a byte, "b" a bit (8 bits per byte).

TEST(UnitsTest, TimeUnits) {
  // 1.5 us = 1.5e-6 s (the example of DESIGN.md).
  EXPECT_DOUBLE_EQ(*parse_time_seconds("1.5us"), 1.5e-6);
  EXPECT_DOUBLE_EQ(*parse_time_seconds("250ps"), 250e-12);
  EXPECT_DOUBLE_EQ(*parse_time_seconds("10ns"), 10e-9);
  EXPECT_DOUBLE_EQ(*parse_time_seconds("3ms"), 3e-3);
  EXPECT_DOUBLE_EQ(*parse_time_seconds("2s"), 2.0);
  EXPECT_DOUBLE_EQ(*parse_time_seconds("2min"), 120.0);
  EXPECT_DOUBLE_EQ(*parse_time_seconds("3000h"), 3000.0 * 3600);
  EXPECT_DOUBLE_EQ(*parse_time_seconds("0us"), 0.0);
  // A space between number and unit and around the text is allowed.
  EXPECT_DOUBLE_EQ(*parse_time_seconds(" 1.5 us "), 1.5e-6);
  // Exponent notation in the number.
  EXPECT_DOUBLE_EQ(*parse_time_seconds("1e3ns"), 1e-6);
}

TEST(UnitsTest, ByteUnits) {
  // 80 GiB = 80 x 2^30 = 85,899,345,920 B (DESIGN.md example); GB = 1e9 B.
  EXPECT_DOUBLE_EQ(*parse_bytes("80GiB"), 85'899'345'920.0);
  EXPECT_DOUBLE_EQ(*parse_bytes("80GB"), 80e9);
  // 25 MiB = 25 x 2^20 = 26,214,400 B (PyTorch DDP's default bucket).
  EXPECT_DOUBLE_EQ(*parse_bytes("25MiB"), 26'214'400.0);
  EXPECT_DOUBLE_EQ(*parse_bytes("8B"), 8.0);
  EXPECT_DOUBLE_EQ(*parse_bytes("1kB"), 1e3);
  EXPECT_DOUBLE_EQ(*parse_bytes("1KB"), 1e3);
  EXPECT_DOUBLE_EQ(*parse_bytes("1KiB"), 1024.0);
  EXPECT_DOUBLE_EQ(*parse_bytes("3MB"), 3e6);
  EXPECT_DOUBLE_EQ(*parse_bytes("2TB"), 2e12);
  EXPECT_DOUBLE_EQ(*parse_bytes("1TiB"), 1099511627776.0);
  EXPECT_DOUBLE_EQ(*parse_bytes("0B"), 0.0);
}

TEST(UnitsTest, RateUnits) {
  // 400 Gb/s / 8 = 50e9 B/s (a 400G NIC); GB/s are bytes.
  EXPECT_DOUBLE_EQ(*parse_rate_bytes_per_s("400Gbps"), 50e9);
  EXPECT_DOUBLE_EQ(*parse_rate_bytes_per_s("400Gb/s"), 50e9);
  EXPECT_DOUBLE_EQ(*parse_rate_bytes_per_s("450GB/s"), 450e9);
  EXPECT_DOUBLE_EQ(*parse_rate_bytes_per_s("100Mbps"), 12.5e6);
  EXPECT_DOUBLE_EQ(*parse_rate_bytes_per_s("10Kbps"), 1250.0);
  EXPECT_DOUBLE_EQ(*parse_rate_bytes_per_s("1Tbps"), 125e9);
  EXPECT_DOUBLE_EQ(*parse_rate_bytes_per_s("8bps"), 1.0);
  EXPECT_DOUBLE_EQ(*parse_rate_bytes_per_s("3.35TB/s"), 3.35e12);
  EXPECT_DOUBLE_EQ(*parse_rate_bytes_per_s("5MB/s"), 5e6);
  EXPECT_DOUBLE_EQ(*parse_rate_bytes_per_s("1GiB/s"), 1073741824.0);
  EXPECT_DOUBLE_EQ(*parse_rate_bytes_per_s("7B/s"), 7.0);
}

TEST(UnitsTest, FlopsUnits) {
  // 989 TFLOPS = 989e12 FLOP/s (H100 SXM dense BF16, rounded; DESIGN.md example).
  EXPECT_DOUBLE_EQ(*parse_flops_per_s("989TFLOPS"), 989e12);
  EXPECT_DOUBLE_EQ(*parse_flops_per_s("1.979PFLOPS"), 1.979e15);
  EXPECT_DOUBLE_EQ(*parse_flops_per_s("19.5GFLOPS"), 19.5e9);
  EXPECT_DOUBLE_EQ(*parse_flops_per_s("2MFLOPS"), 2e6);
  EXPECT_DOUBLE_EQ(*parse_flops_per_s("3kFLOPS"), 3e3);
  EXPECT_DOUBLE_EQ(*parse_flops_per_s("5FLOPS"), 5.0);
}

TEST(UnitsTest, NegativeNumbersParseForTheCallerToReject) {
  // units.h: "Negative numbers parse (callers reject them with a message about the sign)".
  EXPECT_DOUBLE_EQ(*parse_rate_bytes_per_s("-5GB/s"), -5e9);
  EXPECT_DOUBLE_EQ(*parse_time_seconds("-1us"), -1e-6);
}

TEST(UnitsTest, RejectsANumberWithoutAUnit) {
  EXPECT_EQ(parse_rate_bytes_per_s("400"), std::nullopt);
  EXPECT_EQ(parse_bytes("1024"), std::nullopt);
  EXPECT_EQ(parse_time_seconds("1.5"), std::nullopt);
  EXPECT_EQ(parse_flops_per_s("989e12"), std::nullopt);
}

TEST(UnitsTest, RejectsBadForms) {
  // No number, nothing at all, an unknown unit, trailing junk.
  EXPECT_EQ(parse_rate_bytes_per_s("GB/s"), std::nullopt);
  EXPECT_EQ(parse_rate_bytes_per_s(""), std::nullopt);
  EXPECT_EQ(parse_rate_bytes_per_s("   "), std::nullopt);
  EXPECT_EQ(parse_time_seconds("1.5 furlongs"), std::nullopt);
  EXPECT_EQ(parse_time_seconds("1.5us2"), std::nullopt);
  EXPECT_EQ(parse_time_seconds("1.5usx"), std::nullopt);
  EXPECT_EQ(parse_bytes("1.5.5GB"), std::nullopt);
  EXPECT_EQ(parse_bytes("+5GB"), std::nullopt);
  // Units are case-sensitive: "gbps" and "Gbytes" are not units; nor is the ambiguous "GBps".
  EXPECT_EQ(parse_rate_bytes_per_s("400gbps"), std::nullopt);
  EXPECT_EQ(parse_rate_bytes_per_s("400GBps"), std::nullopt);
  EXPECT_EQ(parse_bytes("1Gbytes"), std::nullopt);
  EXPECT_EQ(parse_flops_per_s("989tflops"), std::nullopt);
  // "d" (days) and "m" (minutes? metres?) are not time units.
  EXPECT_EQ(parse_time_seconds("200d"), std::nullopt);
  EXPECT_EQ(parse_time_seconds("5m"), std::nullopt);
  // Not finite.
  EXPECT_EQ(parse_time_seconds("inf s"), std::nullopt);
  EXPECT_EQ(parse_time_seconds("nan s"), std::nullopt);
  EXPECT_EQ(parse_bytes("1e400B"), std::nullopt);
}

TEST(UnitsTest, FamiliesDoNotMix) {
  // A unit of one family is rejected by the parsers of the others.
  EXPECT_EQ(parse_bytes("450GB/s"), std::nullopt);
  EXPECT_EQ(parse_rate_bytes_per_s("80GiB"), std::nullopt);
  EXPECT_EQ(parse_time_seconds("80GiB"), std::nullopt);
  EXPECT_EQ(parse_flops_per_s("400Gbps"), std::nullopt);
  EXPECT_EQ(parse_bytes("1.5us"), std::nullopt);
}

}  // namespace
}  // namespace dtsim::simcore
