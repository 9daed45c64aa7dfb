// `hierarchical` (all-reduce): reduce-scatter inside each box, an all-reduce across boxes per
// local index, an all-gather inside each box (schedule.h, alpha_beta.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "models/collectives/alpha_beta.h"
#include "models/collectives/schedule_builder.h"
#include "simcore/error.h"

namespace dtsim::collectives {

using simcore::CollectiveKind;
using simcore::ConfigError;

namespace {

constexpr CollectiveKind kKinds[] = {CollectiveKind::kAllReduce};

void add_hierarchical(ScheduleBuilder& b, int n, double bytes, int chunks,
                      const std::vector<std::vector<int32_t>>& boxes) {
  const int m = static_cast<int>(boxes.front().size());
  const int nb = static_cast<int>(boxes.size());
  Boundary boundary(n, {kNoTransfer, kNoTransfer});
  for (const auto& box : boxes)  // (1) reduce-scatter of S inside each box
    add_ring(b, box, +1, m - 1, bytes / m, chunks, boundary);
  std::vector<int32_t> rail(nb);
  for (int l = 0; l < m; ++l) {  // (2) all-reduce of S/m across boxes, one ring per local index
    for (int x = 0; x < nb; ++x) rail[x] = boxes[x][l];
    add_ring(b, rail, +1, 2 * (nb - 1), bytes / m / nb, chunks, boundary);
  }
  for (const auto& box : boxes)  // (3) all-gather of S inside each box
    add_ring(b, box, +1, m - 1, bytes / m, chunks, boundary);
}
void check_group(CollectiveKind kind, int n, std::span<const int> box_of) {
  auto boxes = members_by_box(n, box_of);
  for (const auto& b : boxes)
    if (b.size() != boxes.front().size())
      throw ConfigError(fmt::format(
          "{} with algorithm \"hierarchical\" needs the same number of members in every box; "
          "box {} holds {} but box {} holds {}",
          simcore::to_string(kind), box_of[boxes.front().front()], boxes.front().size(),
          box_of[b.front()], b.size()));
}

double transfer_count(const ScheduleRequest& r) {
  const auto boxes = members_by_box(r.n, r.box_of);
  const double m = static_cast<double>(boxes.front().size());
  const double nb = static_cast<double>(boxes.size());
  return (2 * (m - 1) + 2 * (nb - 1)) * r.n * r.chunks;
}

void expand(const ScheduleRequest& r, ScheduleBuilder& b) {
  add_hierarchical(b, r.n, r.bytes, r.chunks, members_by_box(r.n, r.box_of));
}

/** Worst latency and bandwidth of a set of pairs. */
struct Worst {
  double alpha_s = 0;
  double bw = std::numeric_limits<double>::infinity();
  bool any = false;
  void add(const PairCost& c) {
    alpha_s = std::max(alpha_s, c.latency_s);
    bw = std::min(bw, c.bw_bytes_per_s);
    any = true;
  }
};

/** Inside boxes: each member to the next of its box; across: each member to the member of the
 *  same local index in the next box. */
AlphaBetaParams measure(const ScheduleRequest& r, const PairCostFn& pair) {
  AlphaBetaParams p;
  p.chunks = r.chunks;
  Worst inter, intra;
  auto groups = members_by_box(r.n, r.box_of);
  p.boxes = static_cast<int>(groups.size());
  for (const auto& g : groups)
    for (size_t i = 0; g.size() > 1 && i < g.size(); ++i)
      intra.add(pair(g[i], g[(i + 1) % g.size()], 0));
  for (size_t b = 0; b < groups.size(); ++b)
    for (size_t i = 0; i < groups[b].size(); ++i)
      inter.add(pair(groups[b][i], groups[(b + 1) % groups.size()][i], 0));
  p.intra_alpha_s = intra.alpha_s;
  p.intra_bw_bytes_per_s = intra.any ? intra.bw : 1;
  p.alpha_s = inter.alpha_s;
  p.bw_bytes_per_s = inter.any ? inter.bw : 1;
  return p;
}

void check_alpha_beta(CollectiveKind kind, int n, const AlphaBetaParams& p) {
  if (n % p.boxes != 0)
    throw ConfigError(fmt::format(
        "{} with algorithm \"hierarchical\" needs n to be a multiple of boxes; got n = {}, "
        "boxes = {}",
        simcore::to_string(kind), n, p.boxes));
}

/** Intra-box ring reduce-scatter, inter-box ring all-reduce of S/m, intra-box all-gather. */
double seconds(CollectiveKind kind, int n, double bytes, const AlphaBetaParams& p) {
  const std::string_view kind_name = simcore::to_string(kind);
  const double N = n, c = p.chunks, S = bytes;
  const double b = p.boxes, m = N / b;
  if (m > 1) {
    if (!std::isfinite(p.intra_alpha_s) || p.intra_alpha_s < 0)
      throw ConfigError(fmt::format("{}: {} must be a finite number >= 0; got {}", kind_name,
                                    "intra_alpha_s", p.intra_alpha_s));
    if (!std::isfinite(p.intra_bw_bytes_per_s) || p.intra_bw_bytes_per_s <= 0)
      throw ConfigError(fmt::format("{}: {} must be a finite number > 0; got {}", kind_name,
                                    "intra_bw_bytes_per_s", p.intra_bw_bytes_per_s));
  }
  const double intra =
      m > 1 ? pipelined_seconds(m - 1, c, p.intra_alpha_s, S / m, p.intra_bw_bytes_per_s) : 0.0;
  return intra + pipelined_seconds(2 * (b - 1), c, p.alpha_s, S / m / b, p.bw_bytes_per_s) +
         intra;
}

}  // namespace

const AlgorithmFamily& hierarchical_algorithm() {
  static const AlgorithmFamily f{.name = "hierarchical",
                                 .kinds = kKinds,
                                 .check_group = check_group,
                                 .transfer_count = transfer_count,
                                 .expand = expand,
                                 .measure = measure,
                                 .check_alpha_beta = check_alpha_beta,
                                 .alpha_beta_seconds = seconds};
  return f;
}

}  // namespace dtsim::collectives
