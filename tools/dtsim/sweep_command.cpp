// `dtsim sweep`: what-if capacity planning over a grid of scenario overrides, on all cores, one
// shard of it (--shard I/N), or on the ranks of mpirun (sweep/shard.h runs the points); and
// `dtsim merge`: the tables of a sweep's shards as one.
#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tools/dtsim/commands.h"
#include "tools/dtsim/output_file.h"
#include "tools/dtsim/plot.h"
#include "tools/dtsim/sweep/figure.h"
#include "tools/dtsim/sweep/grid.h"
#include "tools/dtsim/sweep/journal.h"
#include "tools/dtsim/sweep/ranks.h"
#include "tools/dtsim/sweep/shard.h"
#include "tools/dtsim/sweep/table.h"

namespace dtsim::cli {

namespace {

using json = nlohmann::ordered_json;
using simcore::ConfigError;
using simcore::SourceLocation;
using sweep::check_not_all_refused;
using sweep::error_from_json;
using sweep::error_json;
using sweep::failed_rows;
using sweep::outcome_from_text;
using sweep::outcome_text;
using sweep::parse_shard;
using sweep::run_shard;
using sweep::setup_sweep;
using sweep::Shard;
using sweep::ShardOutcome;
using sweep::SweepSetup;

/** The plot of a sweep's table, when --plot asks for one. */
void plot_table(const std::string& plot_path, const std::string& metric,
                const sweep::SweepMeta& meta, const std::vector<json>& rows, bool quiet) {
  if (plot_path.empty()) return;
  plot::render(sweep::sweep_figure(meta, rows, metric), plot_path);
  if (!quiet) fmt::print("plot          {}\n", plot_path);
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
    // Without -j, the ranks on one machine share its cores (Open MPI counts them for us).
    SweepOptions threads = o;
    if (threads.jobs == 0)
      threads.jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency() /
                                                       std::max(1u, ranks.local_size())));
    mine = outcome_text(
        run_shard(threads, limits, setup->pts, shard, *journal, !o.quiet && rank == 0));
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
