#include "tools/dtsim/plan/inverse.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "simcore/error.h"

namespace dtsim::cli::plan {

ClusterCost cluster_cost(const DeviceEconomics& e, int gpus, double tokens_per_s) {
  ClusterCost c;
  c.usd_per_hour = gpus * e.price_per_gpu_hour_usd;
  c.power_kw = gpus * e.power_watts / 1e3;
  if (tokens_per_s > 0) {
    c.usd_per_million_tokens = c.usd_per_hour / (3600.0 * tokens_per_s) * 1e6;
    c.joules_per_token = gpus * e.power_watts / tokens_per_s;
  }
  return c;
}

std::vector<Candidate> fastest_per_gpu_count(
    const SearchResult& r, const std::vector<int>& gpus,
    const std::function<double(const PricedLayout&)>& throughput) {
  std::vector<Candidate> out;
  for (int g : gpus) {
    std::optional<Candidate> best;
    for (size_t i = 0; i < r.layouts.size(); ++i) {
      const PricedLayout& p = r.layouts[i];
      if (p.layout.gpus != g || !p.estimate) continue;
      const double t = throughput(p);
      if (!best || t > best->tokens_per_s) best = Candidate{g, t, i};
    }
    if (best) out.push_back(*best);
  }
  return out;
}

TargetChoice choose_for_target(const std::vector<Candidate>& c, double target) {
  DTSIM_ASSERT(!c.empty(), "choose_for_target: no candidates");
  TargetChoice t;
  for (size_t i = 0; i < c.size(); ++i) {
    if (c[i].tokens_per_s > c[t.best].tokens_per_s) t.best = i;
    if (c[i].tokens_per_s < target) continue;
    if (!t.smallest || c[i].gpus < c[*t.smallest].gpus) t.smallest = i;
    // GPU-hours per token, compared without division: g_i / tps_i < g_j / tps_j.
    auto cheaper = [&](size_t a, size_t b) {
      const double lhs = c[a].gpus * c[b].tokens_per_s, rhs = c[b].gpus * c[a].tokens_per_s;
      return lhs < rhs || (lhs == rhs && c[a].gpus < c[b].gpus);
    };
    if (!t.cheapest || cheaper(i, *t.cheapest)) t.cheapest = i;
  }
  return t;
}

bool is_inter_node(const topologies::Topology& t, const topologies::Link& l) {
  const int a = t.nodes()[l.a].box, b = t.nodes()[l.b].box;
  return a < 0 || a != b;
}

topologies::Topology scale_inter_node_bandwidth(const topologies::Topology& t, double factor) {
  DTSIM_ASSERT(factor > 0, "scale_inter_node_bandwidth: factor must be positive");
  topologies::Topology out;
  for (const auto& n : t.nodes()) out.add_node(n.name, n.kind, n.forwards, n.box);
  for (topologies::Link l : t.links()) {
    if (is_inter_node(t, l)) {
      l.bw_ab_bytes_per_s *= factor;
      l.bw_ba_bytes_per_s *= factor;
    }
    out.add_link(std::move(l));
  }
  return out;
}

std::map<std::string, std::vector<double>> inter_node_bandwidths(const topologies::Topology& t) {
  std::map<std::string, std::set<double>> distinct;
  for (const auto& l : t.links())
    if (is_inter_node(t, l)) {
      distinct[l.link_class].insert(l.bw_ab_bytes_per_s);
      distinct[l.link_class].insert(l.bw_ba_bytes_per_s);
    }
  std::map<std::string, std::vector<double>> out;
  for (const auto& [cls, bws] : distinct) out[cls].assign(bws.begin(), bws.end());
  return out;
}

std::optional<double> least_bandwidth_factor(const std::function<double(double)>& best,
                                             double target, double lo, double hi,
                                             double rel_tol, double* reached) {
  DTSIM_ASSERT(0 < lo && lo < hi && rel_tol > 0, "least_bandwidth_factor: bad bracket");
  const double at_hi = best(hi);
  if (at_hi < target) {
    if (reached) *reached = at_hi;
    return std::nullopt;
  }
  const double at_lo = best(lo);
  if (at_lo >= target) {
    if (reached) *reached = at_lo;
    return lo;
  }
  // Invariant: best(lo) < target <= best(hi).
  double reached_hi = at_hi;
  while (hi / lo > 1 + rel_tol) {
    const double mid = std::sqrt(lo * hi);  // the midpoint of log2 f
    const double at = best(mid);
    if (at >= target) {
      hi = mid;
      reached_hi = at;
    } else {
      lo = mid;
    }
  }
  if (reached) *reached = reached_hi;
  return hi;
}

}  // namespace dtsim::cli::plan
