#pragma once
/**
 * The config schema: each key of a config map declared once (name, help, default, unit,
 * checker), after ns-3's attribute metadata. The one declaration drives key checking (unknown
 * keys with "did you mean", missing required keys, each value's checker) and the README's key
 * tables (`markdown`).
 *
 * Errors: ConfigError at the offending key or value (ConfigNode's messages: `a.b: unknown key
 * 'x'; did you mean 'y'?`, `a: missing key 'b'`, `expected ...; got ...`).
 *
 *     const KeySchema sizes({
 *         KeySpec("min", "smallest size").in_unit("bytes").mandatory().checked(
 *             size_at_most(4e18, "a size below 4 EB")),
 *         KeySpec("factor", "ratio of successive sizes").defaults("2").checked(
 *             number_above(1, "a factor > 1"))});
 *     sizes.check(node);  // then read the values
 */
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tools/dtsim/config_node.h"

namespace dtsim::cli {

class KeySchema;

/** Checks a present value; throws ConfigError at it (ConfigNode::expected or fail). */
using KeyChecker = std::function<void(const ConfigNode&)>;

/** One key of a config map: its name and help, then what applies, chained:
 *  `KeySpec("factor", "ratio of sizes").defaults("2").checked(number_above(1, "a factor > 1"))`. */
struct KeySpec {
  KeySpec(std::string name, std::string help) : name(std::move(name)), help(std::move(help)) {}

  KeySpec& defaults(std::string value) {
    default_value = std::move(value);
    return *this;
  }
  KeySpec& in_unit(std::string u) {
    unit = std::move(u);
    return *this;
  }
  KeySpec& mandatory() {
    required = true;
    return *this;
  }
  KeySpec& one_of(std::vector<std::string> words) {
    choices = std::move(words);
    return *this;
  }
  KeySpec& checked(KeyChecker c) {
    check = std::move(c);
    return *this;
  }
  KeySpec& with_keys(std::vector<KeySpec> nested);

  std::string name;
  std::string help;           ///< one line: what the key means
  std::string default_value;  ///< as written in YAML, or a phrase ("every rank"); "" if none
  std::string unit;           ///< of the value ("bytes", "rank"); "" for none
  bool required = false;
  /** The accepted words, when the value is one of a few (checked, and listed in the docs). */
  std::vector<std::string> choices;
  KeyChecker check;  ///< may be null
  /** The keys of the value, when it is a map (checked, and listed as `name.key` in the docs). */
  std::shared_ptr<const KeySchema> keys;
};

/** The keys of one config map, in declaration order. */
class KeySchema {
 public:
  explicit KeySchema(std::vector<KeySpec> keys) : keys_(std::move(keys)) {}

  const std::vector<KeySpec>& keys() const { return keys_; }
  /** The keys' names, in declaration order. */
  std::vector<std::string> names() const;
  /** Unknown keys ("did you mean"), then key by key in declaration order: a missing required
   *  key (at the map), a value that is not one of the choices or fails its checker, a nested
   *  map's own keys. */
  void check(const ConfigNode& map) const;
  /** A Markdown table of the keys (nested maps' keys as `name.key`): key, default, unit,
   *  meaning (with the choices). */
  std::string markdown() const;

 private:
  void rows(const std::string& prefix, std::string& out) const;
  std::vector<KeySpec> keys_;
};

/** true or false (ConfigNode::boolean). */
KeyChecker boolean();
/** An integer in [lo, hi] (ConfigNode::integer). */
KeyChecker integer_in(int64_t lo, int64_t hi);
/** A size with a unit (ConfigNode::bytes) of at most `max_bytes`; `expected` says so. */
KeyChecker size_at_most(double max_bytes, std::string expected);
/** A number strictly above `lo`; `expected` says so. */
KeyChecker number_above(double lo, std::string expected);

}  // namespace dtsim::cli
