#pragma once
/**
 * A YAML node that knows where it came from, for compiler-style errors at the edge.
 *
 * Every accessor validates and throws `ConfigError` at the value's file:line:column:
 * `scenarios/a.yaml:14:9: error: links[3].bandwidth: expected a rate with a unit, e.g.
 * "400Gbps"; got "400"`. A missing key reports the parent's position; `check_keys` rejects
 * unknown keys with a "did you mean" suggestion. Models never see a YAML node: loaders turn
 * these into plain structs.
 *
 *     ConfigNode root = ConfigNode::load_file("s.yaml");
 *     root.check_keys({"name", "cluster"});
 *     double bw = root["cluster"]["bandwidth"].rate();   // bytes per second
 */
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "simcore/error.h"
#include "simcore/time.h"

namespace dtsim::cli {

/** Where --set overrides came from: key path -> the text "--set key=value". */
using Overrides = std::map<std::string, std::string>;

class ConfigNode {
 public:
  /** Parses a YAML file. Errors: ConfigError (unreadable file, YAML syntax with position). */
  static ConfigNode load_file(const std::string& path);
  /** Parses YAML text; `file` names it in errors. */
  static ConfigNode load_string(const std::string& text, const std::string& file);

  ConfigNode(YAML::Node node, std::string file, std::string path,
             std::shared_ptr<const Overrides> overrides, simcore::SourceLocation parent_loc);

  /** Required child; ConfigError "missing key" at this node's position when absent. */
  ConfigNode operator[](const std::string& key) const;
  /** Child if present (and not null). */
  std::optional<ConfigNode> get(const std::string& key) const;
  bool has(const std::string& key) const;
  /** Sequence elements (ConfigError when this is not a sequence). */
  std::vector<ConfigNode> items() const;
  /** Map entries in file order (ConfigError when this is not a map). */
  std::vector<std::pair<std::string, ConfigNode>> entries() const;
  /** Rejects keys not in `allowed`, suggesting the nearest allowed key. */
  void check_keys(const std::vector<std::string>& allowed) const;

  bool is_map() const { return node_.IsMap(); }
  bool is_sequence() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }

  std::string str() const;
  int64_t integer() const;
  /** An integer within [lo, hi]. */
  int64_t integer(int64_t lo, int64_t hi) const;
  double number() const;
  bool boolean() const;
  /** A time with a unit ("1.5us"), in seconds; must be >= 0. */
  double seconds() const;
  simcore::Time time() const;
  /** A size with a unit ("80GiB"), in bytes; must be >= 0. */
  double bytes() const;
  /** A rate with a unit ("400Gbps", "450GB/s"), in bytes per second; must be > 0. */
  double rate() const;
  /** A compute rate ("989TFLOPS"), in FLOP/s; must be > 0. */
  double flops() const;
  /** One of `choices`. */
  std::string choice(const std::vector<std::string>& choices) const;

  /** Resolves a path written in this file relative to the file's folder. */
  std::string resolve_path(const std::string& p) const;

  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }
  simcore::SourceLocation location() const;
  const YAML::Node& yaml() const { return node_; }
  /** Throws ConfigError at this node: "<path>: <message>". */
  [[noreturn]] void fail(const std::string& message) const;
  /** Throws the usual "expected X; got Y" error at this node. */
  [[noreturn]] void expected(const std::string& what) const;

 private:
  ConfigNode child(YAML::Node n, const std::string& sub_path) const;
  /** A map key's text. Errors: ConfigError at the key when it is a list or a map (YAML's
   *  complex keys) or not UTF-8. */
  std::string key_text(const YAML::Node& key) const;
  /** `<--set ...>` when `path` or a parent of it was set on the command line. */
  std::optional<simcore::SourceLocation> override_location(const std::string& path) const;
  YAML::Node node_;
  std::string file_;
  std::string path_;
  std::shared_ptr<const Overrides> overrides_;
  simcore::SourceLocation parent_loc_;
};

/** Levenshtein distance, for "did you mean" suggestions. */
size_t edit_distance(const std::string& a, const std::string& b);
/** The closest candidate to `word` when it is close enough to be a likely typo. */
std::optional<std::string> did_you_mean(const std::string& word,
                                        const std::vector<std::string>& candidates);

/**
 * Applies `--set a.b.c=value` overrides to a parsed document: the value is parsed as YAML;
 * missing intermediate maps are created. Errors: ConfigError naming the --set text.
 */
void apply_overrides(YAML::Node& root, const std::vector<std::string>& sets, Overrides& record);

}  // namespace dtsim::cli
