#pragma once
// Shared by the NCCL families (nccl_ring, nccl_tree, nvls, nvls_tree, nccl): how a group is
// measured for NCCL's cost model (nccl_tuning.h), the rail-aligned rings of nccl_ring, and the
// expansion of the families that the flow back-end prices by their closed form.
#include <fmt/format.h>

#include <span>
#include <string>
#include <string_view>

#include "models/collectives/algorithm.h"
#include "models/collectives/alpha_beta.h"
#include "models/collectives/nccl_tuning.h"
#include "models/collectives/schedule_builder.h"

namespace dtsim::collectives {

/** Rejects groups whose nodes hold different numbers of ranks (NCCL's per-node model needs
 *  them equal). */
void nccl_check_group(std::string_view name, simcore::CollectiveKind kind, int n,
                      std::span<const int> box_of);

/** B_i (neighbours inside a node: intra_bw, intra_alpha), B_n (same local index, next node:
 *  bw, alpha; B_i when one node), the node count and the request's NCCL context. */
AlphaBetaParams nccl_measure(const ScheduleRequest& r, const PairCostFn& pair);

NcclInputs nccl_inputs(simcore::CollectiveKind kind, int n, double bytes, const AlphaBetaParams& p);

/** The best of `algos` for the request, measured with its pair costs. Errors: ConfigError
 *  without pair costs, and nccl_best's. */
NcclEstimate nccl_choose(const ScheduleRequest& r, std::span<const NcclAlgo> algos);

/** Rings of nccl_ring: one per rail (nccl_ring.cpp); their transfer count. */
double nccl_ring_transfers(const ScheduleRequest& r);
/** Appends the rail-aligned rings carrying the request's bytes at the protocol of `e`, with
 *  the run's latency (its chunk pipeline, e.run_latency_s) before the first step. */
void nccl_expand_ring(const ScheduleRequest& r, const NcclEstimate& e, std::string label,
                      ScheduleBuilder& b);
/** No transfers: the collective waits its closed form (e.run_seconds). */
void nccl_expand_timed(const NcclEstimate& e, std::string label, ScheduleBuilder& b);

/**
 * An all-reduce family that NCCL's cost model prices in closed form on both back-ends (no
 * per-link flows yet): `kName` is its registry name, `kAlgo` NCCL's algorithm (nccl_tree: the
 * double binary tree across nodes with chains inside; nvls: NVLink SHARP in one NVSwitch node;
 * nvls_tree: NVLS inside nodes, the tree across them). One definition serves the three entries.
 */
template <const char* kName, NcclAlgo kAlgo>
struct NcclTimedFamily {
  static constexpr simcore::CollectiveKind kKinds[] = {simcore::CollectiveKind::kAllReduce};
  static constexpr NcclAlgo kAlgos[] = {kAlgo};

  static std::string label(const NcclEstimate& e) {
    return fmt::format("{} ({}, {} channels)", kName, to_string(e.proto), e.channels);
  }
  static void check_group(simcore::CollectiveKind kind, int n, std::span<const int> box_of) {
    nccl_check_group(kName, kind, n, box_of);
  }
  static double transfer_count(const ScheduleRequest&) { return 0; }
  static void expand(const ScheduleRequest& r, ScheduleBuilder& b) {
    const NcclEstimate e = nccl_choose(r, kAlgos);
    nccl_expand_timed(e, label(e), b);
  }
  static double seconds(simcore::CollectiveKind kind, int n, double bytes,
                        const AlphaBetaParams& p) {
    return nccl_best(kAlgos, nccl_inputs(kind, n, bytes, p)).run_seconds;
  }
  static std::string describe(simcore::CollectiveKind kind, int n, double bytes,
                              const AlphaBetaParams& p) {
    return label(nccl_best(kAlgos, nccl_inputs(kind, n, bytes, p)));
  }
  static const AlgorithmFamily& family() {
    static const AlgorithmFamily f{.name = kName,
                                   .kinds = kKinds,
                                   .check_group = check_group,
                                   .transfer_count = transfer_count,
                                   .expand = expand,
                                   .measure = nccl_measure,
                                   .alpha_beta_seconds = seconds,
                                   .describe = describe};
    return f;
  }
};

}  // namespace dtsim::collectives
