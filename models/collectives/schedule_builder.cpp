#include "models/collectives/schedule_builder.h"

#include <algorithm>
#include <limits>

#include "simcore/error.h"

namespace dtsim::collectives {

using simcore::ConfigError;

namespace {
constexpr int64_t kNone = kNoTransfer;
}  // namespace

int64_t ScheduleBuilder::add(int32_t src, int32_t dst, double bytes,
                           std::span<const int64_t> deps) {
  const int64_t self = size();
  if (s_.deps.size() + deps.size() > std::numeric_limits<uint32_t>::max())
    throw ConfigError("collective schedule has more than 2^32-1 dependencies");
  Transfer t;
  t.src = src;
  t.dst = dst;
  t.bytes = bytes;
  t.dep_begin = static_cast<uint32_t>(s_.deps.size());
  for (int64_t d : deps) {
    if (d == kNone) continue;
    DTSIM_ASSERT(d >= 0 && d < self, "collective schedule dependency on a later transfer");
    auto first = s_.deps.begin() + t.dep_begin;
    if (std::find(first, s_.deps.end(), static_cast<uint32_t>(d)) == s_.deps.end())
      s_.deps.push_back(static_cast<uint32_t>(d));
  }
  t.dep_end = static_cast<uint32_t>(s_.deps.size());
  s_.transfers.push_back(t);
  return self;
}

void add_ring(ScheduleBuilder& b, std::span<const int32_t> members, int dir, int steps, double step_bytes,
              int chunks, Boundary& boundary) {
  const int64_t m = static_cast<int64_t>(members.size());
  if (m < 2 || steps == 0) return;
  const int64_t base = b.size();
  const double piece = step_bytes / chunks;
  auto idx = [&](int64_t s, int64_t k, int64_t j) { return base + (s * chunks + k) * m + j; };
  auto wrap = [&](int64_t j) { return ((j % m) + m) % m; };
  for (int64_t s = 0; s < steps; ++s)
    for (int64_t k = 0; k < chunks; ++k)
      for (int64_t j = 0; j < m; ++j) {
        const int32_t src = members[j];
        const int32_t dst = members[wrap(j + dir)];
        if (s == 0 && k == 0) {
          b.add(src, dst, piece, {boundary[src][0], boundary[src][1]});
        } else {
          b.add(src, dst, piece,
                {s > 0 ? idx(s - 1, k, wrap(j - dir)) : kNone, s > 0 ? idx(s - 1, k, j) : kNone,
                 k > 0 ? idx(s, k - 1, j) : kNone});
        }
      }
  for (int64_t j = 0; j < m; ++j)
    boundary[members[j]] = {idx(steps - 1, chunks - 1, j),
                            idx(steps - 1, chunks - 1, wrap(j - dir))};
}

void add_chain(ScheduleBuilder& b, const std::vector<int32_t>& order, double bytes, int chunks) {
  const int64_t hops = static_cast<int64_t>(order.size()) - 1;
  const int64_t base = b.size();
  auto idx = [&](int64_t k, int64_t h) { return base + k * hops + h; };
  for (int64_t k = 0; k < chunks; ++k)
    for (int64_t h = 0; h < hops; ++h)
      b.add(order[h], order[h + 1], bytes / chunks,
            {h > 0 ? idx(k, h - 1) : kNone, k > 0 ? idx(k - 1, h) : kNone});
}

void add_direct(ScheduleBuilder& b, int n, int chunks, const PairBytes& pair_bytes, bool skip_empty) {
  std::vector<int64_t> previous(static_cast<size_t>(n) * n, kNone);  // last piece of each pair
  for (int64_t k = 0; k < chunks; ++k)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t d = 1; d < n; ++d) {
        const int64_t j = (i + d) % n;
        const double bytes = pair_bytes(i, j);
        if (skip_empty && bytes == 0) continue;
        int64_t& prev = previous[i * n + j];
        prev = b.add(static_cast<int32_t>(i), static_cast<int32_t>(j), bytes / chunks, {prev});
      }
}

void add_pairwise(ScheduleBuilder& b, int n, int chunks, const PairBytes& pair_bytes) {
  const int64_t base = b.size();
  // Step s = 1..n-1 stored at t = s-1.
  auto idx = [&](int64_t t, int64_t k, int64_t i) { return base + (t * chunks + k) * n + i; };
  for (int64_t s = 1; s < n; ++s)
    for (int64_t k = 0; k < chunks; ++k)
      for (int64_t i = 0; i < n; ++i) {
        const int64_t t = s - 1;
        const int64_t from = ((i - (s - 1)) % n + n) % n;  // who sent to i at step s-1
        const int64_t to = (i + s) % n;
        b.add(static_cast<int32_t>(i), static_cast<int32_t>(to), pair_bytes(i, to) / chunks,
              {t > 0 ? idx(t - 1, k, i) : kNone, t > 0 ? idx(t - 1, k, from) : kNone,
               k > 0 ? idx(t, k - 1, i) : kNone});
      }
}

}  // namespace dtsim::collectives
