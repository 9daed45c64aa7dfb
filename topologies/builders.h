#pragma once
/**
 * Builders of common cluster topologies from plain parameter structs (the YAML layer fills them).
 *
 * Each builder returns a fresh `Topology`. Ranks (accelerators) are numbered in the order stated
 * per builder; node names are stable, so scenarios and tests may refer to them.
 *
 * | builder                       | accelerators | other nodes                    | forwards |
 * |-------------------------------|--------------|--------------------------------|----------|
 * | build_switch                  | gpu{i}       | sw                             | no       |
 * | build_ring                    | gpu{i}       |                                | yes      |
 * | build_fully_connected         | gpu{i}       |                                | no       |
 * | build_torus                   | gpu{i}       |                                | yes      |
 * | build_nvswitch_node           | n0.gpu{i}    | n0.nvswitch                    | no       |
 * | build_rail_optimized_fat_tree | n{b}.gpu{i}  | n{b}.nvswitch, n{b}.nic{i},    | no       |
 * |                               |              | leaf.r{rail}.g{group}, spine{s}|          |
 * | build_ub_supernode            | s{s}.n{n}.npu{i} | s{s}.n{n}.ub/.tor/.nic{i}, | no       |
 * |                               |              | s{s}.ub_l2.{k}, s{s}.roce_leaf,|          |
 * |                               |              | roce_spine                     |          |
 * | build_nvl72 (presets.h)       | as build_nvswitch_node (1 rack) or the rail fat tree    |
 * | build_dgx_superpod (presets.h)| as build_rail_optimized_fat_tree, one leaf group per SU |
 *
 * Units: bandwidth in bytes per second (GB = 1e9 B), per direction; latency as Time.
 * Errors: ConfigError on bad parameters, with the message
 * `<builder>: <field>: expected <what>; got <value>`, e.g.
 * `ring: n: expected at least 2; got 1`.
 *
 *     LinkSpec nvlink{"nvlink", 450e9, Time::ns(500)};
 *     Topology ring = build_ring(8, nvlink);            // 8 ranks, 8 links
 *     Topology torus = build_torus({4, 4, 4}, nvlink);  // 64 ranks, 192 links
 */
#include <cstdint>
#include <string>
#include <vector>

#include "topologies/topology.h"

