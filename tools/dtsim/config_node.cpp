#include "tools/dtsim/config_node.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "simcore/file_read.h"
#include "simcore/units.h"

namespace dtsim::cli {

using simcore::ConfigError;
using simcore::SourceLocation;

namespace {

/** Offset of the first byte of `s` that breaks UTF-8 (RFC 3629: no overlong forms, no
 *  surrogates, at most U+10FFFF), or npos when `s` is valid UTF-8. */
size_t first_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > s.size()) return i;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const uint32_t min_cp = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

}  // namespace

ConfigNode ConfigNode::load_string(const std::string& text, const std::string& file) {
  try {
    YAML::Node n = YAML::Load(text);
    return ConfigNode(n, file, "", std::make_shared<Overrides>(), SourceLocation{file, 1, 1});
  } catch (const YAML::Exception& e) {
    throw ConfigError(SourceLocation{file, e.mark.line + 1, e.mark.column + 1},
                      "invalid YAML: " + e.msg);
  }
}

ConfigNode ConfigNode::load_file(const std::string& path) {
  return load_string(simcore::read_regular_file(path, simcore::kMaxConfigFileBytes, "file"),
                     path);
}

ConfigNode::ConfigNode(YAML::Node node, std::string file, std::string path,
                       std::shared_ptr<const Overrides> overrides, SourceLocation parent_loc)
    : node_(std::move(node)),
      file_(std::move(file)),
      path_(std::move(path)),
      overrides_(std::move(overrides)),
      parent_loc_(std::move(parent_loc)) {}

std::optional<SourceLocation> ConfigNode::override_location(const std::string& path) const {
  if (overrides_)
    for (const auto& [key, text] : *overrides_)  // the override itself, or a node inside it
      if (path == key || (path.size() > key.size() && path.compare(0, key.size(), key) == 0 &&
                          (path[key.size()] == '.' || path[key.size()] == '[')))
        return SourceLocation{"<" + text + ">", 0, 0};
  return std::nullopt;
}

SourceLocation ConfigNode::location() const {
  if (auto o = override_location(path_)) return *o;
  YAML::Mark m = node_.Mark();
  if (m.line < 0 || m.is_null()) return parent_loc_;
  return SourceLocation{file_, m.line + 1, m.column + 1};
}

void ConfigNode::fail(const std::string& message) const {
  std::string where = path_.empty() ? "" : path_ + ": ";
  throw ConfigError(location(), where + message);
}

void ConfigNode::expected(const std::string& what) const {
  std::string got;
  if (!node_.IsDefined() || node_.IsNull())
    got = "nothing";
  else if (node_.IsScalar())
    got = "\"" + node_.Scalar() + "\"";
  else if (node_.IsSequence())
    got = "a list";
  else
    got = "a map";
  fail("expected " + what + "; got " + got);
}

ConfigNode ConfigNode::child(YAML::Node n, const std::string& sub) const {
  return ConfigNode(n, file_, sub, overrides_, location());
}

ConfigNode ConfigNode::operator[](const std::string& key) const {
  std::string sub = path_.empty() ? key : path_ + "." + key;
  if (!node_.IsMap()) expected(fmt::format("a map with key '{}'", key));
  YAML::Node n = node_[key];
  if (!n.IsDefined() || n.IsNull())
    throw ConfigError(location(), fmt::format("{}: missing key '{}'", path_.empty() ? "(top level)" : path_, key));
  return child(n, sub);
}

std::optional<ConfigNode> ConfigNode::get(const std::string& key) const {
  if (!node_.IsMap()) return std::nullopt;
  YAML::Node n = node_[key];
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  return child(n, path_.empty() ? key : path_ + "." + key);
}

bool ConfigNode::has(const std::string& key) const { return get(key).has_value(); }

std::vector<ConfigNode> ConfigNode::items() const {
  if (!node_.IsSequence()) expected("a list");
  std::vector<ConfigNode> out;
  size_t i = 0;
  for (const auto& n : node_) out.push_back(child(n, fmt::format("{}[{}]", path_, i++)));
  return out;
}

