#pragma once
/**
 * NCCL's cost model: the latency of each algorithm and protocol and the bandwidth each reaches,
 * as NCCL's tuner (src/graph/tuning.cc, ncclTopoTuneModel and ncclTopoGetAlgoTime) computes
 * them, with the bandwidths measured on dtsim's topology instead of NCCL's graph search. The
 * NCCL algorithm families (algorithms/nccl_ring.cpp, nccl_tree.cpp, nvls.cpp, nvls_tree.cpp,
 * nccl.cpp) price and choose with it.
 *
 *     NcclInputs in{.kind = CollectiveKind::kAllReduce, .n = 8, .nodes = 1, .bytes = 1 << 30,
 *                   .intra_bw_bytes_per_s = 370e9, .inter_bw_bytes_per_s = 0, .ctx = ctx};
 *     NcclEstimate e = nccl_best(kAllNcclAlgos, in);  // nvls / Simple on a Hopper NVSwitch node
 *
 * Units: seconds and bytes per second in the API; the constants (NcclTuning) in NCCL's units,
 * microseconds and GB/s (1e9 B/s), as in configs/nccl/tuning.yaml.
 *
 * Bandwidth (busbw as nccl-tests defines it, before the protocol) from the topology, per rank:
 * B_i the bandwidth between neighbours inside a node, B_n between same-index ranks of two nodes
 * (one NIC each), r = min(NICs per node, ranks per node) rails, ppn ranks per node:
 * - ring: B_i on one node; min(B_i ppn/(ppn-1), r B_n) across nodes (one ring per rail, each
 *   leaving the node through its own NIC: algorithms/nccl_ring.cpp; a rank sends 1/ppn of its
 *   ring traffic through its NIC, the rest over NVLink).
 * - tree (all-reduce): NCCL's tree "busBw" is 2 x algbw; a rank of an intra-node chain sends
 *   every byte up and down, so it is B_i, and a node sends f/2 x S over its r rails (f the most
 *   tree edges one node has, 2 for two nodes, 4 beyond; schedule.h double_binary_tree), so
 *   min(B_i, 2 r B_n / (f/2)).
 * - nvls (one node, all-reduce): each GPU sends S to the switch (multimem reduce-load of every
 *   shard) and S/n (its reduced shard, multicast), and receives as much: algbw = e B_i n/(n+1),
 *   e = nvls_efficiency (nc-1)/nc with nc NVLS channels (NCCL's own efficiency term).
 * - nvls_tree (across nodes, all-reduce): the NVLS traffic inside nodes with S(1+1/ppn) per GPU,
 *   and a tree across nodes of S/ppn per rank over the rails: algbw = 1 / max((1+1/ppn)/(e B_i),
 *   (f/2)/(r B_n)), capped at NCCL's per-channel NVLS-tree ceiling.
 * Then NCCL's protocol refinements (tuning.cc "model refinements"): ring LL x0.5 capped at
 * llMaxBw, LL128 x0.92 capped at channels x perChMaxRingLL128Bw; tree x0.92 capped at channels x
 * perChMaxTreeBw, LL x1/3.8 capped at llMaxBw, LL128 x7/9 (one node) or x120/128 capped; NVLS
 * runs Simple only. algbw = busbw n/nsteps for ring (nsteps = 2(n-1) all-reduce, n-1
 * reduce-scatter/all-gather), busbw/2 for tree.
 *
 * Latency (tuning.cc), intra the per-hop latency of NVLink (or PCIe when the node's GPUs have
 * no NVLink), inter that of the network: ring: base + (nsteps - k) max(intra, net overhead) +
 * k inter, k = 2(nodes-1) for all-reduce (nodes-1 otherwise), x1.4 for a multi-node Simple
 * all-reduce once a channel's share per rank is >= 64 B; tree: base + 2((ppn-1) intra +
 * log2(nodes) inter); nvls: intra (+ inter across nodes); nvls_tree: base + intra + 2 log2(nodes)
 * inter. Time = latency + S / algbw, the tree's algbw scaled by NCCL's treeCorrectionFactor for
 * sizes from 64 B to 256 MiB. LL128 runs only where the node's GPUs talk over NVLink (NCCL:
 * typeIntra <= PATH_NVB), or one GPU per node.
 *
 * NCCL's tuner ranks the pairs by that prediction (`seconds`); the collective then runs NCCL's
 * mechanism (`run_seconds`). A ring runs each channel's share S/c in L = ceil(S / (c n C))
 * loops of n chunks of C bytes (C = buffer / NCCL_STEPS x chunk_steps x data fraction: 2 MiB
 * Simple, 576000 B LL128, 32 KiB LL), each chunk in P = chunk_steps / slice_steps slices
 * (2 Simple, 1 LL/LL128), through connection FIFOs of NCCL_STEPS steps (nccl_ring_fifo.h). The
 * first loop costs the prediction (NCCL's latency constants are fitted to whole collectives);
 * each later loop streams behind it through the FIFO and adds only the latency its pipeline
 * exposes: with slices longer than a hop, the final recv's hop (x1.4 for the plateau as
 * predicted). So run latency = latency + sum over later loops (loop time - its bandwidth).
 * Trees and NVLS run as predicted.
 *
 * Errors: ConfigError when no NCCL constants were given (NcclContext::tuning null), when an
 * algorithm cannot run on the group (nvls without an NVSwitch of an architecture with NVLink
 * SHARP; nvls on more than one node; nvls_tree on one node; an unsupported collective).
 * Source: NVIDIA/nccl src/graph/tuning.cc, src/transport/nvls.cc (read at 5067397c).
 */
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "simcore/workload.h"

