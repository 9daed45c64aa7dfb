#pragma once
/**
 * Error types shared by every layer.
 *
 * `ConfigError` is a user-input error: it prints like a compiler diagnostic
 * (`file:line:column: error: message`) and the CLI exits with status 2 on it.
 * `InternalError` is a broken invariant inside dtsim (exit status 1).
 */
#include <stdexcept>
#include <string>

namespace dtsim::simcore {

/** Where in an input file something was found. Line and column are 1-based; 0 means unknown. */
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  /** `file:line:column`, `file` alone when the line is unknown, or "" when nothing is known. */
  std::string str() const;
};

/** A bad input (scenario, topology, trace, command-line value). The CLI exits 2 on it. */
class ConfigError : public std::runtime_error {
 public:
  ConfigError(SourceLocation where, const std::string& message);
  explicit ConfigError(const std::string& message) : ConfigError(SourceLocation{}, message) {}
  const SourceLocation& where() const { return where_; }
  const std::string& message() const { return message_; }

 private:
  SourceLocation where_;
  std::string message_;
};

/** A broken internal invariant (a dtsim bug, not a user error). The CLI exits 1 on it. */
class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/** Checks an invariant that stays on in release builds (causality, non-negative bytes). */
#define DTSIM_ASSERT(cond, msg)                                                          \
  do {                                                                                   \
    if (!(cond))                                                                         \
      throw ::dtsim::simcore::InternalError(std::string(__FILE__) + ":" +                \
                                            std::to_string(__LINE__) + ": " + (msg));    \
  } while (0)

}  // namespace dtsim::simcore
