#include "models/workloads/moe_routing.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "simcore/error.h"
#include "simcore/rng.h"

namespace dtsim::workloads {

using simcore::ConfigError;

std::vector<double> expert_load(const RoutingSpec& spec, int experts, int moe_layer) {
  if (experts < 1) throw ConfigError(fmt::format("routing: experts must be >= 1; got {}", experts));
  std::vector<double> w(static_cast<size_t>(experts), 1.0);
  switch (spec.distribution) {
    case RoutingDistribution::kUniform:
      break;
    case RoutingDistribution::kZipf: {
      const double s = spec.zipf_exponent;
      if (!std::isfinite(s) || s < 0)
        throw ConfigError(fmt::format("routing: the Zipf exponent must be a finite number >= 0; got {}", s));
      // Popularity rank r + 1 for expert perm[r]; a Fisher-Yates shuffle driven by SplitMix64 of
      // (seed, layer, step) is the same on every platform (std::shuffle is not).
      std::vector<int> perm(static_cast<size_t>(experts));
      std::iota(perm.begin(), perm.end(), 0);
      uint64_t state = simcore::mix64(spec.seed ^ simcore::mix64(static_cast<uint64_t>(moe_layer) + 1));
      for (int i = experts - 1; i > 0; --i) {
        state = simcore::mix64(state);
        std::swap(perm[static_cast<size_t>(i)], perm[state % static_cast<uint64_t>(i + 1)]);
      }
      for (int r = 0; r < experts; ++r) w[static_cast<size_t>(perm[r])] = std::pow(r + 1.0, -s);
      break;
    }
    case RoutingDistribution::kHistogram: {
      if (spec.histogram.empty()) throw ConfigError("routing: the histogram has no rows");
      const auto& row = spec.histogram.size() == 1
                            ? spec.histogram.front()
                            : spec.histogram.at(static_cast<size_t>(moe_layer) % spec.histogram.size());
      if (row.size() != static_cast<size_t>(experts))
        throw ConfigError(fmt::format("routing: a histogram row has {} counts but the model has {} "
                                      "routed experts", row.size(), experts));
      for (double c : row)
        if (!std::isfinite(c) || c < 0)
          throw ConfigError(fmt::format("routing: histogram counts must be finite and >= 0; got {}", c));
      w = row;
      break;
    }
  }
  // Scaled by the largest weight first, so huge counts (1e308 each) cannot overflow the sum.
  const double largest = *std::max_element(w.begin(), w.end());
  if (!(largest > 0)) throw ConfigError("routing: the histogram counts sum to 0");
  for (double& x : w) x /= largest;
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  for (double& x : w) x /= total;
  return w;
}

double touch_probability(double share, double pool, int top_k) {
  if (!(share > 0)) return 0;
  double miss = 1;
  const double others = pool * (1 - share);
  for (int i = 0; i < top_k; ++i) {
    if (others - i <= 0) return 1;  // fewer other experts than picks: always hit
    miss *= (others - i) / (pool - i);
  }
  return 1 - miss;
}

std::vector<double> transpose(const std::vector<double>& m, int n) {
  std::vector<double> t(m.size());
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) t[static_cast<size_t>(j) * n + i] = m[static_cast<size_t>(i) * n + j];
  return t;
}