namespace dtsim::collectives {

enum class NcclProtocol : uint8_t { kLL, kLL128, kSimple };
inline constexpr int kNcclProtocols = 3;
enum class NcclAlgo : uint8_t { kTree, kRing, kNvls, kNvlsTree };
inline constexpr int kNcclAlgos = 4;
/** NCCL's link types for per-hop latency (NCCL_HW_NVLINK, NCCL_HW_PCI, NCCL_HW_NET). */
enum class NcclHw : uint8_t { kNvlink, kPci, kNet };
inline constexpr int kNcclHws = 3;
/** Sizes of NCCL's treeCorrectionFactor rows: powers of two from 64 B. */
inline constexpr int kNcclTreeCorrections = 24;

/** "LL", "LL128", "Simple". */
std::string_view to_string(NcclProtocol p);
/** "tree", "ring", "nvls", "nvls_tree" (the keys of configs/nccl/tuning.yaml). */
std::string_view to_string(NcclAlgo a);

/** NCCL's constants for one GPU architecture (configs/nccl/tuning.yaml, its sources there). */
struct NcclTuning {
  std::string arch;  ///< "hopper", ...
  double base_latency_us[kNcclAlgos][kNcclProtocols] = {};
  double hw_latency_us[kNcclHws][kNcclAlgos][kNcclProtocols] = {};
  double net_overhead_us = 0;
  double simple_net_overhead_factor = 1;
  double ring_plateau_factor = 1;
  double ring_ll = 0, ring_ll128 = 0, tree = 0, tree_ll = 0, tree_ll128_single_node = 0,
         tree_ll128_multi_node = 0;
  /** LL's ceiling (GB/s) on 1 node (this architecture), 2 nodes, more nodes. */
  double ll_max_bw_GBps[3] = {};
  double tree_correction[kNcclProtocols][kNcclTreeCorrections] = {};
  int channels = 0;       ///< ring / tree channels
  int nvls_channels = 0;  ///< 0: no NVLS
  double nvls_efficiency = 0;
  /** Per-channel ceilings (GB/s) on [1 node, 2 nodes, more]. */
  double per_ch_ring_ll128_GBps[3] = {}, per_ch_tree_ll128_GBps[3] = {}, per_ch_tree_GBps[3] = {},
         per_ch_nvls_tree_GBps[3] = {};
  /** The ring's chunk pipeline (configs/nccl/tuning.yaml ring_pipeline): NCCL_STEPS, and per
   *  protocol the connection buffer (bytes), steps per chunk, steps per slice, data fraction. */
  int pipeline_steps = 0;
  double ring_buffer_bytes[kNcclProtocols] = {};
  int ring_chunk_steps[kNcclProtocols] = {}, ring_slice_steps[kNcclProtocols] = {};
  double ring_data_fraction[kNcclProtocols] = {};
  /** A Simple slice is at least buffer / NCCL_STEPS x slice_steps / this (prims_simple.h). */
  int ring_min_slice_divisor = 0;
  /** Whether a protocol's receiver processes a slice as its lines land (LL, LL128). */
  bool ring_cut_through[kNcclProtocols] = {};
};

/** What the NCCL algorithms need to know of a group's nodes beyond pair costs
 *  (models/network/nccl_topology.h finds them on a topology). */
struct NcclGroupFacts {
  int nics_per_box = 0;       ///< NICs attached to the GPUs of a node (fewest over the nodes)
  bool nvswitch = false;      ///< every node's GPUs share one NVSwitch over NVLink
  bool intra_nvlink = false;  ///< the GPUs of a node reach each other over NVLink
};

/** The NCCL constants and group facts a request carries; tuning null: none given. */
struct NcclContext {
  const NcclTuning* tuning = nullptr;
  NcclGroupFacts facts;
};

struct NcclInputs {
  simcore::CollectiveKind kind = simcore::CollectiveKind::kAllReduce;
  int n = 1;
  int nodes = 1;
  double bytes = 0;
  double intra_bw_bytes_per_s = 0;  ///< B_i (unused with one rank per node)
  double inter_bw_bytes_per_s = 0;  ///< B_n (unused on one node)
  NcclContext ctx;
};

struct NcclEstimate {
  NcclAlgo algo = NcclAlgo::kRing;
  NcclProtocol proto = NcclProtocol::kSimple;
  int channels = 0;
  double latency_s = 0;
  double algbw_bytes_per_s = 0;
  double raw_busbw_bytes_per_s = 0;  ///< the topology's busbw before the protocol
  double busbw_bytes_per_s = 0;      ///< after the protocol's refinements
  double seconds = 0;                ///< NCCL's predicted time: what its tuner ranks
  /** The run: a ring's chunk pipeline (nccl_ring_pipeline); other algorithms run as predicted. */
  double chunk_bytes = 0;  ///< data bytes of one ring chunk (0: not a ring)
  int64_t loops = 1;       ///< loops of n chunks per channel
  int slices = 1;          ///< handshakes per chunk and ring step
  double run_latency_s = 0;
  double run_seconds = 0;  ///< run_latency_s + bytes / algbw (the tree's correction included)
};

/** Every NCCL algorithm dtsim runs, in NCCL's order. */
inline constexpr NcclAlgo kAllNcclAlgos[] = {NcclAlgo::kTree, NcclAlgo::kRing, NcclAlgo::kNvls,
                                             NcclAlgo::kNvlsTree};

/** Why `a` cannot run on the group (empty: it can). */
std::string nccl_unavailable(NcclAlgo a, const NcclInputs& in);

/** The estimate of `a` with protocol `p`, or nullopt where NCCL disables the pair (NVLS with
 *  LL/LL128, LL128 without NVLink) or the algorithm cannot run (nccl_unavailable). Errors:
 *  ConfigError without constants or with a non-positive bandwidth that the algorithm needs. */
std::optional<NcclEstimate> nccl_estimate(NcclAlgo a, NcclProtocol p, const NcclInputs& in);

/** The fastest (algorithm, protocol) among `algos`, as NCCL's tuner picks (ties: the earlier).
 *  Errors: ConfigError naming the algorithm when none of `algos` can run, with the reason. */
NcclEstimate nccl_best(std::span<const NcclAlgo> algos, const NcclInputs& in);

/** A ring's chunk pipeline for `bytes` over `channels` channels of `n` ranks with protocol `p`:
 *  chunk_bytes C = floor(buffer / NCCL_STEPS) x chunk_steps x data fraction, loops
 *  L = ceil(bytes / (channels n C)) (at least 1), slices P = chunk_steps / slice_steps.
 *  Example: Simple, 16 channels, 8 ranks, 1 GiB: C = 2 MiB, L = ceil(1 GiB / 256 MiB) = 4, P = 2.
 *  Without pipeline constants (ring_pipeline absent): C = 0, L = P = 1. Source: NCCL's
 *  calcCollChunking (src/enqueue.cc), src/device/prims_simple.h. */
struct NcclRingPipeline {
  double chunk_bytes = 0;
  int64_t loops = 1;
  int slices = 1;
};
NcclRingPipeline nccl_ring_pipeline(const NcclTuning& t, NcclProtocol p, int channels, int n,
                                    double bytes);

/** "nvls_tree (Simple, 16 channels)". */
std::string describe(const NcclEstimate& e);

}  // namespace dtsim::collectives
