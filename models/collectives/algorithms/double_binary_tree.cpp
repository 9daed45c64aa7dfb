// `double_binary_tree` (all-reduce): NCCL's two complementary binary trees, each carrying half
// the data, pipelined up and down (schedule.h, alpha_beta.h).
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "models/collectives/alpha_beta.h"
#include "models/collectives/schedule_builder.h"
#include "simcore/error.h"

namespace dtsim::collectives {

using simcore::CollectiveKind;
using simcore::ConfigError;

namespace {

constexpr CollectiveKind kKinds[] = {CollectiveKind::kAllReduce};

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
}void add_double_binary_tree(ScheduleBuilder& b, int n, double bytes, int chunks) {
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
    pt[t].up_pos.assign(n, kNoTransfer);
    pt[t].down_pos.assign(n, kNoTransfer);
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
}double transfer_count(const ScheduleRequest& r) {
  return 4 * (static_cast<double>(r.n) - 1) * r.chunks;
}

void expand(const ScheduleRequest& r, ScheduleBuilder& b) {
  add_double_binary_tree(b, r.n, r.bytes, r.chunks);
}

/** 2D (alpha + S/(2cB)) + (c-1) (alpha + f S/(2cB)), D and f from double_binary_tree_factors. */
double seconds(CollectiveKind, int n, double bytes, const AlphaBetaParams& p) {
  const TreeFactors f = double_binary_tree_factors(n);
  const double c = p.chunks, alpha = p.alpha_s, B = p.bw_bytes_per_s;
  const double piece = bytes / (2 * c);
  return 2 * f.depth * (alpha + piece / B) + (c - 1) * (alpha + f.link_pieces * piece / B);
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
}const AlgorithmFamily& double_binary_tree_algorithm() {
  static const AlgorithmFamily f{.name = "double_binary_tree",
                                 .kinds = kKinds,
                                 .transfer_count = transfer_count,
                                 .expand = expand,
                                 .alpha_beta_seconds = seconds};
  return f;
}

}  // namespace dtsim::collectives
