#pragma once
/**
 * `dtsim plan`'s inverse questions: given a target throughput, the smallest cluster and the
 * cheapest one (the fewest GPU-hours per token) whose fastest layout reaches it, what that
 * cluster costs and draws, and the least inter-node bandwidth with which some layout reaches it.
 *
 * Units: tokens per second; US dollars; watts and kilowatts; joules; bandwidth in bytes per
 * second per direction.
 * Errors: none of their own; `least_bandwidth_factor` passes on the callback's ConfigError.
 * Source: the cost is the device file's rental price times GPU-hours (configs/devices, each
 * price cited there); the power is the boards' TDP only (no host, network or cooling).
 *
 *     std::vector<Candidate> c = fastest_per_gpu_count(result, gpus, throughput);
 *     TargetChoice t = choose_for_target(c, 2.0e6);   // t.smallest, t.cheapest, t.best
 */
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tools/dtsim/device_economics.h"
#include "tools/dtsim/plan/search.h"
#include "topologies/topology.h"

namespace dtsim::cli::plan {

/** What `gpus` devices cost and draw while training at `tokens_per_s`. */
struct ClusterCost {
  double usd_per_hour = 0;            ///< gpus x price per GPU-hour (0 without a price)
  double usd_per_million_tokens = 0;  ///< usd_per_hour / (3600 tokens_per_s) x 1e6
  double power_kw = 0;                ///< gpus x the device's power / 1000 (0 without one)
  double joules_per_token = 0;        ///< gpus x power / tokens_per_s
};
ClusterCost cluster_cost(const DeviceEconomics& e, int gpus, double tokens_per_s);

/** A GPU count's fastest layout: what the inverse questions choose among. */
struct Candidate {
  int gpus = 0;
  double tokens_per_s = 0;
  size_t layout = 0;  ///< index into SearchResult::layouts
};

/** For each of `gpus` that has a priced layout, the one with the highest `throughput`
 *  (tokens/s; e.g. the estimate's, or the estimate's times the goodput), GPU count ascending. */
std::vector<Candidate> fastest_per_gpu_count(
    const SearchResult& r, const std::vector<int>& gpus,
    const std::function<double(const PricedLayout&)>& throughput);

/** Indices into the candidates. */
struct TargetChoice {
  std::optional<size_t> smallest;  ///< the fewest GPUs reaching the target
  /** Reaching the target with the fewest GPU-hours per token (gpus / tokens_per_s; ties go to
   *  fewer GPUs): the cheapest per token for one device type, whatever its price. */
  std::optional<size_t> cheapest;
  size_t best = 0;  ///< the highest throughput of all (what to name when none reaches it)
};
/** Requires a non-empty `c`. */
TargetChoice choose_for_target(const std::vector<Candidate>& c, double target_tokens_per_s);

/** Whether `l` joins two nodes: its ends are not both in one box (a server). A cluster without
 *  boxes has every link between nodes. */
bool is_inter_node(const topologies::Topology& t, const topologies::Link& l);
/** `t` with the bandwidth of every inter-node link multiplied by `factor` (> 0), in both
 *  directions; nodes, ranks, latencies and the links inside boxes unchanged. */
topologies::Topology scale_inter_node_bandwidth(const topologies::Topology& t, double factor);
/** Link class -> the distinct per-direction bandwidths of `t`'s inter-node links of that class
 *  (bytes/s, ascending: a NIC's link and a leaf-spine trunk may share a class). Empty when no
 *  link joins two nodes. */
std::map<std::string, std::vector<double>> inter_node_bandwidths(const topologies::Topology& t);

/** The least factor f in [lo, hi] with `best(f)` >= target, found by bisection on log2 f to a
 *  relative width `rel_tol`; the answer is the upper end of the last bracket, so it reaches the
 *  target. Assumes `best` does not fall as f grows (more bandwidth never slows a step down on
 *  the analytical back-end). `reached` gets best(answer), or best(hi) when none.
 *  Returns nullopt when even best(hi) < target, `lo` when best(lo) already reaches it.
 *  Complexity: about log2(log2(hi / lo) / rel_tol) + 2 calls of `best`. */
std::optional<double> least_bandwidth_factor(const std::function<double(double)>& best,
                                             double target, double lo, double hi,
                                             double rel_tol, double* reached);

}  // namespace dtsim::cli::plan
