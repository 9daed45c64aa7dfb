#pragma once
/**
 * `transformer`: one training step of a dense decoder-only transformer under 3D parallelism:
 * data (DP, with ZeRO-0/1/2/3), tensor (TP, Megatron-style, optionally with sequence
 * parallelism) and pipeline (PP, GPipe or 1F1B) parallelism, as Megatron-LM runs it.
 *
 * Rank placement (`order`, innermost first): `tp-dp-pp` by default (TP innermost, so a TP group
 * sits inside a node when tp divides the GPUs per node): rank = t + tp * (d + dp * p); with
 * Ulysses the SP rank takes t's place. Any permutation of tp, dp, pp may be given, e.g.
 * `dp-tp-pp` (rank = d + dp * (t + tp * p)) or `tp-pp-dp` (a pipeline inside adjacent ranks).
 * Per layer and micro-batch, on each rank of a TP group: attention and MLP compute (1/tp of the
 * FLOPs each); without sequence parallelism an all-reduce of the activations (b s h 16-bit values)
 * after each of them, forward and backward; with it an all-gather before and a reduce-scatter
 * after each. TP communication is on the critical path. Backward costs twice the forward FLOPs;
 * recomputation adds the forward again (full) or the attention scores (selective). Memory-bound
 * kernels are ops of their own: the layer's elementwise kernels (norms, dropouts, residuals,
 * activation) and, with unfused attention, the softmax/dropout passes over the score matrices.
 * Pipeline stages hold layers/pp layers (or `stage_layers[s]`; embedding on the first, LM head on
 * the last) and pass activations (b s h / tp 16-bit values per TP rank, Megatron's
 * scatter-gather) forward and gradients backward with send/recv; the schedule orders each
 * stage's forward and backward micro-batches (GPipe: all forward then all backward; 1F1B:
 * pp - stage - 1 warm-up forwards, then one forward one backward), and the bubbles show in the
 * timeline. Interleaved 1F1B (`virtual_stages` v > 1, Narayanan et al. SC21 Sec. 2.2.2): rank s
 * holds v chunks of layers/(pp v) layers, its chunk j being model chunk j pp + s; activations go
 * s -> s + 1 and from the last rank's chunk j to rank 0's chunk j + 1. Each rank runs the m v
 * micro-batch-chunks in Megatron-LM's order (schedules.py
 * forward_backward_pipelining_with_interleaving): forward k is chunk (k mod pp v) div pp of
 * micro-batch (k div pp v) pp + k mod pp (backward: the chunks reversed); warm-up
 * min(2 (pp - s - 1) + (v - 1) pp, m v) forwards (all m v when m = pp), then one forward one
 * backward, then the remaining backwards. The bubble shrinks from (pp - 1)(t_f + t_b) to
 * (pp - 1)(t_f + t_b)/v (t_f, t_b per stage and micro-batch).
 * DeepSpeed-Ulysses (sp > 1, with tp = 1): each rank holds seq/sp tokens; before attention an
 * all-to-all over the SP group exchanges Q, K and V ((1 + 2 kv_heads/heads) N h / sp 16-bit
 * values per rank: 3 N h / sp with multi-head attention, fewer with GQA) so that attention runs
 * on all N tokens for heads/sp heads, and after it an all-to-all returns the output (N h / sp):
 * the paper's 4 N h / sp values per rank and layer forward for MHA, as many backward; SP ranks
 * join the gradient reduction (Jacobs et al., arXiv 2309.14509).
 * Context parallelism (cp > 1, Megatron-LM `--context-parallel-size` with Transformer Engine's
 * ring attention, `cp_comm_type` p2p): each rank holds seq/cp tokens of every layer (2 cp chunks,
 * rank i holding chunks i and 2 cp - 1 - i so that the causal work is balanced), with TP inside
 * (placement tp-cp-dp-pp: rank = t + tp (c + cp (d + dp p))). Attention runs its seq/cp queries
 * against all seq keys: the K and V shards go around the CP ring in cp - 1 steps, each step's
 * transfer overlapped with the attention of the block received before. Here the ring is a ring
 * all-gather of K and V over the CP group (cp - 1 steps of 2 kv_heads/heads b (s/cp) h / tp
 * 16-bit values per rank, the same transfers) on its own stream, concurrent with the attention
 * kernel, and the layer goes on when both are done: max(attention, ring) where the ring attention
 * takes attention/cp + (cp - 1) max(attention/cp, step), i.e. at most one block shorter. Backward
 * sends K, V and their gradients dK, dV: twice the forward's bytes. CP ranks hold the same
 * weights, so gradients are reduced (and ZeRO shards split) over dp x cp ranks, as Megatron's
 * data-parallel-with-CP group does. Needs flash attention, seq_len % (2 cp) == 0, a dense model
 * (Korthikanti et al. for SP; NVIDIA Transformer Engine `attention.py`
 * AttnFuncWithCPAndKVP2P; Llama 3 405B used CP 16, arXiv 2407.21783 Sec. 3.3.2).
 * Mixture of experts (model.moe, layers from first_dense_layers on): the MLP becomes a router
 * (h x E GEMM), the shared experts (every token, overlapping the dispatch), the dispatch
 * all-to-all-v over the EP group (`ep` consecutive DP ranks; per-pair sizes from the routing
 * distribution, see moe_plan.h / moe_routing.h), the routed experts (each EP rank computes the
 * tokens its experts receive: load imbalance lengthens the busiest rank) and the combine
 * all-to-all-v; backward mirrors it (combine gradient, experts at twice the FLOPs, dispatch
 * gradient). With ep = 1 every rank holds every expert (split over TP) and nothing is
 * dispatched. BigMac (moe.bigmac_dim r > 0; Jin et al., arXiv 2502.16927): a down projection
 * h -> r before the dispatch and an up projection r -> h after the combine (2 h r FLOPs per token
 * each), all-to-alls at dimension r, experts on r-dimensional tokens. Expert weights are sharded
 * over EP and their gradients reduced over the dp / ep ranks holding the same experts
 * (expert data parallelism); dense weights over all dp ranks.
 * Data parallelism: gradients of each stage's layers are bucketed (bucket_bytes) and reduced
 * over the DP group after the last micro-batch's backward of the layer holding the bucket's last
 * byte (all-reduce for ZeRO-0; reduce-scatter, then an all-gather of the updated 16-bit weights
 * after the optimizer, for ZeRO-1/2); ZeRO-3 all-gathers each layer's weights before its forward
 * and its backward and reduce-scatters its gradients after every backward. With
 * `overlap_grad_reduce = false` (ZeRO 0-2) nothing overlaps the backward: the rank's gradients
 * are reduced as one flat buffer once its last backward compute and its last pipeline send are
 * done, as Megatron-LM's `local` DDP did in 2021 (training.py train_step called
 * `allreduce_gradients()` after forward_backward; model/distributed.py reduces one flattened
 * buffer per dtype); PyTorch DDP (`torch`) overlaps (the default here).
 *
 * Units: FLOPs, bytes. Streams: compute, comm (DP collectives), tp_comm, ep_comm, pp_send_next,
 * pp_send_prev, pp_recv_prev, pp_recv_next (each only when used).
 * Errors: ConfigError naming the key and the numbers when tp*dp*pp != ranks, layers % pp != 0
 * (without stage_layers), stage_layers not pp positive entries summing to layers,
 * virtual_stages < 1, or > 1 with pp < 2, GPipe, stage_layers, layers % (pp v) != 0 or
 * micro-batches % pp != 0; heads % tp != 0, global_batch % (dp * micro_batch) != 0,
 * dp % ep != 0, (experts + redundant copies) % ep != 0, top_k > experts, ep > 1 with tp > 1,
 * ZeRO-3 or a dense model, overlap_grad_reduce = false with ZeRO-3, a bad stage/schedule, or
 * cp < 1, cp > 1 with sp > 1, with seq_len % (2 cp) != 0, with unfused attention or with MoE.
 * Source: Shoeybi et al., Megatron-LM (arXiv 1909.08053); Narayanan et al., SC21 (arXiv
 * 2104.04473) for PP schedules and the FLOP count; Korthikanti et al. (arXiv 2205.05198) for
 * sequence parallelism and selective recomputation (Sec. 4.2.3: activations in flight under
 * interleaving); Rajbhandari et al., ZeRO (SC20); NVIDIA/Megatron-LM (2021) training.py,
 * model/distributed.py and schedules.py for the DDP and interleaved-schedule behaviour.
 *
 * Code: transformer_validation.h (the checks), transformer_placement.h (rank coordinates,
 * chunks, weight shares), pipeline_schedule.h (the order of forward and backward steps),
 * transformer_layer_ops.h (one layer's ops), gradient_sync.h (reductions, optimizer, ZeRO
 * gathers), transformer_memory.h (the step summary and memory); this file builds the ranks.
 *
 *     TransformerParams p;  // ... model, batch ...
 *     p.pp = 4; p.virtual_stages = 3;     // Megatron --num-layers-per-virtual-pipeline-stage
 *     p.overlap_grad_reduce = false;      // Megatron --DDP-impl local (2021)
 */
