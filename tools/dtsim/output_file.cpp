#include "tools/dtsim/output_file.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "simcore/error.h"

namespace dtsim::cli {

namespace {
std::string temp_name(const std::string& path) {
  return fmt::format("{}.tmp.{}", path, static_cast<long>(::getpid()));
}
}  // namespace

void check_writable(const std::string& path, const std::string& what) {
  namespace fs = std::filesystem;
  fs::path p(path);
  fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw simcore::ConfigError(
        fmt::format("cannot write {} to '{}': folder '{}' does not exist", what, path, dir.string()));
  if (fs::is_directory(p, ec))
    throw simcore::ConfigError(fmt::format("cannot write {} to '{}': it is a folder", what, path));
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
  for (const auto& o : outputs) {
    if (o.empty()) continue;
    std::string c = canon(o);
    if (c == seen.front())
      throw simcore::ConfigError(fmt::format("refusing to write over the input scenario '{}'", o));
    if (std::find(seen.begin() + 1, seen.end(), c) != seen.end())
      throw simcore::ConfigError(fmt::format("two outputs would be written to the same file '{}'", o));
    seen.push_back(c);
  }
}

void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& fill) {
  std::string tmp = temp_name(path);
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw simcore::ConfigError(fmt::format("cannot write '{}'", path));
    try {
      fill(out);
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
