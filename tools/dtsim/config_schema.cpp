#include "tools/dtsim/config_schema.h"

#include <fmt/format.h>

namespace dtsim::cli {

KeySpec& KeySpec::with_keys(std::vector<KeySpec> nested) {
  keys = std::make_shared<const KeySchema>(std::move(nested));
  return *this;
}

std::vector<std::string> KeySchema::names() const {
  std::vector<std::string> out;
  out.reserve(keys_.size());
  for (const KeySpec& k : keys_) out.push_back(k.name);
  return out;
}

void KeySchema::check(const ConfigNode& map) const {
  map.check_keys(names());
  for (const KeySpec& k : keys_) {
    std::optional<ConfigNode> v = map.get(k.name);
    if (!v) {
      if (k.required) map[k.name];  // throws "missing key" at the map
      continue;
    }
    if (!k.choices.empty()) v->choice(k.choices);
    if (k.check) k.check(*v);
    if (k.keys) k.keys->check(*v);
  }
}

void KeySchema::rows(const std::string& prefix, std::string& out) const {
  for (const KeySpec& k : keys_) {
    std::string help = k.help;
    if (!k.choices.empty()) help += fmt::format(": {}", fmt::join(k.choices, " \\| "));
    out += fmt::format("| `{}{}` | {} | {} | {} |\n", prefix, k.name,
                       k.required ? "required" : k.default_value, k.unit, help);
    if (k.keys) k.keys->rows(prefix + k.name + ".", out);
  }
}

std::string KeySchema::markdown() const {
  std::string out = "| key | default | unit | meaning |\n|---|---|---|---|\n";
  rows("", out);
  return out;
}

KeyChecker boolean() {
  return [](const ConfigNode& n) { n.boolean(); };
}

KeyChecker integer_in(int64_t lo, int64_t hi) {
  return [lo, hi](const ConfigNode& n) { n.integer(lo, hi); };
}

KeyChecker size_at_most(double max_bytes, std::string expected) {
  return [max_bytes, expected = std::move(expected)](const ConfigNode& n) {
    if (n.bytes() > max_bytes) n.expected(expected);
  };
}

KeyChecker number_above(double lo, std::string expected) {
  return [lo, expected = std::move(expected)](const ConfigNode& n) {
    if (!(n.number() > lo)) n.expected(expected);
  };
}

}  // namespace dtsim::cli
