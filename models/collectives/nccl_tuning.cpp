#include "models/collectives/nccl_tuning.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/collectives/alpha_beta.h"
#include "models/collectives/nccl_ring_fifo.h"
#include "simcore/error.h"

namespace dtsim::collectives {

using simcore::CollectiveKind;
using simcore::ConfigError;

std::string_view to_string(NcclProtocol p) {
  switch (p) {
    case NcclProtocol::kLL:
      return "LL";
    case NcclProtocol::kLL128:
      return "LL128";
    case NcclProtocol::kSimple:
      return "Simple";
  }
  return "?";
}

std::string_view to_string(NcclAlgo a) {
  switch (a) {
    case NcclAlgo::kTree:
      return "tree";
    case NcclAlgo::kRing:
      return "ring";
    case NcclAlgo::kNvls:
      return "nvls";
    case NcclAlgo::kNvlsTree:
      return "nvls_tree";
  }
  return "?";
}

namespace {

constexpr double kUs = 1e-6, kGB = 1e9;

int node_index(int nodes) { return nodes <= 2 ? nodes - 1 : 2; }

/** floor(log2(x)) for x >= 1, as NCCL's log2i. */
int log2i(int64_t x) {
  int l = 0;
  while (x > 1) {
    x >>= 1;
    ++l;
  }
  return l;
}

const char* name_of(NcclAlgo a) {
  switch (a) {
    case NcclAlgo::kTree:
      return "nccl_tree";
    case NcclAlgo::kRing:
      return "nccl_ring";
    case NcclAlgo::kNvls:
      return "nvls";
    case NcclAlgo::kNvlsTree:
      return "nvls_tree";
  }
  return "?";
}

int ppn_of(const NcclInputs& in) { return std::max(1, in.n / std::max(1, in.nodes)); }

/** Rails: NICs per node used by the rings (one per rank at most; 1 when the topology has none
 *  attached to the GPUs, e.g. GPUs on a plain switch). */
int rails(const NcclInputs& in) {
  return std::max(1, std::min(in.ctx.facts.nics_per_box, ppn_of(in)));
}

/** The most tree edges a node has over NCCL's two trees across `nodes` (2 for 2 nodes). */
double tree_edges(int nodes) {
  if (nodes < 2) return 0;
  return double_binary_tree_factors(nodes).link_pieces;
}

void need_bw(NcclAlgo a, const char* what, double v) {
  if (!std::isfinite(v) || v <= 0)
    throw ConfigError(fmt::format("algorithm \"{}\": {} must be a finite bandwidth > 0; got {} B/s",
                                  name_of(a), what, v));
}

/** The channel times (us) of a chunk's slices: NCCL splits a chunk of `chunk` data bytes in
 *  `slices` slices of max(chunk / slices, min_slice) bytes, the last ones short or empty
 *  (prims_simple.h genericOp). */
SliceTimes ring_slices_us(double chunk, int slices, double min_slice, double us_per_byte) {
  SliceTimes out{};
  if (chunk <= 0) return out;
  const int P = std::clamp(slices, 1, kMaxRingSlices);
  const double size = std::max(chunk / P, min_slice);
  for (int i = 0; i < P; ++i)
    out[static_cast<size_t>(i)] = std::clamp(chunk - i * size, 0.0, size) * us_per_byte;
  return out;
}

bool ll128_enabled(const NcclInputs& in) { return in.ctx.facts.intra_nvlink || ppn_of(in) == 1; }

}  // namespace

std::string nccl_unavailable(NcclAlgo a, const NcclInputs& in) {
  const bool reduce_only = a == NcclAlgo::kTree || a == NcclAlgo::kNvls || a == NcclAlgo::kNvlsTree;
  if (reduce_only && in.kind != CollectiveKind::kAllReduce)
    return fmt::format("it runs all_reduce only, not {}", simcore::to_string(in.kind));
  if (a == NcclAlgo::kRing && in.kind != CollectiveKind::kAllReduce &&
      in.kind != CollectiveKind::kReduceScatter && in.kind != CollectiveKind::kAllGather)
    return fmt::format("it runs all_reduce, reduce_scatter and all_gather, not {}",
                       simcore::to_string(in.kind));
  if (a == NcclAlgo::kNvls || a == NcclAlgo::kNvlsTree) {
    const NcclTuning& t = *in.ctx.tuning;
    if (t.nvls_efficiency <= 0 || t.nvls_channels < 2)
      return fmt::format(
          "NVLink SHARP needs a GPU architecture that has it; the cluster's device is {} "
          "(configs/nccl/tuning.yaml: architectures.{}.nvls_efficiency is 0)",
          t.arch, t.arch);
    if (!in.ctx.facts.nvswitch)
      return "NVLink SHARP needs every node's GPUs on one NVSwitch (topology: no NVSwitch "
             "joins the group's GPUs over links of class nvlink)";
    if (a == NcclAlgo::kNvls && in.nodes > 1)
      return fmt::format(
          "nvls runs inside one NVSwitch node; the group spans {} nodes (use nvls_tree)", in.nodes);
    if (a == NcclAlgo::kNvlsTree && in.nodes < 2)
      return "nvls_tree runs across nodes; the group is on one node (use nvls)";
    if (ppn_of(in) < 2) return "NVLink SHARP needs more than one GPU per node";
  }
  return {};
}

std::optional<NcclEstimate> nccl_estimate(NcclAlgo a, NcclProtocol p, const NcclInputs& in) {
  if (in.ctx.tuning == nullptr)
    throw ConfigError(
        fmt::format("algorithm \"{}\" needs NCCL's constants for the cluster's GPU: no "
                    "architecture in configs/nccl/tuning.yaml lists the cluster's device",
                    name_of(a)));
  const NcclTuning& t = *in.ctx.tuning;
  if (!nccl_unavailable(a, in).empty()) return std::nullopt;
  const bool nvls = a == NcclAlgo::kNvls || a == NcclAlgo::kNvlsTree;
  if (nvls && p != NcclProtocol::kSimple) return std::nullopt;
  if (p == NcclProtocol::kLL128 && !ll128_enabled(in)) return std::nullopt;

  const int n = in.n, nodes = std::max(1, in.nodes), ppn = ppn_of(in), idx = node_index(nodes);
  const bool multi = nodes > 1;
  const double Bi = in.intra_bw_bytes_per_s, Bn = in.inter_bw_bytes_per_s;
  if (ppn > 1) need_bw(a, "the bandwidth between GPUs of a node", Bi);
  if (multi) need_bw(a, "the bandwidth between nodes", Bn);
  const double r = rails(in);
  const double inf = std::numeric_limits<double>::infinity();
  const double bi = ppn > 1 ? Bi : inf;
  const bool ar = in.kind == CollectiveKind::kAllReduce;
  const double nsteps = ar ? 2.0 * (n - 1) : n - 1.0;
  const double ll_max =
      (multi ? t.ll_max_bw_GBps[idx] : t.ll_max_bw_GBps[0]) * kGB;  // [0]: this arch, 1 node

  NcclEstimate e;
  e.algo = a;
  e.proto = p;
  e.channels = nvls ? t.nvls_channels : t.channels;
  const double ch = e.channels;
  double raw = 0, bus = 0, algbw = 0;
  switch (a) {
    case NcclAlgo::kRing: {
      // Across nodes a rank leaves its node in r/ppn of the r rings (through its NIC, not
      // NVLink), so NVLink carries (ppn-1)/ppn of its ring traffic.
      raw = multi ? std::min(ppn > 1 ? Bi * ppn / (ppn - 1.0) : bi, r * Bn) : Bi;
      bus = raw;
      if (p == NcclProtocol::kLL) bus = std::min(ll_max, raw * t.ring_ll);
      if (p == NcclProtocol::kLL128)
        bus = std::min(raw * t.ring_ll128, ch * t.per_ch_ring_ll128_GBps[idx] * kGB);
      algbw = bus * n / nsteps;
      break;
    }
    case NcclAlgo::kTree: {
      raw = multi ? std::min(bi, 2 * r * Bn / (tree_edges(nodes) / 2)) : Bi;
      bus = std::min(raw * t.tree, ch * t.per_ch_tree_GBps[idx] * kGB);
      if (p == NcclProtocol::kLL) bus = std::min(bus * t.tree_ll, ll_max);
      if (p == NcclProtocol::kLL128)
        bus = std::min(bus * (multi ? t.tree_ll128_multi_node : t.tree_ll128_single_node),
                       ch * t.per_ch_tree_ll128_GBps[idx] * kGB);
      algbw = bus / 2;
      break;
    }
    case NcclAlgo::kNvls: {
      const double eff = t.nvls_efficiency * (ch - 1) / ch;
      algbw = Bi * eff * n / (n + 1.0);
      raw = bus = algbw * nsteps / n;
      break;
    }
    case NcclAlgo::kNvlsTree: {
      const double eff = t.nvls_efficiency * (ch - 1) / ch;
      const double per_byte =
          std::max((1 + 1.0 / ppn) / (eff * Bi), (tree_edges(nodes) / 2) / (r * Bn));
      algbw = 1 / per_byte;
      const double cap = ch * t.per_ch_nvls_tree_GBps[idx] * kGB;  // NCCL's busBw ceiling
      if (cap > 0) algbw = std::min(algbw, cap * n / nsteps);
      raw = bus = algbw * nsteps / n;
      break;
    }
  }
  e.raw_busbw_bytes_per_s = raw;
  e.busbw_bytes_per_s = bus;

  // Latency (tuning.cc), in us.
  const int ai = static_cast<int>(a), pi = static_cast<int>(p);
  const int intra_hw = static_cast<int>(in.ctx.facts.intra_nvlink ? NcclHw::kNvlink : NcclHw::kPci);
  const int net = static_cast<int>(NcclHw::kNet);
  double intra = t.hw_latency_us[intra_hw][ai][pi];
  const double inter = ppn == 1 ? t.hw_latency_us[net][static_cast<int>(NcclAlgo::kTree)][pi]
                                : t.hw_latency_us[net][ai][pi];
  const double base = t.base_latency_us[ai][pi];
  double lat = base, run_lat = 0;  // us; run_lat: the ring's run (its FIFO pipeline)
  switch (a) {
    case NcclAlgo::kRing: {
      double overhead = 0;
      if (multi)
        overhead =
            t.net_overhead_us * (p == NcclProtocol::kSimple ? t.simple_net_overhead_factor : 1);
      intra = std::max(intra, overhead);
      const int k = !multi ? 0 : ar ? 2 * (nodes - 1) : nodes - 1;
      const double pass = (nsteps - k) * intra + k * inter;
      const NcclRingPipeline pipe = nccl_ring_pipeline(t, p, ch, n, in.bytes);
      e.chunk_bytes = pipe.chunk_bytes;
      e.loops = pipe.loops;
      e.slices = pipe.slices;
      lat += pass;
      const double plateau = p == NcclProtocol::kSimple && multi && ar && in.bytes / (ch * n) >= 64
                                 ? t.ring_plateau_factor
                                 : 1.0;
      lat *= plateau;
      run_lat = lat;  // no pipeline constants: the run is the prediction
      if (pipe.chunk_bytes > 0 && bus > 0) {
        // The hops a slice crosses in a loop: k between nodes, the rest inside them; the rank
        // whose loop ends on a hop between nodes (its final recv waits for it) is the last.
        RingFifo f;
        f.hops.assign(static_cast<size_t>(nsteps), {intra * plateau, t.ring_cut_through[pi]});
        std::fill_n(f.hops.end() - std::min<int>(k, static_cast<int>(nsteps)),
                    std::min<int>(k, static_cast<int>(nsteps)), RingHop{inter * plateau, false});
        f.slices = pipe.slices;
        f.fifo_slices = t.pipeline_steps / t.ring_slice_steps[pi];
        const double us_per_byte = ch / bus / kUs;  // one channel's share of the busbw
        const double per_channel = in.bytes / ch, loop_bytes = n * pipe.chunk_bytes;
        const int64_t full = static_cast<int64_t>(std::floor(per_channel / loop_bytes));
        // Whole bytes, as NCCL counts elements: a rounding residue is no loop.
        double rest = per_channel - static_cast<double>(full) * loop_bytes;
        if (rest < 1) rest = 0;
        const double min_slice = t.ring_min_slice_divisor > 0
                                     ? std::floor(t.ring_buffer_bytes[pi] / t.pipeline_steps) *
                                           t.ring_slice_steps[pi] * t.ring_data_fraction[pi] /
                                           t.ring_min_slice_divisor
                                     : 0;
        const SliceTimes full_s =
            ring_slices_us(pipe.chunk_bytes, pipe.slices, min_slice, us_per_byte);
        const SliceTimes last_s =
            ring_slices_us(std::ceil(rest / n), pipe.slices, min_slice, us_per_byte);
        // The first loop costs what NCCL's model predicts (its latency constants are fitted
        // to whole small collectives); each further loop streams through the FIFO behind it
        // and adds only what its pipeline exposes beyond its bandwidth.
        if (full >= 1 && (full > 1 || rest > 0)) {
          const double first_us = ring_fifo_us(f, full_s, 1, {});
          const double later_us = ring_fifo_us(f, full_s, full, last_s) - first_us;
          const double later_bw_us =
              (per_channel - std::min(per_channel, loop_bytes)) * nsteps / n * us_per_byte;
          run_lat = lat + std::max(0.0, later_us - later_bw_us);
        }
      }
      break;
    }
    case NcclAlgo::kTree:
      lat += 2 * ((ppn - 1) * intra + log2i(nodes) * inter);
      break;
    case NcclAlgo::kNvls:
      lat = intra + (multi ? inter : 0);
      break;
    case NcclAlgo::kNvlsTree:
      lat += intra + 2 * log2i(nodes) * inter;
      break;
  }
  e.latency_s = lat * kUs;
  e.run_latency_s = (a == NcclAlgo::kRing ? run_lat : lat) * kUs;

  double bw = algbw;
  if (a == NcclAlgo::kTree) {
    const int64_t units = static_cast<int64_t>(in.bytes) >> 6;
    if (units >= 1) {
      const int ls = log2i(units);
      if (ls < kNcclTreeCorrections - 1) bw *= t.tree_correction[pi][ls];
    }
  }
  e.algbw_bytes_per_s = algbw;
  e.seconds = e.latency_s + in.bytes / bw;
  e.run_seconds = e.run_latency_s + in.bytes / bw;
  return e;
}

NcclRingPipeline nccl_ring_pipeline(const NcclTuning& t, NcclProtocol p, int channels, int n,
                                    double bytes) {
  const int pi = static_cast<int>(p);
  NcclRingPipeline r;
  if (t.pipeline_steps <= 0 || t.ring_chunk_steps[pi] <= 0 || t.ring_slice_steps[pi] <= 0)
    return r;  // no pipeline given: NCCL's prediction (one pass)
  r.chunk_bytes = std::floor(t.ring_buffer_bytes[pi] / t.pipeline_steps) * t.ring_chunk_steps[pi] *
                  t.ring_data_fraction[pi];
  r.slices = std::max(1, t.ring_chunk_steps[pi] / t.ring_slice_steps[pi]);
  const double loop = r.chunk_bytes * std::max(1, channels) * std::max(1, n);
  if (loop > 0 && bytes > 0)
    r.loops = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(bytes / loop)));
  return r;
}

NcclEstimate nccl_best(std::span<const NcclAlgo> algos, const NcclInputs& in) {
  std::optional<NcclEstimate> best;
  for (NcclAlgo a : algos)
    for (int p = 0; p < kNcclProtocols; ++p)
      if (auto e = nccl_estimate(a, static_cast<NcclProtocol>(p), in))
        if (!best || e->seconds < best->seconds) best = e;
  if (best) return *best;
  std::string why = nccl_unavailable(algos.front(), in);
  throw ConfigError(fmt::format("algorithm \"{}\" cannot run {} over {} ranks on {} node(s): {}",
                                algos.size() == 1 ? name_of(algos.front()) : "nccl",
                                simcore::to_string(in.kind), in.n, in.nodes,
                                why.empty() ? "no protocol applies" : why));
}

std::string describe(const NcclEstimate& e) {
  return fmt::format("{} ({}, {} channels)", to_string(e.algo), to_string(e.proto), e.channels);
}

}  // namespace dtsim::collectives
