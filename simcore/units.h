#pragma once
/**
 * Parsing of unit-bearing quantities written in scenarios and configs.
 *
 * Units: decimal prefixes are powers of 10 (k=1e3, M=1e6, G=1e9, T=1e12, P=1e15); binary
 * prefixes are powers of 2 (Ki, Mi, Gi, Ti). "B" is a byte, "b" a bit.
 *   - time:  `ps ns us ms s min h` (e.g. "1.5us")
 *   - bytes: `B kB KB MB GB TB KiB MiB GiB TiB` (e.g. "80GiB", "25MiB")
 *   - rate:  bytes `B/s kB/s MB/s GB/s TB/s GiB/s`, bits `bps Kbps Mbps Gbps Tbps` and `Gb/s`
 *            forms (e.g. "400Gbps" = 50e9 bytes/s, "450GB/s")
 *   - flops: `FLOPS kFLOPS MFLOPS GFLOPS TFLOPS PFLOPS` (e.g. "989TFLOPS")
 *   - power: `W kW MW` (e.g. "700W")
 *   - price: `USD` (US dollars, e.g. "2.49USD")
 *
 * Errors: each parser returns std::nullopt on anything that is not a finite number
 * followed by a known unit; callers turn that into a ConfigError at the value's position.
 * Negative numbers parse (callers reject them with a message about the sign).
 */
#include <optional>
#include <string_view>

namespace dtsim::simcore {

/** Seconds for a time such as "1.5us". */
std::optional<double> parse_time_seconds(std::string_view text);
/** Bytes for a size such as "80GiB" (may be fractional only if the text is). */
std::optional<double> parse_bytes(std::string_view text);
/** Bytes per second for a rate such as "400Gbps" or "450GB/s". */
std::optional<double> parse_rate_bytes_per_s(std::string_view text);
/** FLOP per second for a compute rate such as "989TFLOPS". */
std::optional<double> parse_flops_per_s(std::string_view text);
/** Watts for a power such as "700W" or "10.2kW". */
std::optional<double> parse_power_watts(std::string_view text);
/** US dollars for a price such as "2.49USD". */
std::optional<double> parse_price_usd(std::string_view text);

}  // namespace dtsim::simcore
