#include "tools/dtsim/plan/goodput.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dtsim::cli::plan {

ReliabilitySpec load_reliability(const ConfigNode& n) {
  n.check_keys({"name", "failures", "checkpoint", "restart", "source"});
  ReliabilitySpec r;
  r.name = n["name"].str();
  for (const ConfigNode& f : n["failures"].items()) {
    f.check_keys({"name", "per", "mtbf"});
    FailureSource s;
    s.name = f["name"].str();
    s.per_node = f["per"].choice({"gpu", "node"}) == "node";
    s.mtbf_s = f["mtbf"].seconds();
    if (!(s.mtbf_s > 0)) f["mtbf"].expected("a positive mean time between failures");
    r.failures.push_back(std::move(s));
  }
  const ConfigNode c = n["checkpoint"];
  c.check_keys({"bytes_per_parameter", "write_bandwidth", "read_bandwidth", "period"});
  r.checkpoint_bytes_per_param = c["bytes_per_parameter"].bytes();
  if (!(r.checkpoint_bytes_per_param > 0))
    c["bytes_per_parameter"].expected("a positive size per parameter, e.g. \"14B\"");
  r.write_bytes_per_s = c["write_bandwidth"].rate();
  r.read_bytes_per_s = c.get("read_bandwidth") ? c["read_bandwidth"].rate() : r.write_bytes_per_s;
  if (auto p = c.get("period")) {
    r.period_s = p->seconds();
    if (!(*r.period_s > 0)) p->expected("a positive checkpoint period");
  }
  r.restart_s = n["restart"].seconds();
  return r;
}

double goodput_at(double checkpoint_s, double restart_s, double recovery_s, double mtbf_s,
                  double period_s) {
  const double work = 1 - checkpoint_s / period_s;
  const double kept = 1 - (restart_s + recovery_s + period_s / 2) / mtbf_s;
  return work <= 0 || kept <= 0 ? 0.0 : work * kept;
}

Goodput goodput(const ReliabilitySpec& r, int gpus, int gpus_per_node, double checkpoint_bytes) {
  Goodput g;
  const double nodes = std::ceil(static_cast<double>(gpus) / std::max(1, gpus_per_node));
  double rate = 0;  // failures per second of the whole job
  for (const auto& f : r.failures) rate += (f.per_node ? nodes : gpus) / f.mtbf_s;
  g.mtbf_s = rate > 0 ? 1 / rate : std::numeric_limits<double>::infinity();
  g.checkpoint_s = checkpoint_bytes / r.write_bytes_per_s;
  g.recovery_s = checkpoint_bytes / r.read_bytes_per_s;
  g.restart_s = r.restart_s;
  if (rate == 0) {
    // Nothing fails: no checkpoint is needed for recovery, the whole run is useful.
    g.period_s = r.period_s.value_or(std::numeric_limits<double>::infinity());
    g.goodput = r.period_s ? 1 - g.checkpoint_s / *r.period_s : 1.0;
    g.goodput = std::max(0.0, g.goodput);
    return g;
  }
  g.period_s = r.period_s.value_or(std::sqrt(2 * g.checkpoint_s * g.mtbf_s));
  g.first_order_valid = g.checkpoint_s <= g.mtbf_s / 2;
  g.goodput = goodput_at(g.checkpoint_s, g.restart_s, g.recovery_s, g.mtbf_s, g.period_s);
  return g;
}

}  // namespace dtsim::cli::plan
