#pragma once
/**
 * `edge_cell`: edge devices on radio cells (5G base stations, WiFi access points) that reach a
 * server through a backhaul.
 *
 *     server --backhaul-- core --cell.uplink-- <cell> --access (rate r_i)-- client{i}
 *
 * Nodes: `server` (an accelerator: rank 0), `core` (a switch), one switch per cell named as the
 * cell, and the clients `client0..client{N-1}` (accelerators: ranks 1..N, in the order given).
 * Each client's access link has its cell's access class and latency, and the client's own rate
 * per direction (from its signal quality): a `5g` or `wifi` link model on that class
 * (models/network/links) turns the links of one cell into one shared airtime.
 *
 * Units: rates and bandwidths in bytes per second per direction; latency as Time.
 * Errors: ConfigError `edge_cell: <field>: expected <what>; got <value>`: no cell or no client, a
 * cell name empty or used twice (or "server", "core"), a client whose cell is not one of the
 * cells (a client attached to no cell), a rate not positive and finite, a bad link spec.
 *
 *     EdgeCellParams p;
 *     p.backhaul = {"backhaul", 1.25e9, Time::ms(5)};
 *     p.cells = {{"gnb0", {"fibre", 1.25e9, Time::ms(1)}, {"nr", 0, Time::ms(10)}}};
 *     p.clients = {{"gnb0", 1.25e7, 1.25e7}};
 *     Topology t = build_edge_cell(p);  // ranks: server, client0
 */
#include <string>
#include <vector>

#include "topologies/builders.h"

namespace dtsim::topologies {

struct EdgeCellParams {
  struct Cell {
    std::string name;
    LinkSpec uplink;  ///< cell <-> core
    LinkSpec access;  ///< class and latency of its clients' links (bandwidth: per client)
  };
  struct Client {
    std::string cell;
    double uplink_bytes_per_s = 0;    ///< client -> cell
    double downlink_bytes_per_s = 0;  ///< cell -> client
  };
  LinkSpec backhaul;  ///< server <-> core
  std::vector<Cell> cells;
  std::vector<Client> clients;
};

Topology build_edge_cell(const EdgeCellParams& p);

/**
 * The backhaul and cells of a topology made by `build_edge_cell` (no clients): what a workload
 * whose clients change (federated rounds) needs to build each round's topology with
 * `build_edge_cell`. A cell's access class and latency are those of its first client's link.
 * Errors: ConfigError (no location) when `t` is not an edge_cell topology: no `server` or `core`
 * node, or a cell with no client to give its access link.
 */
EdgeCellParams edge_cell_cells(const Topology& t);

}  // namespace dtsim::topologies
