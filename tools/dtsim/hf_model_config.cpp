#include "tools/dtsim/hf_model_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <filesystem>
#include <string_view>

#include "tools/dtsim/config_loaders.h"

namespace dtsim::cli {
namespace {

enum class Experts { kNone, kMixtral, kQwen3Moe, kDeepseekV3 };

/** One supported `model_type` (the table in hf_model_config.h). */
struct HfType {
  std::string_view model_type;
  bool gated_mlp;      ///< SwiGLU (3 matrices) or GeLU (2)
  bool tie_default;    ///< tie_word_embeddings when the key is absent
  bool gpt2_names;     ///< n_embd / n_layer / n_head / n_inner
  Experts experts;
};

constexpr std::array<HfType, 8> kTypes{{
    {"llama", true, false, false, Experts::kNone},
    {"mistral", true, false, false, Experts::kNone},
    {"qwen2", true, false, false, Experts::kNone},
    {"qwen3", true, false, false, Experts::kNone},
    {"mixtral", true, false, false, Experts::kMixtral},
    {"qwen3_moe", true, false, false, Experts::kQwen3Moe},
    {"deepseek_v3", true, false, false, Experts::kDeepseekV3},
    {"gpt2", false, true, true, Experts::kNone},
}};

// Caps as in dtsim's own model format (config_loaders.cpp).
constexpr int64_t kMaxWidth = int64_t{1} << 20;
constexpr int64_t kMaxFfn = int64_t{1} << 24;
constexpr int64_t kMaxVocab = int64_t{1} << 26;

int as_int(const ConfigNode& n, int64_t lo, int64_t hi) {
  return static_cast<int>(n.integer(lo, hi));
}

void load_experts(const ConfigNode& n, const HfType& t, workloads::TransformerConfig& m) {
  if (t.experts == Experts::kNone) return;
  workloads::MoeConfig& e = m.moe;
  switch (t.experts) {
    case Experts::kNone:
      break;
    case Experts::kMixtral:  // every layer MoE; each expert as wide as intermediate_size
      e.routed_experts = as_int(n["num_local_experts"], 1, 1 << 20);
      e.expert_ffn_hidden = m.ffn_hidden;
      break;
    case Experts::kQwen3Moe: {
      e.routed_experts = as_int(n["num_experts"], 1, 1 << 20);
      e.expert_ffn_hidden = n["moe_intermediate_size"].integer(1, kMaxFfn);
      if (auto step = n.get("decoder_sparse_step"); step && step->integer() != 1)
        step->fail("only decoder_sparse_step 1 (every layer MoE) is modelled");
      if (auto dense = n.get("mlp_only_layers"); dense && !dense->items().empty())
        dense->fail("dense layers among MoE layers (mlp_only_layers) are not modelled");
      break;
    }
    case Experts::kDeepseekV3: {
      e.routed_experts = as_int(n["n_routed_experts"], 1, 1 << 20);
      if (auto s = n.get("n_shared_experts")) e.shared_experts = as_int(*s, 0, 1 << 20);
      e.expert_ffn_hidden = n["moe_intermediate_size"].integer(1, kMaxFfn);
      if (auto k = n.get("first_k_dense_replace")) e.first_dense_layers = as_int(*k, 0, m.layers);
      if (auto freq = n.get("moe_layer_freq"); freq && freq->integer() != 1)
        freq->fail("only moe_layer_freq 1 (every layer after the dense ones is MoE) is modelled");
      // Group-limited routing: a token's experts come from topk_group of the n_group groups;
      // with one group per node (DeepSeek-V3's deployment, arXiv:2412.19437 Sec. 2.1.2) that
      // is the node limit.
      if (auto groups = n.get("n_group"); groups && groups->integer() > 1)
        e.node_limit = as_int(n["topk_group"], 1, groups->integer());
      break;
    }
  }
  const ConfigNode top_k = n["num_experts_per_tok"];
  e.top_k = as_int(top_k, 1, 1 << 20);
  if (e.top_k > e.routed_experts)
    top_k.fail(fmt::format("num_experts_per_tok ({}) must not exceed the number of experts ({})",
                           e.top_k, e.routed_experts));
}

}  // namespace

bool is_hf_model_config(const ConfigNode& n) { return n.is_map() && n.has("model_type"); }

workloads::TransformerConfig load_hf_model_config(const ConfigNode& n) {
  const ConfigNode type_node = n["model_type"];
  const std::string type = type_node.str();
  const HfType* t = nullptr;
  std::vector<std::string> names;
  for (const HfType& k : kTypes) {
    names.emplace_back(k.model_type);
    if (k.model_type == type) t = &k;
  }
  if (!t) type_node.expected(fmt::format("a supported Hugging Face model_type ({})",
                                         fmt::join(names, ", ")));

  workloads::TransformerConfig m;
  if (auto name = n.get("_name_or_path"); name && !name->str().empty()) {
    m.name = name->str();
  } else {
    m.name = fmt::format("{} ({})", type, std::filesystem::path(n.file()).filename().string());
  }
  const ConfigNode hidden = n[t->gpt2_names ? "n_embd" : "hidden_size"];
  const ConfigNode heads = n[t->gpt2_names ? "n_head" : "num_attention_heads"];
  m.layers = as_int(n[t->gpt2_names ? "n_layer" : "num_hidden_layers"], 1, 100000);
  m.hidden = hidden.integer(1, kMaxWidth);
  m.heads = as_int(heads, 1, kMaxWidth);
  m.vocab = n["vocab_size"].integer(1, kMaxVocab);
  if (t->gpt2_names) {
    // GPT2Config: "n_inner: dimensionality of the inner feed-forward layers; None will set it to
    // 4 times n_embd".
    auto inner = n.get("n_inner");
    m.ffn_hidden = inner ? inner->integer(1, kMaxFfn) : 4 * m.hidden;
  } else {
    m.ffn_hidden = n["intermediate_size"].integer(1, kMaxFfn);
  }
  const auto kv = n.get("num_key_value_heads");
  m.kv_heads = kv ? as_int(*kv, 1, m.heads) : m.heads;
  m.tied_embeddings = t->tie_default;
  if (auto tie = n.get("tie_word_embeddings")) m.tied_embeddings = tie->boolean();
  m.mlp_matrices = t->gated_mlp ? 3 : 2;

  if (auto hd = n.get("head_dim"); hd && m.hidden % m.heads == 0 &&
                                   hd->integer() != m.hidden / m.heads)
    hd->fail(fmt::format("head_dim {} differs from hidden_size / num_attention_heads = {}; dtsim's "
                         "attention cost derives the head size from them",
                         hd->integer(), m.hidden / m.heads));
  if (auto window = n.get("sliding_window")) {  // null: none
    const auto use = n.get("use_sliding_window");  // Qwen2/3: the window applies only when true
    if (!use || use->boolean())
      window->fail(fmt::format("sliding-window attention (window {}) is not modelled: dtsim "
                               "prices full causal attention; write the model in dtsim's format "
                               "(configs/models/) to accept that approximation",
                               window->str()));
  }
  load_experts(n, *t, m);
  check_transformer_shape(m, n, hidden, kv ? *kv : heads);
  return m;
}

}  // namespace dtsim::cli
