// `dtsim sweep`: what-if capacity planning over a grid of scenario overrides, on all cores; and
// `dtsim merge`: the tables of a sweep's shards as one.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tools/dtsim/commands.h"
#include "tools/dtsim/kinds/registry.h"
#include "tools/dtsim/output_file.h"
#include "tools/dtsim/plot.h"
#include "tools/dtsim/progress.h"
#include "tools/dtsim/runner.h"
#include "tools/dtsim/sweep/figure.h"
#include "tools/dtsim/sweep/grid.h"
#include "tools/dtsim/sweep/journal.h"
#include "tools/dtsim/sweep/ranks.h"
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

/** `--shard I/N`: decimal digits only, 0 <= I < N. Errors: ConfigError at `<--shard TEXT>`. */
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

/** A sweep's grid and its metadata (the same on every shard and rank). */
struct SweepSetup {
  std::vector<sweep::Point> pts;
  sweep::SweepMeta meta;
};

SweepSetup setup_sweep(const SweepOptions& o, const Shard& shard) {
  sweep::SweepAxes axes = sweep::read_sweep_block(o.scenario, o.sets, o.no_sweep);
  for (const auto& g : o.grid) axes.product.push_back(sweep::parse_grid_axis(g));
  SweepSetup s;
  s.pts = sweep::grid_points(axes);
  s.meta = sweep::SweepMeta{o.scenario, s.pts.size(), shard.str(),
                            sweep::sweep_fingerprint(o.scenario, o.sets, s.pts), axes.keys()};
  return s;
}

/** What a shard's run leaves for the tables: its rows (resumed and new, any order) and counts. */
struct ShardOutcome {
  std::vector<json> rows;
  size_t in_shard = 0, todo = 0, resumed = 0, config_errors = 0;
  std::optional<ConfigError> first_config_error;  // at the lowest point that had one
  size_t first_config_error_point = SIZE_MAX;
  unsigned jobs = 1;
};

/** Runs the points i of `pts` with i % shard.count == shard.index that `journal` does not hold,
 *  on `o.jobs` threads, appending each row to the journal as it finishes. */
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

/** Bad input, not a result: every point of the sweep was refused as bad input (an unknown grid
 *  key, a value of the wrong unit in a one-value axis, a bad --set). The first such error. */
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

/** The plot of a sweep's table, when --plot asks for one. */
void plot_table(const std::string& plot_path, const std::string& metric,
                const sweep::SweepMeta& meta, const std::vector<json>& rows, bool quiet) {
  if (plot_path.empty()) return;
  plot::render(sweep::sweep_figure(meta, rows, metric), plot_path);
  if (!quiet) fmt::print("plot          {}\n", plot_path);
}

json error_json(const ConfigError& e) {
  return {{"file", e.where().file}, {"line", e.where().line}, {"column", e.where().column},
          {"message", e.message()}};
}
ConfigError error_from_json(const json& j) {
  return ConfigError(SourceLocation{j["file"], j["line"], j["column"]}, j["message"]);
}

