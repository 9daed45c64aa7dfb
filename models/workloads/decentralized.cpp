#include "models/workloads/decentralized.h"

namespace dtsim::workloads {

std::vector<PeerTransfer> gossip_transfers(const CommGraph& g) {
  std::vector<PeerTransfer> t;
  t.reserve(static_cast<size_t>(g.edges()));
  for (size_t u = 0; u < g.out.size(); ++u)
    for (int32_t v : g.out[u]) t.push_back({static_cast<int32_t>(u), v});
  return t;
}

ModestSample modest_sample(int64_t nodes, int64_t trainers, int64_t aggregators, uint64_t seed,
                           int64_t round) {
  ModestSample m;
  std::mt19937_64 gt = round_generator(seed, "modest.trainers", round);
  m.trainers = random_subset(nodes, trainers, gt);
  std::mt19937_64 ga = round_generator(seed, "modest.aggregators", round);
  m.aggregators = random_subset(nodes, aggregators, ga);
  std::mt19937_64 gp = round_generator(seed, "modest.aggregators", round - 1);
  m.previous_aggregators = random_subset(nodes, aggregators, gp);
  return m;
}

std::vector<PeerTransfer> modest_downlink(const ModestSample& m) {
  std::vector<PeerTransfer> t;
  const size_t a = m.previous_aggregators.size();
  for (size_t i = 0; i < m.trainers.size(); ++i) {
    const int32_t from = m.previous_aggregators[i % a];
    if (from != m.trainers[i]) t.push_back({from, m.trainers[i]});
  }
  return t;
}

std::vector<PeerTransfer> modest_uplink(const ModestSample& m) {
  std::vector<PeerTransfer> t;
  t.reserve(m.trainers.size() * m.aggregators.size());
  for (int32_t tr : m.trainers)
    for (int32_t ag : m.aggregators)
      if (tr != ag) t.push_back({tr, ag});
  return t;
}

}  // namespace dtsim::workloads