namespace dtsim::topologies {

/**
 * One kind of link: the same bandwidth in both directions.
 * Units: bw_bytes_per_s in bytes per second per direction; latency as Time (one way).
 */
struct LinkSpec {
  std::string link_class;
  double bw_bytes_per_s = 0;
  Time latency;
  bool full_duplex = true;
};

/**
 * A single-switch star: accelerators `gpu0..gpu{n-1}` (ranks in that order), each with one link to
 * the switch `sw`.
 * Errors: ConfigError when endpoints < 1 or the link spec is invalid.
 *
 *     Topology t = build_switch(8, {"nvlink", 450e9, Time::ns(500)});  // 9 nodes, 8 links
 */
Topology build_switch(int endpoints, const LinkSpec& link);

/**
 * A bidirectional ring of n forwarding accelerators: link i <-> (i+1) mod n. With n == 2 there is
 * a single link (not two parallel ones).
 * Errors: ConfigError when n < 2 or the link spec is invalid.
 */
Topology build_ring(int n, const LinkSpec& link);

/**
 * n accelerators with a direct link between every pair: n(n-1)/2 links. Accelerators do not
 * forward (as on xGMI/Infinity Fabric meshes), so every route is the direct link.
 * Errors: ConfigError when n < 1 or the link spec is invalid.
 */
Topology build_fully_connected(int n, const LinkSpec& link);

/**
 * A 2D or 3D torus with wraparound links; accelerators forward. A dimension of size k >= 3
 * contributes one link per node (k per ring); size 2 a single link per pair; size 1 none.
 * Rank order is row-major: rank = (x * dims[1] + y) * dims[2] + z (the last dimension varies
 * fastest).
 * Errors: ConfigError when dims has not 2 or 3 entries, an entry is < 1, or the link spec is
 * invalid.
 *
 *     Topology t = build_torus({4, 4}, link);  // 16 ranks, 32 links, diameter 4 hops
 */
Topology build_torus(const std::vector<int>& dims, const LinkSpec& link);

/**
 * One NVSwitch server (e.g. DGX/HGX H100): `gpus` GPUs, each with one link to one logical switch
 * that stands for all the box's NVSwitch chips. `nvlink.bw_bytes_per_s` is a GPU's *total* NVLink
 * bandwidth per direction (all its NVLink ports together).
 * Source: NVIDIA DGX H100 user guide: 18 NVLink 4 links per GPU, 900 GB/s bidirectional, i.e.
 * 450 GB/s per direction (the value belongs in configs/, not here).
 */
struct NvswitchNodeParams {
  int gpus = 8;
  LinkSpec nvlink;
};

/** Node ids of one NVSwitch box added by add_nvswitch_box. */
struct NvswitchBox {
  std::vector<uint32_t> gpus;  ///< GPU node ids, GPU index order
  uint32_t nvswitch = 0;       ///< the logical switch
};

/**
 * Adds NVSwitch box number `box` to `t`: GPUs `n{box}.gpu{i}` (in index order, so they are the
 * next ranks) then the switch `n{box}.nvswitch`; all of them get Node::box = box.
 * Errors: ConfigError when params.gpus < 1, the link spec is invalid or a name already exists.
 */
NvswitchBox add_nvswitch_box(Topology& t, int box, const NvswitchNodeParams& params);

/** A topology holding just NVSwitch box 0 (see add_nvswitch_box). */
Topology build_nvswitch_node(const NvswitchNodeParams& params);

/**
 * Parameters of a rail-optimised two-tier fat tree (NVIDIA DGX SuperPOD style).
 * Units: see LinkSpec. `spine.bw_bytes_per_s` is ignored: leaf-spine bandwidth is computed.
 */
struct RailFatTreeParams {
  int nodes = 0;                  ///< NVSwitch boxes
  int gpus_per_node = 8;          ///< also the number of rails
  LinkSpec nvlink;                ///< GPU <-> NVSwitch (total per GPU)
  LinkSpec pcie;                  ///< GPU <-> its NIC
  LinkSpec nic;                   ///< NIC <-> leaf
  LinkSpec spine;                 ///< leaf <-> spine: class and latency only
  int spines = 0;                 ///< 0 = gpus_per_node
  double oversubscription = 1.0;  ///< leaf downlink : uplink capacity, >= 1
  int nodes_per_leaf = 0;         ///< nodes per leaf group; 0 = all nodes under one leaf per rail
  /** Node-facing ports of each leaf as designed (a scalable unit's nodes), which sizes its
   *  uplinks; at least the nodes of a group. 0 = the nodes of a group (a leaf just large
   *  enough for the nodes present). */
  int leaf_ports = 0;
};

/**
 * A rail-optimised fat tree: `nodes` NVSwitch boxes (see add_nvswitch_box); one NIC per GPU,
 * `n{b}.nic{i}` (NodeKind::kNic, box b), linked to its GPU by `pcie`; per rail r and per group g
 * of `nodes_per_leaf` consecutive nodes one leaf switch `leaf.r{r}.g{g}` linked by `nic` to NIC r
 * of each node of the group; a spine layer `spine0..spine{S-1}` with every leaf linked to every
 * spine. The spines are built even with a single leaf group: traffic between rails crosses them.
 * GPUs do not forward (no PXN through a peer GPU). Rank order: node-major, then GPU index.
 *
 * Leaf-spine bandwidth per direction, per link:
 *     (leaf_ports * nic.bw_bytes_per_s / oversubscription) / spines
 * so a leaf's uplink capacity is its downlink capacity *as designed* divided by the
 * oversubscription: a partly filled scalable unit (2 nodes of 32) keeps the uplinks of the full
 * one, so every NIC reaches the spine layer at its own rate whatever the node count.
 *
 * Counts, with N nodes, G GPUs per node, L = N / nodes_per_leaf groups, S spines:
 * nodes N*(2G+1) + G*L + S; links N*(2G) + N*G + G*L*S.
 *
 * Errors: ConfigError when nodes < 1, gpus_per_node < 1, spines < 0, nodes_per_leaf < 0 or not a
 * divisor of nodes, leaf_ports < 0 or above 0 but fewer than a group's nodes, oversubscription < 1 (or not finite), or a link spec is invalid.
 * Source: NVIDIA DGX SuperPOD reference architecture (DGX H100), rail-optimised compute fabric.
 */
Topology build_rail_optimized_fat_tree(const RailFatTreeParams& params);

/**
 * Parameters of a Huawei CloudMatrix384-like supernode (or several, joined by RDMA).
 * Units: see LinkSpec. `ub_l2` and the RDMA uplinks carry class and latency only: their bandwidth
 * is computed so that both planes are non-blocking.
 */
struct UbSupernodeParams {
  int supernodes = 1;
  int nodes = 48;          ///< per supernode
  int npus_per_node = 8;
  int l2_switches = 7;     ///< UB second-tier switches (sub-planes)
  LinkSpec ub;             ///< NPU <-> its node's UB switch (per NPU, per direction)
  LinkSpec ub_l2;          ///< node UB switch <-> UB L2 switch: class and latency
  LinkSpec rdma;           ///< NPU <-> its RDMA NIC, and NIC <-> the node's RoCE ToR
  LinkSpec rdma_uplink;    ///< ToR <-> supernode RoCE leaf <-> RoCE spine: class and latency
};

/**
 * A two-tier, non-blocking Unified Bus Clos inside each supernode, and a separate RDMA (RoCE)
 * plane between supernodes. Per supernode s and node n: NPUs `s{s}.n{n}.npu{i}` (ranks, in that
 * order; Node::box = global node index), a UB switch `s{s}.n{n}.ub` linked to each NPU by `ub`,
 * and `l2_switches` UB L2 switches `s{s}.ub_l2.{k}` linked to every node switch with
 * npus_per_node x ub / l2_switches each. RDMA: one NIC per NPU `s{s}.n{n}.nic{i}`, a RoCE ToR per
 * node, a RoCE leaf per supernode and one spine, each uplink carrying all the NICs below it.
 * Shortest paths keep traffic on UB inside a supernode (2 hops in a node, 4 across nodes; the
 * RDMA plane needs 4 and 6) and use RDMA only between supernodes (8 hops).
 * Counts per supernode, N nodes of P NPUs, L2 switches K: nodes N(2P + 2) + K + 1, links
 * N(P + K) + N(2P + 1) + 1 (+ 1 spine node overall).
 * Errors: ConfigError on counts < 1 or a bad link spec.
 * Source: Zuo et al., "Serving Large Language Models on Huawei CloudMatrix384" (arXiv 2506.12708):
 * 48 nodes x 8 Ascend 910C, UB ~392 GB/s per NPU per direction, two-tier non-blocking (7 L2
 * sub-planes), RDMA plane up to 400 Gb/s per NPU.
 */
Topology build_ub_supernode(const UbSupernodeParams& params);

}  // namespace dtsim::topologies
