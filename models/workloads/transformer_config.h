#pragma once
/**
 * Hyper-parameters of a decoder-only transformer (Llama-style: grouped-query attention,
 * SwiGLU MLP with three projections, untied or tied embeddings) and the FLOP counts derived
 * from them.
 *
 * Units: counts (parameters, FLOPs per token).
 * Source: parameter and FLOP accounting after Narayanan et al., "Efficient Large-Scale Language
 * Model Training on GPU Clusters Using Megatron-LM", SC 2021 (arXiv 2104.04473), section 5.1, with
 * the SwiGLU MLP (3 matrices of hidden x ffn_hidden; GeLU: 2) and GQA (K, V of kv_heads x
 * head_dim). Biases are not counted.
 */
#include <cstdint>
#include <string>

namespace dtsim::workloads {

/**
 * Mixture-of-experts feed-forward layers: `routed_experts` experts of which each token uses
 * `top_k`, plus `shared_experts` every token uses, each a SwiGLU/GeLU FFN of width
 * `expert_ffn_hidden` (same matrices as the dense MLP), a router (hidden x routed_experts), and
 * the first `first_dense_layers` layers dense. `node_limit` M: each token reaches experts on at
 * most M nodes (DeepSeek-V3 M = 4; 0 = no limit). `capacity_factor`: GShard expert capacity
 * (0 = dropless). `bigmac_dim` r > 0: BigMac (Jin et al., arXiv 2502.16927, AAAI 2025): routed
 * experts work on r-dimensional tokens between a down projection (h x r) before the dispatch
 * and an up projection (r x h) after the combine, so the all-to-alls carry r, not h.
 * Sources: DeepSeek-V3 (arXiv 2412.19437, sections 2.1.2 and 4.2), DeepSeekMoE (arXiv
 * 2401.06066, fine-grained and shared experts), Mixtral (arXiv 2401.04088), GShard (arXiv
 * 2006.16668, capacity).
 */
struct MoeConfig {
  int routed_experts = 0;  ///< 0: a dense model
  int shared_experts = 0;
  int top_k = 0;
  int64_t expert_ffn_hidden = 0;
  int first_dense_layers = 0;
  int node_limit = 0;
  double capacity_factor = 0;
  int64_t bigmac_dim = 0;

  bool enabled() const { return routed_experts > 0; }
};


struct TransformerConfig {
  std::string name;
  int layers = 0;
  int64_t hidden = 0;
  int64_t ffn_hidden = 0;
  int heads = 0;
  int kv_heads = 0;
  int64_t vocab = 0;
  bool tied_embeddings = false;
  /** MLP matrices: 3 for SwiGLU (Llama: gate, up, down), 2 for GeLU (GPT: up, down). */
  int mlp_matrices = 3;
  /** Mixture-of-experts layers (disabled for a dense model). */
  MoeConfig moe;

  int64_t head_dim() const { return hidden / heads; }
  /** Attention weights of one layer: Q and O (h x h), K and V (h x kv_heads*head_dim). */
  int64_t attention_params() const {
    int64_t kv = static_cast<int64_t>(kv_heads) * head_dim();
    return 2 * hidden * hidden + 2 * hidden * kv;
  }
  /** MLP weights of one layer. */
  int64_t mlp_params() const { return mlp_matrices * hidden * ffn_hidden; }
  /** Parameters of one dense layer: attention, MLP and the two norm weight vectors (2h). */
  int64_t params_per_layer() const { return attention_params() + mlp_params() + 2 * hidden; }
  bool is_moe_layer(int layer) const { return moe.enabled() && layer >= moe.first_dense_layers; }
  /** Weights of one shared expert: the MLP matrices at the expert width. */
  int64_t expert_params() const { return mlp_matrices * hidden * moe.expert_ffn_hidden; }
  /** The dimension routed experts work at and the all-to-alls carry: hidden, or BigMac's r. */
  int64_t routed_dim() const { return moe.bigmac_dim > 0 ? moe.bigmac_dim : hidden; }
  /** Weights of one routed expert. */
  int64_t routed_expert_size() const { return mlp_matrices * routed_dim() * moe.expert_ffn_hidden; }
  /** BigMac's down and up projections of a MoE layer (0 without BigMac). */
  int64_t bigmac_params() const { return moe.bigmac_dim > 0 ? 2 * hidden * moe.bigmac_dim : 0; }
  /** Router (gate) weights of a MoE layer: hidden x routed experts. */
  int64_t router_params() const { return hidden * moe.routed_experts; }
  /** Routed-expert weights of layer `layer` (0 for a dense layer): what expert parallelism splits. */
  int64_t routed_expert_params(int layer) const {
    return is_moe_layer(layer) ? moe.routed_experts * routed_expert_size() : 0;
  }
  /** All parameters of layer `layer` (0-based). */
  int64_t layer_params(int layer) const {
    if (!is_moe_layer(layer)) return params_per_layer();
    return attention_params() + router_params() + bigmac_params() +
           moe.shared_experts * expert_params() + routed_expert_params(layer) + 2 * hidden;
  }
  /** Parameters one token uses in layer `layer`: a MoE layer's shared and top_k routed experts. */
  int64_t layer_active_params(int layer) const {
    if (!is_moe_layer(layer)) return params_per_layer();
    return attention_params() + router_params() + bigmac_params() +
           moe.shared_experts * expert_params() + moe.top_k * routed_expert_size() + 2 * hidden;
  }
  int64_t embedding_params() const { return vocab * hidden; }
  /** LM head parameters (0 when tied to the embedding). */
  int64_t lm_head_params() const { return tied_embeddings ? 0 : vocab * hidden; }
  int64_t total_params() const {
    int64_t sum = 0;
    for (int l = 0; l < layers; ++l) sum += layer_params(l);
    return sum + embedding_params() + lm_head_params() + hidden;
  }
  /** Forward FLOPs per token of layer `layer` at sequence length `seq`: 2 per weight used
   *  (multiply-add) plus causal attention scores and weighted sum, 2 x 2 x seq x hidden halved by
   *  the mask. */
  double layer_forward_flops_per_token(int layer, int64_t seq) const {
    return 2.0 * (layer_active_params(layer) - 2 * hidden) + 2.0 * seq * hidden;
  }
  /** The same for a dense layer. */
  double layer_forward_flops_per_token(int64_t seq) const {
    return 2.0 * (params_per_layer() - 2 * hidden) + 2.0 * seq * hidden;
  }
  /** Forward FLOPs per token of all layers and the LM head. */
  double forward_flops_per_token(int64_t seq) const {
    double sum = 0;
    for (int l = 0; l < layers; ++l) sum += layer_forward_flops_per_token(l, seq);
    return sum + lm_head_forward_flops_per_token();
  }
  /** Forward FLOPs per token of the LM head (logits): 2 x hidden x vocab. */
  double lm_head_forward_flops_per_token() const { return 2.0 * hidden * vocab; }
};

}  // namespace dtsim::workloads
