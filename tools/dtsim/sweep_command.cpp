// `dtsim sweep`: what-if capacity planning over a grid of scenario overrides, on all cores.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tools/dtsim/commands.h"
#include "tools/dtsim/config_node.h"
#include "tools/dtsim/kinds/registry.h"
#include "tools/dtsim/output_file.h"
#include "tools/dtsim/runner.h"

namespace dtsim::cli {

namespace {

using simcore::ConfigError;
using simcore::SourceLocation;

/** One axis: a key path and its values (YAML text each). */
struct Axis {
  std::string key;
  std::vector<std::string> values;
};

Axis parse_axis(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw ConfigError(SourceLocation{"<--grid " + text + ">", 0, 0},
                      "expected key.path=v1,v2,...; got \"" + text + "\"");
  Axis a{text.substr(0, eq), {}};
  std::stringstream ss(text.substr(eq + 1));
  for (std::string v; std::getline(ss, v, ',');) {
    if (v.empty())
      throw ConfigError(SourceLocation{"<--grid " + text + ">", 0, 0}, "empty value in the list");
    a.values.push_back(v);
  }
  return a;
}

/** Axes from the scenario's `sweep:` block ({product: {key: [values]}, zip: {...}}). */
void axes_from_scenario(const std::string& path, std::vector<Axis>& product, std::vector<Axis>& zip) {
  ConfigNode root = ConfigNode::load_file(path);
  auto sweep = root.get("sweep");
  if (!sweep) return;
  sweep->check_keys({"product", "zip"});
  auto read = [](const ConfigNode& block, std::vector<Axis>& out) {
    for (auto& [key, list] : block.entries()) {
      Axis a{key, {}};
      for (const auto& v : list.items()) {
        YAML::Emitter e;
        e << YAML::Flow << v.yaml();
        a.values.push_back(e.c_str());
      }
      if (a.values.empty()) list.expected("a non-empty list of values");
      out.push_back(std::move(a));
    }
  };
  if (auto p = sweep->get("product")) read(*p, product);
  if (auto z = sweep->get("zip")) {
    read(*z, zip);
    for (const auto& a : zip)
      if (a.values.size() != zip.front().values.size())
        (*z)[a.key].fail(fmt::format("zip axes must have equal lengths: '{}' has {}, '{}' has {}",
                                     zip.front().key, zip.front().values.size(), a.key,
                                     a.values.size()));
  }
}

/** Every point: a list of key=value overrides (zip axes advance together, product crosses). */
std::vector<std::vector<std::pair<std::string, std::string>>> points(const std::vector<Axis>& product,
                                                                    const std::vector<Axis>& zip) {
  std::vector<std::vector<std::pair<std::string, std::string>>> out{{}};
  if (!zip.empty()) {
    out.clear();
    for (size_t i = 0; i < zip.front().values.size(); ++i) {
      std::vector<std::pair<std::string, std::string>> p;
      for (const auto& a : zip) p.emplace_back(a.key, a.values[i]);
      out.push_back(p);
    }
  }
  for (const auto& a : product) {
    std::vector<std::vector<std::pair<std::string, std::string>>> next;
    for (const auto& base : out)
      for (const auto& v : a.values) {
        auto p = base;
        p.emplace_back(a.key, v);
        next.push_back(p);
      }
    out = std::move(next);
  }
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

int sweep_command(const SweepOptions& o) {
  std::vector<Axis> product, zip;
  axes_from_scenario(o.scenario, product, zip);
  for (const auto& g : o.grid) product.push_back(parse_axis(g));
  auto pts = points(product, zip);
  // Shard I/N: this process runs points i with i % N == I (batch arrays; results merge by point).
  size_t shard = 0, shards = 1;
  if (!o.shard.empty()) {
    unsigned a = 0, b = 0;
    char slash = 0;
    std::stringstream ss(o.shard);
    if (!(ss >> a >> slash >> b) || slash != '/' || b == 0 || a >= b || !ss.eof())
      throw ConfigError(SourceLocation{"<--shard " + o.shard + ">", 0, 0},
                        "expected I/N with 0 <= I < N; got \"" + o.shard + "\"");
    shard = a;
    shards = b;
  }
  std::vector<size_t> mine;
  for (size_t i = 0; i < pts.size(); ++i)
    if (i % shards == shard) mine.push_back(i);
  const std::string csv = o.out + ".csv", js = o.out + ".json";
  check_writable(csv, "the sweep results");
  check_distinct_outputs(o.scenario, {csv, js});

  std::vector<nlohmann::ordered_json> rows(mine.size());
  std::atomic<size_t> next{0};
  unsigned jobs = o.jobs > 0 ? static_cast<unsigned>(o.jobs) : std::max(1u, std::thread::hardware_concurrency());
  jobs = std::min<unsigned>(jobs, static_cast<unsigned>(std::max<size_t>(1, mine.size())));
  auto worker = [&] {
    for (size_t k = next++; k < mine.size(); k = next++) {
      const auto& point = pts[mine[k]];
      std::vector<std::string> sets = o.sets;
      nlohmann::ordered_json row;
      row["point"] = mine[k];
      for (const auto& [key, v] : point) {
        sets.push_back(key + "=" + v);
        row[key] = v;
      }
      try {
        Scenario s = load_scenario(o.scenario, sets);
        RunOutcome out = simulate(s, false);
        auto rep = make_report(s, out, true);
        row["step_time_s"] = rep["step_time_s"];
        row["compute_s"] = rep["breakdown"]["compute_s"];
        row["communication_s"] = rep["breakdown"]["communication_s"];
        row["exposed_communication_s"] = rep["breakdown"]["exposed_communication_s"];
        row["mfu"] = rep.contains("model") ? rep["model"]["mfu"] : nlohmann::ordered_json(nullptr);
        for (const auto& [column, pointer] : s.kind->sweep_columns) {
          const nlohmann::ordered_json::json_pointer at(pointer);
          row[column] = rep.contains(at) ? rep[at] : nlohmann::ordered_json(nullptr);
        }
        row["error"] = "";
      } catch (const ConfigError& e) {
        row["error"] = e.what();  // a point that cannot run is a result, not the end of the sweep
      } catch (const std::bad_alloc&) {
        row["error"] = "out of memory";
      } catch (const std::exception& e) {  // a dtsim bug (InternalError) or a library's error
        row["error"] = fmt::format("internal error: {}", e.what());
      } catch (...) {
        row["error"] = "internal error: an unknown exception";
      }
      rows[k] = std::move(row);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < jobs; ++i) pool.emplace_back(worker);
  for (auto& t : pool) t.join();

  std::vector<std::string> cols{"point"};
  for (const auto& a : zip) cols.push_back(a.key);
  for (const auto& a : product) cols.push_back(a.key);
  for (const char* c : {"step_time_s", "compute_s", "communication_s", "exposed_communication_s", "mfu"})
    cols.push_back(c);
  // The kinds' own columns (WorkloadKind::sweep_columns), in the order the rows first show them.
  for (const auto& row : rows)
    for (const auto& [key, v] : row.items())
      if (key != "error" && std::find(cols.begin(), cols.end(), key) == cols.end())
        cols.push_back(key);
  cols.push_back("error");
  write_atomically(csv, [&](std::ostream& out) {
    for (size_t i = 0; i < cols.size(); ++i) out << (i ? "," : "") << csv_field(cols[i]);
    out << "\n";
    for (const auto& row : rows) {
      for (size_t i = 0; i < cols.size(); ++i) {
        const auto& v = row.contains(cols[i]) ? row[cols[i]] : nlohmann::ordered_json(nullptr);
        std::string cell = v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
        out << (i ? "," : "") << csv_field(cell);
      }
      out << "\n";
    }
  });
  nlohmann::ordered_json all = {{"scenario", o.scenario},
                                {"points", pts.size()},
                                {"shard", fmt::format("{}/{}", shard, shards)},
                                {"rows", rows}};
  write_atomically(js, [&](std::ostream& out) {
    out << all.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  });
  size_t failed = 0;
  for (const auto& r : rows)
    if (!r["error"].template get<std::string>().empty()) ++failed;
  if (!o.quiet) {
    fmt::print("{} points ({} in this shard) on {} thread{}; {} could not run\n", pts.size(),
               mine.size(), jobs, jobs == 1 ? "" : "s", failed);
    fmt::print("results       {} and {}\n", csv, js);
  }
  return 0;
}

}  // namespace dtsim::cli
