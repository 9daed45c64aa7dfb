#include "models/collectives/schedule.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <limits>
#include <string>

#include "simcore/error.h"

namespace dtsim::collectives {

using simcore::CollectiveKind;
using simcore::ConfigError;

namespace {

constexpr int64_t kNone = -1;
constexpr double kMaxTransfers = static_cast<double>(std::numeric_limits<uint32_t>::max());

/** Appends transfers and their CSR dependency lists; drops "none" and duplicate deps. */
class Builder {
 public:
  explicit Builder(Schedule& s) : s_(s) {}

  int64_t size() const { return static_cast<int64_t>(s_.transfers.size()); }

  int64_t add(int32_t src, int32_t dst, double bytes, std::initializer_list<int64_t> deps) {
    return add(src, dst, bytes, std::span<const int64_t>(deps.begin(), deps.size()));
  }

  int64_t add(int32_t src, int32_t dst, double bytes, std::span<const int64_t> deps) {
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

 private:
  Schedule& s_;
};

/** Per position: {last send, last receive} of the phase before (kNone when there is none). */
using Boundary = std::vector<std::array<int64_t, 2>>;

/**
 * Appends a ring over `members` (in ring order): `steps` steps in which member j sends
 * `step_bytes` to member j+dir (dir = +1 or -1, mod m) in `chunks` pieces. Transfer (s, k, j) is
 * at base + (s*chunks + k)*m + j and depends on (s-1, k, j-dir), (s-1, k, j), (s, k-1, j); a
 * member's first transfer also on its `boundary` entry, which then becomes its last send and
 * last receive of this ring.
 */
void add_ring(Builder& b, std::span<const int32_t> members, int dir, int steps, double step_bytes,
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

/** One exchange step of halving-doubling: partner = i XOR distance, `bytes` each way. */
struct HdStep {
  int distance;
  double bytes;
};

void add_halving_doubling(Builder& b, int n, int chunks, const std::vector<HdStep>& steps) {
  const int64_t base = b.size();
  auto idx = [&](int64_t t, int64_t k, int64_t i) { return base + (t * chunks + k) * n + i; };
  for (size_t t = 0; t < steps.size(); ++t)
    for (int k = 0; k < chunks; ++k)
      for (int i = 0; i < n; ++i) {
        const int p = i ^ steps[t].distance;
        int64_t d[5] = {kNone, kNone, kNone, kNone, kNone};
        if (t > 0) {
          const int q = steps[t - 1].distance;
          d[0] = idx(t - 1, k, i);      // sender's previous send
          d[1] = idx(t - 1, k, i ^ q);  // sender's previous receive
          d[2] = idx(t - 1, k, p);      // receiver's previous send
          d[3] = idx(t - 1, k, p ^ q);  // receiver's previous receive
        }
        if (k > 0) d[4] = idx(t, k - 1, i);
        b.add(i, p, steps[t].bytes / chunks, d);
      }
}

/** Bytes from position i to position j: S/n for a uniform all-to-all, or a matrix entry. */
using PairBytes = std::function<double(int64_t i, int64_t j)>;

/** Direct all-to-all: every pair at once; pieces of one pair chain. With `skip_empty`, pairs of
 *  0 bytes send nothing (all-to-all-v: a zero send count posts no message). */
void add_direct(Builder& b, int n, int chunks, const PairBytes& pair_bytes, bool skip_empty) {
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

void add_pairwise(Builder& b, int n, int chunks, const PairBytes& pair_bytes) {
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

/** A chain over `order` (hop h: order[h] -> order[h+1]) moving `bytes` in `chunks` pieces. */
void add_chain(Builder& b, const std::vector<int32_t>& order, double bytes, int chunks) {
  const int64_t hops = static_cast<int64_t>(order.size()) - 1;
  const int64_t base = b.size();
  auto idx = [&](int64_t k, int64_t h) { return base + k * hops + h; };
  for (int64_t k = 0; k < chunks; ++k)
    for (int64_t h = 0; h < hops; ++h)
      b.add(order[h], order[h + 1], bytes / chunks,
            {h > 0 ? idx(k, h - 1) : kNone, k > 0 ? idx(k - 1, h) : kNone});
}

/** Children in CSR form and a breadth-first order (parents before children). */
struct TreeIndex {
  std::vector<int32_t> child_begin;  // n+1
  std::vector<int32_t> children;
  std::vector<int32_t> bfs;
  std::span<const int32_t> children_of(int32_t v) const {
    return {children.data() + child_begin[v],
            static_cast<size_t>(child_begin[v + 1] - child_begin[v])};
  }
};

TreeIndex index_tree(const Tree& tree) {
  const int n = static_cast<int>(tree.parent.size());
  TreeIndex ix;
  ix.child_begin.assign(n + 1, 0);
  for (int v = 0; v < n; ++v)
    if (tree.parent[v] >= 0) ++ix.child_begin[tree.parent[v] + 1];
  for (int v = 0; v < n; ++v) ix.child_begin[v + 1] += ix.child_begin[v];
  ix.children.resize(ix.child_begin[n]);
  std::vector<int32_t> fill(ix.child_begin.begin(), ix.child_begin.end() - 1);
  for (int v = 0; v < n; ++v)
    if (tree.parent[v] >= 0) ix.children[fill[tree.parent[v]]++] = v;
  ix.bfs.reserve(n);
  ix.bfs.push_back(tree.root);
  for (size_t head = 0; head < ix.bfs.size(); ++head)
    for (int32_t c : ix.children_of(ix.bfs[head])) ix.bfs.push_back(c);
  DTSIM_ASSERT(ix.bfs.size() == static_cast<size_t>(n), "tree does not span every position");
  return ix;
}

void add_double_binary_tree(Builder& b, int n, double bytes, int chunks) {
  const auto trees = double_binary_tree(n);
  const double piece = bytes / 2 / chunks;
  const int64_t edges = n - 1;
  const int64_t base = b.size();
  struct PerTree {
    TreeIndex ix;
    std::vector<int64_t> up_pos, down_pos;  // offset of v's up / down transfer in a block
  };
  PerTree pt[2];
  for (int t = 0; t < 2; ++t) {
    pt[t].ix = index_tree(trees[t]);
    pt[t].up_pos.assign(n, kNone);
    pt[t].down_pos.assign(n, kNone);
    // Up: deepest first (reverse BFS); down: shallowest first (BFS). Root excluded.
    int64_t pos = 0;
    for (auto it = pt[t].ix.bfs.rbegin(); it != pt[t].ix.bfs.rend(); ++it)
      if (*it != trees[t].root) pt[t].up_pos[*it] = pos++;
    for (int32_t v : pt[t].ix.bfs)
      if (v != trees[t].root) pt[t].down_pos[v] = pos++;
  }
  // Block (k, t) holds 2(n-1) transfers: the up sends, then the down sends of piece k on tree t.
  auto at = [&](int64_t k, int t, int64_t pos) { return base + (k * 2 + t) * 2 * edges + pos; };
  std::vector<int64_t> deps;
  for (int64_t k = 0; k < chunks; ++k)
    for (int t = 0; t < 2; ++t) {
      const Tree& tree = trees[t];
      const PerTree& p = pt[t];
      for (auto it = p.ix.bfs.rbegin(); it != p.ix.bfs.rend(); ++it) {
        const int32_t v = *it;
        if (v == tree.root) continue;
        deps.clear();
        for (int32_t c : p.ix.children_of(v)) deps.push_back(at(k, t, p.up_pos[c]));
        if (k > 0) deps.push_back(at(k - 1, t, p.up_pos[v]));
        b.add(v, tree.parent[v], piece, deps);
      }
      for (int32_t v : p.ix.bfs) {
        if (v == tree.root) continue;
        const int32_t parent = tree.parent[v];
        deps.clear();
        if (parent == tree.root) {
          for (int32_t c : p.ix.children_of(parent)) deps.push_back(at(k, t, p.up_pos[c]));
        } else {
          deps.push_back(at(k, t, p.down_pos[parent]));
        }
        if (k > 0) deps.push_back(at(k - 1, t, p.down_pos[v]));
        b.add(parent, v, piece, deps);
      }
    }
}

void add_hierarchical(Builder& b, int n, double bytes, int chunks,
                      const std::vector<std::vector<int32_t>>& boxes) {
  const int m = static_cast<int>(boxes.front().size());
  const int nb = static_cast<int>(boxes.size());
  Boundary boundary(n, {kNone, kNone});
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

int log2_exact(int n) {
  int l = 0;
  while ((1 << l) < n) ++l;
  return l;
}

/** Transfers the schedule will hold (a double, to check the uint32 range before building). */
double transfer_count(CollectiveKind kind, Algorithm a, double n, double c,
                      const std::vector<std::vector<int32_t>>& boxes) {
  const bool all_reduce = kind == CollectiveKind::kAllReduce;
  switch (a) {
    case Algorithm::kRing:
      if (kind == CollectiveKind::kBroadcast || kind == CollectiveKind::kReduce) return (n - 1) * c;
      return (all_reduce ? 2 : 1) * (n - 1) * n * c;
    case Algorithm::kRingBidirectional:
      return 2 * (all_reduce ? 2 : 1) * (n - 1) * n * c;
    case Algorithm::kDirect:
    case Algorithm::kPairwise:
      return n * (n - 1) * c;
    case Algorithm::kHalvingDoubling:
      return (all_reduce ? 2 : 1) * log2_exact(static_cast<int>(n)) * n * c;
    case Algorithm::kDoubleBinaryTree:
      return 4 * (n - 1) * c;
    case Algorithm::kHierarchical: {
      const double m = static_cast<double>(boxes.front().size());
      const double nb = static_cast<double>(boxes.size());
      return (2 * (m - 1) + 2 * (nb - 1)) * n * c;
    }
    case Algorithm::kAuto:
      break;
  }
  return 0;
}

}  // namespace

std::array<Tree, 2> double_binary_tree(int n) {
  if (n < 1)
    throw ConfigError(fmt::format("double binary tree: group size must be >= 1; got {}", n));
  auto btree_parent = [n](int v) {
    if (v == 0) return -1;
    int bit = v & -v;  // lowest set bit
    int up = (v ^ bit) | (bit << 1);
    return up >= n ? (v ^ bit) : up;
  };
  std::array<Tree, 2> t;
  t[0].root = 0;
  t[0].parent.resize(n);
  t[1].parent.resize(n);
  for (int v = 0; v < n; ++v) t[0].parent[v] = btree_parent(v);
  if (n % 2 == 0) {  // mirror: v -> n-1-v
    t[1].root = n - 1;
    for (int v = 0; v < n; ++v) {
      int u = btree_parent(n - 1 - v);
      t[1].parent[v] = u < 0 ? -1 : n - 1 - u;
    }
  } else {  // shift: v -> v+1
    t[1].root = n > 1 ? 1 : 0;
    for (int v = 0; v < n; ++v) {
      int u = btree_parent((v - 1 + n) % n);
      t[1].parent[v] = u < 0 ? -1 : (u + 1) % n;
    }
  }
  return t;
}

int tree_depth(const Tree& tree) {
  const TreeIndex ix = index_tree(tree);
  std::vector<int> depth(tree.parent.size(), 0);
  int deepest = 0;
  for (int32_t v : ix.bfs)
    if (tree.parent[v] >= 0) deepest = std::max(deepest, depth[v] = depth[tree.parent[v]] + 1);
  return deepest;
}

Schedule build_schedule(CollectiveKind kind, Algorithm algorithm, int n, double bytes, int root,
                        int chunks, const std::vector<int>& box_of) {
  const std::string_view kind_name = simcore::to_string(kind);
  Schedule s;
  s.algorithm = resolve(kind, algorithm, n, box_of);
  if (!std::isfinite(bytes) || bytes < 0)
    throw ConfigError(
        fmt::format("{}: bytes must be a finite number >= 0; got {}", kind_name, bytes));
  if (chunks < 1)
    throw ConfigError(fmt::format("{}: chunks must be >= 1; got {}", kind_name, chunks));
  const bool rooted = kind == CollectiveKind::kBroadcast || kind == CollectiveKind::kReduce;
  if (rooted && (root < 0 || root >= n))
    throw ConfigError(fmt::format("{}: root must be in [0, {}); got {}", kind_name, n, root));
  if (n == 1) return s;

  const auto boxes = s.algorithm == Algorithm::kHierarchical ? members_by_box(n, box_of)
                                                             : std::vector<std::vector<int32_t>>{};
  const double count = transfer_count(kind, s.algorithm, n, chunks, boxes);
  if (count > kMaxTransfers)
    throw ConfigError(fmt::format(
        "{} with algorithm \"{}\" over {} positions in {} chunks needs {} transfers; at most "
        "2^32-1 fit in a schedule",
        kind_name, to_string(s.algorithm), n, chunks, count));
  s.transfers.reserve(static_cast<size_t>(count));
  if (s.algorithm != Algorithm::kDirect || chunks > 1)
    s.deps.reserve(static_cast<size_t>(count) * 2);

  Builder b(s);
  std::vector<int32_t> all(n);
  for (int i = 0; i < n; ++i) all[i] = i;
  Boundary none(n, {kNone, kNone});
  const int ring_steps = kind == CollectiveKind::kAllReduce ? 2 * (n - 1) : n - 1;
  switch (s.algorithm) {
    case Algorithm::kRing:
      if (rooted) {
        std::vector<int32_t> order(n);
        for (int h = 0; h < n; ++h) order[h] = (root + h) % n;
        if (kind == CollectiveKind::kReduce) std::reverse(order.begin(), order.end());
        add_chain(b, order, bytes, chunks);
      } else {
        add_ring(b, all, +1, ring_steps, bytes / n, chunks, none);
      }
      break;
    case Algorithm::kRingBidirectional: {
      add_ring(b, all, +1, ring_steps, bytes / 2 / n, chunks, none);
      Boundary none2(n, {kNone, kNone});
      add_ring(b, all, -1, ring_steps, bytes / 2 / n, chunks, none2);
      break;
    }
    case Algorithm::kDirect:
      add_direct(b, n, chunks, [&](int64_t, int64_t) { return bytes / n; }, false);
      break;
    case Algorithm::kPairwise:
      add_pairwise(b, n, chunks, [&](int64_t, int64_t) { return bytes / n; });
      break;
    case Algorithm::kHalvingDoubling: {
      const int levels = log2_exact(n);
      std::vector<HdStep> steps;
      if (kind != CollectiveKind::kAllGather)  // recursive halving
        for (int k = 0; k < levels; ++k)
          steps.push_back({n >> (k + 1), std::ldexp(bytes, -(k + 1))});
      if (kind != CollectiveKind::kReduceScatter)  // recursive doubling
        for (int k = 0; k < levels; ++k) steps.push_back({1 << k, std::ldexp(bytes, k) / n});
      add_halving_doubling(b, n, chunks, steps);
      break;
    }
    case Algorithm::kDoubleBinaryTree:
      add_double_binary_tree(b, n, bytes, chunks);
      break;
    case Algorithm::kHierarchical:
      add_hierarchical(b, n, bytes, chunks, boxes);
      break;
    case Algorithm::kAuto:
      DTSIM_ASSERT(false, "build_schedule: auto survived resolve");
  }
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
  Builder b(s);
  auto pair_bytes = [&](int64_t i, int64_t j) { return matrix[static_cast<size_t>(i * n + j)]; };
  if (s.algorithm == Algorithm::kPairwise)
    add_pairwise(b, n, chunks, pair_bytes);
  else
    add_direct(b, n, chunks, pair_bytes, true);
  return s;
}

}  // namespace dtsim::collectives
