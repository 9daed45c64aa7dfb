#include "tools/dtsim/availability_trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "simcore/file_read.h"

namespace dtsim::cli {

namespace {
struct Row {
  int64_t client;
  double start, end;
  int line;
};
}  // namespace

workloads::AvailabilityTrace read_availability_trace(const ConfigNode& key, int64_t clients) {
  const std::string path = key.resolve_path(key.str());
  std::string text;
  try {
    text = simcore::read_regular_file(path, simcore::kMaxTraceFileBytes, "availability trace");
  } catch (const simcore::ConfigError& e) {
    key.fail(e.message());
  }
  std::vector<Row> rows;
  const char* p = text.data();
  const char* const end = p + text.size();
  for (int ln = 1; p < end; ++ln) {
    const char* eol = std::find(p, end, '\n');
    const char* stop = std::find(p, eol, '#');
    const char* const line_begin = p;
    auto fail = [&](const char* at, const std::string& msg) {
      throw simcore::ConfigError(
          simcore::SourceLocation{path, ln, static_cast<int>(at - line_begin) + 1}, msg);
    };
    auto skip = [&] {
      while (p < stop && (*p == ' ' || *p == '\t' || *p == ',' || *p == '\r')) ++p;
    };
    skip();
    if (p < stop) {
      const char* row_at = p;
      Row r{0, 0, 0, ln};
      auto [q, ec] = std::from_chars(p, stop, r.client);
      if (ec != std::errc() || (q < stop && *q != ' ' && *q != '\t' && *q != ','))
        fail(p, fmt::format("expected a row `<client> <start_s> <end_s>`, e.g. \"17 0 3600\"; "
                            "got \"{}\"",
                            std::string(row_at, stop)));
      if (r.client < 0 || r.client >= clients)
        fail(p, fmt::format("expected a client id in [0, {}); got {}", clients, r.client));
      p = q;
      for (double* v : {&r.start, &r.end}) {
        skip();
        const char* at = p;
        auto [q2, ec2] = std::from_chars(p, stop, *v);
        if (ec2 != std::errc() || (q2 < stop && *q2 != ' ' && *q2 != '\t' && *q2 != ',' &&
                                   *q2 != '\r'))
          fail(at, fmt::format("expected a row `<client> <start_s> <end_s>` (seconds), e.g. "
                               "\"17 0 3600\"; got \"{}\"",
                               std::string(row_at, stop)));
        if (!(*v >= 0) || !std::isfinite(*v))
          fail(at, fmt::format("expected a time >= 0 in seconds; got {}", *v));
        p = q2;
      }
      skip();
      if (p < stop) fail(p, fmt::format("expected 3 columns; got more: \"{}\"",
                                        std::string(row_at, stop)));
      if (!(r.start < r.end))
        fail(row_at, fmt::format("an online interval needs start < end; got [{}, {})", r.start,
                                 r.end));
      rows.push_back(r);
    }
    p = eol < end ? eol + 1 : end;
  }
  if (rows.empty()) key.fail(fmt::format("'{}' has no (client, start, end) rows", path));
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.client != b.client ? a.client < b.client
                                : (a.start != b.start ? a.start < b.start : a.line < b.line);
  });
  std::vector<int64_t> ids, offsets;
  std::vector<workloads::AvailabilityTrace::Interval> iv;
  iv.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    if (ids.empty() || ids.back() != r.client) {
      ids.push_back(r.client);
      offsets.push_back(static_cast<int64_t>(iv.size()));
    } else if (r.start < rows[i - 1].end) {
      const Row& a = rows[i - 1].line < r.line ? rows[i - 1] : r;
      const Row& b = rows[i - 1].line < r.line ? r : rows[i - 1];
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

}  // namespace dtsim::cli
