#pragma once
/**
 * The ops of one transformer layer for one micro-batch on one rank, forward and backward:
 * attention and MLP (or mixture-of-experts) compute at 1/tp of the FLOPs, their memory-bound
 * kernels, the TP collectives around them (an all-reduce after each without sequence
 * parallelism; an all-gather before and a reduce-scatter after with it), Ulysses' all-to-alls of
 * Q, K, V and of the output (sp > 1), and MoE's router, shared experts, dispatch and combine
 * all-to-all-v over the EP group, routed experts and BigMac projections. Backward costs twice the
 * forward; selective recomputation adds the attention scores. All ops hang on one critical chain
 * (`last`), which the caller shares with its own ops (pipeline sends, embedding, LM head).
 *
 * Units: FLOPs, bytes (16-bit activations, b s h per tensor).
 * Errors: none (the parameters are validated by validate_transformer).
 * Source: Shoeybi et al., Megatron-LM (arXiv 1909.08053); Korthikanti et al. (arXiv 2205.05198)
 * Sec. 4.1 for the elementwise kernels' traffic; Jacobs et al., DeepSpeed-Ulysses (arXiv
 * 2309.14509); Jin et al., BigMac (arXiv 2502.16927).
 *
 *     uint32_t last = UINT32_MAX;
 *     LayerOps layer(builder, p, moe_plan, row_sums, comms, rank, last);
 *     layer.forward(3, "layer 3", "fwd", " mb0", UINT32_MAX);
 *     layer.backward(3, "layer 3", " mb0", UINT32_MAX);
 */
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "models/workloads/moe_plan.h"
#include "models/workloads/transformer_parallel.h"
#include "models/workloads/transformer_shapes.h"
#include "simcore/program_builder.h"
#include "simcore/workload.h"

namespace dtsim::workloads {

/** Per-micro-batch sizes of one layer on one rank. Units: FLOPs and bytes. */
struct LayerCosts {
  double tokens = 0;     ///< tokens the rank holds (seq / sp x micro_batch)
  double act_bytes = 0;  ///< one b s h 16-bit activation tensor
  double attn_flops = 0, mlp_flops = 0;
  double score_flops = 0;        ///< the attention scores (selective recomputation)
  double attn_w = 0, mlp_w = 0;  ///< weight bytes read by the attention / MLP kernels
  double act_io = 0;             ///< activation bytes read and written by a GEMM kernel
  bool unfused = false;          ///< unfused attention: softmax passes over the scores
  double softmax_bytes = 0, elementwise_bytes = 0;
  double qkv_tensors = 0;  ///< Q, K, V in units of b s h (1 + 2 kv_heads / heads)
  double kv_bytes = 0;     ///< this rank's K and V shard (context parallelism's ring)
  double moe_tokens = 0, shared_flops = 0, router_flops = 0, bigmac_flops = 0;
  double expert_w = 0;  ///< routed-expert weight bytes on the rank
};

/** The layer costs of `p` (per rank, per micro-batch). */
LayerCosts layer_costs(const TransformerParams& p);

/** A rank's communicators for its layers: the TP (or Ulysses SP) group and the EP group. */
struct LayerComms {
  uint32_t tp_group = 0, ep_group = 0;
  uint8_t tp_stream = simcore::kCommStream, ep_stream = simcore::kCommStream;
  int ep_pos = 0;  ///< the rank's position in its EP group
  uint32_t cp_group = 0;  ///< the context-parallel ring (cp > 1)
  uint8_t cp_stream = simcore::kCommStream;
};

/** Row sums of all-to-all-v send matrices (what each EP position sends), cached: every
 *  micro-batch and layer repeats the same few matrices. Not shared between threads. */
class SendRowSums {
 public:
  explicit SendRowSums(const simcore::Workload& w) : w_(w) {}
  /** Row `row` of Workload::matrices[matrix] (n x n) summed. Units: bytes. */
  double row_sum(int32_t matrix, int row, int n);

 private:
  const simcore::Workload& w_;
  std::unordered_map<int32_t, std::vector<double>> sums_;
};

/** Builds layers' ops on one rank, chained on `last` (held by reference). */
class LayerOps {
 public:
  LayerOps(simcore::ProgramBuilder& b, const TransformerParams& p,
           const std::vector<MoeLayerPlan>& moe, SendRowSums& sums, const LayerComms& comms,
           int rank, uint32_t& last);

  /** Layer `l`'s forward kernels and communication; `L` names the layer ("layer 3"), `pass` is
   *  "fwd" or "recompute", `sfx` the micro-batch (" mb0"); the attention waits for `gathered`
   *  too (a ZeRO-3 weight gather; UINT32_MAX: none). */
  void forward(int l, const std::string& L, const std::string& pass, const std::string& sfx,
               uint32_t gathered);
  /** Layer `l`'s backward: elementwise, MLP or MoE, attention, in reverse order. */
  void backward(int l, const std::string& L, const std::string& sfx, uint32_t gathered);

  const LayerCosts& costs() const { return c_; }

 private:
  std::vector<uint32_t> dep() const;
  std::vector<uint32_t> with(uint32_t extra) const;
  /** A compute op whose kernels have shape `shape` (an id in the builder's table; -1 none). */
  uint32_t compute(int r, std::string_view name, double flops, double bytes, int32_t shape,
                   std::vector<uint32_t> deps);
  /** The builder's id of `s` (-1 for an empty shape). */
  int32_t shape_id(const simcore::KernelShapes& s);
  /** The routed experts' shape id, forward and backward, for `assigned` assignments. */
  std::pair<int32_t, int32_t> expert_shape(double assigned);
  uint32_t collective(int r, std::string_view name, simcore::CollectiveKind kind, double bytes,
                      uint32_t group, uint8_t stream, std::string_view algo,
                      std::vector<uint32_t> deps);
  void tp_comm(const std::string& what, simcore::CollectiveKind kind);
  void tp_after(const std::string& what);
  void tp_before(const std::string& what);
  void ulysses(const std::string& what, double tensors);
  /** Attention `op` (already built) with context parallelism's K/V ring beside it: the ring
   *  starts with `deps` on the CP stream, and the chain goes on when both are done. */
  void cp_ring(const std::string& what, double bytes, uint32_t op, std::vector<uint32_t> deps);
  uint32_t all_to_all_v(const std::string& what, const std::vector<int32_t>& phases,
                        uint32_t after);
  double expert_assignments(const MoeLayerPlan& plan) const;
  void moe_forward(int l, const std::string& L, const std::string& pass, const std::string& sfx);
  void moe_backward(int l, const std::string& L, const std::string& sfx);

  simcore::ProgramBuilder& b_;
  const TransformerParams& p_;
  const TransformerConfig& m_;
  const std::vector<MoeLayerPlan>& moe_;
  SendRowSums& sums_;
  LayerComms comms_;
  int rank_, tp_, sp_, ep_, cp_;
  uint32_t& last_;
  LayerCosts c_;
  /** Shape ids of the layer's ops in the builder's table. */
  struct ShapeIds {
    int32_t attn, attn_bwd, mlp, mlp_bwd, router, router_bwd, shared, shared_bwd;
    int32_t down, down_bwd, up, up_bwd;
  } s_;
  std::unordered_map<double, std::pair<int32_t, int32_t>> experts_;  ///< assigned -> ids
};

}  // namespace dtsim::workloads
