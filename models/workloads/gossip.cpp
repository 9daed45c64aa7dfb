#include "models/workloads/gossip.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <string>

#include "simcore/error.h"
#include "simcore/program_builder.h"
#include "simcore/rng.h"

namespace dtsim::workloads {

namespace {

using simcore::ConfigError;

void check_nodes(int64_t n, std::string_view what) {
  if (n > kMaxGossipNodes)
    throw ConfigError(
        fmt::format("{}: expected at most {} nodes; got {}", what, kMaxGossipNodes, n));
}

/** Sorted, without duplicates and without `self`. */
void normalise(std::vector<int32_t>& v, int32_t self) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  v.erase(std::remove(v.begin(), v.end(), self), v.end());
}

/** Nodes reached from 0 along `adj`. */
int64_t reached_from_zero(const std::vector<std::vector<int32_t>>& adj) {
  std::vector<char> seen(adj.size(), 0);
  std::vector<int32_t> stack{0};
  seen[0] = 1;
  int64_t count = 1;
  while (!stack.empty()) {
    int32_t u = stack.back();
    stack.pop_back();
    for (int32_t v : adj[static_cast<size_t>(u)])
      if (!seen[static_cast<size_t>(v)]) {
        seen[static_cast<size_t>(v)] = 1;
        ++count;
        stack.push_back(v);
      }
  }
  return count;
}

}  // namespace

std::mt19937_64 round_generator(uint64_t seed, std::string_view stream, int64_t round) {
  return std::mt19937_64(simcore::mix64(simcore::mix64(seed ^ simcore::hash_name(stream)) ^
                                        static_cast<uint64_t>(round)));
}

uint64_t uniform_below(std::mt19937_64& g, uint64_t n) {
  DTSIM_ASSERT(n >= 1, "uniform_below: empty range");
  // Rejection of the top partial block: exact and identical on every platform.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = g();
  while (x >= limit);
  return x % n;
}

std::vector<int32_t> random_permutation(int64_t n, std::mt19937_64& g) {
  std::vector<int32_t> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(p[static_cast<size_t>(i)], p[uniform_below(g, static_cast<uint64_t>(i) + 1)]);
  return p;
}

std::vector<std::vector<int32_t>> random_groups(int64_t n, int size, uint64_t seed, int64_t round) {
  if (n > kMaxGossipNodes)
    throw ConfigError(
        fmt::format("groups: expected at most {} members; got {}", kMaxGossipNodes, n));
  if (size < 2 || n < size || n % size != 0)
    throw ConfigError(fmt::format(
        "groups: expected a group size >= 2 that divides the {} members; got {}", n, size));
  std::mt19937_64 g = round_generator(seed, "gossip.groups", round);
  const std::vector<int32_t> perm = random_permutation(n, g);
  const int64_t m = n / size;
  std::vector<std::vector<int32_t>> groups(static_cast<size_t>(m));
  for (auto& x : groups) x.reserve(static_cast<size_t>(size));
  for (int64_t i = 0; i < n; ++i) groups[static_cast<size_t>(i % m)].push_back(perm[i]);
  return groups;
}

std::vector<int32_t> random_subset(int64_t n, int64_t k, std::mt19937_64& g) {
  if (n > kMaxGossipNodes || k < 1 || k > n)
    throw ConfigError(fmt::format("subset: expected 1 <= k <= n <= {}; got k = {}, n = {}",
                                  kMaxGossipNodes, k, n));
  std::vector<int32_t> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  for (int64_t i = 0; i < k; ++i)
    std::swap(p[static_cast<size_t>(i)],
              p[static_cast<size_t>(i) + uniform_below(g, static_cast<uint64_t>(n - i))]);
  p.resize(static_cast<size_t>(k));
  return p;
}

int64_t CommGraph::edges() const {
  int64_t e = 0;
  for (const auto& o : out) e += static_cast<int64_t>(o.size());
  return e;
}

CommGraph ring_graph(int64_t n) {
  check_nodes(n, "ring");
  if (n < 2) throw ConfigError(fmt::format("ring: expected at least 2 nodes; got {}", n));
  CommGraph g;
  g.out.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    auto& o = g.out[static_cast<size_t>(i)];
    o = {static_cast<int32_t>((i + n - 1) % n), static_cast<int32_t>((i + 1) % n)};
    normalise(o, static_cast<int32_t>(i));
  }
  return g;
}

