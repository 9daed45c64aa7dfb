#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "tools/dtsim/commands.h"
#include "tools/dtsim/config_node.h"
#include "tools/dtsim/cost_model_goldens.h"
#include "tools/dtsim/runner.h"

namespace dtsim::cli {

namespace {

struct CaseResult {
  std::string name;
  bool pass = false;
  double expected = 0, actual = 0, error = 0;
  std::string note;
  std::string known_gap;  ///< non-empty: a tracked gap (reported, does not fail the run)
};

CaseResult run_case(const std::string& file) {
  ConfigNode c = ConfigNode::load_file(file);
  c.check_keys({"name", "scenario", "set", "pointer", "expected", "tolerance", "source",
                "known_gap"});
  CaseResult r;
  r.name = c["name"].str();
  c["source"].str();  // required: where the expected value comes from
  std::string scenario = c.resolve_path(c["scenario"].str());
  std::vector<std::string> sets;
  if (auto s = c.get("set"))
    for (const auto& x : s->items()) sets.push_back(x.str());
  std::string pointer = c["pointer"].str();
  r.expected = c["expected"].number();
  auto tol = c["tolerance"];
  tol.check_keys({"absolute", "relative"});
  auto non_negative = [](const ConfigNode& n) {
    const double v = n.number();
    if (v < 0) n.expected("a tolerance >= 0");
    return v;
  };
  double abs_tol = tol.has("absolute") ? non_negative(tol["absolute"]) : 0.0;
  double rel_tol = tol.has("relative") ? non_negative(tol["relative"]) : 0.0;
  if (!tol.has("absolute") && !tol.has("relative")) tol.expected("absolute and/or relative");
  Scenario s = load_scenario(scenario, sets);
  RunOutcome o = simulate(s, false);
  auto j = make_report(s, o, true);
  nlohmann::ordered_json::json_pointer ptr;
  try {
    ptr = nlohmann::ordered_json::json_pointer(pointer);
  } catch (const std::exception& e) {
    c["pointer"].fail(fmt::format("invalid JSON pointer: {}", e.what()));
  }
  if (!j.contains(ptr) || !j.at(ptr).is_number())
    c["pointer"].fail(fmt::format("'{}' is not a number in the report", pointer));
  r.actual = j.at(ptr).get<double>();
  r.error = std::fabs(r.actual - r.expected);
  double allowed = std::max(abs_tol, rel_tol * std::fabs(r.expected));
  r.pass = r.error <= allowed;
  r.note = fmt::format("abs. tol {:.3g}", allowed);
  // A known gap: a published number the model does not reach yet, kept in the table (with its
  // error) rather than dropped; it does not fail the run, and says so when it starts to pass.
  if (auto gap = c.get("known_gap")) {
    r.known_gap = gap->str();
    if (r.known_gap.empty()) gap->expected("the reason for the gap");
  }
  return r;
}

}  // namespace

int validate_command(const ValidateOptions& o) {
  namespace fs = std::filesystem;
  std::string dir = o.dir.empty() ? "validation/cases" : o.dir;
  std::vector<std::string> files;
  if (fs::is_regular_file(dir)) {
    files.push_back(dir);  // one case file
  } else if (fs::is_directory(dir)) {
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  } else {
    throw simcore::ConfigError(simcore::SourceLocation{dir, 0, 0},
                               "no such validation case file or folder");
  }
  std::sort(files.begin(), files.end());
  if (files.empty())
    throw simcore::ConfigError(simcore::SourceLocation{dir, 0, 0},
                               "no validation cases (*.yaml) in this folder");
  int failed = 0, ran = 0, bad_input = 0, gaps = 0;
  fmt::print("{:<44} {:>16} {:>16} {:>11}  {}\n", "case", "expected", "simulated", "rel.error", "verdict (allowed abs. error)");
  for (const auto& f : files) {
    if (!o.filter.empty() && f.find(o.filter) == std::string::npos) continue;
    ++ran;
    try {
      if (is_cost_model_golden(f)) {  // cost-model regression (cost_model_goldens.h)
        const std::string name = fs::path(f).filename().string();
        GoldenResult g = run_cost_model_golden(f, o.regenerate);
        if (o.regenerate)
          fmt::print("{:<44} regenerated ({} values)\n", name, g.checked);
        else
          fmt::print("{:<44} {:>16} {:>16} {:>11}  {} ({} of {} values moved)\n", name, "golden",
                     "", "", g.moved ? "FAIL" : "PASS", g.moved, g.checked);
        if (g.moved) ++failed;
        continue;
      }
      CaseResult r = run_case(f);
      double rel = r.expected != 0 ? r.error / std::fabs(r.expected) : r.error;
      const char* verdict = r.pass ? (r.known_gap.empty() ? "PASS" : "PASS (gap closed: drop known_gap)")
                                   : (r.known_gap.empty() ? "FAIL" : "KNOWN GAP");
      fmt::print("{:<44} {:>16.10g} {:>16.10g} {:>11.3e}  {} ({})\n", r.name, r.expected, r.actual,
                 rel, verdict, r.note);
      if (!r.pass && r.known_gap.empty()) ++failed;
      if (!r.pass && !r.known_gap.empty()) ++gaps;
    } catch (const simcore::ConfigError& e) {
      fmt::print("{:<44} ERROR (bad case or scenario)\n", fs::path(f).filename().string());
      fmt::print(stderr, "{}\n", e.what());
      ++bad_input;
    } catch (const std::exception& e) {
      fmt::print("{:<44} ERROR {}\n", fs::path(f).filename().string(), e.what());
      ++failed;
    }
  }
  fmt::print("{} cases, {} passed, {} failed, {} with bad input, {} known gaps\n", ran,
             ran - failed - bad_input - gaps, failed, bad_input, gaps);
  if (ran == 0)
    throw simcore::ConfigError(simcore::SourceLocation{dir, 0, 0},
                               "no validation case matches the filter '" + o.filter + "'");
  if (bad_input) return 2;
  return failed ? 1 : 0;
}

}  // namespace dtsim::cli
