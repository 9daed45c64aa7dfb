#include "models/collectives/schedule.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <string>

#include "models/collectives/schedule_builder.h"
#include "simcore/error.h"

namespace dtsim::collectives {

using simcore::CollectiveKind;
using simcore::ConfigError;

namespace {
constexpr double kMaxTransfers = static_cast<double>(std::numeric_limits<uint32_t>::max());
}  // namespace

Schedule build_schedule(CollectiveKind kind, Algorithm algorithm, int n, double bytes, int root,
                        int chunks, const std::vector<int>& box_of) {
  ScheduleRequest r;
  r.kind = kind;
  r.n = n;
  r.bytes = bytes;
  r.root = root;
  r.chunks = chunks;
  r.box_of = box_of;
  return build_schedule(algorithm, r);
}

Schedule build_schedule(Algorithm algorithm, const ScheduleRequest& r) {
  const CollectiveKind kind = r.kind;
  const int n = r.n;
  const std::string_view kind_name = simcore::to_string(kind);
  Schedule s;
  s.algorithm = resolve(kind, algorithm, n, std::vector<int>(r.box_of.begin(), r.box_of.end()));
  if (!std::isfinite(r.bytes) || r.bytes < 0)
    throw ConfigError(
        fmt::format("{}: bytes must be a finite number >= 0; got {}", kind_name, r.bytes));
  if (r.chunks < 1)
    throw ConfigError(fmt::format("{}: chunks must be >= 1; got {}", kind_name, r.chunks));
  const bool rooted = kind == CollectiveKind::kBroadcast || kind == CollectiveKind::kReduce;
  if (rooted && (r.root < 0 || r.root >= n))
    throw ConfigError(fmt::format("{}: root must be in [0, {}); got {}", kind_name, n, r.root));
  if (n == 1) return s;

  const AlgorithmFamily& f = s.algorithm.family();
  const double count = f.transfer_count(r);
  if (count > kMaxTransfers)
    throw ConfigError(fmt::format(
        "{} with algorithm \"{}\" over {} positions in {} chunks needs {} transfers; at most "
        "2^32-1 fit in a schedule",
        kind_name, f.name, n, r.chunks, count));
  s.transfers.reserve(static_cast<size_t>(count));
  if (f.streams_per_transfer) s.streams = f.streams_per_transfer(r);

  ScheduleBuilder b(s);
  f.expand(r, b);
  DTSIM_ASSERT(static_cast<double>(s.transfers.size()) == count,
               "build_schedule: transfer count differs from its estimate");
  return s;
}

Schedule build_alltoallv_schedule(Algorithm algorithm, int n, std::span<const double> matrix,
                                  int chunks) {
  if (n < 1) throw ConfigError(fmt::format("all_to_all_v: n must be >= 1; got {}", n));
  Schedule s;
  s.algorithm = resolve(CollectiveKind::kAllToAll, algorithm, n, {});
  if (chunks < 1) throw ConfigError(fmt::format("all_to_all_v: chunks must be >= 1; got {}", chunks));
  const size_t cells = static_cast<size_t>(n) * static_cast<size_t>(n);
  if (matrix.size() != cells)
    throw ConfigError(fmt::format("all_to_all_v: the send matrix over {} positions needs {} x {} = {} "
                                  "entries; got {}", n, n, n, cells, matrix.size()));
  for (size_t c = 0; c < cells; ++c)
    if (!std::isfinite(matrix[c]) || matrix[c] < 0)
      throw ConfigError(fmt::format("all_to_all_v: send matrix entry ({}, {}) must be a finite number "
                                    ">= 0; got {}", c / n, c % n, matrix[c]));
  const double count = static_cast<double>(n) * (n - 1) * chunks;
  if (count > kMaxTransfers)
    throw ConfigError(fmt::format("all_to_all_v over {} positions in {} chunks needs {} transfers; at "
                                  "most 2^32-1 fit in a schedule", n, chunks, count));
  if (n == 1) return s;
  const AlgorithmFamily& f = s.algorithm.family();
  DTSIM_ASSERT(f.expand_alltoallv != nullptr, "an all_to_all algorithm without an all-to-all-v");
  ScheduleBuilder b(s);
  f.expand_alltoallv(n, matrix, chunks, b);
  return s;
}

}  // namespace dtsim::collectives
