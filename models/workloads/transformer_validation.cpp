#include "models/workloads/transformer_validation.h"

#include <fmt/format.h>

#include "models/workloads/transformer_placement.h"
#include "simcore/error.h"

namespace dtsim::workloads {

using simcore::ConfigError;

void validate_transformer(const TransformerParams& p) {
  const TransformerConfig& m = p.model;
  placement_order(p.order);  // validates it
  if (p.cp < 1)
    throw ConfigError(fmt::format("parallel degrees must be >= 1; got cp {}", p.cp));
  if (p.cp > 1) {
    if (p.sp > 1)
      throw ConfigError(fmt::format("context parallelism (cp {}) with Ulysses sequence "
                                    "parallelism (sp {}) is not modelled; use one of them",
                                    p.cp, p.sp));
    if (p.seq_len % (2 * p.cp) != 0)
      throw ConfigError(fmt::format("context parallelism: seq_len ({}) must be a multiple of "
                                    "2 x cp ({}): each rank holds two of the 2 cp chunks",
                                    p.seq_len, 2 * p.cp));
    if (p.attention != AttentionKernel::kFlash)
      throw ConfigError(fmt::format("context parallelism (cp {}) needs flash attention (ring "
                                    "attention is a FlashAttention kernel per block)",
                                    p.cp));
    if (p.model.moe.enabled())
      throw ConfigError(fmt::format("context parallelism (cp {}) with a mixture-of-experts "
                                    "model is not modelled yet",
                                    p.cp));
  }
  if (p.tp < 1 || p.dp < 1 || p.pp < 1 || p.sp < 1 || p.ep < 1)
    throw ConfigError(
        fmt::format("parallel degrees must be >= 1; got dp {}, tp {}, pp {}, sp {}, ep {}", p.dp,
                    p.tp, p.pp, p.sp, p.ep));
  if (p.ep > 1) {
    if (!m.moe.enabled())
      throw ConfigError(
          fmt::format("ep ({}) needs a mixture-of-experts model; '{}' is dense", p.ep, m.name));
    if (p.dp % p.ep != 0)
      throw ConfigError(
          fmt::format("ep ({}) must divide dp ({}): expert parallelism splits the "
                      "data-parallel ranks",
                      p.ep, p.dp));
    if (p.tp > 1)
      throw ConfigError(
          fmt::format("expert parallelism (ep {}) with tensor parallelism (tp {}) is not "
                      "modelled; use ep with tp = 1, or tp with ep = 1",
                      p.ep, p.tp));
    if (p.zero_stage == 3)
      throw ConfigError(
          fmt::format("ZeRO-3 with expert parallelism (ep {}) is not modelled; use "
                      "ZeRO-0, 1 or 2",
                      p.ep));
  }
  if (m.moe.enabled()) {
    if (p.moe.redundant_experts < 0 || (p.moe.redundant_experts > 0 && p.ep == 1))
      throw ConfigError(
          fmt::format("redundant_experts ({}) needs ep > 1 (got ep {}) and must be >= 0",
                      p.moe.redundant_experts, p.ep));
    const int slots = m.moe.routed_experts + p.moe.redundant_experts;
    if (slots % p.ep != 0)
      throw ConfigError(
          p.moe.redundant_experts == 0
              ? fmt::format("the routed experts ({}) must be a multiple of ep ({})",
                            m.moe.routed_experts, p.ep)
              : fmt::format("the routed experts ({}) plus redundant copies ({}) = {} must "
                            "be a multiple of ep ({})",
                            m.moe.routed_experts, p.moe.redundant_experts, slots, p.ep));
    if (m.moe.top_k < 1 || m.moe.top_k > m.moe.routed_experts)
      throw ConfigError(fmt::format("top_k ({}) must be between 1 and the routed experts ({})",
                                    m.moe.top_k, m.moe.routed_experts));
  }
  if (p.sp > 1 && p.tp > 1)
    throw ConfigError(
        fmt::format("Ulysses sequence parallelism (sp {}) with tensor parallelism (tp {}) "
                    "is not modelled; use one of them",
                    p.sp, p.tp));
  if (p.sp > 1 && (m.heads % p.sp != 0 || p.seq_len % p.sp != 0))
    throw ConfigError(fmt::format("Ulysses: sp ({}) must divide the heads ({}) and seq_len ({})",
                                  p.sp, m.heads, p.seq_len));
  if (p.virtual_stages < 1)
    throw ConfigError(fmt::format("virtual_stages must be >= 1; got {}", p.virtual_stages));
  if (!p.stage_layers.empty()) {
    if (static_cast<int>(p.stage_layers.size()) != p.pp)
      throw ConfigError(
          fmt::format("stage_layers has {} entries but pp is {}", p.stage_layers.size(), p.pp));
    int64_t sum = 0;
    for (size_t s = 0; s < p.stage_layers.size(); ++s) {
      if (p.stage_layers[s] < 1)
        throw ConfigError(
            fmt::format("stage_layers[{}] must be >= 1; got {}", s, p.stage_layers[s]));
      sum += p.stage_layers[s];
    }
    if (sum != m.layers)
      throw ConfigError(
          fmt::format("stage_layers sum to {} but the model has {} layers", sum, m.layers));
    if (p.virtual_stages > 1)
      throw ConfigError(fmt::format("stage_layers with virtual_stages ({}) > 1 is not modelled",
                                    p.virtual_stages));
  } else if (m.layers % p.pp != 0) {
    throw ConfigError(fmt::format("layers ({}) must be a multiple of pp ({})", m.layers, p.pp));
  }
  if (p.virtual_stages > 1) {
    const int v = p.virtual_stages;
    if (p.pp < 2)
      throw ConfigError(fmt::format("virtual_stages ({}) > 1 needs pp >= 2; got pp {}", v, p.pp));
    if (p.schedule != PipelineSchedule::kOneFOneB)
      throw ConfigError(fmt::format("virtual_stages ({}) > 1 needs the 1f1b schedule", v));
    if (m.layers % (p.pp * v) != 0)
      throw ConfigError(
          fmt::format("layers ({}) must be a multiple of pp x virtual_stages "
                      "({} x {} = {})",
                      m.layers, p.pp, v, p.pp * v));
    const int64_t per_replica = static_cast<int64_t>(p.dp) * p.micro_batch;
    if (p.global_batch > 0 && p.global_batch % per_replica == 0 &&
        (p.global_batch / per_replica) % p.pp != 0)
      throw ConfigError(fmt::format(
          "virtual_stages ({}) > 1: the micro-batches per pipeline, global_batch / (dp x "
          "micro_batch) = {} / ({} x {}) = {}, must be a multiple of pp ({})",
          v, p.global_batch, p.dp, p.micro_batch, p.global_batch / per_replica, p.pp));
  }
  if (p.pipeline_p2p_blocking && p.virtual_stages > 1)
    throw ConfigError(fmt::format(
        "pipeline_p2p: blocking is modelled for plain 1F1B and GPipe (virtual_stages is {}: "
        "the interleaved schedule's paired sends and receives are not modelled, and blocking "
        "one at a time would deadlock)",
        p.virtual_stages));
  if (!p.overlap_grad_reduce && p.zero_stage == 3)
    throw ConfigError(
        "overlap_grad_reduce: false is modelled for ZeRO 0-2 (ZeRO-3 reduces each "
        "layer's gradients as its backward ends)");
  if (m.heads % p.tp != 0)
    throw ConfigError(fmt::format("heads ({}) must be a multiple of tp ({})", m.heads, p.tp));
  if (m.kv_heads < 1 || m.heads % m.kv_heads != 0)
    throw ConfigError(
        fmt::format("heads ({}) must be a multiple of kv_heads ({})", m.heads, m.kv_heads));
  if (p.seq_len < 1 || p.micro_batch < 1) throw ConfigError("seq_len and micro_batch must be >= 1");
  if (p.global_batch < 1 || p.global_batch % (static_cast<int64_t>(p.dp) * p.micro_batch) != 0)
    throw ConfigError(fmt::format(
        "global_batch ({}) must be a positive multiple of dp x micro_batch "
        "({} x {} = {})",
        p.global_batch, p.dp, p.micro_batch, static_cast<int64_t>(p.dp) * p.micro_batch));
  if (p.sequence_parallel && p.seq_len % p.tp != 0)
    throw ConfigError(fmt::format(
        "sequence parallelism: seq_len ({}) must be a multiple of tp ({})", p.seq_len, p.tp));
  if (p.zero_stage < 0 || p.zero_stage > 3)
    throw ConfigError(fmt::format("ZeRO stage must be 0, 1, 2 or 3; got {}", p.zero_stage));
  if (!(p.bucket_bytes > 0)) throw ConfigError("bucket size must be positive");
  if (p.dtype != "fp32" && p.dtype != "tf32" && p.dtype != "bf16" && p.dtype != "fp16" &&
      p.dtype != "fp8")
    throw ConfigError(
        fmt::format("unknown dtype '{}' (expected fp32, tf32, bf16, fp16 or fp8)", p.dtype));
}

}  // namespace dtsim::workloads
