#pragma once
/**
 * Models from a Hugging Face `config.json`: a model file (or inline map) with a `model_type` key
 * is read with the field names Hugging Face Transformers uses, so users need not transcribe
 * hyper-parameters into dtsim's own model format (the YAML files of configs/models/).
 *
 *     workload:
 *       model: ../configs/models/hf/meta-llama_Meta-Llama-3-8B.json   # a copied config.json
 *
 * Supported `model_type`s (the MLP structure and the embedding tying default come from the
 * type, as in Transformers' configuration_<type>.py; Source: huggingface/transformers, src/
 * transformers/models/<type>/configuration_<type>.py):
 *
 * | model_type  | MLP     | tie_word_embeddings default | experts                               |
 * |-------------|---------|-----------------------------|---------------------------------------|
 * | llama       | SwiGLU  | false                       | -                                     |
 * | mistral     | SwiGLU  | false                       | -                                     |
 * | qwen2       | SwiGLU  | false                       | -                                     |
 * | qwen3       | SwiGLU  | false                       | -                                     |
 * | mixtral     | SwiGLU  | false                       | num_local_experts, num_experts_per_tok|
 * | qwen3_moe   | SwiGLU  | false                       | num_experts, num_experts_per_tok, moe_intermediate_size |
 * | deepseek_v3 | SwiGLU  | false                       | n_routed_experts, n_shared_experts, num_experts_per_tok, moe_intermediate_size, first_k_dense_replace, topk_group |
 * | gpt2        | GeLU    | true (PretrainedConfig)     | -                                     |
 *
 * Fields read: hidden_size, num_hidden_layers, intermediate_size, num_attention_heads,
 * num_key_value_heads (absent: num_attention_heads, Transformers' documented default),
 * vocab_size, tie_word_embeddings, head_dim (must equal hidden_size / num_attention_heads: dtsim's
 * attention cost derives the head size), and the type's expert keys; gpt2 uses n_embd, n_layer,
 * n_head, n_inner (null: 4 x n_embd) and vocab_size. Other keys (rope, norms, dtypes, token ids)
 * do not change a step's cost and are not read. The name is `_name_or_path` when present, else
 * the model_type and the file's name.
 *
 * Approximations, stated: DeepSeek-V3's multi-head latent attention is priced as multi-head
 * attention with num_key_value_heads heads (as configs/models/deepseek_v3.yaml does), and its
 * topk_group (expert groups a token may use) is the MoE node limit; its multi-token-prediction
 * module (num_nextn_predict_layers) is not counted, as in the YAML.
 *
 * Errors: ConfigError at the key: an unknown model_type (with the supported ones), a missing or
 * out-of-range field, a head_dim that is not hidden_size / num_attention_heads, a sliding window
 * (sliding-window attention is not modelled), MoE layers placed other than "the first k dense,
 * then every layer MoE" (qwen3_moe mlp_only_layers / decoder_sparse_step, deepseek_v3
 * moe_layer_freq).
 */
#include "models/workloads/transformer_config.h"
#include "tools/dtsim/config_node.h"

namespace dtsim::cli {

/** True when `n` is a Hugging Face config (a map with a `model_type` key). */
bool is_hf_model_config(const ConfigNode& n);

/** The model of a Hugging Face config. The caller applies the shape checks every model gets
 *  (load_transformer). Errors: as above. */
workloads::TransformerConfig load_hf_model_config(const ConfigNode& n);

}  // namespace dtsim::cli
