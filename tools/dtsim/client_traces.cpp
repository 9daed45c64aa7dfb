#include "tools/dtsim/client_traces.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "simcore/file_read.h"

namespace dtsim::cli {

namespace {

/** Where a row came from, for errors. */
struct RowAt {
  std::string path;
  int line = 0;
  [[noreturn]] void fail(int column, const std::string& msg) const {
    throw simcore::ConfigError(simcore::SourceLocation{path, line, column}, msg);
  }
};

/**
 * Calls `row(at, client, values, columns)` for each non-empty row of the file named by `key`:
 * a client id then N numbers (`values`, with each one's column). `usage` is the row's shape for
 * errors ("`<client> <start_s> <end_s>`, e.g. \"17 0 3600\"").
 */
template <size_t N>
void for_each_row(const ConfigNode& key, int64_t clients, const std::string& what,
                  const std::string& usage,
                  const std::function<void(const RowAt&, int64_t, const std::array<double, N>&,
                                           const std::array<int, N>&)>& row) {
  const std::string path = key.resolve_path(key.str());
  std::string text;
  try {
    text = simcore::read_regular_file(path, simcore::kMaxTraceFileBytes, what);
  } catch (const simcore::ConfigError& e) {
    key.fail(e.message());
  }
  RowAt at{path, 0};
  size_t rows = 0;
  const char* p = text.data();
  const char* const end = p + text.size();
  auto is_sep = [](char c) { return c == ' ' || c == '\t' || c == ',' || c == '\r'; };
  while (p < end) {
    ++at.line;
    const char* eol = std::find(p, end, '\n');
    const char* stop = std::find(p, eol, '#');
    const char* const line_begin = p;
    auto col = [&](const char* q) { return static_cast<int>(q - line_begin) + 1; };
    auto skip = [&] {
      while (p < stop && is_sep(*p)) ++p;
    };
    skip();
    if (p < stop) {
      const char* const row_at = p;
      auto bad_row = [&](const char* q) {
        at.fail(col(q),
                fmt::format("expected a row {}; got \"{}\"", usage, std::string(row_at, stop)));
      };
      int64_t client = 0;
      auto [q, ec] = std::from_chars(p, stop, client);
      if (ec != std::errc() || (q < stop && !is_sep(*q))) bad_row(p);
      if (client < 0 || client >= clients)
        at.fail(col(p), fmt::format("expected a client id in [0, {}); got {}", clients, client));
      p = q;
      std::array<double, N> v{};
      std::array<int, N> c{};
      for (size_t k = 0; k < N; ++k) {
        skip();
        c[k] = col(p);
        auto [q2, ec2] = std::from_chars(p, stop, v[k]);
        if (p == stop || ec2 != std::errc() || (q2 < stop && !is_sep(*q2))) bad_row(p);
        p = q2;
      }
      skip();
      if (p < stop) bad_row(p);
      row(at, client, v, c);
      ++rows;
    }
    p = eol < end ? eol + 1 : end;
  }
  if (rows == 0) key.fail(fmt::format("'{}' has no rows {}", path, usage));
}

struct Interval {
  int64_t client;
  double start, end;
  int line;
};

}  // namespace

workloads::AvailabilityTrace read_availability_trace(const ConfigNode& key, int64_t clients) {
  std::vector<Interval> rows;
  const std::string path = key.resolve_path(key.str());
  for_each_row<2>(
      key, clients, "availability trace", "`<client> <start_s> <end_s>`, e.g. \"17 0 3600\"",
      [&](const RowAt& at, int64_t client, const std::array<double, 2>& v,
          const std::array<int, 2>& c) {
        for (size_t k = 0; k < 2; ++k)
          if (!(v[k] >= 0) || !std::isfinite(v[k]))
            at.fail(c[k], fmt::format("expected a time >= 0 in seconds; got {}", v[k]));
        if (!(v[0] < v[1]))
          at.fail(1, fmt::format("an online interval needs start < end; got [{}, {})", v[0], v[1]));
        rows.push_back({client, v[0], v[1], at.line});
      });
  std::sort(rows.begin(), rows.end(), [](const Interval& a, const Interval& b) {
    return a.client != b.client ? a.client < b.client
                                : (a.start != b.start ? a.start < b.start : a.line < b.line);
  });
  std::vector<int64_t> ids, offsets;
  std::vector<workloads::AvailabilityTrace::Interval> iv;
  iv.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const Interval& r = rows[i];
    if (ids.empty() || ids.back() != r.client) {
      ids.push_back(r.client);
      offsets.push_back(static_cast<int64_t>(iv.size()));
    } else if (r.start < rows[i - 1].end) {
      const Interval& a = rows[i - 1].line < r.line ? rows[i - 1] : r;
      const Interval& b = rows[i - 1].line < r.line ? r : rows[i - 1];
      throw simcore::ConfigError(
          simcore::SourceLocation{path, b.line, 1},
          fmt::format("client {}'s online intervals overlap: [{}, {}) here and [{}, {}) on line {}",
                      r.client, b.start, b.end, a.start, a.end, a.line));
    }
    iv.push_back({r.start, r.end});
  }
  offsets.push_back(static_cast<int64_t>(iv.size()));
  return workloads::AvailabilityTrace(std::move(ids), std::move(offsets), std::move(iv));
}

std::vector<std::pair<int64_t, double>> read_speed_trace(const ConfigNode& key, int64_t clients) {
  std::vector<std::pair<int64_t, double>> out;
  std::vector<int> lines;
  const std::string path = key.resolve_path(key.str());
  for_each_row<1>(key, clients, "speed trace", "`<client> <factor>`, e.g. \"17 0.42\"",
                  [&](const RowAt& at, int64_t client, const std::array<double, 1>& v,
                      const std::array<int, 1>& c) {
                    if (!(v[0] > 0) || !std::isfinite(v[0]))
                      at.fail(c[0], fmt::format("expected a speed factor > 0; got {}", v[0]));
                    out.emplace_back(client, v[0]);
                    lines.push_back(at.line);
                  });
  std::vector<size_t> order(out.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return out[a].first < out[b].first; });
  std::vector<std::pair<int64_t, double>> sorted;
  sorted.reserve(out.size());
  for (size_t k = 0; k < order.size(); ++k) {
    if (k > 0 && out[order[k]].first == out[order[k - 1]].first)
      throw simcore::ConfigError(simcore::SourceLocation{path, lines[order[k]], 1},
                                 fmt::format("client {} is listed twice (also on line {})",
                                             out[order[k]].first, lines[order[k - 1]]));
    sorted.push_back(out[order[k]]);
  }
  return sorted;
}

}  // namespace dtsim::cli
