#include "tools/dtsim/sweep/table.h"

#include <fmt/format.h>

#include <algorithm>

#include "simcore/error.h"
#include "simcore/file_read.h"
#include "tools/dtsim/output_file.h"

namespace dtsim::cli::sweep {

using json = nlohmann::ordered_json;
using simcore::ConfigError;
using simcore::SourceLocation;

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& headline_columns() {
  static const std::vector<std::pair<std::string, std::string>> columns{
      {"step_time_s", "/step_time_s"},
      {"compute_s", "/breakdown/compute_s"},
      {"communication_s", "/breakdown/communication_s"},
      {"exposed_communication_s", "/breakdown/exposed_communication_s"},
      {"mfu", "/model/mfu"},
      {"tokens_per_s", "/model/tokens_per_s"},
      {"memory_GiB", "/memory/total_GiB"},
      {"fits", "/memory/fits"}};
  return columns;
}

void write_sweep_tables(const std::string& out, const SweepMeta& meta, std::vector<json> rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
    return a["point"].get<size_t>() < b["point"].get<size_t>();
  });
  std::vector<std::string> cols{"point"};
  for (const auto& k : meta.axes) cols.push_back(k);
  for (const auto& [name, pointer] : headline_columns()) cols.push_back(name);
  // The kinds' own columns (WorkloadKind::sweep_columns), in the order the rows first show them.
  for (const auto& row : rows)
    for (const auto& [key, v] : row.items())
      if (key != "error" && std::find(cols.begin(), cols.end(), key) == cols.end())
        cols.push_back(key);
  cols.push_back("error");
  write_atomically(out + ".csv", [&](std::ostream& os) {
    for (size_t i = 0; i < cols.size(); ++i) os << (i ? "," : "") << csv_field(cols[i]);
    os << "\n";
    for (const auto& row : rows) {
      for (size_t i = 0; i < cols.size(); ++i) {
        const json& v = row.contains(cols[i]) ? row[cols[i]] : json(nullptr);
        const std::string cell = v.is_string() ? v.get<std::string>()
                                 : v.is_null() ? ""
                                               : v.dump(-1, ' ', false, json::error_handler_t::replace);
        os << (i ? "," : "") << csv_field(cell);
      }
      os << "\n";
    }
  });
  const json all = {{"scenario", meta.scenario}, {"points", meta.points},
                    {"shard", meta.shard},       {"fingerprint", meta.fingerprint},
                    {"axes", meta.axes},         {"rows", rows}};
  write_atomically(out + ".json", [&](std::ostream& os) {
    os << all.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  });
}

SweepTable read_sweep_json(const std::string& path) {
  const std::string text =
      simcore::read_regular_file(path, simcore::kMaxTraceFileBytes, "sweep results");
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // a syntax error, or a number no double holds
    const std::string what = e.what();
    throw ConfigError(SourceLocation{path, 0, 0},
                      fmt::format("not JSON: {}{}", what.substr(0, 200),
                                  what.size() > 200 ? "..." : ""));
  }
  auto bad = [&](const std::string& what) {
    throw ConfigError(SourceLocation{path, 0, 0},
                      "expected the OUT.json of `dtsim sweep` (" + what + ")");
  };
  if (!j.is_object()) bad("a JSON object");
  for (const char* k : {"scenario", "shard", "fingerprint"})
    if (!j.contains(k) || !j[k].is_string()) bad(fmt::format("a string \"{}\"", k));
  if (!j.contains("points") || !j["points"].is_number_unsigned()) bad("a count \"points\"");
  if (!j.contains("axes") || !j["axes"].is_array()) bad("a list \"axes\"");
  if (!j.contains("rows") || !j["rows"].is_array()) bad("a list \"rows\"");
  SweepTable t;
  t.meta.scenario = j["scenario"];
  t.meta.points = j["points"];
  t.meta.shard = j["shard"];
  t.meta.fingerprint = j["fingerprint"];
  for (const auto& a : j["axes"]) {
    if (!a.is_string()) bad("axis keys as strings");
    t.meta.axes.push_back(a);
  }
  for (auto& r : j["rows"]) {
    if (!r.is_object() || !r.contains("point") || !r["point"].is_number_unsigned() ||
        r["point"].get<size_t>() >= t.meta.points)
      bad(fmt::format("rows with a \"point\" below {}", t.meta.points));
    t.rows.push_back(std::move(r));
  }
  return t;
}

}  // namespace dtsim::cli::sweep
