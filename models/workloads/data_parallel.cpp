#include "models/workloads/data_parallel.h"

#include "models/workloads/gradient_buckets.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "simcore/error.h"

namespace dtsim::workloads {

using namespace dtsim::simcore;

namespace {
int dtype_bytes(const std::string& dtype) {
  if (dtype == "fp32" || dtype == "tf32") return 4;
  if (dtype == "bf16" || dtype == "fp16") return 2;
  if (dtype == "fp8") return 1;
  throw ConfigError(fmt::format("unknown dtype '{}' (expected fp32, tf32, bf16, fp16 or fp8)", dtype));
}
}  // namespace

Workload make_data_parallel(const DataParallelParams& p, DataParallelInfo* info) {
  const TransformerConfig& m = p.model;
  if (p.ranks < 1) throw ConfigError("data_parallel needs at least 1 rank");
  if (p.seq_len < 1 || p.micro_batch < 1 || p.grad_accumulation < 1)
    throw ConfigError("data_parallel: seq_len, micro_batch and grad_accumulation must be >= 1");
  if (m.layers < 1 || m.hidden < 1 || m.heads < 1 || m.hidden % m.heads != 0)
    throw ConfigError(fmt::format("model '{}': hidden ({}) must be a positive multiple of heads ({})",
                                  m.name, m.hidden, m.heads));
  if (m.moe)
    throw ConfigError(fmt::format("model '{}' has mixture-of-experts layers, which data_parallel "
                                  "does not model", m.name));
  if (m.kv_heads < 1 || m.heads % m.kv_heads != 0)
    throw ConfigError(fmt::format("model '{}': heads ({}) must be a multiple of kv_heads ({})",
                                  m.name, m.heads, m.kv_heads));
  if (!(p.bucket_bytes > 0)) throw ConfigError("data_parallel: bucket size must be positive");
  const int eb = dtype_bytes(p.dtype);
  const double tokens = static_cast<double>(p.seq_len) * p.micro_batch;
  const double layer_fwd = m.layer_forward_flops_per_token(p.seq_len) * tokens;
  const double head_fwd = m.lm_head_forward_flops_per_token() * tokens;
  const double layer_weights_b = static_cast<double>(m.params_per_layer()) * eb;
  // Activations read and written by a layer: ~ 16 tensors of tokens x hidden (inputs, Q/K/V/O,
  // MLP intermediates counted at their hidden width), a memory term that only matters when small.
  const double layer_act_b = 16.0 * tokens * m.hidden * eb;
  const double head_b = static_cast<double>(m.vocab) * m.hidden * eb + tokens * m.vocab * eb;

  Workload w;
  w.ranks.resize(p.ranks);
  std::vector<int> members(p.ranks);
  for (int i = 0; i < p.ranks; ++i) members[i] = i;
  const uint32_t group = w.group_of(members);
  const uint32_t dtype = w.intern(p.dtype);
  const uint32_t algo = w.intern(p.algorithm);

  // Gradient bytes in the order backward produces them: LM head (+ final norm), layers L-1..0,
  // embedding; source i is the backward op bwd_op[i] below.
  std::vector<double> sources;
  sources.push_back(static_cast<double>(m.lm_head_params() + m.hidden) * p.grad_bytes);
  for (int l = m.layers - 1; l >= 0; --l)
    sources.push_back(static_cast<double>(m.params_per_layer()) * p.grad_bytes);
  sources.push_back(static_cast<double>(m.embedding_params()) * p.grad_bytes);
  const std::vector<Bucket> buckets = assign_buckets(sources, p.bucket_bytes);

  for (int r = 0; r < p.ranks; ++r) {
    auto& ops = w.ranks[r].ops;
    auto add = [&](Op op) {
      ops.push_back(std::move(op));
      return static_cast<uint32_t>(ops.size() - 1);
    };
    auto compute = [&](const std::string& name, double flops, double bytes) {
      Op op;
      op.kind = OpKind::kCompute;
      op.stream = kComputeStream;
      op.name = w.intern(name);
      op.dtype = dtype;
      op.flops = flops;
      op.mem_bytes = bytes;
      return add(op);
    };
    std::vector<uint32_t> allreduces;
    uint32_t last_bwd = 0;
    for (int mb = 0; mb < p.grad_accumulation; ++mb) {
      const bool last = mb + 1 == p.grad_accumulation;
      std::string sfx = p.grad_accumulation > 1 ? fmt::format(" mb{}", mb) : "";
      compute("embedding fwd" + sfx, 0, 2 * tokens * m.hidden * eb);
      for (int l = 0; l < m.layers; ++l)
        compute(fmt::format("layer {} fwd{}", l, sfx), layer_fwd, layer_weights_b + layer_act_b);
      compute("lm_head fwd" + sfx, head_fwd, head_b);
      std::vector<uint32_t> bwd_op(m.layers + 2);
      bwd_op[0] = compute("lm_head bwd" + sfx, 2 * head_fwd, 2 * head_b);
      for (int l = m.layers - 1; l >= 0; --l)
        bwd_op[m.layers - l] = compute(fmt::format("layer {} bwd{}", l, sfx), 2 * layer_fwd,
                                       2 * (layer_weights_b + layer_act_b));
      bwd_op[m.layers + 1] = last_bwd = compute("embedding bwd" + sfx, 0, 2 * tokens * m.hidden * eb);
      if (!last) continue;
      size_t k = 0;
      for (const auto& b : buckets) {
        Op op;
        op.kind = OpKind::kCollective;
        op.stream = kCommStream;
        op.name = w.intern(fmt::format("grad all_reduce bucket {}", k++));
        op.collective = CollectiveKind::kAllReduce;
        op.bytes = static_cast<int64_t>(b.bytes);
        op.group = group;
        op.algorithm = algo;
        op.deps = {bwd_op[b.ready_after]};
        allreduces.push_back(add(op));
      }
    }
    Op opt;
    opt.kind = OpKind::kCompute;
    opt.stream = kComputeStream;
    opt.name = w.intern("optimizer step");
    opt.dtype = w.intern("fp32");
    opt.flops = p.optimizer_flops_per_param * static_cast<double>(m.total_params());
    opt.mem_bytes = p.optimizer_bytes_per_param * static_cast<double>(m.total_params());
    opt.deps = allreduces;
    opt.deps.push_back(last_bwd);
    add(opt);
  }
  if (info) {
    info->params = m.total_params();
    info->buckets = static_cast<int>(buckets.size());
    info->tokens_per_rank = tokens * p.grad_accumulation;
    info->model_flops_per_rank = 3.0 * (m.layers * layer_fwd + head_fwd) * p.grad_accumulation;
  }
  return w;
}

}  // namespace dtsim::workloads
