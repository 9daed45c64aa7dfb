// build_ub_supernode: a CloudMatrix384-like UB Clos plus an RDMA plane (builders.h).
#include <gtest/gtest.h>

#include "topologies/builders.h"
#include "topologies/routing.h"

namespace dtsim::topologies {
namespace {

UbSupernodeParams params(int supernodes, int nodes) {
  UbSupernodeParams p;
  p.supernodes = supernodes;
  p.nodes = nodes;
  p.npus_per_node = 8;
  p.l2_switches = 7;
  p.ub = {"ub", 392e9, Time::ns(300)};
  p.ub_l2 = {"ub", 0, Time::ns(300)};
  p.rdma = {"roce", 50e9, Time::ns(600)};
  p.rdma_uplink = {"roce", 0, Time::ns(500)};
  return p;
}

TEST(UbSupernodeTest, CountsOfTheFullSupernode) {
  // N = 48 nodes of P = 8 NPUs, K = 7: nodes N(2P + 2) + K + 1 + 1 spine = 864 + 9 = 873;
  // links: UB N P + N K = 384 + 336 = 720, RDMA N(2P + 1) + 1 = 817.
  Topology t = build_ub_supernode(params(1, 48));
  EXPECT_EQ(t.rank_count(), 384);
  EXPECT_EQ(t.nodes().size(), 873u);
  int ub = 0, roce = 0;
  for (const auto& l : t.links()) (l.link_class == "ub" ? ub : roce)++;
  EXPECT_EQ(ub, 720);
  EXPECT_EQ(roce, 817);
  // Non-blocking second tier: each node-to-L2 link carries 8 x 392 / 7 = 448 GB/s.
  auto l2 = t.find_node("s0.ub_l2.0");
  ASSERT_TRUE(l2);
  for (const auto& l : t.links()) {
    if (l.b == *l2) {
      EXPECT_DOUBLE_EQ(l.bw_ab_bytes_per_s, 448e9);
    }
  }
}

TEST(UbSupernodeTest, UnifiedBusInsideASupernodeRdmaBetweenThem) {
  Topology t = build_ub_supernode(params(2, 2));
  Router r(t);
  auto rank = [&](int i) { return t.ranks()[i]; };
  auto classes = [&](const Path& p) {
    std::vector<std::string> c;
    for (uint32_t ch : p.channels) c.push_back(t.channel_class(ch));
    return c;
  };
  // Same node (ranks 0, 1): NPU - UB switch - NPU.
  EXPECT_EQ(classes(r.route(rank(0), rank(1), 0)), (std::vector<std::string>{"ub", "ub"}));
  // Other node of the same supernode (rank 8): through a UB L2 switch, 4 UB hops.
  EXPECT_EQ(classes(r.route(rank(0), rank(8), 0)), std::vector<std::string>(4, "ub"));
  // Other supernode (rank 16): only the RDMA plane, NIC - ToR - leaf - spine - leaf - ToR - NIC.
  EXPECT_EQ(classes(r.route(rank(0), rank(16), 0)), std::vector<std::string>(8, "roce"));
}

TEST(UbSupernodeTest, BadParametersAreRejected) {
  UbSupernodeParams p = params(1, 0);
  try {
    build_ub_supernode(p);
    FAIL() << "no error";
  } catch (const simcore::ConfigError& e) {
    EXPECT_EQ(e.message(), "ub_supernode: nodes: expected at least 1; got 0");
  }
}

}  // namespace
}  // namespace dtsim::topologies
