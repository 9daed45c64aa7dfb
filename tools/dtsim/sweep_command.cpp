// `dtsim sweep`: what-if capacity planning over a grid of scenario overrides, on all cores; and
// `dtsim merge`: the tables of a sweep's shards as one.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tools/dtsim/commands.h"
#include "tools/dtsim/kinds/registry.h"
#include "tools/dtsim/output_file.h"
#include "tools/dtsim/progress.h"
#include "tools/dtsim/runner.h"
#include "tools/dtsim/sweep/grid.h"
#include "tools/dtsim/sweep/journal.h"
#include "tools/dtsim/sweep/table.h"

namespace dtsim::cli {

namespace {

using json = nlohmann::ordered_json;
using simcore::ConfigError;
using simcore::SourceLocation;

struct Shard {
  size_t index = 0, count = 1;
  std::string str() const { return fmt::format("{}/{}", index, count); }
};

Shard parse_shard(const std::string& text) {
  Shard s;
  if (text.empty()) return s;
  unsigned a = 0, b = 0;
  char slash = 0;
  std::stringstream ss(text);
  if (!(ss >> a >> slash >> b) || slash != '/' || b == 0 || a >= b || !ss.eof())
    throw ConfigError(SourceLocation{"<--shard " + text + ">", 0, 0},
                      "expected I/N with 0 <= I < N; got \"" + text + "\"");
  s.index = a;
  s.count = b;
  return s;
}

/** One point's row: its overrides, the report's headline numbers and the kind's columns, or the
 *  error that kept it from running (a point that cannot run is a result, not the end of the
 *  sweep). */
json run_point(const SweepOptions& o, const simcore::ResourceLimits& limits, size_t index,
               const sweep::Point& point, std::optional<ConfigError>& config_error) {
  std::vector<std::string> sets = o.sets;
  json row;
  row["point"] = index;
  for (const auto& [key, v] : point) {
    sets.push_back(key + "=" + v);
    row[key] = v;
  }
  try {
    Scenario s = load_scenario(o.scenario, sets, limits);
    RunOutcome out = simulate(s, false);
    const json rep = make_report(s, out, true);
    auto column = [&](const std::string& name, const std::string& pointer) {
      const json::json_pointer at(pointer);
      row[name] = rep.contains(at) ? rep[at] : json(nullptr);
    };
    for (const auto& [name, pointer] : sweep::headline_columns()) column(name, pointer);
    for (const auto& [name, pointer] : s.kind->sweep_columns) column(name, pointer);
    row["error"] = "";
  } catch (const ConfigError& e) {
    row["error"] = e.what();
    config_error = e;
  } catch (const std::bad_alloc&) {
    row["error"] = "out of memory";
  } catch (const std::exception& e) {  // a dtsim bug (InternalError) or a library's error
    row["error"] = fmt::format("internal error: {}", e.what());
  } catch (...) {
    row["error"] = "internal error: an unknown exception";
  }
  return row;
}

}  // namespace

int sweep_command(const SweepOptions& o) {
  const simcore::ResourceLimits limits = o.resources.limits();
  sweep::SweepAxes axes = sweep::read_sweep_block(o.scenario, o.sets, o.no_sweep);
  for (const auto& g : o.grid) axes.product.push_back(sweep::parse_grid_axis(g));
  const std::vector<sweep::Point> pts = sweep::grid_points(axes);
  const Shard shard = parse_shard(o.shard);
  std::vector<size_t> mine;
  for (size_t i = shard.index; i < pts.size(); i += shard.count) mine.push_back(i);

  const std::string csv = o.out + ".csv", js = o.out + ".json", journal_path = o.out + ".journal";
  check_writable(csv, "the sweep results");
  check_writable(js, "the sweep results");
  check_writable(journal_path, "the sweep journal");
  check_distinct_outputs(o.scenario, {csv, js, journal_path});
  const sweep::SweepMeta meta{o.scenario, pts.size(), shard.str(),
                              sweep::sweep_fingerprint(o.scenario, o.sets, pts), axes.keys()};
  sweep::Journal journal(journal_path, meta.fingerprint, pts.size(), meta.shard, o.resume);

  std::vector<json> rows;
  std::vector<size_t> todo;
  for (size_t i : mine) {
    auto done = journal.finished().find(i);
    if (done != journal.finished().end())
      rows.push_back(done->second);
    else
      todo.push_back(i);
  }
  const size_t resumed = rows.size();
  rows.resize(resumed + todo.size());

  std::atomic<size_t> next{0};
  std::atomic<size_t> config_errors{0};
  std::optional<ConfigError> first_config_error;  // at the lowest point that had one
  size_t first_config_error_point = pts.size();
  std::exception_ptr journal_error;
  std::mutex mu;
  Progress progress("sweep", "points", todo.size(), !o.quiet);
  unsigned jobs = o.jobs > 0 ? static_cast<unsigned>(o.jobs)
                             : std::max(1u, std::thread::hardware_concurrency());
  jobs = std::min<unsigned>(jobs, static_cast<unsigned>(std::max<size_t>(1, todo.size())));
  auto worker = [&] {
    for (size_t k = next++; k < todo.size(); k = next++) {
      std::optional<ConfigError> config_error;
      json row = run_point(o, limits, todo[k], pts[todo[k]], config_error);
      if (config_error) {
        ++config_errors;
        std::lock_guard<std::mutex> lock(mu);
        if (todo[k] < first_config_error_point) {
          first_config_error_point = todo[k];
          first_config_error = *config_error;
        }
      }
      try {
        journal.append(row);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!journal_error) journal_error = std::current_exception();
      }
      rows[resumed + k] = std::move(row);
      progress.advance();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < jobs; ++i) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  progress.finish();
  if (journal_error) std::rethrow_exception(journal_error);

  // Bad input, not a result: every point of the sweep was refused as bad input (an unknown grid
  // key, a value of the wrong unit in a one-value axis, a bad --set). The first such error,
  // exit 2, and no tables (the journal stays for --resume only when resuming).
  if (!todo.empty() && resumed == 0 && config_errors == todo.size() && first_config_error) {
    if (!o.resume) journal.remove();
    throw ConfigError(first_config_error->where(),
                      fmt::format("{} (every point of the sweep failed; the first is point {})",
                                  first_config_error->message(), first_config_error_point));
  }
  sweep::write_sweep_tables(o.out, meta, rows);
  journal.remove();
  size_t failed = 0;
  for (const auto& r : rows)
    if (!r["error"].get<std::string>().empty()) ++failed;
  if (!o.quiet) {
    fmt::print("{} points ({} in this shard{}) on {} thread{}; {} could not run\n", pts.size(),
               mine.size(), resumed ? fmt::format(", {} resumed from the journal", resumed) : "",
               jobs, jobs == 1 ? "" : "s", failed);
    fmt::print("results       {} and {}\n", csv, js);
  }
  return 0;
}

int merge_command(const MergeOptions& o) {
  if (o.inputs.empty())
    throw ConfigError(SourceLocation{"<dtsim merge>", 0, 0}, "expected the OUT.json of each shard");
  std::vector<sweep::SweepTable> tables;
  for (const auto& in : o.inputs) tables.push_back(sweep::read_sweep_json(in));
  const sweep::SweepMeta& first = tables.front().meta;
  std::set<std::string> shards;
  for (size_t i = 0; i < tables.size(); ++i) {
    const sweep::SweepMeta& m = tables[i].meta;
    if (m.fingerprint != first.fingerprint || m.points != first.points || m.axes != first.axes)
      throw ConfigError(SourceLocation{o.inputs[i], 0, 0},
                        fmt::format("a shard of another sweep (fingerprint {}, {} points) than "
                                    "{} (fingerprint {}, {} points)",
                                    m.fingerprint, m.points, o.inputs.front(), first.fingerprint,
                                    first.points));
    if (!shards.insert(m.shard).second)
      throw ConfigError(SourceLocation{o.inputs[i], 0, 0},
                        fmt::format("shard {} is given twice", m.shard));
  }
  std::vector<json> rows;
  std::vector<char> seen(first.points, 0);
  for (size_t i = 0; i < tables.size(); ++i)
    for (auto& r : tables[i].rows) {
      const size_t p = r["point"];
      if (seen[p])
        throw ConfigError(SourceLocation{o.inputs[i], 0, 0},
                          fmt::format("point {} is in two shards", p));
      seen[p] = 1;
      rows.push_back(std::move(r));
    }
  std::vector<size_t> missing;
  for (size_t p = 0; p < first.points; ++p)
    if (!seen[p]) missing.push_back(p);
  if (!missing.empty())
    throw ConfigError(SourceLocation{"<dtsim merge>", 0, 0},
                      fmt::format("{} of the sweep's {} points are in no shard given (the first: "
                                  "{}): give every shard's OUT.json",
                                  missing.size(), first.points, missing.front()));
  const std::string csv = o.out + ".csv", js = o.out + ".json";
  check_writable(csv, "the merged results");
  check_writable(js, "the merged results");
  check_distinct_outputs(o.inputs.front(), {csv, js});
  for (const auto& in : o.inputs) check_distinct_outputs(in, {csv, js});
  sweep::SweepMeta meta = first;
  meta.shard = "0/1";
  sweep::write_sweep_tables(o.out, meta, std::move(rows));
  if (!o.quiet)
    fmt::print("{} points from {} shard{}\nresults       {} and {}\n", first.points, tables.size(),
               tables.size() == 1 ? "" : "s", csv, js);
  return 0;
}

}  // namespace dtsim::cli
