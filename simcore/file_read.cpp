#include "simcore/file_read.h"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "simcore/error.h"

namespace dtsim::simcore {

std::string read_regular_file(const std::string& path, uint64_t max_bytes, std::string_view what) {
  namespace fs = std::filesystem;
  const SourceLocation at{path, 0, 0};
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st))
    throw ConfigError(at, fmt::format("cannot read {} (does it exist?)", what));
  if (fs::is_directory(st)) throw ConfigError(at, fmt::format("is a folder, not a {}", what));
  if (!fs::is_regular_file(st))
    throw ConfigError(at, fmt::format("is not a regular file (a FIFO, device or socket): "
                                      "expected a {}",
                                      what));
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) throw ConfigError(at, fmt::format("cannot read {}", what));
  if (size > max_bytes)
    throw ConfigError(at, fmt::format("{} is {} bytes, more than the limit of {} bytes", what,
                                      size, max_bytes));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(at, fmt::format("cannot read {}", what));
  std::string out(size, '\0');
  in.read(out.data(), static_cast<std::streamsize>(size));
  if (static_cast<uintmax_t>(in.gcount()) != size)
    throw ConfigError(at, fmt::format("cannot read {}", what));
  return out;
}

bool path_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec) && !ec;
}

bool is_regular_file(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) && !ec;
}

}  // namespace dtsim::simcore
