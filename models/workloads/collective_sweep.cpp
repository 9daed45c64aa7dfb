#include "models/workloads/collective_sweep.h"

#include <cmath>

#include <fmt/format.h>

#include "simcore/error.h"
#include "simcore/program_builder.h"

namespace dtsim::workloads {

using namespace dtsim::simcore;

std::vector<int64_t> sweep_sizes(const CollectiveSweepParams& p) {
  if (p.min_bytes < 0 || p.max_bytes < p.min_bytes)
    throw ConfigError(fmt::format("sweep sizes: need 0 <= min_bytes <= max_bytes; got {} and {}",
                                  p.min_bytes, p.max_bytes));
  if (!(p.factor > 1)) throw ConfigError(fmt::format("sweep factor must be > 1; got {}", p.factor));
  std::vector<int64_t> out;
  double s = p.min_bytes;
  while (s <= p.max_bytes * (1 + 1e-12)) {
    out.push_back(static_cast<int64_t>(std::floor(s)));
    s = (s == 0) ? 1 : s * p.factor;
  }
  return out;
}

Workload make_collective_sweep(const CollectiveSweepParams& p) {
  if (p.ranks < 1) throw ConfigError(fmt::format("collective_sweep needs at least 1 rank; got {}", p.ranks));
  if (p.iterations < 1) throw ConfigError("collective_sweep iterations must be >= 1");
  Workload w;
  w.ranks.resize(p.ranks);
  ProgramBuilder b(w);
  std::vector<int> members(p.ranks);
  for (int i = 0; i < p.ranks; ++i) members[i] = i;
  const uint32_t group = b.group(members);
  b.intern(p.algorithm);  // the string table's order: the algorithm before the op names
  // Tags: the k-th size is step k (its iterations share it).
  const std::vector<int64_t> sizes = sweep_sizes(p);
  for (size_t k = 0; k < sizes.size(); ++k) {
    const std::string name = fmt::format("{} {}B", to_string(p.kind), sizes[k]);
    b.tags().step = static_cast<int32_t>(k);
    for (int it = 0; it < p.iterations; ++it)
      for (int r = 0; r < p.ranks; ++r)
        b.collective(r, name, p.kind, sizes[k], group, p.algorithm, {}, kCommStream, p.root);
  }
  return w;
}

Workload make_collective_op(const CollectiveSweepParams& p, const std::vector<int>& members,
                            int64_t bytes) {
  Workload w;
  w.ranks.resize(p.ranks);
  ProgramBuilder b(w);
  const uint32_t group = b.group(members);
  b.intern(p.algorithm);
  const std::string name = fmt::format("{} {}B", to_string(p.kind), bytes);
  for (int r : members)
    b.collective(r, name, p.kind, bytes, group, p.algorithm, {}, kCommStream, p.root);
  return w;
}

}  // namespace dtsim::workloads
