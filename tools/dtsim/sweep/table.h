#pragma once
/**
 * A sweep's results table: one row per point (a JSON object: `point`, the axis values, the
 * headline numbers, the kind's columns, `error`), written as OUT.csv and OUT.json, atomically,
 * in point order whatever the thread count or the order points finished in; and read back for
 * `dtsim merge`.
 *
 * OUT.json: {"scenario", "points" (the whole grid's count), "shard" ("I/N"), "fingerprint" (see
 * journal.h), "axes" (the axis keys), "rows": [...]}. OUT.csv: a header, then one line per row;
 * columns `point`, the axes, step_time_s, compute_s, communication_s, exposed_communication_s,
 * mfu, tokens_per_s, memory_GiB, fits, the kind's own columns (in the order the rows first show
 * them), `error`. Empty cells are values the report does not have.
 */
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dtsim::cli::sweep {

struct SweepMeta {
  std::string scenario;
  size_t points = 0;  ///< the whole grid's point count (all shards)
  std::string shard = "0/1";
  std::string fingerprint;
  std::vector<std::string> axes;
};

/** The headline columns every row has (JSON pointers into the report), after the axes. */
const std::vector<std::pair<std::string, std::string>>& headline_columns();

/** Writes OUT.csv and OUT.json (rows sorted by `point`). Errors: ConfigError when a file cannot
 *  be written (nothing is left half-written: each is renamed into place when complete). */
void write_sweep_tables(const std::string& out, const SweepMeta& meta,
                        std::vector<nlohmann::ordered_json> rows);

/** A sweep's OUT.json, read back. Errors: ConfigError at the file: unreadable, not JSON, or not
 *  the shape write_sweep_tables writes. */
struct SweepTable {
  SweepMeta meta;
  std::vector<nlohmann::ordered_json> rows;
};
SweepTable read_sweep_json(const std::string& path);

}  // namespace dtsim::cli::sweep
