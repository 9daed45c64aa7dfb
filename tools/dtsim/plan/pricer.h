#pragma once
/**
 * Prices a layout's training step fast enough to search every layout: memory first (the
 * ZeRO/Korthikanti formulas of transformer_memory.h, the same the `transformer` kind checks),
 * then the step time composed from blocks that the analytical back-end prices once and caches.
 *
 * Symmetry: every DP replica, and every TP rank of a group, does the same work, and every
 * pipeline stage but the edges holds the same layers; so one representative of each is priced.
 * The blocks, each a simulation or a closed form of the analytical back-end
 * (models/network/analytical_comm_model.h) on the scenario's cluster and compute model:
 *   t_layer   forward + backward (+ recomputation) of one layer for one micro-batch on a TP
 *             (or Ulysses SP) group times cp (the context-parallel ring), its collectives
 *             included: the DES of the generator's own inner step for a 1-layer and a
 *             2-layer model on ranks 0..tp sp cp - 1 (pp 1, dp 1),
 *             differenced; cached per (tp, sp, cp, micro-batch, recompute, sequence parallel), so
 *             shared by every GPU count;
 *   t_edges   the embedding, LM head and loss of one micro-batch (the 1-layer step less t_layer);
 *   t_p2p     one activation send between neighbouring stages (b s h / (tp sp cp) 16-bit
 *             values);
 *   t_dp      the gradient reduction of the most loaded stage over its DP group (with CP, its
 *             dp x cp ranks; with Ulysses,
 *             every rank of the stage), bucket by
 *             bucket (all-reduce; ZeRO 1-3: reduce-scatter) and, for ZeRO 1/2, the all-gather of
 *             the updated 16-bit weights; for ZeRO-3 the per-layer weight all-gathers (forward and
 *             backward) and gradient reduce-scatter of every micro-batch;
 *   t_opt     the optimizer step over the rank's shard (the compute model, as gradient_sync.h
 *             prices it).
 * Composition (Narayanan et al., SC21, arXiv 2104.04473, Sec. 2.2: 1F1B and interleaved 1F1B;
 * f the forward's share of t_layer, 1/3, or 1/4 with full recomputation):
 *   t_z3   = max(f t_layer, t_ag) + (1 - f) t_layer + t_rs + t_ag      (ZeRO-3, else t_layer: the
 *            forward's gathers are prefetched; the backward's gather queues behind the previous
 *            layer's reduce-scatter on the DP stream, as the generator orders them)
 *   T_mb   = (layers / pp) t_z3 + t_edges                               (the slowest stage)
 *   T_pipe = (m + (pp - 1) / v) T_mb + hops t_p2p                       (m micro-batches; hops =
 *            2 (pp - 1) for 1F1B, whose steady state has its inputs early; 2 m v interleaved,
 *            where each chunk step waits for the chunk its neighbour just finished)
 *   T_dp   = max(t_reduce - (1 - f) (layers / pp) t_layer, t_last_bucket)  (overlapped with the
 *            last micro-batch's backward; all of t_reduce without overlap_grad_reduce)
 *            + t_allgather (ZeRO 1/2)
 *   step   = T_pipe + T_dp + t_opt
 * It is an estimate: `dtsim plan` re-runs the best layouts as full simulations to report its
 * error. Measured against the full analytical simulation of Llama-3 70B on 64 H100s: within
 * 1.5% for 1F1B, interleaved and ZeRO-3 layouts at global batch 32, and 90.23 s against
 * 90.30 s (tp4 pp2 dp8 ZeRO-2) at global batch 1024, where the full simulation takes about 7 s
 * of CPU and the estimate well under a millisecond. Placement is tp-dp-pp (TP inside a node);
 * dense models only.
 *
 * Units: seconds, bytes. Thread safety: one pricer per thread (its caches are not shared).
 * Errors: ConfigError from the generator or the back-end (a collective without a route).
 *
 *     LayoutPricer pricer(analytical_scenario, params);
 *     Estimate e = pricer.price(layout);   // e.step_s
 */
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "models/network/analytical_comm_model.h"
#include "simcore/simulator.h"
#include "tools/dtsim/plan/layouts.h"
#include "tools/dtsim/scenario.h"
#include "topologies/routing.h"

namespace dtsim::cli::plan {

/** A layout's memory on its most loaded rank and whether it fits the device. */
struct MemoryFit {
  workloads::MemoryBreakdown memory;  ///< bytes
  bool fits = true;
  /** Why it does not fit: "model states" (weights, gradients and optimizer states alone exceed
   *  the device) or "activations" (the states fit, the activations in flight do not). */
  std::string reason;
};

/** The estimate of one layout's step. Units: seconds. */
struct Estimate {
  double step_s = 0;
  double pipeline_s = 0;  ///< T_pipe
  double bubble_s = 0;    ///< (pp - 1) / v x T_mb of it
  double dp_exposed_s = 0;
  double optimizer_s = 0;
  double tokens_per_s = 0;
  double mfu = 0;  ///< model FLOPs / step / gpus / the device's peak for the dtype
};

class LayoutPricer {
 public:
  /** `s`: the planning scenario (its cluster holds the largest GPU count; its network model is
   *  ignored: the analytical back-end prices); `base`: the model, batch and precision. */
  LayoutPricer(const Scenario& s, const workloads::TransformerParams& base);

  /** Memory of `l` against the device's HBM (cheap: closed forms only). */
  MemoryFit memory(const Layout& l) const;
  /** The step estimate of `l` (see the file). */
  Estimate price(const Layout& l);

 private:
  struct LayerBlock {
    double layer_s = 0, edges_s = 0;
  };
  const LayerBlock& layer_block(const Layout& l);
  double collective_s(simcore::CollectiveKind kind, int first, int stride, int count,
                      double bytes, const std::string& algorithm);
  double p2p_s(int src, int dst, double bytes);
  double optimizer_s(double shard_params);
  /** A model of `layers` layers, one micro-batch, on ranks 0..tp-1: its step in seconds. */
  double probe_step_s(const Layout& l, int layers);

  const Scenario& s_;
  workloads::TransformerParams base_;
  double peak_flops_ = 0;
  topologies::Router router_;
  simcore::Simulator sim_;
  network::AnalyticalCommModel comm_;
  std::unique_ptr<simcore::ComputeModel> compute_;
  std::map<std::tuple<int, int, int, int, int, bool>, LayerBlock> layers_;
  std::map<std::tuple<int, int, int, int, double>, double> collectives_;
  std::map<std::tuple<int, int, double>, double> p2p_;
  std::map<double, double> optimizer_;
  std::deque<std::vector<int>> groups_;  ///< communicators handed to the back-end, kept alive
};

}  // namespace dtsim::cli::plan
