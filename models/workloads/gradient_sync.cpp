#include "models/workloads/gradient_sync.h"

#include <fmt/format.h>

#include <string>
#include <utility>

#include "models/workloads/gradient_buckets.h"

namespace dtsim::workloads {

using simcore::CollectiveKind;
using simcore::OpPhase;
using simcore::OpTags;

void build_gradient_sync(simcore::ProgramBuilder& b, int r, const TransformerParams& p,
                         const GradientSyncGroups& g, const InnerStepEnd& end) {
  OpTags& tags = b.tags();
  tags = OpTags{};
  tags.phase = OpPhase::kGradientSync;
  const int zero = p.zero_stage;
  const bool split_experts = p.ep > 1;
  auto collective = [&](std::string_view name, CollectiveKind kind, double bytes, uint32_t group,
                        std::vector<uint32_t> deps) {
    return b.collective(r, name, kind, static_cast<int64_t>(bytes), group, p.dp_algorithm,
                        std::move(deps), g.stream);
  };

  // Data-parallel gradient reduction (ZeRO 0-2) in buckets, in backward order: dense weights
  // over the DP group; with EP, the routed experts over the ranks holding the same experts.
  std::vector<uint32_t> grad_colls;
  auto reduce_gradients = [&](const std::vector<GradientSource>& sources, uint32_t group,
                              const std::string& prefix) {
    std::vector<double> bytes;
    std::vector<uint32_t> producer;
    for (const GradientSource& s : sources) {
      if (s.params <= 0) continue;
      bytes.push_back(s.params * p.grad_bytes);
      producer.push_back(s.op);
    }
    CollectiveKind kind = zero == 0 ? CollectiveKind::kAllReduce : CollectiveKind::kReduceScatter;
    if (p.overlap_grad_reduce) {
      int k = 0;
      for (const Bucket& bucket : assign_buckets(bytes, p.bucket_bytes))
        grad_colls.push_back(
            collective(fmt::format("{}grad {} bucket {}", prefix, to_string(kind), k++), kind,
                       bucket.bytes, group, {producer[bucket.ready_after]}));
    } else {
      // Megatron-LM local DDP: one flat buffer, once the pipeline schedule (its last backward
      // compute and its last send) has returned.
      double total = 0;
      for (double x : bytes) total += x;
      std::vector<uint32_t> after{end.last_compute};
      if (end.last_send != UINT32_MAX) after.push_back(end.last_send);
      grad_colls.push_back(collective(fmt::format("{}grad {} flat buffer", prefix, to_string(kind)),
                                      kind, total, group, after));
    }
  };
  if (g.dp_size > 1) reduce_gradients(end.dense, g.dp_group, "");
  if (split_experts && g.edp_size > 1) reduce_gradients(end.experts, g.edp_group, "experts ");
  // Optimizer step over this rank's shard.
  const LayerShare& held = end.stage_params;
  const double dense_params = split_experts ? held.dense : held.dense + held.experts;
  const double expert_params = split_experts ? held.experts : 0;
  double shard = zero >= 1 ? dense_params / g.dp_size + expert_params / g.edp_size
                           : dense_params + expert_params;
  std::vector<uint32_t> opt_deps = grad_colls;
  opt_deps.insert(opt_deps.end(), end.zero3_scatters.begin(), end.zero3_scatters.end());
  opt_deps.push_back(end.last_compute);
  // Adam is priced by its memory traffic: at 12 FLOPs per 30 B (0.4 FLOP/B) it sits far below
  // every device's ridge point (H100: 67 TFLOPS fp32 / 3.35 TB/s = 20 FLOP/B), and it runs on
  // vector units whose fp32 rate not every vendor publishes (Ascend 910C).
  tags.phase = OpPhase::kOptimizer;
  uint32_t opt_op = b.compute(r, "optimizer step", 0, p.optimizer_bytes_per_param * shard, "fp32",
                              std::move(opt_deps));
  // ZeRO-1/2: gather the updated 16-bit weights.
  if (zero == 1 || zero == 2) {
    if (g.dp_size > 1)
      collective("weights all_gather", CollectiveKind::kAllGather, dense_params * 2, g.dp_group,
                 {opt_op});
    if (split_experts && g.edp_size > 1)
      collective("experts weights all_gather", CollectiveKind::kAllGather, expert_params * 2,
                 g.edp_group, {opt_op});
  }
}

}  // namespace dtsim::workloads
