#include "models/workloads/data_parallel.h"

#include "models/workloads/transformer_parallel.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "simcore/error.h"

namespace dtsim::workloads {

using namespace dtsim::simcore;

Workload make_data_parallel(const DataParallelParams& p, DataParallelInfo* info) {
  const TransformerConfig& m = p.model;
  if (p.ranks < 1) throw ConfigError("data_parallel needs at least 1 rank");
  if (p.seq_len < 1 || p.micro_batch < 1 || p.grad_accumulation < 1)
    throw ConfigError("data_parallel: seq_len, micro_batch and grad_accumulation must be >= 1");
  if (m.layers < 1 || m.hidden < 1 || m.heads < 1 || m.hidden % m.heads != 0)
    throw ConfigError(fmt::format("model '{}': hidden ({}) must be a positive multiple of heads ({})",
                                  m.name, m.hidden, m.heads));
  if (m.kv_heads < 1 || m.heads % m.kv_heads != 0)
    throw ConfigError(fmt::format("model '{}': heads ({}) must be a multiple of kv_heads ({})",
                                  m.name, m.heads, m.kv_heads));
  if (!(p.bucket_bytes > 0)) throw ConfigError("data_parallel: bucket size must be positive");
  // DDP is the transformer generator with tp = pp = 1, ZeRO-0 and plain all-reduce buckets.
  TransformerParams t;
  t.model = m;
  t.dp = p.ranks;
  t.seq_len = p.seq_len;
  t.micro_batch = p.micro_batch;
  t.global_batch = static_cast<int64_t>(p.ranks) * p.micro_batch * p.grad_accumulation;
  t.dtype = p.dtype;
  t.grad_bytes = p.grad_bytes;
  t.bucket_bytes = p.bucket_bytes;
  t.dp_algorithm = p.algorithm;
  t.optimizer_bytes_per_param = p.optimizer_bytes_per_param;
  TransformerInfo ti;
  Workload w = make_transformer(t, &ti);
  if (info) {
    info->params = ti.params;
    info->tokens_per_rank = static_cast<double>(p.seq_len) * p.micro_batch * p.grad_accumulation;
    info->model_flops_per_rank = ti.model_flops / p.ranks;
    info->memory = ti.memory_first_stage;
    info->buckets = 0;
    for (const Op& op : w.ranks[0].ops)
      if (op.kind == OpKind::kCollective) ++info->buckets;
  }
  return w;
}

}  // namespace dtsim::workloads