EpTraffic ep_traffic(const std::vector<double>& load, const EpTrafficParams& p) {
  const int experts = static_cast<int>(load.size());
  const int ep = p.ep;
  if (p.redundant_experts < 0)
    throw ConfigError(fmt::format("redundant_experts must be >= 0; got {}", p.redundant_experts));
  const int slots = experts + p.redundant_experts;
  if (ep < 1 || slots % ep != 0) {
    if (p.redundant_experts == 0)
      throw ConfigError(fmt::format("the routed experts ({}) must be a multiple of ep ({})", experts, ep));
    throw ConfigError(fmt::format("the routed experts ({}) plus redundant copies ({}) = {} must be a "
                                  "multiple of ep ({})", experts, p.redundant_experts, slots, ep));
  }
  if (p.top_k < 1 || p.top_k > experts)
    throw ConfigError(fmt::format("top_k ({}) must be between 1 and the routed experts ({})", p.top_k,
                                  experts));
  if (!(p.capacity_factor >= 0) || !std::isfinite(p.capacity_factor))
    throw ConfigError(fmt::format("capacity_factor must be >= 0 (0: dropless); got {}", p.capacity_factor));
  const bool limited = p.node_limit > 0 && ep > 1;
  const bool normal = p.kernel == EpKernel::kDeepEpNormal && ep > 1;
  if (normal && ep > p.ranks_per_node && (p.ranks_per_node < 1 || ep % p.ranks_per_node != 0))
    throw ConfigError(fmt::format("DeepEP's normal kernels need ep ({}) within one node or a multiple "
                                  "of the ranks per node ({})", ep, p.ranks_per_node));
  if (limited && p.kernel == EpKernel::kAllToAll && (p.ranks_per_node < 1 || ep % p.ranks_per_node != 0))
    throw ConfigError(fmt::format("node-limited routing needs ep ({}) to be a multiple of the ranks per "
                                  "node ({})", ep, p.ranks_per_node));
  const int per_rank = slots / ep;
  // Kept share of the group's assignments per expert (capacity: at most c/E per expert), then
  // per slot (redundant copies split their expert's share) and per EP rank.
  EpTraffic out;
  std::vector<double> kept_expert(static_cast<size_t>(experts));
  double kept_total = 0;
  for (int e = 0; e < experts; ++e) {
    double k = load[static_cast<size_t>(e)];
    if (p.capacity_factor > 0) k = std::min(k, p.capacity_factor / experts);
    kept_expert[static_cast<size_t>(e)] = k;
    kept_total += k;
  }
  std::vector<int> slot_expert(static_cast<size_t>(experts));
  std::iota(slot_expert.begin(), slot_expert.end(), 0);
  std::vector<int> copies(static_cast<size_t>(experts), 1);
  for (int c = 0; c < p.redundant_experts; ++c) {
    int best = 0;
    for (int e = 1; e < experts; ++e)
      if (kept_expert[static_cast<size_t>(e)] / copies[static_cast<size_t>(e)] >
          kept_expert[static_cast<size_t>(best)] / copies[static_cast<size_t>(best)])
        best = e;
    ++copies[static_cast<size_t>(best)];
    slot_expert.push_back(best);
  }
  std::vector<double> kept(static_cast<size_t>(ep), 0.0);
  for (int sl = 0; sl < slots; ++sl) {
    const int e = slot_expert[static_cast<size_t>(sl)];
    kept[static_cast<size_t>(sl / per_rank)] += kept_expert[static_cast<size_t>(e)] / copies[static_cast<size_t>(e)];
  }
  out.dropped_fraction = p.capacity_factor > 0 ? std::max(0.0, 1.0 - kept_total) : 0.0;
  const double assignments = p.tokens_per_rank * p.top_k;  // per source rank
  out.expert_tokens.resize(static_cast<size_t>(ep));
  for (int j = 0; j < ep; ++j) out.expert_tokens[static_cast<size_t>(j)] = ep * assignments * kept[static_cast<size_t>(j)];

  const size_t cells = static_cast<size_t>(ep) * ep;
  auto sent = [&](const std::vector<double>& m, std::vector<double>& per_rank_sent) {
    for (int i = 0; i < ep; ++i)
      for (int j = 0; j < ep; ++j)
        if (i != j) per_rank_sent[static_cast<size_t>(i)] += m[static_cast<size_t>(i) * ep + j];
  };
  std::vector<double> per_rank_sent(static_cast<size_t>(ep), 0.0);
  if (normal) {
    // DeepEP normal (file comment): nodes of r ranks; with ep inside one node, g = 1.
    const int r = std::min(ep, p.ranks_per_node > 0 ? p.ranks_per_node : ep), g = ep / r;
    std::vector<double> node_share(static_cast<size_t>(g), 0.0);
    for (int j = 0; j < ep; ++j) node_share[static_cast<size_t>(j / r)] += kept[static_cast<size_t>(j)];
    const int m = limited ? std::min(p.node_limit, g) : g;  // nodes a token may reach
    const double pool = static_cast<double>(experts) * m / g;
    auto selected = [&](int n) { return m < g ? std::min(1.0, m * node_share[static_cast<size_t>(n)]) : 1.0; };
    std::vector<double> touch_node(static_cast<size_t>(g)), touch_rank(static_cast<size_t>(ep));
    for (int n = 0; n < g; ++n) {
      const double s = selected(n);
      touch_node[static_cast<size_t>(n)] =
          s > 0 ? s * touch_probability(std::min(1.0, node_share[static_cast<size_t>(n)] / s), pool, p.top_k) : 0;
    }
    for (int j = 0; j < ep; ++j) {
      const double s = selected(j / r);
      touch_rank[static_cast<size_t>(j)] =
          s > 0 ? s * touch_probability(std::min(1.0, kept[static_cast<size_t>(j)] / s), pool, p.top_k) : 0;
    }
    const double t = p.tokens_per_rank, b = p.bytes_per_token;
    out.dispatch.assign(cells, 0.0);
    out.node_tokens.assign(static_cast<size_t>(ep), 0.0);
    out.recv_tokens.assign(static_cast<size_t>(ep), 0.0);
    for (int i = 0; i < ep; ++i) {
      const int a = i / r, l = i % r;
      for (int n = 0; n < g; ++n) {  // RDMA to the same local index of every other node hit
        out.node_tokens[static_cast<size_t>(i)] += t * touch_node[static_cast<size_t>(n)];
        if (n != a) out.dispatch[static_cast<size_t>(i) * ep + (n * r + l)] = t * touch_node[static_cast<size_t>(n)] * b;
      }
      for (int j = a * r; j < (a + 1) * r; ++j)  // NVLink: forwards its g rail peers' tokens
        out.dispatch[static_cast<size_t>(i) * ep + j] = g * t * touch_rank[static_cast<size_t>(j)] * b;
      out.recv_tokens[static_cast<size_t>(i)] = ep * t * touch_rank[static_cast<size_t>(i)];
    }
    sent(out.dispatch, per_rank_sent);
  } else if (!limited || p.kernel == EpKernel::kDeepEpLowLatency) {
    out.dispatch.resize(cells);
    for (int i = 0; i < ep; ++i)
      for (int j = 0; j < ep; ++j)
        out.dispatch[static_cast<size_t>(i) * ep + j] = assignments * kept[static_cast<size_t>(j)] * p.bytes_per_token;
    sent(out.dispatch, per_rank_sent);
  } else {
    const int r = p.ranks_per_node, g = ep / r;
    std::vector<double> node_share(static_cast<size_t>(g), 0.0);
    for (int j = 0; j < ep; ++j) node_share[static_cast<size_t>(j / r)] += kept[static_cast<size_t>(j)];
    out.dispatch_inter.assign(cells, 0.0);
    out.dispatch_intra.assign(cells, 0.0);
    for (int i = 0; i < ep; ++i) {
      const int a = i / r, l = i % r;
      for (int n = 0; n < g; ++n) {
        if (n == a) continue;
        const double select = std::min(1.0, p.node_limit * node_share[static_cast<size_t>(n)]);
        out.dispatch_inter[static_cast<size_t>(i) * ep + (n * r + l)] =
            p.tokens_per_rank * select * p.bytes_per_token;
      }
      for (int j = a * r; j < (a + 1) * r; ++j)
        out.dispatch_intra[static_cast<size_t>(i) * ep + j] =
            g * assignments * kept[static_cast<size_t>(j)] * p.bytes_per_token;
    }
    sent(out.dispatch_inter, per_rank_sent);
    sent(out.dispatch_intra, per_rank_sent);
  }
  out.sent_max = *std::max_element(per_rank_sent.begin(), per_rank_sent.end());
  out.sent_mean = std::accumulate(per_rank_sent.begin(), per_rank_sent.end(), 0.0) / ep;
  return out;
}

}  // namespace dtsim::workloads
