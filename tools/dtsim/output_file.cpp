#include "tools/dtsim/output_file.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "simcore/error.h"
#include "tools/dtsim/gzip_stream.h"

namespace dtsim::cli {

namespace {

std::string temp_name(const std::string& path) {
  return fmt::format("{}.tmp.{}", path, static_cast<long>(::getpid()));
}

/** Where the bytes for `path` go: a symbolic link's final target (so the link survives the
 *  rename), else `path` itself. */
std::string write_target(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p(path);
  // Follow the chain (the target may not exist yet); 40 links is Linux's own limit (MAXSYMLINKS).
  for (int hops = 0; hops < 40 && fs::is_symlink(fs::symlink_status(p, ec)); ++hops) {
    fs::path t = fs::read_symlink(p, ec);
    if (ec) return path;
    p = t.is_absolute() ? t : (p.parent_path() / t).lexically_normal();
  }
  return p.string();
}

}  // namespace

void check_writable(const std::string& path_given, const std::string& what) {
  namespace fs = std::filesystem;
  if (path_given == kStdout) return;
  const std::string path = write_target(path_given);
  fs::path p(path);
  fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw simcore::ConfigError(
        fmt::format("cannot write {} to '{}': folder '{}' does not exist", what, path, dir.string()));
  if (fs::is_directory(p, ec))
    throw simcore::ConfigError(fmt::format("cannot write {} to '{}': it is a folder", what, path));
  const fs::file_status st = fs::status(p, ec);
  if (fs::exists(st) && !fs::is_regular_file(st))
    throw simcore::ConfigError(fmt::format(
        "cannot write {} to '{}': it is a special file (a device, FIFO or socket), not a regular "
        "file; '-' writes to standard output",
        what, path_given));
  std::string tmp = temp_name(path);
  {
    std::ofstream probe(tmp);
    if (!probe)
      throw simcore::ConfigError(
          fmt::format("cannot write {} to '{}': folder '{}' is not writable", what, path, dir.string()));
  }
  std::remove(tmp.c_str());
}

void check_distinct_outputs(const std::string& input, const std::vector<std::string>& outputs) {
  namespace fs = std::filesystem;
  auto canon = [](const std::string& p) { return fs::weakly_canonical(fs::path(p)).string(); };
  std::vector<std::string> seen{canon(input)};
  bool on_stdout = false;
  for (const auto& o : outputs) {
    if (o.empty()) continue;
    if (o == kStdout) {
      if (on_stdout)
        throw simcore::ConfigError("two outputs would be written to standard output ('-')");
      on_stdout = true;
      continue;
    }
    std::string c = canon(o);
    if (c == seen.front())
      throw simcore::ConfigError(fmt::format("refusing to write over the input scenario '{}'", o));
    if (std::find(seen.begin() + 1, seen.end(), c) != seen.end())
      throw simcore::ConfigError(fmt::format("two outputs would be written to the same file '{}'", o));
    seen.push_back(c);
  }
}

void write_atomically(const std::string& path_given,
                      const std::function<void(std::ostream&)>& fill) {
  if (path_given == kStdout) {
    fill(std::cout);
    std::cout.flush();
    if (!std::cout) throw simcore::ConfigError("error while writing to standard output");
    return;
  }
  const std::string path = write_target(path_given);
  std::string tmp = temp_name(path);
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw simcore::ConfigError(fmt::format("cannot write '{}'", path));
    try {
      if (is_gzip_path(path)) {
        GzipOstream gz(out);
        fill(gz);
        gz.finish();
      } else {
        fill(out);
      }
    } catch (...) {
      out.close();
      std::remove(tmp.c_str());
      throw;
    }
    out.flush();
    if (!out) {
      out.close();
      std::remove(tmp.c_str());
      throw simcore::ConfigError(fmt::format("error while writing '{}' (disk full?)", path));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw simcore::ConfigError(fmt::format("cannot rename the output into '{}'", path));
  }
}

}  // namespace dtsim::cli
