// The edge_cell builder: node names, rank order, per-client rates and its errors.
#include "topologies/edge_cell.h"

#include <gtest/gtest.h>

#include "tests/support/config_error.h"

namespace dtsim::topologies {
namespace {

EdgeCellParams two_cells() {
  EdgeCellParams p;
  p.backhaul = {"backhaul", 1.25e8, Time::us(100)};
  p.cells = {{"gnb0", {"fibre", 1.25e9, Time::ms(1)}, {"nr", 0, Time::ms(10)}},
             {"ap0", {"fibre", 1.25e9, Time::ms(1)}, {"wlan", 0, Time::ms(2)}}};
  p.clients = {{"gnb0", 5e7, 1e8}, {"ap0", 3e7, 3e7}, {"gnb0", 1e6, 2e6}};
  return p;
}

TEST(EdgeCell, ServerThenClientsAreTheRanks) {
  Topology t = build_edge_cell(two_cells());
  // Nodes: server, client0..2, core, gnb0, ap0 = 7; links: backhaul, 2 cell uplinks, 3 access.
  ASSERT_EQ(t.nodes().size(), 7u);
  ASSERT_EQ(t.links().size(), 6u);
  ASSERT_EQ(t.rank_count(), 4);
  EXPECT_EQ(t.nodes()[t.ranks()[0]].name, "server");
  EXPECT_EQ(t.nodes()[t.ranks()[3]].name, "client2");
  // client2's access link: to gnb0, class nr, 1e6 B/s up (client -> cell), 2e6 B/s down.
  const Link& l = t.links()[5];
  EXPECT_EQ(t.nodes()[l.a].name, "client2");
  EXPECT_EQ(t.nodes()[l.b].name, "gnb0");
  EXPECT_EQ(l.link_class, "nr");
  EXPECT_EQ(l.bw_ab_bytes_per_s, 1e6);
  EXPECT_EQ(l.bw_ba_bytes_per_s, 2e6);
  EXPECT_EQ(l.latency, Time::ms(10));
}

TEST(EdgeCell, BadParametersAreRejected) {
  EdgeCellParams p = two_cells();
  p.clients[1].cell = "ap1";
  EXPECT_EQ(test::config_error([&] { build_edge_cell(p); }),
            "edge_cell: clients[1].cell: expected one of the cells (gnb0, ap0); got \"ap1\"");
  p = two_cells();
  p.clients.clear();
  EXPECT_EQ(test::config_error([&] { build_edge_cell(p); }),
            "edge_cell: clients: expected at least one client; got none");
  p = two_cells();
  p.cells[1].name = "gnb0";
  EXPECT_EQ(test::config_error([&] { build_edge_cell(p); }),
            "edge_cell: cells[1].name: expected a new name (not server, core, client...); got "
            "\"gnb0\"");
  p = two_cells();
  p.clients[0].uplink_bytes_per_s = -1;
  EXPECT_EQ(test::config_error([&] { build_edge_cell(p); }),
            "edge_cell: clients[0].uplink_bytes_per_s: expected a positive finite rate; got -1");
}

TEST(EdgeCell, ItsCellsAndBackhaulCanBeReadBackForAnotherSetOfClients) {
  // What fedavg does each round: the cells and backhaul of the cluster, new clients.
  const Topology t = build_edge_cell(two_cells());
  EdgeCellParams p = edge_cell_cells(t);
  EXPECT_EQ(p.backhaul.link_class, "backhaul");
  EXPECT_EQ(p.backhaul.bw_bytes_per_s, 1.25e8);
  EXPECT_EQ(p.backhaul.latency, Time::us(100));
  ASSERT_EQ(p.cells.size(), 2u);
  EXPECT_EQ(p.cells[0].name, "gnb0");
  EXPECT_EQ(p.cells[0].uplink.bw_bytes_per_s, 1.25e9);
  EXPECT_EQ(p.cells[0].access.link_class, "nr");
  EXPECT_EQ(p.cells[0].access.latency, Time::ms(10));
  EXPECT_EQ(p.cells[1].name, "ap0");
  EXPECT_EQ(p.cells[1].access.link_class, "wlan");
  EXPECT_TRUE(p.clients.empty());
  p.clients = {{"ap0", 4e7, 4e7}};
  const Topology u = build_edge_cell(p);
  EXPECT_EQ(u.rank_count(), 2);
  EXPECT_EQ(u.links().back().link_class, "wlan");
  // Not an edge_cell: no server and core.
  Topology star;
  star.add_node("gpu0", NodeKind::kAccelerator);
  EXPECT_EQ(test::config_error([&] { edge_cell_cells(star); }),
            "the cluster is not an edge_cell topology (builder: edge_cell): it has no 'server' "
            "and 'core' nodes");
}

}  // namespace
}  // namespace dtsim::topologies
