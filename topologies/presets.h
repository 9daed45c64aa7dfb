#pragma once
/**
 * Named system builders: thin presets over the general builders of builders.h. Each maps a
 * vendor system's vocabulary (racks, scalable units) onto build_nvswitch_node or
 * build_rail_optimized_fat_tree and adds no structure of its own, so node names, rank order and
 * routing are those of the general builder.
 *
 * The datasheet numbers (bandwidths, latencies, GPUs per rack or node, nodes per scalable unit)
 * are not defaults here: they live, with their sources, in configs/topologies/gb200_nvl72.yaml
 * and configs/topologies/dgx_h100_superpod.yaml, which the YAML layer compiles in as the
 * defaults of `builder: nvl72` and `builder: dgx_superpod`.
 *
 * Units: see LinkSpec (bytes per second per direction; Time).
 * Errors: ConfigError `<preset>: <field>: expected <what>; got <value>` for the preset's own
 * fields; a bad link spec is reported by the general builder under its name
 * (`rail_optimized_fat_tree: nic.bw_bytes_per_s: ...`).
 *
 *     DgxSuperpodParams p{.nodes = 64, .gpus_per_node = 8, .scalable_unit = 32, ...};
 *     Topology t = build_dgx_superpod(p);  // 512 ranks, 2 leaf groups per rail
 */
#include "topologies/builders.h"

namespace dtsim::topologies {

/**
 * GB200 NVL72-like racks. Per rack one NVLink 5 domain: `gpus_per_rack` GPUs, each linked by
 * `nvlink` (its total NVLink bandwidth per direction) to one non-blocking logical switch that
 * stands for the rack's 9 NVLink switch trays (18 switch chips). The chips are not modelled one
 * by one: each GPU has one NVLink port to each chip, and the flow back-end routes a flow on one
 * path, so a single GPU-to-GPU flow would get 1/18 of the GPU's bandwidth instead of all of it.
 *
 * With racks == 1 the topology is build_nvswitch_node (`n0.gpu{i}`, `n0.nvswitch`); pcie, nic
 * and spine are not used. With racks > 1 it is build_rail_optimized_fat_tree with one node per
 * rack: every GPU has a NIC (`pcie` to it, `nic` to the leaf of its rail, the rail being the
 * GPU's index in the rack), all racks under one leaf per rail, `spines` spines (0: one per
 * rail), non-blocking.
 *
 * Counts, with R racks of G GPUs: R == 1: G + 1 nodes, G links; R > 1: R(2G + 1) + G + S nodes
 * and 3RG + G S links (S spines).
 * Errors: ConfigError when racks < 1 or gpus_per_rack < 1; link specs as the general builders.
 * Source: NVIDIA DGX GB200 user guide (18 compute trays of 4 Blackwell GPUs, 9 NVLink switch
 * trays per rack; one ConnectX-7 400G NIC per GPU for the compute fabric); GB200 NVL72
 * datasheet (1.8 TB/s bidirectional NVLink per GPU, 130 TB/s per rack).
 */
struct Nvl72Params {
  int racks = 1;
  int gpus_per_rack = 0;  ///< 72 in an NVL72
  LinkSpec nvlink;        ///< GPU <-> NVLink domain, total per GPU per direction
  LinkSpec pcie;          ///< GPU <-> its NIC (racks > 1)
  LinkSpec nic;           ///< NIC <-> rail leaf (racks > 1)
  LinkSpec spine;         ///< leaf <-> spine: class and latency (racks > 1)
  int spines = 0;         ///< 0 = one per rail
};

Topology build_nvl72(const Nvl72Params& params);

/**
 * NVIDIA DGX SuperPOD-like cluster: `nodes` DGX nodes of `gpus_per_node` GPUs on NVSwitch, one
 * NIC per GPU, rail-optimized two-tier fat tree with one leaf switch per rail per scalable unit
 * (SU) of `scalable_unit` nodes. build_rail_optimized_fat_tree with nodes_per_leaf =
 * scalable_unit (or all nodes when there are at most scalable_unit of them).
 *
 * Counts, with N nodes of G GPUs, L = max(1, N / scalable_unit) leaf groups, S spines (0: G):
 * N(2G + 1) + G L + S nodes, 3NG + G L S links. Routes: 2 hops inside a node, 4 between
 * same-rail GPUs of one SU, 6 otherwise.
 * Errors: ConfigError when nodes < 1, gpus_per_node < 1, scalable_unit < 1, or nodes exceeds
 * scalable_unit without being a multiple of it; spines, oversubscription and link specs as
 * build_rail_optimized_fat_tree.
 * Source: NVIDIA DGX SuperPOD reference architecture (DGX H100): SUs of 32 DGX H100 nodes, 8
 * rails, one leaf per rail per SU, non-blocking NDR InfiniBand leaf/spine.
 */
struct DgxSuperpodParams {
  int nodes = 0;
  int gpus_per_node = 0;          ///< also the number of rails
  int scalable_unit = 0;          ///< nodes per SU: one leaf per rail per SU
  LinkSpec nvlink;                ///< GPU <-> NVSwitch (total per GPU)
  LinkSpec pcie;                  ///< GPU <-> its NIC
  LinkSpec nic;                   ///< NIC <-> leaf
  LinkSpec spine;                 ///< leaf <-> spine: class and latency
  int spines = 0;                 ///< 0 = gpus_per_node
  double oversubscription = 1.0;  ///< leaf downlink : uplink capacity
};

Topology build_dgx_superpod(const DgxSuperpodParams& params);

}  // namespace dtsim::topologies