CommGraph torus_graph(int64_t rows, int64_t cols) {
  if (rows < 1 || cols < 1 || rows * cols < 2)
    throw ConfigError(fmt::format(
        "torus: expected dimensions >= 1 with at least 2 nodes; got {} x {}", rows, cols));
  if (rows > kMaxGossipNodes || cols > kMaxGossipNodes) check_nodes(kMaxGossipNodes + 1, "torus");
  check_nodes(rows * cols, "torus");
  CommGraph g;
  g.out.resize(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      auto& o = g.out[static_cast<size_t>(r * cols + c)];
      o = {static_cast<int32_t>(((r + rows - 1) % rows) * cols + c),
           static_cast<int32_t>(((r + 1) % rows) * cols + c),
           static_cast<int32_t>(r * cols + (c + cols - 1) % cols),
           static_cast<int32_t>(r * cols + (c + 1) % cols)};
      normalise(o, static_cast<int32_t>(r * cols + c));
    }
  return g;
}

CommGraph exponential_graph(int64_t n) {
  check_nodes(n, "exponential");
  if (n < 2) throw ConfigError(fmt::format("exponential: expected at least 2 nodes; got {}", n));
  CommGraph g;
  g.out.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    auto& o = g.out[static_cast<size_t>(i)];
    for (int64_t hop = 1; hop < n; hop *= 2) o.push_back(static_cast<int32_t>((i + hop) % n));
    normalise(o, static_cast<int32_t>(i));
  }
  return g;
}

CommGraph random_regular_graph(int64_t n, int64_t d, uint64_t seed) {
  check_nodes(n, "random_regular");
  if (d < 1 || d >= n)
    throw ConfigError(fmt::format("random_regular: expected 1 <= d < n; got d = {}, n = {}", d, n));
  if ((n * d) % 2 != 0)
    throw ConfigError(fmt::format(
        "random_regular: n x d = {} x {} = {} is odd: a d-regular graph needs an even number of "
        "edge ends",
        n, d, n * d));
  if (n * d > kMaxGossipEdges)
    throw ConfigError(fmt::format("random_regular: expected at most {} directed edges; got {}",
                                  kMaxGossipEdges, n * d));
  std::mt19937_64 g = round_generator(seed, "gossip.random_regular", 0);
  for (int attempt = 0; attempt < 100; ++attempt) {
    // Points: node v owns points v d .. v d + d - 1; `free` holds the unpaired ones.
    std::vector<int32_t> free(static_cast<size_t>(n * d));
    for (int64_t p = 0; p < n * d; ++p) free[static_cast<size_t>(p)] = static_cast<int32_t>(p / d);
    std::vector<std::vector<int32_t>> adj(static_cast<size_t>(n));
    auto adjacent = [&](int32_t u, int32_t v) {
      const auto& a = adj[static_cast<size_t>(u)];
      return std::find(a.begin(), a.end(), v) != a.end();
    };
    bool stuck = false;
    while (!free.empty()) {
      // Steger-Wormald: draw two free points uniformly; accept when their nodes are distinct
      // and not adjacent. After many rejections check whether any suitable pair is left.
      bool paired = false;
      for (int tries = 0; tries < 64 && !paired; ++tries) {
        size_t i = uniform_below(g, free.size()), j = uniform_below(g, free.size());
        int32_t u = free[i], v = free[j];
        if (i == j || u == v || adjacent(u, v)) continue;
        adj[static_cast<size_t>(u)].push_back(v);
        adj[static_cast<size_t>(v)].push_back(u);
        if (i < j) std::swap(i, j);  // remove the later index first
        free[i] = free.back();
        free.pop_back();
        free[j] = free.back();
        free.pop_back();
        paired = true;
      }
      if (paired) continue;
      bool any = false;
      for (size_t i = 0; i < free.size() && !any; ++i)
        for (size_t j = i + 1; j < free.size() && !any; ++j)
          any = free[i] != free[j] && !adjacent(free[i], free[j]);
      if (!any) {
        stuck = true;
        break;
      }
    }
    if (stuck) continue;
    CommGraph out;
    out.out = std::move(adj);
    for (size_t v = 0; v < out.out.size(); ++v) std::sort(out.out[v].begin(), out.out[v].end());
    return out;
  }
  throw ConfigError(fmt::format(
      "random_regular: no simple {}-regular graph on {} nodes after 100 attempts", d, n));
}