std::vector<std::pair<std::string, ConfigNode>> ConfigNode::entries() const {
  if (!node_.IsMap()) expected("a map");
  std::vector<std::pair<std::string, ConfigNode>> out;
  for (const auto& kv : node_) {
    std::string k = key_text(kv.first);
    out.emplace_back(k, child(kv.second, path_.empty() ? k : path_ + "." + k));
  }
  return out;
}

void ConfigNode::check_keys(const std::vector<std::string>& allowed) const {
  if (!node_.IsMap()) expected("a map");
  std::vector<std::string> seen;
  for (const auto& kv : node_) {
    std::string k = key_text(kv.first);
    if (std::find(seen.begin(), seen.end(), k) != seen.end()) {
      YAML::Mark m = kv.first.Mark();
      throw ConfigError(override_location(path_).value_or(SourceLocation{file_, m.line + 1, m.column + 1}),
                        fmt::format("{}: duplicate key '{}'", path_.empty() ? k : path_ + "." + k, k));
    }
    seen.push_back(k);
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    std::string sub = path_.empty() ? k : path_ + "." + k;
    YAML::Mark m = kv.first.Mark();
    SourceLocation loc =
        override_location(sub).value_or(SourceLocation{file_, m.line + 1, m.column + 1});
    std::string msg = fmt::format("{}: unknown key '{}'", sub, k);
    if (auto s = did_you_mean(k, allowed)) msg += fmt::format("; did you mean '{}'?", *s);
    else msg += fmt::format(" (allowed: {})", fmt::join(allowed, ", "));
    throw ConfigError(loc, msg);
  }
}

std::string ConfigNode::str() const {
  if (!node_.IsScalar()) expected("a string");
  const size_t bad = first_invalid_utf8(node_.Scalar());
  if (bad != std::string_view::npos)
    fail(fmt::format("expected UTF-8 text; got a byte that is not UTF-8 at offset {}", bad));
  return node_.Scalar();
}

std::string ConfigNode::key_text(const YAML::Node& key) const {
  const YAML::Mark m = key.Mark();
  const SourceLocation at =
      override_location(path_).value_or(SourceLocation{file_, m.line + 1, m.column + 1});
  const std::string where = path_.empty() ? "" : path_ + ": ";
  if (!key.IsScalar())
    throw ConfigError(at, fmt::format("{}expected a plain key (a name); got {} as a key", where,
                                      key.IsSequence() ? "a list" : "a map"));
  const size_t bad = first_invalid_utf8(key.Scalar());
  if (bad != std::string_view::npos)
    throw ConfigError(at, fmt::format("{}expected a UTF-8 key; got a byte that is not UTF-8 at "
                                      "offset {}",
                                      where, bad));
  return key.Scalar();
}

int64_t ConfigNode::integer() const {
  if (!node_.IsScalar()) expected("an integer");
  const std::string& s = node_.Scalar();
  try {
    size_t used = 0;
    long long v = std::stoll(s, &used);
    if (used == s.size()) return v;
  } catch (...) {
  }
  expected("an integer");
}

int64_t ConfigNode::integer(int64_t lo, int64_t hi) const {
  int64_t v = integer();
  if (v < lo || v > hi) {
    if (hi == INT64_MAX) expected(fmt::format("an integer >= {}", lo));
    expected(fmt::format("an integer in [{}, {}]", lo, hi));
  }
  return v;
}

double ConfigNode::number() const {
  if (!node_.IsScalar()) expected("a number");
  const std::string& s = node_.Scalar();
  try {
    size_t used = 0;
    double v = std::stod(s, &used);
    if (used == s.size() && std::isfinite(v)) return v;
  } catch (...) {
  }
  expected("a number");
}

bool ConfigNode::boolean() const {
  if (node_.IsScalar()) {
    const std::string& s = node_.Scalar();
    if (s == "true") return true;
    if (s == "false") return false;
  }
  expected("true or false");
}

double ConfigNode::seconds() const {
  if (node_.IsScalar())
    if (auto v = simcore::parse_time_seconds(node_.Scalar())) {
      if (*v >= 0) return *v;
      expected("a non-negative time");
    }
  expected("a time with a unit, e.g. \"1.5us\"");
}

