#include "simcore/error.h"

namespace dtsim::simcore {

std::string SourceLocation::str() const {
  if (file.empty() && line == 0) return "";
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

static std::string format_error(const SourceLocation& where, const std::string& message) {
  std::string loc = where.str();
  return loc.empty() ? "error: " + message : loc + ": error: " + message;
}

ConfigError::ConfigError(SourceLocation where, const std::string& message)
    : std::runtime_error(format_error(where, message)),
      where_(std::move(where)),
      message_(message) {}

}  // namespace dtsim::simcore
