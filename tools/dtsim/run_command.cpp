#include <fmt/format.h>

#include <set>
#include <sstream>
#include <fmt/ostream.h>

#include <algorithm>
#include <iostream>

#include "simcore/trace.h"
#include "tools/dtsim/commands.h"
#include "tools/dtsim/kinds/registry.h"
#include "tools/dtsim/output_file.h"
#include "tools/dtsim/runner.h"

namespace dtsim::cli {

namespace {

void print_summary(const nlohmann::ordered_json& j, const Scenario& s) {
  fmt::print("scenario      {} ({}, {} ranks, {} back-end)\n", s.name, s.kind->name,
             j["ranks"].get<size_t>(), s.network_model);
  if (j["step_time_s"].is_null())
    fmt::print("step time     none: {} transfer(s) failed, {} op(s) did not run (see the report's "
               "failed_transfers)\n",
               j["failed_transfers"].size(), j["ops_not_run"]["count"].get<uint64_t>());
  else
    fmt::print("{:<13} {:.6f} ms\n", s.kind->makespan_label, j["step_time_s"].get<double>() * 1e3);
  if (j.contains("faults"))
    for (const auto& f : j["faults"])
      fmt::print("fault         {} {} at {:.9g} s: {} flows hit, {} re-routed, {} stalled, {} failed\n",
                 f["link"].get<std::string>(), f["kind"].get<std::string>(),
                 f["at_s"].get<double>(), f["flows_hit"].get<uint64_t>(),
                 f["rerouted"].get<uint64_t>(), f["stalled"].get<uint64_t>(),
                 f["failed"].get<uint64_t>());
  const auto& b = j["breakdown"];
  fmt::print("compute       {:.6f} ms   communication {:.6f} ms   exposed communication {:.6f} ms\n",
             b["compute_s"].get<double>() * 1e3, b["communication_s"].get<double>() * 1e3,
             b["exposed_communication_s"].get<double>() * 1e3);
  // Where the exposed communication went, and the idle time (bubble, waits).
  if (b.contains("communication_by_group") && !b["communication_by_group"].empty()) {
    std::string line;
    for (const auto& [name, share] : b["communication_by_group"].items())
      line += fmt::format("{}{} {:.3f}", line.empty() ? "" : ", ", name,
                          share["exposed_s"].get<double>() * 1e3);
    fmt::print("exposed by    {} ms; idle {:.3f} ms\n", line, b["idle_s"].get<double>() * 1e3);
  }
  if (s.kind->print_summary) s.kind->print_summary(s, j);
  if (s.kind->summarize_collectives && !j["collectives"].empty()) {
    double bytes = 0, time = 0;
    int64_t count = 0;
    for (const auto& c : j["collectives"]) {
      const auto k = c["count"].get<int64_t>();
      count += k;
      bytes += c["bytes"].get<double>() * static_cast<double>(k);
      time += c["total_time_s"].get<double>();
    }
    fmt::print("collectives   {} ({:.3f} GB, {:.6f} ms summed)\n", count, bytes / 1e9, time * 1e3);
  }
  for (const auto& [cls, u] : j["links"].items())
    fmt::print("link {:<9} {:.3f} GB carried, utilization {:.1f}%\n", cls,
               u["bytes"].get<double>() / 1e9, u["utilization"].get<double>() * 100);
  fmt::print("simulated in  {:.3f} s wall, {} events\n",
             j["wall_time_s"].is_null() ? 0.0 : j["wall_time_s"].get<double>(),
             j["events"].get<uint64_t>());
}

/** `--trace-ranks 0-7,12`: rank numbers and inclusive ranges, each below `ranks`.
 *  Errors: ConfigError at the argument. */
std::set<int> parse_rank_list(const std::string& text, size_t ranks) {
  const simcore::SourceLocation at{"<--trace-ranks " + text + ">", 0, 0};
  std::set<int> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    long a = 0, b = 0;
    char dash = 0, extra = 0;
    std::stringstream is(item);
    const bool range = item.find('-') != std::string::npos;
    const bool ok = range ? static_cast<bool>(is >> a >> dash >> b) && dash == '-' && !(is >> extra)
                          : static_cast<bool>(is >> a) && !(is >> extra);
    if (!range) b = a;
    if (!ok || a < 0 || b < a)
      throw simcore::ConfigError(at, fmt::format("expected ranks like 0-7,12 (numbers and "
                                                 "ascending ranges); got \"{}\"", item));
    if (static_cast<size_t>(b) >= ranks)
      throw simcore::ConfigError(at, fmt::format("rank {} is not in the run ({} ranks: 0-{})", b,
                                                 ranks, ranks - 1));
    for (long r = a; r <= b; ++r) out.insert(static_cast<int>(r));
  }
  if (out.empty()) throw simcore::ConfigError(at, "expected at least one rank");
  return out;
}

}  // namespace

int run_command(const RunOptions& opt) {
  // Paths given on the command line are checked before the (possibly long) load and run.
  if (!opt.report.empty()) check_writable(opt.report, "the report");
  if (!opt.trace.empty()) check_writable(opt.trace, "the trace");
  return run_scenario(load_scenario(opt.scenario, opt.sets, opt.resources.limits()), opt);
}

int run_scenario(const Scenario& s, const RunOptions& opt) {
  std::string report = opt.report.empty() ? s.report_path : opt.report;
  std::string trace = opt.trace.empty() ? s.trace_path : opt.trace;
  // Paths from the scenario's `outputs:` (the command-line ones were checked above).
  if (opt.report.empty() && !report.empty()) check_writable(report, "the report");
  if (opt.trace.empty() && !trace.empty()) check_writable(trace, "the trace");
  check_distinct_outputs(s.file, {report, trace});
  std::set<int> trace_ranks;
  if (!opt.trace_ranks.empty()) {
    if (trace.empty())
      throw simcore::ConfigError(simcore::SourceLocation{"<--trace-ranks " + opt.trace_ranks + ">", 0, 0},
                                 "there is no trace to filter: give --trace FILE (or outputs.trace)");
    trace_ranks = parse_rank_list(opt.trace_ranks, s.workload.ranks.size());
  }
  RunOutcome o;
  try {
    o = simulate(s, !trace.empty());
  } catch (const simcore::ConfigError& e) {
    if (!e.where().str().empty()) throw;
    throw simcore::ConfigError(simcore::SourceLocation{s.file, 0, 0}, e.message());
  }
  auto j = make_report(s, o, opt.reproducible, opt.collective_instances);
  if (!report.empty())
    write_atomically(report, [&](std::ostream& out) {
      out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
    });
  if (!trace.empty())
    write_atomically(trace, [&](std::ostream& out) {
      simcore::write_chrome_trace(out, s.workload, o.result, trace_ranks);
    });
  // A report or trace on standard output is the output: no summary is mixed into it.
  if (!opt.quiet && report != kStdout && trace != kStdout) {
    if (s.kind->print_table) s.kind->print_table(s, j);
    print_summary(j, s);
    if (!report.empty()) fmt::print("report        {}\n", report);
    if (!trace.empty()) fmt::print("trace         {} (open in https://ui.perfetto.dev)\n", trace);
  }
  return 0;
}

}  // namespace dtsim::cli
