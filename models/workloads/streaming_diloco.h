#pragma once
/**
 * Streaming DiLoCo: DiLoCo whose model is split into P fragments of transformer layers, each
 * synchronised on its own schedule (one fragment every H/P inner steps), its outer all-reduce
 * overlapped with the next τ inner steps, its pseudo-gradients quantised to q bits.
 *
 * Fragments (paper Sec. 2.2, Fig. 2), L layers, fragment p in [0, P):
 * - sequential: consecutive layers, [floor(p L / P), floor((p + 1) L / P));
 * - strided: interleaved layers, {l : l mod P = p}.
 * Our choice for what is not a transformer block: the embedding travels with the fragment that
 * holds layer 0, the final norm and the LM head with the fragment that holds layer L - 1.
 *
 * Schedule (paper Algorithm 2, lines 6 and 9): fragment p has the offset t_p = floor(p H / P)
 * and sends its pseudo-gradient after every inner step t with (t - t_p) mod H = 0 (t >= H: each
 * fragment trains H steps before its first sync); it blocks on the result after step t + τ.
 * Within an outer step (inner steps 1..H) fragment 0 syncs after step H, fragment p >= 1 after
 * step t_p: P syncs, one per fragment.
 * τ < floor(H / P) keeps one fragment in flight at a time: a fragment's sync is received before
 * the next fragment's is sent (torchft's DiLoCo, which implements Streaming DiLoCo, requires
 * fragment_sync_delay < sync_every / fragments: "Fragment must be synced before it is reduced
 * another time"); the paper's peak-bandwidth factor L / |p| assumes it.
 *
 * Bytes per rank of fragment p at a replica position (a TP/PP/DP coordinate): the parameters of
 * the fragment's layers that the position's pipeline stage holds (plus the embedding / head where
 * the stage and the fragment hold them), over tp (and over dp sp with ZeRO >= 1, as DiLoCo's
 * shard, diloco.h), at q bits each, rounded up to whole bytes.
 *
 * Units: parameters, bits, bytes, inner steps.
 * Errors: none of its own (the kind checks P <= L, H >= P, 1 <= q, τ < floor(H / P)).
 * Source: Douillard et al., "Streaming DiLoCo with overlapping communication: Towards a
 * Distributed Free Lunch" (arXiv 2501.18512), Sec. 2.2-2.4 and Algorithm 2; pytorch/torchft
 * torchft/local_sgd.py (class DiLoCo) for the bound on τ.
 *
 *     StreamingDilocoParams s;  // s.diloco: as DiLoCo's
 *     s.fragments = 8; s.pattern = FragmentPattern::kStrided; s.overlap_steps = 1;
 *     s.diloco.outer_bits = 4;
 *     std::vector<int> l = fragment_layers(24, 8, FragmentPattern::kStrided, 0);  // 0, 8, 16
 */
#include <cstdint>
#include <vector>

#include "models/workloads/diloco.h"

namespace dtsim::workloads {

enum class FragmentPattern { kSequential, kStrided };

struct StreamingDilocoParams {
  DilocoParams diloco;  ///< replicas, H, outer steps, q = outer_bits, algorithm
  int fragments = 1;    ///< P
  FragmentPattern pattern = FragmentPattern::kStrided;
  int overlap_steps = 1;  ///< τ (0: the sync blocks, as DiLoCo's)
};

/** The layers of fragment `p` (ascending). Shape: about L / P entries. */
std::vector<int> fragment_layers(int layers, int fragments, FragmentPattern pattern, int p);

/** The fragment holding layer `l`. */
int fragment_of_layer(int layers, int fragments, FragmentPattern pattern, int l);

/** t_p = floor(p H / P), fragment p's offset. Units: inner steps. */
int64_t fragment_offset(int p, int fragments, int64_t inner_steps);

/** The fragment whose sync is sent after inner step `t` (1-based, counted from the start of
 *  training, t >= 1), or -1 when none: p with (t - t_p) mod H = 0 and t >= H. */
int fragment_synced_after(int64_t t, int fragments, int64_t inner_steps);

/** Parameters of fragment `p` over the whole model (not split over ranks). */
int64_t fragment_params(const StreamingDilocoParams& s, int p);

/** Bytes each position j of a replica all-reduces for fragment `p` (see above).
 *  Shape: p.diloco.replica_ranks() entries. */
std::vector<int64_t> fragment_bytes_per_position(const StreamingDilocoParams& s, int p);

/** Fragment `p`'s outer all-reduce across the replicas, on stream "outer" (beside the inner
 *  steps' own streams), tagged outer step 0. */
simcore::Workload make_fragment_sync(const StreamingDilocoParams& s, int p);

/** The overlap window of a fragment sync, to co-simulate: `sync` (on every rank) beside τ inner
 *  steps of every replica (`inner`, one replica's step on n ranks, appended τ times and placed on
 *  replica i's ranks [i n, (i + 1) n)). The window ends when both are done: its makespan is the
 *  time from the send to the end of the blocking receive. With τ = 0, the sync alone. */
simcore::Workload make_overlap_window(const StreamingDilocoParams& s, const simcore::Workload& sync,
                                      const simcore::Workload& inner);

/** τ inner steps of every replica alone (the window without its sync): the baseline a window's
 *  exposed sync time is measured against. An empty workload with τ = 0. */
simcore::Workload make_overlap_steps(const StreamingDilocoParams& s,
                                     const simcore::Workload& inner);

}  // namespace dtsim::workloads
