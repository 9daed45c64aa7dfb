#include "models/workloads/collective_sweep.h"

#include <cmath>

#include <fmt/format.h>

#include "simcore/error.h"

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
  std::vector<int> members(p.ranks);
  for (int i = 0; i < p.ranks; ++i) members[i] = i;
  uint32_t group = w.group_of(members);
  uint32_t algo = w.intern(p.algorithm);
  w.ranks.resize(p.ranks);
  for (int64_t size : sweep_sizes(p)) {
    uint32_t name = w.intern(fmt::format("{} {}B", to_string(p.kind), size));
    for (int it = 0; it < p.iterations; ++it)
      for (int r = 0; r < p.ranks; ++r) {
        Op op;
        op.kind = OpKind::kCollective;
        op.stream = kCommStream;
        op.name = name;
        op.collective = p.kind;
        op.bytes = size;
        op.group = group;
        op.algorithm = algo;
        op.root = p.root;
        w.ranks[r].ops.push_back(op);
      }
  }
  return w;
}

}  // namespace dtsim::workloads
