#pragma once
/** Test helpers: what a ConfigError thrown by a callable says. */
#include <functional>
#include <string>

#include "simcore/error.h"

namespace dtsim::test {

/** The message of the ConfigError `f` throws (no location prefix), or "<no error>". */
inline std::string config_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const simcore::ConfigError& e) {
    return e.message();
  }
  return "<no error>";
}

/** e.what() of the ConfigError `f` throws ("file: error: message"), or "<no error>". */
inline std::string config_error_what(const std::function<void()>& f) {
  try {
    f();
  } catch (const simcore::ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace dtsim::test