simcore::Time ConfigNode::time() const {
  double s = seconds();
  try {
    return simcore::Time::from_seconds(s);
  } catch (const ConfigError& e) {
    fail(e.message());
  }
}

double ConfigNode::bytes() const {
  if (node_.IsScalar())
    if (auto v = simcore::parse_bytes(node_.Scalar())) {
      if (*v < 0) expected("a non-negative size");
      // A whole number of bytes ("0.5KiB" is 512 B); decimal prefixes may leave float noise
      // ("1.1kB" = 1100.0000000000002), which is rounded away, never a real fraction of a byte.
      const double whole = std::round(*v);
      if (std::abs(*v - whole) > 1e-9 * std::max(1.0, whole))
        expected("a whole number of bytes");
      return whole;
    }
  expected("a size with a unit, e.g. \"25MiB\"");
}

double ConfigNode::rate() const {
  if (node_.IsScalar())
    if (auto v = simcore::parse_rate_bytes_per_s(node_.Scalar())) {
      if (*v > 0) return *v;
      expected("a positive rate");
    }
  expected("a rate with a unit, e.g. \"400Gbps\"");
}

double ConfigNode::flops() const {
  if (node_.IsScalar())
    if (auto v = simcore::parse_flops_per_s(node_.Scalar())) {
      if (*v > 0) return *v;
      expected("a positive compute rate");
    }
  expected("a compute rate with a unit, e.g. \"989TFLOPS\"");
}

std::string ConfigNode::choice(const std::vector<std::string>& choices) const {
  std::string s = node_.IsScalar() ? node_.Scalar() : "";
  if (std::find(choices.begin(), choices.end(), s) != choices.end()) return s;
  std::string msg = fmt::format("one of {}", fmt::join(choices, ", "));
  if (auto d = did_you_mean(s, choices)) msg = fmt::format("{}; did you mean '{}'", msg, *d);
  expected(msg);
}

std::string ConfigNode::resolve_path(const std::string& p) const {
  namespace fs = std::filesystem;
  fs::path q(p);
  if (q.is_absolute()) return q.string();
  fs::path base = fs::path(file_).parent_path();
  if (file_.empty() || file_.front() == '<') base = fs::current_path();
  return (base / q).lexically_normal().string();
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> did_you_mean(const std::string& word,
                                        const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  if (best && best_d <= std::max<size_t>(2, word.size() / 3)) return best;
  return std::nullopt;
}

void apply_overrides(YAML::Node& root, const std::vector<std::string>& sets, Overrides& record) {
  for (const auto& s : sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      throw ConfigError(SourceLocation{"<--set " + s + ">", 0, 0},
                        "expected key.path=value; got \"" + s + "\"");
    std::string key = s.substr(0, eq), value = s.substr(eq + 1);
    if (value.empty())
      throw ConfigError(SourceLocation{"<--set " + s + ">", 0, 0},
                        "expected a value after '='; got nothing");
    std::vector<std::string> parts;
    std::stringstream ss(key);
    for (std::string p; std::getline(ss, p, '.');) {
      if (p.empty())
        throw ConfigError(SourceLocation{"<--set " + s + ">", 0, 0}, "empty key in \"" + key + "\"");
      parts.push_back(p);
    }
    YAML::Node v;
    try {
      v = YAML::Load(value);
    } catch (const YAML::Exception& e) {
      throw ConfigError(SourceLocation{"<--set " + s + ">", 0, 0}, "invalid YAML value: " + e.msg);
    }
    // Walk down, creating maps as needed (yaml-cpp nodes are references).
    std::vector<YAML::Node> chain{root};
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      YAML::Node next = chain.back()[parts[i]];
      if (!next.IsDefined() || next.IsNull()) {
        chain.back()[parts[i]] = YAML::Node(YAML::NodeType::Map);
        next = chain.back()[parts[i]];
      }
      if (!next.IsMap())
        throw ConfigError(SourceLocation{"<--set " + s + ">", 0, 0},
                          fmt::format("'{}' is not a map, cannot set '{}'", parts[i], key));
      chain.push_back(next);
    }
    chain.back()[parts.back()] = v;
    record[key] = "--set " + s;
  }
}

}  // namespace dtsim::cli
