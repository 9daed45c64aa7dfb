#include "models/collectives/nccl_ring_fifo.h"

#include <algorithm>

namespace dtsim::collectives {

namespace {

/** One send's slot: the operation at which the receiver consumed it, and the hop back. */
struct Sent {
  int64_t consumed_at;
  double hop_us;
};

}  // namespace

double ring_fifo_us(const RingFifo& f, const SliceTimes& full, int64_t full_loops,
                    const SliceTimes& last) {
  const int nsteps = static_cast<int>(f.hops.size());
  const int P = std::clamp(f.slices, 1, kMaxRingSlices);
  const int F = std::max(f.fifo_slices, P + 1);  // the loader refuses a FIFO of one chunk
  const bool has_last = std::any_of(last.begin(), last.begin() + P, [](double s) { return s > 0; });
  if (nsteps < 1 || (full_loops < 1 && !has_last)) return 0;
  // Full loops are periodic once the FIFO's reach (F + P operations, less than a loop) is
  // behind: run up to three, then add the third's increment for the others.
  const int64_t simulated = std::min<int64_t>(full_loops, 3);
  std::vector<const SliceTimes*> loops(static_cast<size_t>(simulated), &full);
  if (has_last) loops.push_back(&last);

  std::vector<double> T;  // end of every operation, in order
  T.reserve(loops.size() * static_cast<size_t>((nsteps + 1) * P));
  std::vector<Sent> sends;
  std::vector<double> loop_end;
  for (const SliceTimes* slice : loops) {
    for (int k = 0; k <= nsteps; ++k) {
      const bool sends_chunk = k < nsteps;  // the final recv step forwards nothing
      for (int i = 0; i < P; ++i) {
        const int64_t j = static_cast<int64_t>(T.size());
        const double s = sends_chunk ? (*slice)[static_cast<size_t>(i)] : 0.0;
        double start = j > 0 ? T[static_cast<size_t>(j - 1)] : 0.0;
        if (k > 0) {  // the slice the previous rank sent at step k-1 (operation j-P)
          const RingHop& hop = f.hops[static_cast<size_t>(k - 1)];
          const double arrive = T[static_cast<size_t>(j - P)] + hop.latency_us;
          start = std::max(start, hop.cut_through ? arrive - s : arrive);
        }
        if (sends_chunk) {
          const size_t m = sends.size();
          if (m >= static_cast<size_t>(F)) {  // a free slot in the receiver's FIFO
            const Sent& old = sends[m - static_cast<size_t>(F)];
            start = std::max(start, T[static_cast<size_t>(old.consumed_at)] + old.hop_us);
          }
          sends.push_back({j + P, f.hops[static_cast<size_t>(k)].latency_us});
        }
        T.push_back(start + s);
      }
    }
    loop_end.push_back(T.back());
  }
  double total = T.back();
  if (full_loops > simulated) {
    const double per_loop = loop_end[2] - loop_end[1];
    total += static_cast<double>(full_loops - simulated) * per_loop;
  }
  return total;
}

}  // namespace dtsim::collectives
