#include "simcore/units.h"

#include <charconv>
#include <cmath>
#include <string>
#include <utility>

namespace dtsim::simcore {

namespace {

/** Splits "1.5us" into 1.5 and "us" (spaces between number and unit allowed). */
std::optional<std::pair<double, std::string_view>> split(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr == text.data()) return std::nullopt;
  if (!std::isfinite(value)) return std::nullopt;
  std::string_view unit(ptr, text.data() + text.size() - ptr);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return std::make_pair(value, unit);
}

template <size_t N>
std::optional<double> lookup(std::string_view text,
                             const std::pair<std::string_view, double> (&table)[N]) {
  auto parts = split(text);
  if (!parts) return std::nullopt;
  for (const auto& [unit, factor] : table)
    if (parts->second == unit) return parts->first * factor;
  return std::nullopt;
}

constexpr std::pair<std::string_view, double> kTime[] = {
    {"ps", 1e-12}, {"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1.0}, {"min", 60.0},
    {"h", 3600.0}};

constexpr double kKi = 1024.0, kMi = kKi * 1024, kGi = kMi * 1024, kTi = kGi * 1024;

constexpr std::pair<std::string_view, double> kBytes[] = {
    {"B", 1},      {"kB", 1e3},    {"KB", 1e3},    {"MB", 1e6},    {"GB", 1e9},
    {"TB", 1e12},  {"PB", 1e15},   {"KiB", kKi},   {"MiB", kMi},   {"GiB", kGi},
    {"TiB", kTi}};

constexpr std::pair<std::string_view, double> kRate[] = {
    {"B/s", 1},         {"kB/s", 1e3},      {"KB/s", 1e3},      {"MB/s", 1e6},
    {"GB/s", 1e9},      {"TB/s", 1e12},     {"KiB/s", kKi},     {"MiB/s", kMi},
    {"GiB/s", kGi},     {"TiB/s", kTi},     {"bps", 1.0 / 8},   {"Kbps", 1e3 / 8},
    {"kbps", 1e3 / 8},  {"Mbps", 1e6 / 8},  {"Gbps", 1e9 / 8},  {"Tbps", 1e12 / 8},
    {"b/s", 1.0 / 8},   {"kb/s", 1e3 / 8},  {"Kb/s", 1e3 / 8},  {"Mb/s", 1e6 / 8},
    {"Gb/s", 1e9 / 8},  {"Tb/s", 1e12 / 8}};

constexpr std::pair<std::string_view, double> kFlops[] = {
    {"FLOPS", 1},     {"kFLOPS", 1e3},  {"MFLOPS", 1e6}, {"GFLOPS", 1e9},
    {"TFLOPS", 1e12}, {"PFLOPS", 1e15}};

constexpr std::pair<std::string_view, double> kPower[] = {{"W", 1}, {"kW", 1e3}, {"MW", 1e6}};

constexpr std::pair<std::string_view, double> kPrice[] = {{"USD", 1}};

}  // namespace

std::optional<double> parse_time_seconds(std::string_view t) { return lookup(t, kTime); }
std::optional<double> parse_bytes(std::string_view t) { return lookup(t, kBytes); }
std::optional<double> parse_rate_bytes_per_s(std::string_view t) { return lookup(t, kRate); }
std::optional<double> parse_flops_per_s(std::string_view t) { return lookup(t, kFlops); }
std::optional<double> parse_power_watts(std::string_view t) { return lookup(t, kPower); }
std::optional<double> parse_price_usd(std::string_view t) { return lookup(t, kPrice); }

}  // namespace dtsim::simcore
