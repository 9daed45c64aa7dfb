#pragma once
/**
 * Hyper-parameters of a dense decoder-only transformer (Llama-style: grouped-query attention,
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
  /** The config has mixture-of-experts layers (not modelled by the dense generators: they
   *  refuse such a model rather than price it as dense). */
  bool moe = false;

  int64_t head_dim() const { return hidden / heads; }
  /** Attention weights of one layer: Q and O (h x h), K and V (h x kv_heads*head_dim). */
  int64_t attention_params() const {
    int64_t kv = static_cast<int64_t>(kv_heads) * head_dim();
    return 2 * hidden * hidden + 2 * hidden * kv;
  }
  /** MLP weights of one layer. */
  int64_t mlp_params() const { return mlp_matrices * hidden * ffn_hidden; }
  /** Parameters of one layer: attention, MLP and the two norm weight vectors (2h). */
  int64_t params_per_layer() const { return attention_params() + mlp_params() + 2 * hidden; }
  int64_t embedding_params() const { return vocab * hidden; }
  /** LM head parameters (0 when tied to the embedding). */
  int64_t lm_head_params() const { return tied_embeddings ? 0 : vocab * hidden; }
  int64_t total_params() const {
    return layers * params_per_layer() + embedding_params() + lm_head_params() + hidden;
  }
  /** Forward FLOPs per token of one layer at sequence length `seq`: 2 per weight (multiply-add)
   *  plus causal attention scores and weighted sum, 2 x 2 x seq x hidden halved by the mask. */
  double layer_forward_flops_per_token(int64_t seq) const {
    return 2.0 * (params_per_layer() - 2 * hidden) + 2.0 * seq * hidden;
  }
  /** Forward FLOPs per token of the LM head (logits): 2 x hidden x vocab. */
  double lm_head_forward_flops_per_token() const { return 2.0 * hidden * vocab; }
};

}  // namespace dtsim::workloads
