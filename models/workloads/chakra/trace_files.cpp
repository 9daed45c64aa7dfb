#include "models/workloads/chakra/trace_files.h"

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "models/workloads/chakra/json_reader.h"
#include "simcore/error.h"

namespace dtsim::workloads::chakra {

using simcore::ConfigError;
using simcore::SourceLocation;

namespace {

const char* const kSuffixes[] = {".et", ".et.gz", ".json"};

RankTrace parse_any(const std::string& bytes, const std::string& name) {
  if (name.size() >= 5 && name.compare(name.size() - 5, 5, ".json") == 0)
    return parse_feeder_json(bytes, name);
  return read_et_bytes(bytes, name);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(SourceLocation{path, 0, 0}, "cannot read trace file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
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
    for (int r = 0;; ++r) {
      bool found = false;
      for (const char* sfx : kSuffixes) {
        auto it = members.find(fmt::format("{}.{}{}", prefix, r, sfx));
        if (it == members.end()) continue;
        out.push_back(parse_any(it->second, archive + ":" + it->first));
        found = true;
        break;
      }
      if (!found) break;
    }
  } else {
    for (int r = 0;; ++r) {
      bool found = false;
      for (const char* sfx : kSuffixes) {
        std::string path = fmt::format("{}.{}{}", prefix, r, sfx);
        if (!std::filesystem::is_regular_file(path)) continue;
        out.push_back(parse_any(read_file(path), path));
        found = true;
        break;
      }
      if (!found) break;
    }
  }
  if (out.empty())
    throw ConfigError(SourceLocation{archive.empty() ? prefix : archive, 0, 0},
                      fmt::format("no Chakra trace for rank 0: expected {}.0.et, {}.0.et.gz or {}.0.json{}",
                                  prefix, prefix, prefix, archive.empty() ? "" : " in the archive"));
  return out;
}

}  // namespace dtsim::workloads::chakra