bool is_strongly_connected(const CommGraph& g) {
  if (g.out.empty()) return true;
  if (reached_from_zero(g.out) != g.nodes()) return false;
  std::vector<std::vector<int32_t>> in(g.out.size());
  for (size_t u = 0; u < g.out.size(); ++u)
    for (int32_t v : g.out[u]) in[static_cast<size_t>(v)].push_back(static_cast<int32_t>(u));
  return reached_from_zero(in) == g.nodes();
}

int64_t components(const CommGraph& g) {
  const size_t n = g.out.size();
  std::vector<std::vector<int32_t>> both(n);
  for (size_t u = 0; u < n; ++u)
    for (int32_t v : g.out[u]) {
      both[u].push_back(v);
      both[static_cast<size_t>(v)].push_back(static_cast<int32_t>(u));
    }
  std::vector<char> seen(n, 0);
  int64_t count = 0;
  std::vector<int32_t> stack;
  for (size_t s = 0; s < n; ++s) {
    if (seen[s]) continue;
    ++count;
    seen[s] = 1;
    stack.push_back(static_cast<int32_t>(s));
    while (!stack.empty()) {
      int32_t u = stack.back();
      stack.pop_back();
      for (int32_t v : both[static_cast<size_t>(u)])
        if (!seen[static_cast<size_t>(v)]) {
          seen[static_cast<size_t>(v)] = 1;
          stack.push_back(v);
        }
    }
  }
  return count;
}

std::vector<PeerTransfer> expand_to_ranks(const std::vector<PeerTransfer>& node_transfers,
                                          int64_t ranks_per_node) {
  std::vector<PeerTransfer> out;
  out.reserve(node_transfers.size() * static_cast<size_t>(ranks_per_node));
  for (const PeerTransfer& t : node_transfers)
    for (int64_t j = 0; j < ranks_per_node; ++j)
      out.push_back({static_cast<int32_t>(t.src * ranks_per_node + j),
                     static_cast<int32_t>(t.dst * ranks_per_node + j)});
  return out;
}

NodeBytes bytes_per_node(int64_t nodes, const std::vector<PeerTransfer>& transfers, double bytes) {
  NodeBytes b;
  b.sent.assign(static_cast<size_t>(nodes), 0.0);
  b.received.assign(static_cast<size_t>(nodes), 0.0);
  for (const PeerTransfer& t : transfers) {
    b.sent[static_cast<size_t>(t.src)] += bytes;
    b.received[static_cast<size_t>(t.dst)] += bytes;
  }
  return b;
}

simcore::Workload make_peer_exchange(int64_t ranks, const std::vector<PeerTransfer>& transfers,
                                     int64_t bytes, const simcore::OpTags& tags,
                                     std::string_view name) {
  // Concurrency: a rank's k-th send runs on stream tx(k mod K), its k-th recv on rx(k mod K),
  // so up to K transfers per rank and direction are in flight at once (beyond that they queue).
  // Every stream's queue follows the order of `transfers` (a global order), so the first
  // unfinished transfer is always at the head of both its streams: no deadlock.
  constexpr int kSlots = 100;
  simcore::Workload w;
  w.ranks.resize(static_cast<size_t>(ranks));
  simcore::ProgramBuilder b(w);
  b.tags() = tags;
  std::vector<uint8_t> tx, rx;
  std::vector<int32_t> sent(static_cast<size_t>(ranks), 0), received(static_cast<size_t>(ranks), 0);
  auto slot = [&](std::vector<uint8_t>& streams, int32_t& count, const char* prefix) {
    const size_t k = static_cast<size_t>(count++ % kSlots);
    while (streams.size() <= k)
      streams.push_back(b.stream(fmt::format("{}{}", prefix, streams.size())));
    return streams[k];
  };
  const std::string send_name = fmt::format("{} send", name);
  const std::string recv_name = fmt::format("{} recv", name);
  for (const PeerTransfer& t : transfers) {
    DTSIM_ASSERT(t.src >= 0 && t.src < ranks && t.dst >= 0 && t.dst < ranks && t.src != t.dst,
                 "make_peer_exchange: a transfer's ends must be two ranks of the workload");
    b.send(t.src, send_name, t.dst, bytes, 0, {},
           slot(tx, sent[static_cast<size_t>(t.src)], "gossip.tx"));
    b.recv(t.dst, recv_name, t.src, bytes, 0, {},
           slot(rx, received[static_cast<size_t>(t.dst)], "gossip.rx"));
  }
  return w;
}

}  // namespace dtsim::workloads