/** A rank's outcome as JSON text for the gather on rank 0, and back. */
std::string outcome_text(const ShardOutcome& r) {
  json j = {{"in_shard", r.in_shard}, {"todo", r.todo}, {"resumed", r.resumed},
            {"config_errors", r.config_errors}, {"jobs", r.jobs},
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
  if (!j["first_config_error"].is_null()) r.first_config_error = error_from_json(j["first_config_error"]);
  for (auto& row : j["rows"]) r.rows.push_back(std::move(row));
  return r;
}

/** `dtsim sweep` under mpirun with more than one rank: rank K runs shard K/N with its own
 *  journal (OUT.K-of-N.journal), rank 0 gathers every rank's rows and writes OUT.csv and
 *  OUT.json, the same bytes as one process writes. Errors on any rank are reported once, by
 *  rank 0 (exit 2 or 1); the other ranks return 0. */
int sweep_on_ranks(const SweepOptions& o, sweep::Ranks& ranks) {
  const int rank = ranks.rank(), size = ranks.size();
  const std::string out = o.out.empty() ? "sweep" : o.out;
  std::optional<sweep::Journal> journal;
  std::optional<SweepSetup> setup;
  std::string mine;  // this rank's ShardOutcome (outcome_text), or {"fatal": status, "error"}
  try {
    if (!o.shard.empty())
      throw ConfigError(SourceLocation{"<--shard " + o.shard + ">", 0, 0},
                        fmt::format("not under mpirun: the {} ranks already share the points "
                                    "(rank K runs shard K/{})",
                                    size, size));
    const simcore::ResourceLimits limits = o.resources.limits();
    const Shard shard{static_cast<size_t>(rank), static_cast<size_t>(size)};
    setup = setup_sweep(o, shard);
    const std::string journal_path = fmt::format("{}.{}-of-{}.journal", out, rank, size);
    if (rank == 0) {
      check_writable(out + ".csv", "the sweep results");
      check_writable(out + ".json", "the sweep results");
      check_distinct_outputs(o.scenario, {out + ".csv", out + ".json", journal_path, o.plot});
      if (!o.plot.empty()) plot::check_gnuplot(o.plot);
    }
    check_writable(journal_path, "the sweep journal");
    journal.emplace(journal_path, setup->meta.fingerprint, setup->pts.size(), shard.str(),
                    o.resume);
    mine = outcome_text(run_shard(o, limits, setup->pts, shard, *journal, !o.quiet && rank == 0));
  } catch (const ConfigError& e) {
    mine = json{{"fatal", 2}, {"error", error_json(e)}}.dump(-1, ' ', false,
                                                           json::error_handler_t::replace);
  } catch (const std::exception& e) {
    mine = json{{"fatal", 1}, {"error", e.what()}}.dump(-1, ' ', false,
                                                      json::error_handler_t::replace);
  }
  const std::vector<std::string> parts = ranks.gather(mine);
  // Rank 0: the outcome, as a status to share (bit 4: the journals may go) and an error to
  // report.
  int shared = 0;
  std::exception_ptr error;
  ShardOutcome all;
  if (rank == 0) {
    try {
      std::vector<ShardOutcome> outcomes;
      for (int k = 0; k < size; ++k) {
        const json j = json::parse(parts[k]);
        if (j.contains("fatal")) {
          const std::string who = k == 0 ? "" : fmt::format("rank {}: ", k);
          if (j["fatal"] == 2) {
            ConfigError e = error_from_json(j["error"]);
            throw ConfigError(e.where(), who + e.message());
          }
          throw std::runtime_error(who + j["error"].get<std::string>());
        }
        outcomes.push_back(outcome_from_text(parts[k]));
      }
      for (auto& r : outcomes) {
        all.in_shard += r.in_shard;
        all.todo += r.todo;
        all.resumed += r.resumed;
        all.config_errors += r.config_errors;
        all.jobs = r.jobs;
        if (r.first_config_error && r.first_config_error_point < all.first_config_error_point) {
          all.first_config_error_point = r.first_config_error_point;
          all.first_config_error = r.first_config_error;
        }
        for (auto& row : r.rows) all.rows.push_back(std::move(row));
      }
      try {
        check_not_all_refused(all);
      } catch (const ConfigError&) {
        if (!o.resume) shared |= 16;
        throw;
      }
      sweep::SweepMeta meta = setup->meta;
      meta.shard = "0/1";
      sweep::write_sweep_tables(out, meta, all.rows);
      shared |= 16;
    } catch (const ConfigError&) {
      shared |= 2;
      error = std::current_exception();
    } catch (...) {
      shared |= 1;
      error = std::current_exception();
    }
  }
  shared = ranks.broadcast(shared);
  if (journal && (shared & 16)) journal->remove();
  if (rank != 0) return 0;
  if (error) std::rethrow_exception(error);
  sweep::SweepMeta meta = setup->meta;
  meta.shard = "0/1";
  std::stable_sort(all.rows.begin(), all.rows.end(), [](const json& a, const json& b) {
    return a["point"].get<size_t>() < b["point"].get<size_t>();
  });
  if (!o.quiet) {
    fmt::print("{} points on {} ranks x {} thread{}{}; {} could not run\n", setup->pts.size(), size,
               all.jobs, all.jobs == 1 ? "" : "s",
               all.resumed ? fmt::format(", {} resumed from the journals", all.resumed) : "",
               failed_rows(all.rows));
    fmt::print("results       {}.csv and {}.json\n", out, out);
  }
  plot_table(o.plot, o.plot_metric, meta, all.rows, o.quiet);
  return 0;
}

}  // namespace

