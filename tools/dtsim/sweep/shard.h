#pragma once
/**
 * A sweep's shard, run on this process's threads: the grid (`setup_sweep`), the points i with
 * i % N == I that the journal does not hold yet (`run_shard`), and what the tables need from it
 * (`ShardOutcome`), also as JSON text for ranks under MPI to send to rank 0. `dtsim sweep` runs
 * one shard (0/1 by default), `--shard I/N` one of N, and rank K of N under mpirun shard K/N.
 *
 *     Shard shard = parse_shard("1/4");
 *     SweepSetup setup = setup_sweep(options, shard);
 *     Journal journal(path, setup.meta.fingerprint, setup.pts.size(), shard.str(), false);
 *     ShardOutcome r = run_shard(options, limits, setup.pts, shard, journal, true);
 *
 * Errors: ConfigError (see each function); a point that cannot run is a row with its error.
 */
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "simcore/error.h"
#include "simcore/resource_guard.h"
#include "tools/dtsim/commands.h"
#include "tools/dtsim/sweep/grid.h"
#include "tools/dtsim/sweep/journal.h"
#include "tools/dtsim/sweep/table.h"

namespace dtsim::cli::sweep {

struct Shard {
  size_t index = 0, count = 1;
  std::string str() const { return std::to_string(index) + "/" + std::to_string(count); }
};

/** `--shard I/N`: decimal digits only, 0 <= I < N; "" is 0/1. Errors: ConfigError at
 *  `<--shard TEXT>`. */
Shard parse_shard(const std::string& text);

/** A sweep's grid and its metadata (the same on every shard and rank). */
struct SweepSetup {
  std::vector<Point> pts;
  SweepMeta meta;
};

/** The grid of `o` (its sweep: block and --grid axes), with `shard` in the metadata. Errors:
 *  ConfigError from grid.h and sweep_fingerprint. */
SweepSetup setup_sweep(const SweepOptions& o, const Shard& shard);

/** What a shard's run leaves for the tables: its rows (resumed and new, any order) and counts. */
struct ShardOutcome {
  std::vector<nlohmann::ordered_json> rows;
  size_t in_shard = 0, todo = 0, resumed = 0, config_errors = 0;
  std::optional<simcore::ConfigError> first_config_error;  ///< at the lowest point that had one
  size_t first_config_error_point = SIZE_MAX;
  unsigned jobs = 1;
};

/** Runs the points i of `pts` with i % shard.count == shard.index that `journal` does not hold,
 *  on `o.jobs` threads (0: all cores), appending each row to the journal as it finishes.
 *  Errors: ConfigError when the journal cannot be appended to. */
ShardOutcome run_shard(const SweepOptions& o, const simcore::ResourceLimits& limits,
                       const std::vector<Point>& pts, const Shard& shard, Journal& journal,
                       bool show_progress);

/** Bad input, not a result: every point run was refused as bad input (an unknown grid key, a
 *  value of the wrong unit in a one-value axis, a bad --set). Errors: ConfigError, the first
 *  such point's, then. */
void check_not_all_refused(const ShardOutcome& r);

/** Rows whose `error` is not empty. */
size_t failed_rows(const std::vector<nlohmann::ordered_json>& rows);

/** A ConfigError as JSON ({file, line, column, message}) and back. */
nlohmann::ordered_json error_json(const simcore::ConfigError& e);
simcore::ConfigError error_from_json(const nlohmann::ordered_json& j);

/** An outcome as JSON text (for the gather on rank 0) and back. */
std::string outcome_text(const ShardOutcome& r);
ShardOutcome outcome_from_text(const std::string& text);

}  // namespace dtsim::cli::sweep
