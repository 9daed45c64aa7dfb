#include "models/workloads/chakra/trace_files.h"

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "simcore/file_read.h"
#include "models/workloads/chakra/json_reader.h"
#include "simcore/error.h"

namespace dtsim::workloads::chakra {

using simcore::ConfigError;
using simcore::SourceLocation;

namespace {

const std::vector<std::string> kAllSuffixes = {".et", ".et.gz", ".json"};
const std::vector<std::string> kEtSuffixes = {".et", ".et.gz"};

/** The bytes of the file of that name, or nullopt when there is none. */
using Fetch = std::function<std::optional<std::string>(const std::string& name)>;

RankTrace parse_any(const std::string& bytes, const std::string& name) {
  if (name.size() >= 5 && name.compare(name.size() - 5, 5, ".json") == 0)
    return parse_feeder_json(bytes, name);
  return read_et_bytes(bytes, name);
}

/** Ranks 0, 1, ... each from the first `<prefix>.<r><suffix>` that `fetch` finds, until a rank
 *  has none; `shown` prefixes the names errors give (the archive). */
std::vector<RankTrace> read_ranks(const std::string& prefix, const std::vector<std::string>& suffixes,
                                  const Fetch& fetch, const std::string& shown) {
  std::vector<RankTrace> out;
  for (int r = 0;; ++r) {
    bool found = false;
    for (const auto& sfx : suffixes) {
      std::string name = fmt::format("{}.{}{}", prefix, r, sfx);
      if (auto bytes = fetch(name)) {
        out.push_back(parse_any(*bytes, shown + name));
        found = true;
        break;
      }
    }
    if (!found) return out;
  }
}

std::optional<std::string> from_folder(const std::string& path) {
  if (!simcore::is_regular_file(path)) return std::nullopt;
  return read_trace_file(path);
}

/** Every regular member of a tar archive (any compression libarchive knows): name -> bytes. */
std::map<std::string, std::string> read_archive(const std::string& path) {
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    throw ConfigError(SourceLocation{path, 0, 0},
                      fmt::format("cannot read archive: {}", archive_error_string(a.get())));
  std::map<std::string, std::string> out;
  archive_entry* e = nullptr;
  while (true) {
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
      throw ConfigError(SourceLocation{path, 0, 0},
                        fmt::format("corrupt archive: {}", archive_error_string(a.get())));
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    std::string name = archive_entry_pathname(e);
    std::string data;
    char buf[1 << 16];
    la_ssize_t n;
    while ((n = archive_read_data(a.get(), buf, sizeof(buf))) > 0) data.append(buf, n);
    if (n < 0)
      throw ConfigError(SourceLocation{path, 0, 0},
                        fmt::format("corrupt archive member '{}': {}", name, archive_error_string(a.get())));
    out.emplace(std::move(name), std::move(data));
  }
  return out;
}

}  // namespace

std::vector<RankTrace> read_trace_ranks(const std::string& prefix, const std::string& archive) {
  std::vector<RankTrace> out;
  if (!archive.empty()) {
    auto members = read_archive(archive);
    auto in_archive = [&](const std::string& name) -> std::optional<std::string> {
      auto it = members.find(name);
      if (it == members.end()) return std::nullopt;
      return it->second;
    };
    out = read_ranks(prefix, kAllSuffixes, in_archive, archive + ":");
  } else {
    out = read_ranks(prefix, kAllSuffixes, from_folder, "");
  }
  if (out.empty())
    throw ConfigError(SourceLocation{archive.empty() ? prefix : archive, 0, 0},
                      fmt::format("no Chakra trace for rank 0: expected {}.0.et, {}.0.et.gz or {}.0.json{}",
                                  prefix, prefix, prefix, archive.empty() ? "" : " in the archive"));
  return out;
}

std::vector<RankTrace> read_et_ranks(const std::string& prefix) {
  std::vector<RankTrace> out = read_ranks(prefix, kEtSuffixes, from_folder, "");
  if (out.empty())
    throw ConfigError(SourceLocation{prefix + ".0.et", 0, 0},
                      "no Chakra trace for rank 0 (expected <prefix>.<rank>.et)");
  return out;
}

}  // namespace dtsim::workloads::chakra
