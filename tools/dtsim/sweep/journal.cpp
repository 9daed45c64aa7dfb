#include "tools/dtsim/sweep/journal.h"

#include <fmt/format.h>

#include <filesystem>
#include <sstream>

#include "simcore/error.h"
#include "simcore/file_read.h"
#include "simcore/rng.h"

namespace dtsim::cli::sweep {

using json = nlohmann::ordered_json;
using simcore::ConfigError;
using simcore::SourceLocation;

std::string sweep_fingerprint(const std::string& scenario, const std::vector<std::string>& sets,
                              const std::vector<Point>& points) {
  // Fields are separated by bytes that cannot occur in YAML text or in a key (\x1f, \x1e).
  std::string text =
      simcore::read_regular_file(scenario, simcore::kMaxConfigFileBytes, "scenario file");
  for (const auto& s : sets) text += "\x1e" + s;
  for (const auto& p : points) {
    text += "\x1e";
    for (const auto& [k, v] : p) text += k + "\x1f" + v + "\x1f";
  }
  return fmt::format("{:016x}", simcore::hash_name(text));
}

Journal::Journal(std::string path, const std::string& fingerprint, size_t points,
                 const std::string& shard, bool resume)
    : path_(std::move(path)) {
  const SourceLocation at{path_, 0, 0};
  if (resume) {
    if (!std::filesystem::exists(path_))
      throw ConfigError(at, "--resume: no journal here (the sweep has not run with this --out, "
                            "or it finished and removed it)");
    const std::string text =
        simcore::read_regular_file(path_, simcore::kMaxTraceFileBytes, "sweep journal");
    std::istringstream in(text);
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      json j = json::parse(line, nullptr, false);
      if (line_no == 1) {
        if (j.is_discarded() || !j.is_object() || !j.contains("dtsim_sweep_journal") ||
            !j.contains("fingerprint") || !j["fingerprint"].is_string() || !j.contains("points") || !j.contains("shard"))
          throw ConfigError(SourceLocation{path_, 1, 1},
                            "--resume: expected a dtsim sweep journal; this file is not one");
        if (j["fingerprint"].get<std::string>() != fingerprint || j["points"] != points ||
            j["shard"] != shard)
          throw ConfigError(
              SourceLocation{path_, 1, 1},
              fmt::format("--resume: this journal is of another sweep (fingerprint {}, {} "
                          "points, shard {}; this sweep: {}, {} points, shard {}): the scenario "
                          "file, --set, --grid or --shard differ",
                          j["fingerprint"].dump(), j["points"].dump(), j["shard"].dump(),
                          fingerprint, points, shard));
        continue;
      }
      // A line cut short by a kill can only be the last one: ignore it there, refuse it elsewhere.
      if (j.is_discarded() || !j.is_object() || !j.contains("point") ||
          !j["point"].is_number_unsigned() || j["point"].get<size_t>() >= points) {
        if (in.peek() == std::char_traits<char>::eof()) break;
        throw ConfigError(SourceLocation{path_, line_no, 1},
                          "--resume: expected one finished point's row (JSON) on this line");
      }
      const size_t point = j["point"].get<size_t>();  // before the move (operator= takes by value)
      finished_[point] = std::move(j);
    }
    if (line_no == 0)
      throw ConfigError(at, "--resume: the journal is empty (not a dtsim sweep journal)");
  }
  file_ = std::fopen(path_.c_str(), resume ? "a" : "w");
  if (!file_) throw ConfigError(at, "cannot write the sweep journal here");
  if (!resume) {
    const json head = {{"dtsim_sweep_journal", 1}, {"fingerprint", fingerprint}, {"points", points},
                      {"shard", shard}};
    const std::string s = head.dump() + "\n";
    if (std::fwrite(s.data(), 1, s.size(), file_) != s.size() || std::fflush(file_) != 0)
      throw ConfigError(at, "cannot write the sweep journal here");
  }
}

Journal::~Journal() {
  if (file_) std::fclose(file_);
}

void Journal::append(const json& row) {
  const std::string s = row.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  if (!file_ || std::fwrite(s.data(), 1, s.size(), file_) != s.size() || std::fflush(file_) != 0)
    throw ConfigError(SourceLocation{path_, 0, 0}, "cannot append to the sweep journal");
}

void Journal::remove() {
  std::lock_guard<std::mutex> lock(mu_);
  if (file_) std::fclose(file_);
  file_ = nullptr;
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

}  // namespace dtsim::cli::sweep
