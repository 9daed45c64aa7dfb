#pragma once
/**
 * `data_parallel`: one training step of a dense decoder-only transformer under data parallelism,
 * as PyTorch DDP runs it: the `transformer` generator (transformer_parallel.h) with tp = pp = 1,
 * ZeRO-0 and gradient all-reduce buckets; this header keeps DDP's own parameters
 * (ranks, grad_accumulation).
 *
 * Per rank: forward (embedding, each layer, LM head), backward in reverse (2x the forward
 * FLOPs), gradient all-reduce in buckets of `bucket_bytes` issued on the comm stream as soon as
 * the backward op that completes a bucket finishes (so it overlaps the rest of the backward
 * pass), then the optimizer step (Adam, memory-bound) once every bucket is reduced. With
 * `grad_accumulation` > 1 micro-batches, only the last backward all-reduces (DDP no_sync).
 *
 * Units: FLOPs, bytes. Model FLOPs per token = 6 x (weights) + causal attention (Megatron-LM,
 * arXiv 2104.04473, section 5.1; Kaplan et al. 2020 "6N").
 * Errors: ConfigError on a non-positive size or unknown dtype.
 * Source: DDP bucketing, Li et al., "PyTorch Distributed", VLDB 2020 (default bucket 25 MiB).
 */
#include <string>

#include "models/workloads/memory_model.h"
#include "models/workloads/transformer_config.h"
#include "simcore/workload.h"

namespace dtsim::workloads {

struct DataParallelParams {
  TransformerConfig model;
  int ranks = 0;                 ///< data-parallel degree (ranks 0..ranks-1)
  int64_t seq_len = 0;
  int micro_batch = 1;           ///< sequences per micro-batch per rank
  int grad_accumulation = 1;     ///< micro-batches per step per rank
  std::string dtype = "bf16";    ///< compute dtype
  int grad_bytes = 4;            ///< bytes per gradient element all-reduced (fp32 = 4, bf16 = 2)
  double bucket_bytes = 25.0 * 1024 * 1024;
  std::string algorithm = "auto";
  /** Bytes of device memory the Adam step moves per parameter: read fp32 param, grad, m, v
   *  (16) and write param, m, v (12) plus the bf16 copy (2). */
  double optimizer_bytes_per_param = 30;
};

struct DataParallelInfo {
  double model_flops_per_rank = 0;  ///< forward + backward FLOPs per rank per step
  int64_t params = 0;
  int buckets = 0;
  double tokens_per_rank = 0;
  MemoryBreakdown memory;  ///< per rank (all ranks alike), bytes
};

simcore::Workload make_data_parallel(const DataParallelParams& p, DataParallelInfo* info);

}  // namespace dtsim::workloads
