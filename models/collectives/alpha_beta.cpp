#include "models/collectives/alpha_beta.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "models/collectives/schedule.h"
#include "simcore/error.h"

namespace dtsim::collectives {

using simcore::CollectiveKind;
using simcore::ConfigError;

namespace {

/** (steps + c - 1) (alpha + step_bytes / (c B)): a pipeline of `steps` equal steps; 0 if none. */
double pipelined(double steps, double c, double alpha_s, double step_bytes, double bw) {
  if (steps <= 0) return 0;
  return (steps + c - 1) * (alpha_s + step_bytes / (c * bw));
}

void check_latency(std::string_view kind, const char* what, double v) {
  if (!std::isfinite(v) || v < 0)
    throw ConfigError(fmt::format("{}: {} must be a finite number >= 0; got {}", kind, what, v));
}

void check_bandwidth(std::string_view kind, const char* what, double v) {
  if (!std::isfinite(v) || v <= 0)
    throw ConfigError(fmt::format("{}: {} must be a finite number > 0; got {}", kind, what, v));
}

}  // namespace

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
  if (algorithm == Algorithm::kHierarchical && n % p.boxes != 0)
    throw ConfigError(fmt::format(
        "{} with algorithm \"hierarchical\" needs n to be a multiple of boxes; got n = {}, "
        "boxes = {}",
        kind_name, n, p.boxes));
  const Algorithm a = resolve(kind, algorithm, n, box_of);
  if (n == 1) return 0;

  const double S = bytes, N = n, c = p.chunks, alpha = p.alpha_s, B = p.bw_bytes_per_s;
  const bool all_reduce = kind == CollectiveKind::kAllReduce;
  switch (a) {
    case Algorithm::kRing:
      if (kind == CollectiveKind::kBroadcast || kind == CollectiveKind::kReduce)
        return pipelined(N - 1, c, alpha, S, B);
      [[fallthrough]];
    case Algorithm::kRingBidirectional:
      return pipelined(all_reduce ? 2 * (N - 1) : N - 1, c, alpha, S / N, B);
    case Algorithm::kHalvingDoubling: {
      const double rounds = all_reduce ? 2 : 1;
      return rounds * (std::log2(N) * alpha + (N - 1) / N * S / B);
    }
    case Algorithm::kDirect:
      return alpha + (N - 1) * S / (N * B);
    case Algorithm::kPairwise:
      return pipelined(N - 1, c, alpha, S / N, B);
    case Algorithm::kDoubleBinaryTree: {
      const TreeFactors f = double_binary_tree_factors(n);
      const double piece = S / (2 * c);
      return 2 * f.depth * (alpha + piece / B) + (c - 1) * (alpha + f.link_pieces * piece / B);
    }
    case Algorithm::kHierarchical: {
      const double b = p.boxes, m = N / b;
      if (m > 1) {
        check_latency(kind_name, "intra_alpha_s", p.intra_alpha_s);
        check_bandwidth(kind_name, "intra_bw_bytes_per_s", p.intra_bw_bytes_per_s);
      }
      const double intra =
          m > 1 ? pipelined(m - 1, c, p.intra_alpha_s, S / m, p.intra_bw_bytes_per_s) : 0.0;
      return intra + pipelined(2 * (b - 1), c, alpha, S / m / b, B) + intra;
    }
    case Algorithm::kAuto:
      break;
  }
  throw simcore::InternalError("alpha_beta_seconds: auto survived resolve");
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

double alpha_beta_alltoallv_seconds(int n, std::span<const double> matrix,
                                    const std::vector<int>& box_of, const AlphaBetaParams& params,
                                    Algorithm algorithm) {
  if (algorithm == Algorithm::kAuto) algorithm = Algorithm::kDirect;
  if (algorithm != Algorithm::kDirect && algorithm != Algorithm::kPairwise)
    throw ConfigError(fmt::format("all_to_all_v: algorithm \"{}\" does not suit an all-to-all; use "
                                  "direct or pairwise", to_string(algorithm)));
  const size_t cells = static_cast<size_t>(n) * static_cast<size_t>(std::max(n, 0));
  if (n < 1 || matrix.size() != cells)
    throw ConfigError(fmt::format("all_to_all_v: the send matrix over {} positions needs {} entries; "
                                  "got {}", n, cells, matrix.size()));
  if (!box_of.empty() && box_of.size() != static_cast<size_t>(n))
    throw ConfigError(fmt::format("all_to_all_v: {} boxes given for {} positions", box_of.size(), n));
  // Per position and class (0 = same box, 1 = other box): bytes sent and received.
  std::vector<std::array<double, 4>> load(static_cast<size_t>(n), {0, 0, 0, 0});
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const double b = matrix[static_cast<size_t>(i) * n + j];
      if (!std::isfinite(b) || b < 0)
        throw ConfigError(fmt::format("all_to_all_v: send matrix entry ({}, {}) must be a finite "
                                      "number >= 0; got {}", i, j, b));
      if (i == j || b == 0) continue;
      const int c = box_of.empty() || box_of[i] == box_of[j] ? 0 : 1;
      load[i][c] += b;      // sent
      load[j][2 + c] += b;  // received
    }
  const double alpha[2] = {params.intra_alpha_s, params.alpha_s};
  const double bw[2] = {params.intra_bw_bytes_per_s, params.bw_bytes_per_s};
  // alpha + bytes / B of class c; a class that carries bytes needs a positive bandwidth.
  auto message_s = [&](int c, double bytes) {
    if (bytes == 0) return alpha[c];
    if (!(bw[c] > 0))
      throw ConfigError(fmt::format("all_to_all_v: the {} bandwidth must be positive; got {}",
                                    c == 0 ? "intra-box" : "inter-box", bw[c]));
    return alpha[c] + bytes / bw[c];
  };
  if (algorithm == Algorithm::kPairwise) {
    double total = 0;
    for (int s = 1; s < n; ++s) {
      double step = 0;
      for (int i = 0; i < n; ++i) {
        const int j = (i + s) % n;
        const int c = box_of.empty() || box_of[i] == box_of[j] ? 0 : 1;
        step = std::max(step, message_s(c, matrix[static_cast<size_t>(i) * n + j]));
      }
      total += step;
    }
    return total;
  }
  double t = 0;
  for (const auto& l : load)
    for (int c = 0; c < 2; ++c) {
      const double bytes = std::max(l[c], l[2 + c]);
      if (bytes > 0) t = std::max(t, message_s(c, bytes));
    }
  return t;
}

}  // namespace dtsim::collectives
