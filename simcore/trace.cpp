#include "simcore/trace.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ostream.h>

namespace dtsim::simcore {

namespace {
/** JSON string escaping for names (quotes, backslashes, control characters). */
std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<int>(c));
    } else {
      out += c;
    }
  }
  return out;
}

/** Microseconds with 6 decimals from an integer picosecond count, exactly (no float). */
std::string us(int64_t ps) {
  const char* sign = ps < 0 ? "-" : "";
  uint64_t a = ps < 0 ? -static_cast<uint64_t>(ps) : ps;
  return fmt::format("{}{}.{:06d}", sign, a / 1'000'000, a % 1'000'000);
}
}  // namespace

void write_chrome_trace(std::ostream& out, const Workload& w, const ExecutionResult& result) {
  std::set<std::pair<int, int>> threads;
  for (const auto& r : result.ops) threads.emplace(r.rank, r.stream);
  out << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  bool first = true;
  auto sep = [&] {
    if (!first) out << ",\n";
    first = false;
  };
  std::set<int> ranks;
  for (auto [rank, stream] : threads) {
    if (ranks.insert(rank).second) {
      sep();
      fmt::print(out, R"({{"ph":"M","name":"process_name","pid":{},"args":{{"name":"rank {}"}}}})",
                 rank, rank);
      sep();
      fmt::print(out, R"({{"ph":"M","name":"process_sort_index","pid":{},"args":{{"sort_index":{}}}}})",
                 rank, rank);
    }
    sep();
    fmt::print(out, R"({{"ph":"M","name":"thread_name","pid":{},"tid":{},"args":{{"name":"{}"}}}})",
               rank, stream, escape(w.stream_names.at(stream)));
  }
  for (const auto& r : result.ops) {
    sep();
    fmt::print(out, R"({{"ph":"X","pid":{},"tid":{},"ts":{},"dur":{},"name":"{}","cat":"{}"}})",
               r.rank, r.stream, us(r.start.count_ps()), us((r.end - r.start).count_ps()),
               escape(w.str(r.name)), to_string(r.kind));
  }
  out << "\n]}\n";
}

}  // namespace dtsim::simcore
