#pragma once
/**
 * A sweep's journal, OUT.journal: one JSON line per finished point, appended and flushed as
 * points finish, so a killed sweep keeps every finished point and `--resume` skips them. Its
 * first line names the sweep: {"dtsim_sweep_journal": 1, "fingerprint": F, "points": N,
 * "shard": "I/N"}; the fingerprint (`sweep_fingerprint`) covers the scenario file's text, the
 * fixed overrides and every point's overrides, so a journal of another sweep (or shard) is
 * refused. A last line cut
 * short by a kill is ignored. The journal is removed once OUT.csv and OUT.json are written.
 *
 * Thread safety: `append` may be called from several threads.
 * Errors: ConfigError (see each function).
 */
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools/dtsim/sweep/grid.h"

namespace dtsim::cli::sweep {

/** 16 hex digits (FNV-1a over the sweep's definition, the same for all its shards; see the file
 *  comment). Errors: ConfigError when the scenario file cannot be read. */
std::string sweep_fingerprint(const std::string& scenario, const std::vector<std::string>& sets,
                              const std::vector<Point>& points);

class Journal {
 public:
  /** Opens `path`. Fresh: created (or truncated) with its header. `resume`: reads the rows it
   *  holds, then appends. Errors: ConfigError at `path` when it cannot be written, or with
   *  `resume` when it is missing, is not a journal, or has another fingerprint, point count or
   *  shard. */
  Journal(std::string path, const std::string& fingerprint, size_t points,
          const std::string& shard, bool resume);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /** The rows of points finished before (resume), by point index. */
  const std::map<size_t, nlohmann::ordered_json>& finished() const { return finished_; }
  /** Appends one row (with its "point") and flushes. Errors: ConfigError when the write fails. */
  void append(const nlohmann::ordered_json& row);
  /** Closes and deletes the file (the sweep's tables are written). */
  void remove();

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  std::mutex mu_;
  std::map<size_t, nlohmann::ordered_json> finished_;
};

}  // namespace dtsim::cli::sweep
