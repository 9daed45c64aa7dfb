#include "models/collectives/ring_order.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "simcore/error.h"

namespace dtsim::collectives {

using simcore::ConfigError;

namespace {

constexpr double kRelTol = 1e-9;
constexpr int kExactUpTo = 8;
constexpr int kAllStartsUpTo = 128;

struct Key {
  double slowest = 0;     // max 1/B
  double inverse_bw = 0;  // sum 1/B
  double latency = 0;     // sum latency
};

/** a < b beyond the tolerance. */
bool less(double a, double b) { return a < b - kRelTol * std::max(std::abs(a), std::abs(b)); }

bool better(const Key& a, const Key& b) {
  if (less(a.slowest, b.slowest)) return true;
  if (less(b.slowest, a.slowest)) return false;
  if (less(a.inverse_bw, b.inverse_bw)) return true;
  if (less(b.inverse_bw, a.inverse_bw)) return false;
  return less(a.latency, b.latency);
}

class Costs {
 public:
  Costs(int n, const std::function<PairCost(int, int)>& cost) : n_(n), c_(size_t(n) * n) {
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        if (i == j) continue;
        const PairCost p = cost(i, j);
        if (!(p.bw_bytes_per_s > 0))
          throw ConfigError(fmt::format(
              "ring order: the bandwidth from position {} to {} must be > 0; got {}", i, j,
              p.bw_bytes_per_s));
        c_[size_t(i) * n + j] = p;
      }
  }
  const PairCost& at(int i, int j) const { return c_[size_t(i) * n_ + j]; }
  Key key(const std::vector<int32_t>& order) const {
    Key k;
    for (size_t x = 0; x < order.size(); ++x) {
      const PairCost& e = at(order[x], order[(x + 1) % order.size()]);
      k.slowest = std::max(k.slowest, 1 / e.bw_bytes_per_s);
      k.inverse_bw += 1 / e.bw_bytes_per_s;
      k.latency += e.latency_s;
    }
    return k;
  }

 private:
  int n_;
  std::vector<PairCost> c_;
};

std::vector<int32_t> nearest_neighbour(const Costs& c, int n, int start) {
  std::vector<int32_t> tour{start};
  std::vector<bool> used(n, false);
  used[start] = true;
  for (int step = 1; step < n; ++step) {
    const int from = tour.back();
    int best = -1;
    for (int j = 0; j < n; ++j) {
      if (used[j]) continue;
      if (best < 0) {
        best = j;
        continue;
      }
      const PairCost &a = c.at(from, j), &b = c.at(from, best);
      if (less(b.bw_bytes_per_s, a.bw_bytes_per_s) ||
          (!less(a.bw_bytes_per_s, b.bw_bytes_per_s) && less(a.latency_s, b.latency_s)))
        best = j;
    }
    used[best] = true;
    tour.push_back(best);
  }
  return tour;
}

void two_opt(const Costs& c, std::vector<int32_t>& tour) {
  const int n = static_cast<int>(tour.size());
  Key current = c.key(tour);
  for (int pass = 0; pass < n; ++pass) {
    bool improved = false;
    for (int i = 1; i + 1 < n; ++i)
      for (int j = i + 1; j < n; ++j) {
        std::reverse(tour.begin() + i, tour.begin() + j + 1);
        const Key k = c.key(tour);
        if (better(k, current)) {
          current = k;
          improved = true;
        } else {
          std::reverse(tour.begin() + i, tour.begin() + j + 1);
        }
      }
    if (!improved) break;
  }
}

}  // namespace

std::vector<int32_t> best_ring_order(int n, const std::function<PairCost(int, int)>& cost) {
  if (n < 1) throw ConfigError(fmt::format("ring order: group size must be >= 1; got {}", n));
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (n <= 3) {  // every ring of 2 is the same; of 3, the two directions: compare them
    if (n == 3) {
      const Costs c(n, cost);
      std::vector<int32_t> other{0, 2, 1};
      if (better(c.key(other), c.key(order))) order = other;
    }
    return order;
  }
  const Costs c(n, cost);
  std::vector<int32_t> best = order;
  Key best_key = c.key(best);
  if (n <= kExactUpTo) {
    std::vector<int32_t> p = order;
    while (std::next_permutation(p.begin() + 1, p.end())) {
      const Key k = c.key(p);
      if (better(k, best_key)) best = p, best_key = k;
    }
    return best;
  }
  const int starts = n <= kAllStartsUpTo ? n : 1;
  bool first = true;
  for (int s = 0; s < starts; ++s) {
    std::vector<int32_t> tour = nearest_neighbour(c, n, s);
    std::rotate(tour.begin(), std::find(tour.begin(), tour.end(), 0), tour.end());
    two_opt(c, tour);
    const Key k = c.key(tour);
    if (first || better(k, best_key)) best = tour, best_key = k;
    first = false;
  }
  return best;
}

}  // namespace dtsim::collectives
