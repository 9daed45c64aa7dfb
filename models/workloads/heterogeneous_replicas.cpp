#include "models/workloads/heterogeneous_replicas.h"

namespace dtsim::workloads {

TransformerParams pipeline_replica(const TransformerParams& full, int stages, double compression) {
  TransformerParams p = full;
  p.dp = 1;
  p.tp = 1;
  p.sp = 1;
  p.ep = 1;
  p.pp = stages;
  p.sequence_parallel = false;
  p.virtual_stages = 1;
  p.stage_layers.clear();
  p.zero_stage = 0;
  p.pp_compression = compression;
  return p;
}

double boundary_bytes_per_inner_step(const TransformerParams& pipe) {
  const double micro_batches =
      static_cast<double>(pipe.global_batch) / (static_cast<double>(pipe.dp) * pipe.micro_batch);
  const double tensor = static_cast<double>(pipe.seq_len) * pipe.micro_batch * pipe.model.hidden * 2;
  return 2.0 * micro_batches * tensor / pipe.pp_compression;
}

}  // namespace dtsim::workloads
