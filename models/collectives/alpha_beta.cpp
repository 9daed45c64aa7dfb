#include "models/collectives/alpha_beta.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "models/collectives/schedule.h"
#include "simcore/error.h"

namespace dtsim::collectives {

using simcore::CollectiveKind;
using simcore::ConfigError;

namespace {

void check_latency(std::string_view kind, const char* what, double v) {
  if (!std::isfinite(v) || v < 0)
    throw ConfigError(fmt::format("{}: {} must be a finite number >= 0; got {}", kind, what, v));
}

void check_bandwidth(std::string_view kind, const char* what, double v) {
  if (!std::isfinite(v) || v <= 0)
    throw ConfigError(fmt::format("{}: {} must be a finite number > 0; got {}", kind, what, v));
}

}  // namespace

double pipelined_seconds(double steps, double c, double alpha_s, double step_bytes, double bw) {
  if (steps <= 0) return 0;
  return (steps + c - 1) * (alpha_s + step_bytes / (c * bw));
}

TreeFactors double_binary_tree_factors(int n) {
  const auto trees = double_binary_tree(n);
  TreeFactors f;
  std::vector<int> pieces(n, 0);  // messages per piece index on a rank's link, per direction
  for (const Tree& t : trees) {
    f.depth = std::max(f.depth, tree_depth(t));
    for (int v = 0; v < n; ++v)
      if (t.parent[v] >= 0) {
        ++pieces[v];            // v sends up (and receives down)
        ++pieces[t.parent[v]];  // the parent receives from v (and sends down to it)
      }
  }
  for (int p : pieces) f.link_pieces = std::max(f.link_pieces, p);
  return f;
}

double alpha_beta_seconds(CollectiveKind kind, Algorithm algorithm, int n, double bytes,
                          const AlphaBetaParams& p) {
  const std::string_view kind_name = simcore::to_string(kind);
  if (n < 1) throw ConfigError(fmt::format("{}: group size must be >= 1; got {}", kind_name, n));
  if (!std::isfinite(bytes) || bytes < 0)
    throw ConfigError(
        fmt::format("{}: bytes must be a finite number >= 0; got {}", kind_name, bytes));
  check_latency(kind_name, "alpha_s", p.alpha_s);
  check_bandwidth(kind_name, "bw_bytes_per_s", p.bw_bytes_per_s);
  if (p.chunks < 1)
    throw ConfigError(fmt::format("{}: chunks must be >= 1; got {}", kind_name, p.chunks));
  if (p.boxes < 1 || p.boxes > n)
    throw ConfigError(fmt::format("{}: boxes must be in [1, {}]; got {}", kind_name, n, p.boxes));

  // Ranks spread over the boxes in contiguous blocks, as equal as n allows (for auto).
  std::vector<int> box_of(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) box_of[i] = static_cast<int>(static_cast<int64_t>(i) * p.boxes / n);
  if (!algorithm.is_auto() && algorithm.family().check_alpha_beta)
    algorithm.family().check_alpha_beta(kind, n, p);
  const Algorithm a = resolve(kind, algorithm, n, box_of);
  if (n == 1) return 0;
  return a.family().alpha_beta_seconds(kind, n, bytes, p);
}

double alpha_beta_seconds(CollectiveKind kind, Algorithm algorithm, int n, double bytes,
                          double alpha_s, double bw_bytes_per_s, int boxes, double intra_alpha_s,
                          double intra_bw_bytes_per_s) {
  AlphaBetaParams p;
  p.alpha_s = alpha_s;
  p.bw_bytes_per_s = bw_bytes_per_s;
  p.boxes = boxes;
  p.intra_alpha_s = intra_alpha_s;
  p.intra_bw_bytes_per_s = intra_bw_bytes_per_s;
  return alpha_beta_seconds(kind, algorithm, n, bytes, p);
}

double alltoallv_message_seconds(bool across_boxes, double bytes, const AlphaBetaParams& p) {
  const double alpha = across_boxes ? p.alpha_s : p.intra_alpha_s;
  const double bw = across_boxes ? p.bw_bytes_per_s : p.intra_bw_bytes_per_s;
  if (bytes == 0) return alpha;
  if (!(bw > 0))
    throw ConfigError(fmt::format("all_to_all_v: the {} bandwidth must be positive; got {}",
                                  across_boxes ? "inter-box" : "intra-box", bw));
  return alpha + bytes / bw;
}

double alpha_beta_alltoallv_seconds(int n, std::span<const double> matrix,
                                    const std::vector<int>& box_of, const AlphaBetaParams& params,
                                    Algorithm algorithm) {
  if (algorithm.is_auto()) algorithm = resolve(CollectiveKind::kAllToAll, algorithm, 1, {});
  if (!algorithm.family().alltoallv_seconds) {
    std::string names;
    for (const AlgorithmFamily* f : algorithm_families())
      if (f->alltoallv_seconds) names += fmt::format("{}{}", names.empty() ? "" : " or ", f->name);
    throw ConfigError(fmt::format(
        "all_to_all_v: algorithm \"{}\" does not suit an all-to-all; use {}", algorithm.name(),
        names));
  }
  const size_t cells = static_cast<size_t>(n) * static_cast<size_t>(std::max(n, 0));
  if (n < 1 || matrix.size() != cells)
    throw ConfigError(fmt::format("all_to_all_v: the send matrix over {} positions needs {} entries; "
                                  "got {}", n, cells, matrix.size()));
  if (!box_of.empty() && box_of.size() != static_cast<size_t>(n))
    throw ConfigError(fmt::format("all_to_all_v: {} boxes given for {} positions", box_of.size(), n));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const double b = matrix[static_cast<size_t>(i) * n + j];
      if (!std::isfinite(b) || b < 0)
        throw ConfigError(fmt::format("all_to_all_v: send matrix entry ({}, {}) must be a finite "
                                      "number >= 0; got {}", i, j, b));
    }
  return algorithm.family().alltoallv_seconds(n, matrix, box_of, params);
}

AlphaBetaParams ring_neighbour_params(const ScheduleRequest& r, const PairCostFn& pair) {
  AlphaBetaParams p;
  p.chunks = r.chunks;
  double alpha = 0, bw = std::numeric_limits<double>::infinity();
  for (int i = 0; i < r.n; ++i) {
    const PairCost c = pair(i, (i + 1) % r.n, 0);
    alpha = std::max(alpha, c.latency_s);
    bw = std::min(bw, c.bw_bytes_per_s);
  }
  std::vector<int> boxes(r.box_of.begin(), r.box_of.end());
  std::sort(boxes.begin(), boxes.end());
  p.boxes = std::max<int>(1, static_cast<int>(std::unique(boxes.begin(), boxes.end()) -
                                               boxes.begin()));
  p.alpha_s = alpha;
  p.bw_bytes_per_s = r.n > 0 ? bw : 1;
  return p;
}

}  // namespace dtsim::collectives
