#include "models/workloads/memory_model.h"

#include <fmt/format.h>

#include "simcore/error.h"

namespace dtsim::workloads {

MemoryBreakdown model_state_bytes(double params, int stage, int dp, int grad_bytes) {
  if (stage < 0 || stage > 3)
    throw simcore::ConfigError(fmt::format("ZeRO stage must be 0, 1, 2 or 3; got {}", stage));
  if (dp < 1) throw simcore::ConfigError(fmt::format("data-parallel size must be >= 1; got {}", dp));
  const double n = dp;
  MemoryBreakdown m;
  m.params = 2 * params / (stage >= 3 ? n : 1);
  m.grads = grad_bytes * params / (stage >= 2 ? n : 1);
  m.optimizer = 12 * params / (stage >= 1 ? n : 1);
  return m;
}

double activation_bytes_per_layer(double s, double b, double h, double a, int tp, bool sp,
                                  Recompute recompute, bool flash) {
  if (!(s > 0 && b > 0 && h > 0 && a > 0) || tp < 1)
    throw simcore::ConfigError(fmt::format(
        "activation memory needs positive sizes; got seq {}, micro-batch {}, hidden {}, heads {}, "
        "tp {}", s, b, h, a, tp));
  const double t = tp;
  if (flash && recompute == Recompute::kNone) recompute = Recompute::kSelective;
  switch (recompute) {
    case Recompute::kFull: return 2 * s * b * h / (sp ? t : 1);
    case Recompute::kSelective: return sp ? 34 * s * b * h / t : s * b * h * (10 + 24 / t);
    case Recompute::kNone:
      return sp ? s * b * h / t * (34 + 5 * a * s / h) : s * b * h * (10 + 24 / t + 5 * a * s / (h * t));
  }
  return 0;
}

double dense_mlp_activation_bytes(double s, double b, double h, int tp, bool sp, Recompute recompute) {
  if (recompute == Recompute::kFull) return 0;
  const double t = tp;
  return sp ? 19 * s * b * h / t : s * b * h * (3 + 16 / t);
}

double moe_activation_bytes(const MoeActivationShape& x, Recompute recompute) {
  if (recompute == Recompute::kFull) return 0;
  const double t = x.tp;
  double bytes = 2 * x.tokens * x.hidden + 2 * x.tokens * x.experts;
  bytes += x.assignments * (4 * x.routed_dim + 2 * x.expert_ffn * x.mlp_matrices / t);
  bytes += x.shared_experts * x.tokens * 2 * x.expert_ffn * x.mlp_matrices / t;
  if (x.bigmac) bytes += 4 * x.tokens * x.routed_dim;
  return bytes;
}

}  // namespace dtsim::workloads
