#include "tools/dtsim/sweep/shard.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>

#include "tools/dtsim/kinds/registry.h"
#include "tools/dtsim/progress.h"
#include "tools/dtsim/runner.h"

namespace dtsim::cli::sweep {

using json = nlohmann::ordered_json;
using simcore::ConfigError;
using simcore::SourceLocation;

namespace {

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

Shard parse_shard(const std::string& text) {
  Shard s;
  if (text.empty()) return s;
  const size_t slash = text.find('/');
  auto digits = [](const std::string& t) {
    return !t.empty() && t.size() <= 9 &&
           std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  const std::string a = slash == std::string::npos ? text : text.substr(0, slash);
  const std::string b = slash == std::string::npos ? "" : text.substr(slash + 1);
  if (!digits(a) || !digits(b) || std::stoul(b) == 0 || std::stoul(a) >= std::stoul(b))
    throw ConfigError(SourceLocation{"<--shard " + text + ">", 0, 0},
                      "expected I/N with 0 <= I < N; got \"" + text + "\"");
  s.index = std::stoul(a);
  s.count = std::stoul(b);
  return s;
}

SweepSetup setup_sweep(const SweepOptions& o, const Shard& shard) {
  sweep::SweepAxes axes = sweep::read_sweep_block(o.scenario, o.sets, o.no_sweep);
  for (const auto& g : o.grid) axes.product.push_back(sweep::parse_grid_axis(g));
  SweepSetup s;
  s.pts = sweep::grid_points(axes);
  s.meta = sweep::SweepMeta{o.scenario, s.pts.size(), shard.str(),
                            sweep::sweep_fingerprint(o.scenario, o.sets, s.pts), axes.keys()};
  return s;
}

ShardOutcome run_shard(const SweepOptions& o, const simcore::ResourceLimits& limits,
                       const std::vector<sweep::Point>& pts, const Shard& shard,
                       sweep::Journal& journal, bool show_progress) {
  ShardOutcome r;
  std::vector<size_t> todo;
  for (size_t i = shard.index; i < pts.size(); i += shard.count) {
    ++r.in_shard;
    auto done = journal.finished().find(i);
    if (done != journal.finished().end())
      r.rows.push_back(done->second);
    else
      todo.push_back(i);
  }
  r.resumed = r.rows.size();
  r.todo = todo.size();
  r.rows.resize(r.resumed + todo.size());

  std::atomic<size_t> next{0};
  std::atomic<size_t> config_errors{0};
  std::exception_ptr journal_error;
  std::mutex mu;
  Progress progress("sweep", "points", todo.size(), show_progress);
  unsigned jobs = o.jobs > 0 ? static_cast<unsigned>(o.jobs)
                             : std::max(1u, std::thread::hardware_concurrency());
  jobs = std::min<unsigned>(jobs, static_cast<unsigned>(std::max<size_t>(1, todo.size())));
  r.jobs = jobs;
  auto worker = [&] {
    for (size_t k = next++; k < todo.size(); k = next++) {
      std::optional<ConfigError> config_error;
      json row = run_point(o, limits, todo[k], pts[todo[k]], config_error);
      if (config_error) {
        ++config_errors;
        std::lock_guard<std::mutex> lock(mu);
        if (todo[k] < r.first_config_error_point) {
          r.first_config_error_point = todo[k];
          r.first_config_error = *config_error;
        }
      }
      try {
        journal.append(row);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!journal_error) journal_error = std::current_exception();
      }
      r.rows[r.resumed + k] = std::move(row);
      progress.advance();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < jobs; ++i) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  progress.finish();
  if (journal_error) std::rethrow_exception(journal_error);
  r.config_errors = config_errors;
  return r;
}

void check_not_all_refused(const ShardOutcome& r) {
  if (r.todo > 0 && r.resumed == 0 && r.config_errors == r.todo && r.first_config_error)
    throw ConfigError(r.first_config_error->where(),
                      fmt::format("{} (every point of the sweep failed; the first is point {})",
                                  r.first_config_error->message(), r.first_config_error_point));
}

size_t failed_rows(const std::vector<json>& rows) {
  size_t failed = 0;
  for (const auto& r : rows)
    if (!r["error"].get<std::string>().empty()) ++failed;
  return failed;
}

json error_json(const ConfigError& e) {
  return {{"file", e.where().file},
          {"line", e.where().line},
          {"column", e.where().column},
          {"message", e.message()}};
}
ConfigError error_from_json(const json& j) {
  return ConfigError(SourceLocation{j["file"], j["line"], j["column"]}, j["message"]);
}

std::string outcome_text(const ShardOutcome& r) {
  json j = {{"in_shard", r.in_shard},
            {"todo", r.todo},
            {"resumed", r.resumed},
            {"config_errors", r.config_errors},
            {"jobs", r.jobs},
            {"first_config_error_point", r.first_config_error_point},
            {"first_config_error",
             r.first_config_error ? error_json(*r.first_config_error) : json(nullptr)},
            {"rows", r.rows}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}
ShardOutcome outcome_from_text(const std::string& text) {
  json j = json::parse(text);
  ShardOutcome r;
  r.in_shard = j["in_shard"];
  r.todo = j["todo"];
  r.resumed = j["resumed"];
  r.config_errors = j["config_errors"];
  r.jobs = j["jobs"];
  r.first_config_error_point = j["first_config_error_point"];
  if (!j["first_config_error"].is_null())
    r.first_config_error = error_from_json(j["first_config_error"]);
  for (auto& row : j["rows"]) r.rows.push_back(std::move(row));
  return r;
}

}  // namespace dtsim::cli::sweep
