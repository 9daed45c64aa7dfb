#pragma once
/**
 * How long one channel of an NCCL ring takes to push its loops through the connection FIFOs:
 * the mechanism of NCCL's device code, not its tuner's prediction.
 *
 *     RingFifo f{.hops = {{3.4, false}, {3.4, false}}, .slices = 2, .fifo_slices = 4};
 *     double us = ring_fifo_us(f, {1.0, 1.0}, 2, {});  // Simple, 2 ranks, 2 loops: 19.6 us
 *
 * Units: microseconds. Every rank of the ring runs the same sequence of operations (one
 * thread block per channel): a loop is nsteps + 1 ring steps (all-reduce: send, n-2
 * recv-reduce-send, recv-reduce-copy-send, n-2 recv-copy-send, recv; reduce-scatter and
 * all-gather: send, n-2 recv-*-send, recv), each step moves one chunk in P slices, and each
 * slice is one operation. With every rank alike (a symmetric ring), operation j ends at
 *
 *     T(j) = s_j + max(T(j-1),                      the thread block runs its ops in order
 *                      T(j-P) + h_k - c_j,           the slice from the previous rank (step k>0)
 *                      T(r(j)) + h_k)                a free FIFO slot (a send, F sends back)
 *
 * where s_j is the slice's time on the channel (0 for an empty slice, and for the final recv
 * step, whose data the sender already wrote), h_k the hop's latency (the sender's post seen by
 * the receiver, the receiver's head seen by the sender), c_j = s_j when the protocol cuts
 * through (LL and LL128 poll a flag in every line, so a slice is processed as its lines land)
 * and 0 when it stores and forwards (Simple waits for the slice's post; every protocol between
 * nodes), and r(j) the
 * operation at which the receiver consumed the send F = NCCL_STEPS / slice_steps sends
 * earlier. A loop's first step has no slice to wait for, so successive loops overlap as far as
 * the FIFO lets them. In steady state a step costs max(P s, h + s) (Simple), so the hops'
 * latency hides behind slices longer than h, and a loop ends with one hop of latency (its
 * final recv).
 *
 * Errors: none (inputs are checked by the loader: fifo_slices > slices).
 * Complexity: O(min(loops, 3) x (nsteps + 1) x P).
 * Source: NVIDIA/nccl src/device/prims_simple.h (waitPeer: a send waits connStepCache +
 * NCCL_STEPS >= step + StepPerSlice, a recv connStepCache >= step + StepPerSlice; postPeer per
 * slice, empty slices still wait and post), prims_ll.h / prims_ll128.h (waitSend: sendConnHead
 * at most NCCL_STEPS ahead; readLL polls each line's flag), src/device/all_reduce.h runRing,
 * reduce_scatter.h, all_gather.h (the step sequence of a loop). Read at 5067397c.
 */
#include <array>
#include <cstdint>
#include <vector>

namespace dtsim::collectives {

/** Most slices per chunk (NCCL_MAX_SLICE_PER_CHUNK, src/include/collectives.h). */
inline constexpr int kMaxRingSlices = 2;

/** One hop of the ring: its latency (us), and whether the receiver cuts through (LL and LL128
 *  over NVLink or PCIe; never over the network, whose proxy sends a step only once all its
 *  lines are flagged: src/transport/net.cc sendProxyProgress). */
struct RingHop {
  double latency_us = 0;
  bool cut_through = false;
};

struct RingFifo {
  /** The hop into ring step k = 1..nsteps (one entry per hop: nsteps = size). */
  std::vector<RingHop> hops;
  int slices = 1;       ///< P: slices per chunk (CHUNKSTEPS / SLICESTEPS)
  int fifo_slices = 8;  ///< F: slices the connection FIFO holds (NCCL_STEPS / SLICESTEPS)
};

/** Per-slice channel time (us) of one chunk: its P slices in order, empty slices 0. */
using SliceTimes = std::array<double, kMaxRingSlices>;

/** The time (us) one channel runs `full_loops` loops whose slices take `full` and then, when
 *  `last` has a non-zero slice, one shorter loop taking `last`. */
double ring_fifo_us(const RingFifo& f, const SliceTimes& full, int64_t full_loops,
                    const SliceTimes& last);

}  // namespace dtsim::collectives