#include <string>
#include <vector>

#include "models/workloads/memory_model.h"
#include "models/workloads/moe_plan.h"
#include "models/workloads/transformer_config.h"
#include "simcore/resource_guard.h"
#include "simcore/workload.h"

namespace dtsim::workloads {

enum class PipelineSchedule { kGpipe, kOneFOneB };
/** Attention kernels: fused (FlashAttention: no s x s tensor in memory) or unfused (separate
 *  QK^T, softmax, dropout and AV kernels that stream the score matrices through HBM). */
enum class AttentionKernel { kFlash, kUnfused };

struct TransformerParams {
  TransformerConfig model;
  /** The resource guard make_transformer checks its op estimate against (memory and the work
   *  cap kMaxTransformerOps; simcore/resource_guard.h). */
  simcore::ResourceLimits limits;
  int dp = 1, tp = 1, pp = 1;
  int sp = 1;  ///< DeepSpeed-Ulysses sequence-parallel degree (with tp = 1)
  /** Context-parallel degree (Megatron-LM's ring attention; with TP, not with Ulysses). */
  int cp = 1;
  int ep = 1;  ///< expert-parallel degree: divides dp; needs tp = 1 when > 1
  /** Rank placement, innermost dimension first: a permutation of "tp", "dp", "pp". */
  std::string order = "tp-dp-pp";
  MoeParams moe;
  bool sequence_parallel = false;
  PipelineSchedule schedule = PipelineSchedule::kOneFOneB;
  /** Interleaved 1F1B: model chunks per pipeline rank (1 = plain 1F1B). Megatron-LM's
   *  virtual pipeline size = layers / (pp x --num-layers-per-virtual-pipeline-stage). */
  int virtual_stages = 1;
  /** Layers of each pipeline stage (pp entries summing to the model's layers); empty: an even
   *  split, layers / pp each. Not combined with virtual_stages > 1. */
  std::vector<int> stage_layers;
  /** Activations and activation gradients cross pipeline stages compressed by this ratio (their
   *  bytes divided by it; e.g. the subspace projection of Heterogeneous SparseLoCo, arXiv
   *  2601.02360); 1: uncompressed. The compression's own compute is not priced. */
  double pp_compression = 1;
  /** true: DP gradient buckets start as soon as the last micro-batch's backward produced them
   *  (PyTorch DDP); false: one flat buffer after the whole backward (Megatron-LM local DDP). */
  bool overlap_grad_reduce = true;
  /** true: a pipeline rank's compute waits for its pipeline sends and receives of a step to
   *  finish before it goes on (Megatron-LM 2021: p2p_communication._communicate issued
   *  batch_isend_irecv, waited on every request, then torch.cuda.synchronize()); false: sends
   *  overlap the following compute (today's Megatron-LM). */
  bool pipeline_p2p_blocking = false;
  int zero_stage = 0;
  Recompute recompute = Recompute::kNone;
  AttentionKernel attention = AttentionKernel::kFlash;
  int64_t seq_len = 0;
  int micro_batch = 1;
  int64_t global_batch = 0;  ///< sequences per step over all DP replicas
  std::string dtype = "bf16";
  int grad_bytes = 4;  ///< bytes per gradient element reduced over DP (fp32 main grads)
  double bucket_bytes = 25.0 * 1024 * 1024;
  std::string tp_algorithm = "auto", dp_algorithm = "auto", ep_algorithm = "auto";
  double optimizer_bytes_per_param = 30;  ///< see DataParallelParams

