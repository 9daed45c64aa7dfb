// The FIFO pipeline of an NCCL ring channel (models/collectives/nccl_ring_fifo.h). Expected
// values are worked by hand from the recurrence, operation by operation; times in us.
#include "models/collectives/nccl_ring_fifo.h"

#include <gtest/gtest.h>

namespace dtsim::collectives {
namespace {

// Simple on 2 ranks (all-reduce: nsteps = 2 hops, 3 steps a loop), P = 2 slices, F = 4.
RingFifo simple2(double h) {
  return {.hops = {{h, false}, {h, false}}, .slices = 2, .fifo_slices = 4};
}

TEST(RingFifo, TwoLoopsOfLatencyBoundSimple) {
  // h = 3.4 > s = 1. Loop 1, operations j0..j5 (step k, slice i):
  //   j0 (0,0) = 1; j1 (0,1) = 2;
  //   j2 (1,0) = max(T1 = 2, T0 + h = 4.4) + 1 = 5.4; j3 (1,1) = max(5.4, T1 + h = 5.4) + 1 = 6.4;
  //   final recv, no data: j4 = max(6.4, T2 + h = 8.8) = 8.8; j5 = max(8.8, T3 + h = 9.8) = 9.8.
  // Closed form: 2s + (nsteps - 1)(h + s) + h = 2 + 4.4 + 3.4 = 9.8.
  // Loop 2 starts at once: its first send needs a free slot, the one send #0 used, freed when
  // the receiver consumed it (j2) plus the hop back: 5.4 + 3.4 = 8.8 < 9.8. So the loop repeats
  // 9.8 later: 19.6 (and NCCL's latency model would charge 2 x (base + 2h) on top of the
  // bandwidth instead).
  const RingFifo f = simple2(3.4);
  EXPECT_NEAR(ring_fifo_us(f, {1.0, 1.0}, 1, {}), 9.8, 1e-12);
  EXPECT_NEAR(ring_fifo_us(f, {1.0, 1.0}, 2, {}), 19.6, 1e-12);
}

TEST(RingFifo, BandwidthBoundSimpleHidesTheHopsButOne) {
  // s = 10 > h = 3.4: j0 = 10, j1 = 20, j2 = max(20, 13.4) + 10 = 30, j3 = max(30, 23.4) + 10 =
  // 40, j4 = max(40, 33.4) = 40, j5 = max(40, 43.4) = 43.4: the 4 slices' bandwidth (40) and
  // the one hop the final recv waits for. Loop 2 ends at 86.8 (= 2 x 43.4).
  const RingFifo f = simple2(3.4);
  EXPECT_NEAR(ring_fifo_us(f, {10.0, 10.0}, 1, {}), 43.4, 1e-12);
  EXPECT_NEAR(ring_fifo_us(f, {10.0, 10.0}, 2, {}), 86.8, 1e-12);
}

TEST(RingFifo, ManyLoopsRepeatTheSteadyLoopThenTheShortLast) {
  // Five loops of 9.8 (first test) = 49.0, then a short last loop whose chunk fills half a
  // slice (0.5) and leaves the second empty (it still waits and posts):
  //   j0 = 49.5; j1 = 49.5 (empty); j2 = max(49.5, 49.5 + 3.4) + 0.5 = 53.4;
  //   j3 = max(53.4, T1 + 3.4 = 52.9) = 53.4; j4 = max(53.4, T2 + 3.4) = 56.8;
  //   j5 = max(56.8, T3 + 3.4 = 56.8) = 56.8.
  const RingFifo f = simple2(3.4);
  EXPECT_NEAR(ring_fifo_us(f, {1.0, 1.0}, 5, {0.5, 0.0}), 56.8, 1e-9);
  // Only the short loop: 7.8.
  EXPECT_NEAR(ring_fifo_us(f, {1.0, 1.0}, 0, {0.5, 0.0}), 7.8, 1e-12);
}

TEST(RingFifo, CutThroughOverlapsTheHopWithTheChunk) {
  // LL (one slice a chunk, F = 8), 2 ranks, h = 0.6, s = 1: the receiver processes lines as
  // they land, so step 1 needs only the last line, 0.6 after the sender's end:
  //   j0 = 1; j1 = max(T0, T0 + 0.6 - 1) + 1 = 2; j2 (final recv) = max(2, T1 + 0.6) = 2.6.
  // Stored and forwarded it would be j1 = max(1, 1.6) + 1 = 2.6, j2 = 3.2.
  RingFifo f{.hops = {{0.6, true}, {0.6, true}}, .slices = 1, .fifo_slices = 8};
  EXPECT_NEAR(ring_fifo_us(f, {1.0, 0.0}, 1, {}), 2.6, 1e-12);
  f.hops = {{0.6, false}, {0.6, false}};
  EXPECT_NEAR(ring_fifo_us(f, {1.0, 0.0}, 1, {}), 3.2, 1e-12);
}

TEST(RingFifo, ASmallFifoFreesItsSlotJustInTime) {
  // F = 2 slices with P = 1 (a FIFO of two chunks), 3 ranks' reduce-scatter (nsteps = 2),
  // h = 5, s = 1, 2 loops. Loop 1: j0 = 1, j1 = max(1, 0 + 5) + 1 = 7, j2 = max(7, 7 + 5) = 12.
  // Loop 2: j3 is send #2 into the slot of send #0, which the receiver consumed at j1 (7): free
  //   at 7 + 5 = 12, the moment the rank's final recv ends, so max(12, 12) + 1 = 13;
  //   j4 = max(13, data 13 + 5 = 18, slot of send #1: j2 + 5 = 17) + 1 = 19; j5 = 19 + 5 = 24.
  // (In a ring of equal ranks the slot is free by the time the data edge lets the rank go on:
  // the FIFO lets loops follow each other without a pass of latency, never waits longer.)
  RingFifo f{.hops = {{5.0, false}, {5.0, false}}, .slices = 1, .fifo_slices = 2};
  EXPECT_NEAR(ring_fifo_us(f, {1.0, 0.0}, 2, {}), 24.0, 1e-12);
}

TEST(RingFifo, NothingToRunTakesNoTime) {
  EXPECT_EQ(ring_fifo_us(simple2(3.4), {1.0, 1.0}, 0, {}), 0.0);
  EXPECT_EQ(ring_fifo_us(RingFifo{}, {1.0, 1.0}, 3, {}), 0.0);
}

}  // namespace
}  // namespace dtsim::collectives
