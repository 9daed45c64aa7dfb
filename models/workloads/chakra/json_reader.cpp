#include "models/workloads/chakra/json_reader.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "simcore/error.h"

namespace dtsim::workloads::chakra {

using simcore::ConfigError;
using simcore::SourceLocation;

namespace {

SourceLocation position(const std::string& text, const std::string& file, size_t byte) {
  int line = 1, col = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return SourceLocation{file, line, col};
}

const char* json_type(const nlohmann::json& v) { return v.type_name(); }

}  // namespace

RankTrace parse_feeder_json(const std::string& text, const std::string& file) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    size_t at = e.byte > 0 ? e.byte - 1 : 0;
    std::string what = e.what();
    auto colon = what.find("syntax error");
    throw ConfigError(position(text, file, at),
                      "invalid JSON: " + (colon != std::string::npos ? what.substr(colon) : what));
  } catch (const nlohmann::json::out_of_range& e) {
    // A number no double holds (error 406, "number overflow parsing '<token>'"): the message
    // quotes the token but gives no position; point at the token's first occurrence.
    const std::string what = e.what();
    const size_t open = what.find('\''), close = what.rfind('\'');
    const std::string token =
        open != std::string::npos && close > open ? what.substr(open + 1, close - open - 1) : "";
    const size_t at = token.empty() ? std::string::npos : text.find(token);
    throw ConfigError(position(text, file, at == std::string::npos ? 0 : at),
                      fmt::format("invalid JSON: a number too large for a double ({} characters "
                                  "starting '{}')",
                                  token.size(), token.substr(0, 16)));
  }
  SourceLocation where{file, 0, 0};
  if (!doc.is_object() || !doc.contains("workload_graph") || !doc["workload_graph"].is_array())
    throw ConfigError(where, "expected a JSON object with a \"workload_graph\" list of nodes");
  RankTrace t;
  t.file = file;
  t.version = "json";
  const auto& nodes = doc["workload_graph"];
  t.nodes.reserve(nodes.size());
  size_t k = 0;
  for (const auto& n : nodes) {
    auto fail = [&](const std::string& what) -> void {
      std::string who = n.is_object() && n.contains("Id") ? fmt::format("node Id {}", n["Id"].dump())
                                                           : fmt::format("node #{}", k);
      throw ConfigError(where, fmt::format("{}: {}", who, what));
    };
    if (!n.is_object()) fail(fmt::format("expected an object; got {}", json_type(n)));
    auto uint_of = [&](const nlohmann::json& v, const std::string& key) -> uint64_t {
      if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
        fail(fmt::format("'{}' should be a non-negative integer; got {}", key, v.dump()));
      return v.is_number_integer() ? v.get<uint64_t>() : 0;
    };
    pb::Node node;
    if (!n.contains("Id")) fail("missing 'Id'");
    node.set_id(uint_of(n["Id"], "Id"));
    if (!n.contains("NodeType")) fail("missing 'NodeType'");
    uint64_t type = uint_of(n["NodeType"], "NodeType");
    if (type > 1000) fail(fmt::format("'NodeType' {} is not a node type", type));
    node.set_type(static_cast<pb::NodeType>(type));
    for (const auto& [key, v] : n.items()) {
      if (key == "Id" || key == "NodeType") continue;
      if (key == "Name") {
        if (!v.is_string()) fail(fmt::format("'Name' should be a string; got {}", json_type(v)));
        node.set_name(v.get<std::string>());
      } else if (key == "data_deps" || key == "ctrlDeps" || key == "ctrl_deps") {
        if (!v.is_array()) fail(fmt::format("'{}' should be a list of node ids; got {}", key, json_type(v)));
        for (const auto& d : v) {
          uint64_t id = uint_of(d, key);
          if (key == "data_deps")
            node.add_data_deps(id);
          else
            node.add_ctrl_deps(id);
        }
      } else if (key == "runtime") {
        node.set_duration_micros(uint_of(v, key));
      } else {
        pb::AttributeProto* a = node.add_attr();
        a->set_name(key);
        if (v.is_boolean())
          a->set_bool_val(v.get<bool>());
        else if (v.is_number_unsigned())
          a->set_uint64_val(v.get<uint64_t>());
        else if (v.is_number_integer())
          a->set_int64_val(v.get<int64_t>());
        else if (v.is_number_float())
          a->set_double_val(v.get<double>());
        else if (v.is_string())
          a->set_string_val(v.get<std::string>());
        else  // lists and objects: kept as their JSON text (a known key of this form is an error)
          a->set_string_val(v.dump());
      }
    }
    t.nodes.push_back(std::move(node));
    ++k;
  }
  return t;
}

}  // namespace dtsim::workloads::chakra
