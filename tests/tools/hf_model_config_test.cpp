// Models from Hugging Face config.json files (tools/dtsim/hf_model_config.h): the shipped copies
// in configs/models/hf/ against the hand-written YAML of configs/models/ (whose comments cite
// the same config.json fields), published parameter counts, and the errors.
#include <gtest/gtest.h>

#include <string>

#include "simcore/error.h"
#include "tools/dtsim/config_loaders.h"
#include "tools/dtsim/config_node.h"

namespace dtsim::cli {
namespace {

std::string models(const std::string& file) {
  return std::string(DTSIM_SOURCE_DIR) + "/configs/models/" + file;
}

workloads::TransformerConfig load(const std::string& path) {
  return load_transformer(ConfigNode::load_file(path));
}

/** Every field but the name. */
void expect_same_model(const workloads::TransformerConfig& a, const workloads::TransformerConfig& b) {
  EXPECT_EQ(a.layers, b.layers);
  EXPECT_EQ(a.hidden, b.hidden);
  EXPECT_EQ(a.ffn_hidden, b.ffn_hidden);
  EXPECT_EQ(a.heads, b.heads);
  EXPECT_EQ(a.kv_heads, b.kv_heads);
  EXPECT_EQ(a.vocab, b.vocab);
  EXPECT_EQ(a.tied_embeddings, b.tied_embeddings);
  EXPECT_EQ(a.mlp_matrices, b.mlp_matrices);
  EXPECT_EQ(a.moe.routed_experts, b.moe.routed_experts);
  EXPECT_EQ(a.moe.shared_experts, b.moe.shared_experts);
  EXPECT_EQ(a.moe.top_k, b.moe.top_k);
  EXPECT_EQ(a.moe.expert_ffn_hidden, b.moe.expert_ffn_hidden);
  EXPECT_EQ(a.moe.first_dense_layers, b.moe.first_dense_layers);
  EXPECT_EQ(a.moe.node_limit, b.moe.node_limit);
  EXPECT_EQ(a.total_params(), b.total_params());
}

TEST(HfModelConfigTest, ShippedConfigsGiveTheHandWrittenModels) {
  expect_same_model(load(models("hf/meta-llama_Meta-Llama-3-8B.json")),
                    load(models("llama3_8b.yaml")));
  // Mixtral's config.json has no tie_word_embeddings key: MixtralConfig's default (false).
  expect_same_model(load(models("hf/mistralai_Mixtral-8x7B-v0.1.json")),
                    load(models("mixtral_8x7b.yaml")));
  expect_same_model(load(models("hf/deepseek-ai_DeepSeek-V3.json")),
                    load(models("deepseek_v3.yaml")));
}

TEST(HfModelConfigTest, Llama3ParameterCountIsHuggingFaces) {
  // Per layer: attention 2 x 4096^2 + 2 x 4096 x (8 x 128) = 41,943,040; SwiGLU MLP
  // 3 x 4096 x 14336 = 176,160,768; two norms 8,192: 218,112,000, x 32 layers = 6,979,584,000.
  // Embedding and LM head (untied) 2 x 128256 x 4096 = 1,050,673,152; final norm 4,096.
  // Total 8,030,261,248: the count Hugging Face reports for meta-llama/Meta-Llama-3-8B.
  const auto m = load(models("hf/meta-llama_Meta-Llama-3-8B.json"));
  EXPECT_EQ(m.total_params(), 8'030'261'248);
  EXPECT_EQ(m.name, "llama (meta-llama_Meta-Llama-3-8B.json)");
}

TEST(HfModelConfigTest, Gpt2UsesItsOwnNamesAndTiesEmbeddings) {
  // GPT-2 small: n_inner absent -> 4 x 768 = 3072; GeLU MLP (2 matrices); embeddings tied
  // (PretrainedConfig's default). Per layer 4 x 768^2 + 2 x 768 x 3072 + 2 x 768 = 7,079,424,
  // x 12 = 84,953,088; embedding 50257 x 768 = 38,597,376; final norm 768: 123,551,232.
  // Published: 124,439,808 (openai-community/gpt2); the difference, 0.7%, is the learned
  // position embeddings (1024 x 768 = 786,432) and the biases, which a Llama-style count omits.
  const auto m = load(models("hf/openai-community_gpt2.json"));
  EXPECT_EQ(m.layers, 12);
  EXPECT_EQ(m.ffn_hidden, 3072);
  EXPECT_EQ(m.mlp_matrices, 2);
  EXPECT_TRUE(m.tied_embeddings);
  EXPECT_EQ(m.total_params(), 123'551'232);
  EXPECT_NEAR(m.total_params(), 124'439'808, 0.01 * 124'439'808);
}

std::string error_of(const std::string& json) {
  try {
    load_transformer(ConfigNode::load_string(json, "config.json"));
  } catch (const simcore::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

const char* kLlama = R"({"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 2,
  "intermediate_size": 14336, "num_attention_heads": 32, "vocab_size": 1000)";

TEST(HfModelConfigTest, KvHeadsDefaultToHeads) {
  // Transformers: "num_key_value_heads: if not specified, will default to num_attention_heads".
  const auto m = load_transformer(ConfigNode::load_string(std::string(kLlama) + "}", "c.json"));
  EXPECT_EQ(m.kv_heads, 32);
  EXPECT_FALSE(m.tied_embeddings);  // LlamaConfig's default
}

TEST(HfModelConfigTest, ErrorsPointAtTheKey) {
  EXPECT_EQ(error_of(R"({"model_type": "gemma"})"),
            "config.json:1:16: error: model_type: expected a supported Hugging Face model_type "
            "(llama, mistral, qwen2, qwen3, mixtral, qwen3_moe, deepseek_v3, gpt2); got \"gemma\"");
  EXPECT_EQ(error_of(R"({"model_type": "llama", "hidden_size": 4096})"),
            "config.json:1:1: error: (top level): missing key 'num_attention_heads'");
  EXPECT_EQ(error_of(std::string(kLlama) + R"(, "head_dim": 256})"),
            "config.json:2:90: error: head_dim: head_dim 256 differs from hidden_size / "
            "num_attention_heads = 128; dtsim's attention cost derives the head size from them");
  EXPECT_NE(error_of(std::string(kLlama) + R"(, "sliding_window": 4096})")
                .find("sliding-window attention (window 4096) is not modelled"),
            std::string::npos);
  // Qwen2/3 carry a window that applies only with use_sliding_window: true.
  EXPECT_EQ(error_of(std::string(kLlama) +
                     R"(, "sliding_window": 4096, "use_sliding_window": false})"),
            "no error");
  EXPECT_EQ(error_of(R"({"model_type": "mixtral", "hidden_size": 64, "num_hidden_layers": 2,
    "intermediate_size": 128, "num_attention_heads": 4, "vocab_size": 100,
    "num_local_experts": 8, "num_experts_per_tok": 9})"),
            "config.json:3:52: error: num_experts_per_tok: num_experts_per_tok (9) must not "
            "exceed the number of experts (8)");
  EXPECT_EQ(error_of(std::string(kLlama) + R"(, "num_key_value_heads": 5})"),
            "config.json:2:101: error: num_key_value_heads: heads (32) must be a multiple of "
            "kv_heads (5)");
}

}  // namespace
}  // namespace dtsim::cli