int sweep_command(const SweepOptions& o) {
  sweep::Ranks ranks;
  if (ranks.size() > 1) return sweep_on_ranks(o, ranks);
  if (sweep::Ranks::launched_by_mpirun_without_mpi())
    throw ConfigError(SourceLocation{"<mpirun>", 0, 0},
                      "this dtsim was built without MPI (DTSIM_MPI off), so every rank would run "
                      "the whole sweep: build with -DDTSIM_MPI=ON (Debian: libopenmpi-dev), or "
                      "run the ranks as shards (--shard I/N, then dtsim merge)");
  const simcore::ResourceLimits limits = o.resources.limits();
  const Shard shard = parse_shard(o.shard);
  const SweepSetup setup = setup_sweep(o, shard);
  // Without --out, each shard writes its own files (sweep.I-of-N.*), so the shards of a batch
  // array sharing a folder do not overwrite each other.
  const std::string out = !o.out.empty() ? o.out
                          : o.shard.empty()
                              ? "sweep"
                              : fmt::format("sweep.{}-of-{}", shard.index, shard.count);
  const std::string csv = out + ".csv", js = out + ".json", journal_path = out + ".journal";
  check_writable(csv, "the sweep results");
  check_writable(js, "the sweep results");
  check_writable(journal_path, "the sweep journal");
  check_distinct_outputs(o.scenario, {csv, js, journal_path, o.plot});
  if (!o.plot.empty()) plot::check_gnuplot(o.plot);
  sweep::Journal journal(journal_path, setup.meta.fingerprint, setup.pts.size(), setup.meta.shard,
                         o.resume);
  ShardOutcome r = run_shard(o, limits, setup.pts, shard, journal, !o.quiet);
  try {
    check_not_all_refused(r);
  } catch (const ConfigError&) {
    if (!o.resume) journal.remove();  // no tables; the journal stays for --resume only
    throw;
  }
  sweep::write_sweep_tables(out, setup.meta, r.rows);
  journal.remove();
  if (!o.quiet) {
    fmt::print("{} points ({} in this shard{}) on {} thread{}; {} could not run\n",
               setup.pts.size(), r.in_shard,
               r.resumed ? fmt::format(", {} resumed from the journal", r.resumed) : "", r.jobs,
               r.jobs == 1 ? "" : "s", failed_rows(r.rows));
    fmt::print("results       {} and {}\n", csv, js);
  }
  plot_table(o.plot, o.plot_metric, setup.meta, r.rows, o.quiet);
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
  for (const auto& in : o.inputs) check_distinct_outputs(in, {csv, js, o.plot});
  if (!o.plot.empty()) plot::check_gnuplot(o.plot);
  sweep::SweepMeta meta = first;
  meta.shard = "0/1";
  std::stable_sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
    return a["point"].get<size_t>() < b["point"].get<size_t>();
  });
  sweep::write_sweep_tables(o.out, meta, rows);
  if (!o.quiet)
    fmt::print("{} points from {} shard{}\nresults       {} and {}\n", first.points, tables.size(),
               tables.size() == 1 ? "" : "s", csv, js);
  plot_table(o.plot, o.plot_metric, meta, rows, o.quiet);
  return 0;
}

}  // namespace dtsim::cli
