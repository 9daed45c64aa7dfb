#include "tools/dtsim/sweep/figure.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>

#include "simcore/error.h"
#include "simcore/units.h"

namespace dtsim::cli::sweep {

using json = nlohmann::ordered_json;
using simcore::ConfigError;
using simcore::SourceLocation;

namespace {

/** An axis value (YAML text) as a number, when the whole text is one. */
std::optional<double> number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return v;
}

std::optional<double> plain_number(std::string_view text) { return number(std::string(text)); }

/** The ways an axis's values can be numbers: plain, or quantities of one kind (simcore/units.h),
 *  in their base unit. */
struct Quantity {
  const char* unit;
  std::optional<double> (*parse)(std::string_view);
};
constexpr Quantity kQuantities[] = {{"", plain_number},
                                    {"s", simcore::parse_time_seconds},
                                    {"bytes", simcore::parse_bytes},
                                    {"bytes/s", simcore::parse_rate_bytes_per_s},
                                    {"FLOP/s", simcore::parse_flops_per_s}};

std::string cell(const json& row, const std::string& key) {
  if (!row.contains(key)) return "";
  const json& v = row[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

plot::Figure sweep_figure(const SweepMeta& meta, const std::vector<json>& rows,
                          const std::string& metric) {
  std::vector<const json*> usable;
  std::vector<std::string> numeric_columns;
  for (const auto& r : rows) {
    for (const auto& [k, v] : r.items())
      if (v.is_number() && k != "point" &&
          std::find(numeric_columns.begin(), numeric_columns.end(), k) == numeric_columns.end())
        numeric_columns.push_back(k);
    const bool ran = !r.contains("error") || r["error"] == "";
    if (ran && r.contains(metric) && r[metric].is_number()) usable.push_back(&r);
  }
  if (usable.empty())
    throw ConfigError(SourceLocation{"<--plot-metric " + metric + ">", 0, 0},
                      fmt::format("no row has a number in column \"{}\"; the columns with "
                                  "numbers: {}",
                                  metric, fmt::join(numeric_columns, ", ")));

  // The axes whose values vary among the plotted rows, in column order.
  std::vector<std::string> varied;
  for (const auto& key : meta.axes) {
    const std::string first = cell(*usable.front(), key);
    for (const json* r : usable)
      if (cell(*r, key) != first) {
        varied.push_back(key);
        break;
      }
  }

  plot::Figure f;
  f.title = fmt::format("{}: {}", std::filesystem::path(meta.scenario).filename().string(), metric);
  f.y_label = metric;
  f.x_label = varied.empty() ? "point" : varied.front();
  const Quantity* quantity = &kQuantities[0];  // the point index when nothing varies
  if (!varied.empty()) {
    quantity = nullptr;
    for (const Quantity& q : kQuantities) {
      bool all = true;
      for (const json* r : usable) all = all && q.parse(cell(*r, varied.front()));
      if (all) {
        quantity = &q;
        break;
      }
    }
    if (quantity && *quantity->unit) f.x_label += fmt::format(" ({})", quantity->unit);
  }
  const bool numeric_x = quantity != nullptr;
  std::map<std::string, size_t> category, line;
  for (const json* r : usable) {
    double x = 0;
    if (varied.empty()) {
      x = static_cast<double>((*r)["point"].get<size_t>());
    } else if (numeric_x) {
      x = *quantity->parse(cell(*r, varied.front()));
    } else {
      const std::string v = cell(*r, varied.front());
      auto [it, fresh] = category.emplace(v, f.x_labels.size());
      if (fresh) f.x_labels.push_back(v);
      x = static_cast<double>(it->second);
    }
    std::string title;
    for (size_t i = 1; i < varied.size(); ++i)
      title += fmt::format("{}{}={}", i > 1 ? ", " : "", varied[i], cell(*r, varied[i]));
    if (varied.size() <= 1) title = metric;
    auto [it, fresh] = line.emplace(title, f.series.size());
    if (fresh) f.series.push_back(plot::Series{title, {}});
    f.series[it->second].points.emplace_back(x, (*r)[metric].get<double>());
  }
  // A line drawn left to right, whatever order the axis lists its values in.
  if (numeric_x)
    for (auto& s : f.series)
      std::stable_sort(s.points.begin(), s.points.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
  // Values over two decades or more (bandwidths 1 to 100 Gbps, sizes): a logarithmic axis.
  if (numeric_x && !varied.empty()) {
    double lo = INFINITY, hi = 0;
    for (const auto& s : f.series)
      for (const auto& p : s.points) lo = std::min(lo, p.first), hi = std::max(hi, p.first);
    if (lo > 0 && hi >= 100 * lo) f.log_x_base = 10;
  }
  return f;
}

}  // namespace dtsim::cli::sweep
