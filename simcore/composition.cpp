#include "simcore/composition.h"

#include <algorithm>
#include <vector>

namespace dtsim::simcore {

namespace {

/** Adds `src`'s ops after `dst`'s on each rank, its tables mapped; `after_sinks`: `src`'s ops
 *  without deps wait for the rank's last ops in `dst`. */
void add_programs(Workload& dst, const Workload& src, bool after_sinks, int32_t step) {
  std::vector<uint32_t> strings(src.strings.size());
  for (size_t i = 0; i < src.strings.size(); ++i) strings[i] = dst.intern(src.strings[i]);
  std::vector<uint32_t> groups(src.groups.size());
  for (size_t g = 0; g < src.groups.size(); ++g)
    groups[g] = dst.group_of(src.groups[g], src.communicator(static_cast<uint32_t>(g)));
  std::vector<uint8_t> streams(src.stream_names.size());
  for (size_t s = 0; s < src.stream_names.size(); ++s)
    streams[s] = dst.stream_of(src.stream_names[s]);
  const uint32_t origin_base = static_cast<uint32_t>(dst.origins.size()) - 1;
  for (size_t i = 1; i < src.origins.size(); ++i) {
    dst.origins.push_back(src.origins[i]);
    dst.origins.back().file = strings[src.origins[i].file];
  }
  std::vector<int32_t> shapes(src.shapes.size());
  for (size_t i = 0; i < src.shapes.size(); ++i) shapes[i] = dst.shape_of(src.shapes[i]);
  const int32_t matrix_base = static_cast<int32_t>(dst.matrices.size());
  dst.matrices.insert(dst.matrices.end(), src.matrices.begin(), src.matrices.end());
  if (dst.ranks.size() < src.ranks.size()) dst.ranks.resize(src.ranks.size());

  for (size_t r = 0; r < src.ranks.size(); ++r) {
    auto& ops = dst.ranks[r].ops;
    const uint32_t base = static_cast<uint32_t>(ops.size());
    std::vector<uint32_t> sinks;
    if (after_sinks) {
      std::vector<bool> waited_on(base, false);
      for (const Op& op : ops)
        for (uint32_t d : op.deps) waited_on[d] = true;
      for (uint32_t i = 0; i < base; ++i)
        if (!waited_on[i]) sinks.push_back(i);
    }
    for (const Op& from : src.ranks[r].ops) {
      Op op = from;
      op.name = strings[op.name];
      op.dtype = strings[op.dtype];
      op.algorithm = strings[op.algorithm];
      op.stream = streams[op.stream];
      if (op.kind == OpKind::kCollective) op.group = groups[op.group];
      if (op.matrix >= 0) op.matrix += matrix_base;
      if (op.origin != 0) op.origin += origin_base;
      if (op.shape >= 0) op.shape = shapes[static_cast<size_t>(op.shape)];
      for (uint32_t& d : op.deps) d += base;
      if (op.deps.empty()) op.deps = sinks;
      if (step != OpTags::kNone) op.tags.step = step;
      ops.push_back(std::move(op));
    }
  }
}

}  // namespace

void append(Workload& w, const Workload& block, int32_t step) {
  add_programs(w, block, /*after_sinks=*/true, step);
}

void merge(Workload& w, const Workload& other) {
  add_programs(w, other, /*after_sinks=*/false, OpTags::kNone);
}

}  // namespace dtsim::simcore
