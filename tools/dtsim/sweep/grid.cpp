#include "tools/dtsim/sweep/grid.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>

#include "simcore/error.h"
#include "tools/dtsim/scenario.h"

namespace dtsim::cli::sweep {

using simcore::ConfigError;
using simcore::SourceLocation;

namespace {

std::string flow_yaml(const YAML::Node& v) {
  YAML::Emitter e;
  e << YAML::Flow << v;
  return e.c_str();
}

/** `text` split on commas that are outside [], {} and quotes. */
std::vector<std::string> split_top_level(const std::string& text) {
  std::vector<std::string> out{""};
  int depth = 0;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (c == ',' && depth == 0) {
      out.emplace_back();
      continue;
    }
    out.back() += c;
  }
  return out;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

}  // namespace

std::vector<std::string> SweepAxes::keys() const {
  std::vector<std::string> k;
  for (const auto& a : zip) k.push_back(a.key);
  for (const auto& a : product) k.push_back(a.key);
  return k;
}

Axis parse_grid_axis(const std::string& text) {
  const SourceLocation at{"<--grid " + text + ">", 0, 0};
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError(at, "expected key.path=[v1, v2, ...] or key.path=v1,v2,...; got \"" + text +
                              "\"");
  Axis a{text.substr(0, eq), {}};
  if (a.key.front() == '.' || a.key.back() == '.' || a.key.find("..") != std::string::npos)
    throw ConfigError(at, "empty key segment in \"" + a.key + "\"");
  const std::string values = trim(text.substr(eq + 1));
  if (values.empty()) throw ConfigError(at, "expected a list of values after '='; got nothing");
  if (values.front() == '[') {
    YAML::Node list;
    try {
      list = YAML::Load(values);
    } catch (const YAML::Exception& e) {
      throw ConfigError(at, "invalid YAML list: " + e.msg);
    }
    if (!list.IsSequence())
      throw ConfigError(at, "expected a YAML sequence [v1, v2, ...]; got \"" + values + "\"");
    for (const auto& v : list) {
      if (v.IsNull()) throw ConfigError(at, "empty value in the list");
      a.values.push_back(flow_yaml(v));
    }
  } else {
    for (const auto& v : split_top_level(values)) {
      if (trim(v).empty()) throw ConfigError(at, "empty value in the list");
      a.values.push_back(trim(v));
    }
  }
  if (a.values.empty()) throw ConfigError(at, "an empty list of values: the axis has no points");
  return a;
}

SweepAxes read_sweep_block(const std::string& path, const std::vector<std::string>& sets,
                           bool ignore_block) {
  SweepAxes axes;
  const ConfigNode root = load_scenario_document(path, sets);
  if (ignore_block) return axes;
  auto block = root.get("sweep");
  if (!block) return axes;
  block->check_keys({"product", "zip"});
  // Keys may be dotted (`network.chunks: [1, 2]`) or nested (`network: {chunks: [1, 2]}`, what
  // `--set sweep.product.network.chunks=[1, 2]` makes): a map is followed down to its lists.
  std::function<void(const ConfigNode&, const std::string&, std::vector<Axis>&)> read =
      [&](const ConfigNode& node, const std::string& prefix, std::vector<Axis>& out) {
        for (auto& [key, list] : node.entries()) {
          const std::string path = prefix.empty() ? key : prefix + "." + key;
          if (list.yaml().IsMap()) {
            read(list, path, out);
            continue;
          }
          if (!list.yaml().IsSequence()) list.expected("a list of values (or a map of them)");
          Axis a{path, {}};
          for (const auto& v : list.items()) a.values.push_back(flow_yaml(v.yaml()));
          if (a.values.empty()) list.expected("a non-empty list of values");
          out.push_back(std::move(a));
        }
      };
  if (auto p = block->get("product")) read(*p, "", axes.product);
  if (auto z = block->get("zip")) {
    read(*z, "", axes.zip);
    for (const auto& a : axes.zip)
      if (a.values.size() != axes.zip.front().values.size())
        z->fail(fmt::format("zip axes must have equal lengths: '{}' has {}, '{}' has {}",
                                     axes.zip.front().key, axes.zip.front().values.size(), a.key,
                                     a.values.size()));
  }
  return axes;
}

std::vector<Point> grid_points(const SweepAxes& axes) {
  const std::vector<std::string> keys = axes.keys();
  for (size_t i = 0; i < keys.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (keys[i] == keys[j])
        throw ConfigError(SourceLocation{"<--grid " + keys[i] + "=...>", 0, 0},
                          fmt::format("two axes set '{}': give its values once", keys[i]));
  double count = axes.zip.empty() ? 1.0 : static_cast<double>(axes.zip.front().values.size());
  for (const auto& a : axes.product) count *= static_cast<double>(a.values.size());
  if (count > kMaxPoints)
    throw ConfigError(fmt::format("the sweep has {:.4g} points, more than the limit of {:.0g}: "
                                  "fewer values per axis or fewer axes",
                                  count, kMaxPoints));
  std::vector<Point> out{{}};
  if (!axes.zip.empty()) {
    out.clear();
    for (size_t i = 0; i < axes.zip.front().values.size(); ++i) {
      Point p;
      for (const auto& a : axes.zip) p.emplace_back(a.key, a.values[i]);
      out.push_back(std::move(p));
    }
  }
  for (const auto& a : axes.product) {
    std::vector<Point> next;
    next.reserve(out.size() * a.values.size());
    for (const auto& base : out)
      for (const auto& v : a.values) {
        Point p = base;
        p.emplace_back(a.key, v);
        next.push_back(std::move(p));
      }
    out = std::move(next);
  }
  return out;
}

}  // namespace dtsim::cli::sweep