  /** Ranks of one pipeline stage of one DP replica: the TP (or Ulysses SP) ranks times CP. */
  int inner() const { return tp * sp * cp; }
  /** How many ways the sequence is split over ranks (Ulysses sp, or context parallelism cp). */
  int seq_split() const { return sp * cp; }
};

struct TransformerInfo {
  int64_t params = 0;
  int micro_batches = 0;              ///< per DP replica per step
  double model_flops = 0;             ///< forward + backward FLOPs of the step, all ranks, no recompute
  double tokens = 0;                  ///< per step, all replicas
  /** The most loaded rank (the stage with the largest total; stage 0 with even stages, as it
   *  holds the most activations). Units: bytes. */
  MemoryBreakdown memory_first_stage;
  /** Micro-batches of its whole stage that rank holds at its peak: min(pp, m) under 1F1B, m
   *  under GPipe, (v pp + pp - 1) / v at stage 0 when interleaved (Korthikanti et al. Sec.
   *  4.2.3: 1 + (pp - 1)/(pp v) times its layers' activations of pp micro-batches). */
  double activations_in_flight = 0;
  MoeStepSummary moe;                 ///< MoE models only
};

/** The most ops one step may build without `limits.force`: about 10 GiB (160 B each), and
 *  minutes of simulation; DeepSeek-V3's full-batch step (validation/extensive) builds about 40 M.
 *  make_transformer refuses more, or more than `limits.max_memory_bytes` holds, (ConfigError
 *  with the estimate) before building them. */
inline constexpr double kMaxTransformerOps = 64e6;

simcore::Workload make_transformer(const TransformerParams& p, TransformerInfo* info);

/** The inner step of make_transformer alone: every rank's forward and backward passes of its
 *  micro-batches under the pipeline schedule, without the gradient sync and optimizer step
 *  (gradient_sync.h), for workload kinds that replace the sync (NoLoCo, federated rounds).
 *  ZeRO-3's per-layer weight gathers and gradient reduce-scatters belong to the passes and stay.
 *  `info` as make_transformer's.
 *  Errors: as make_transformer.
 *
 *     Workload inner = make_transformer_inner_step(p, &info);  // then a sync of one's own */
simcore::Workload make_transformer_inner_step(const TransformerParams& p, TransformerInfo* info);

}  // namespace dtsim::workloads
