// `workload.kind: transformer`: one training step under DP/TP/PP/SP/EP
// (models/workloads/transformer_parallel.h), with the MoE keys; its report section is the model's
// throughput, MFU and MoE traffic.
#include "models/workloads/transformer_parallel.h"
#include "tools/dtsim/kinds/common.h"
#include "tools/dtsim/kinds/registry.h"
#include "tools/dtsim/kinds/transformer_keys.h"

namespace dtsim::cli::kinds {

namespace {

using Info = workloads::TransformerInfo;

/** The kind's keys, declared once: key checking and the README's table come from here. */
const KeySchema& keys() {
  static const KeySchema schema = [] {
    std::vector<KeySpec> k{KeySpec("kind", "transformer").mandatory()};
    for (KeySpec& x : transformer_keys()) k.push_back(std::move(x));
    return KeySchema(std::move(k));
  }();
  return schema;
}

void load(Scenario& s, const ConfigNode& w) {
  const workloads::TransformerParams p =
      parse_transformer(s, w, s.topology.rank_count(), "the cluster");
  Info info;
  s.workload = workloads::make_transformer(p, &info);
  s.info = std::make_shared<InfoOf<Info>>(info);
  check_memory(s, w, w["parallelism"], info.memory_first_stage, info.activations_in_flight);
}

void report(const Scenario& s, const simcore::ExecutionResult& r, nlohmann::ordered_json& j) {
  const Info& d = info_of<Info>(s);
  double t = r.failed() ? 0.0 : r.makespan.seconds();  // a failed step (faults): no throughput
  double n = static_cast<double>(s.workload.ranks.size());
  double peak = peak_flops_per_s(s);
  j["model"] = {{"params", d.params},
                {"micro_batches", d.micro_batches},
                {"tokens_per_step", d.tokens},
                {"model_flops", d.model_flops},
                {"tokens_per_s", t > 0 ? d.tokens / t : 0.0},
                {"model_tflops_per_gpu", t > 0 ? d.model_flops / t / n / 1e12 : 0.0},
                {"mfu", t > 0 && peak > 0 ? d.model_flops / t / n / peak : 0.0}};
  if (d.moe.moe_layers > 0)
    j["model"]["moe"] = {{"moe_layers", d.moe.moe_layers},
                         {"dispatch_bytes_per_rank_mean", d.moe.dispatch_sent_mean},
                         {"dispatch_bytes_per_rank_max", d.moe.dispatch_sent_max},
                         {"combine_bytes_per_rank_mean", d.moe.combine_sent_mean},
                         {"combine_bytes_per_rank_max", d.moe.combine_sent_max},
                         {"expert_load_imbalance", d.moe.imbalance},
                         {"dropped_fraction", d.moe.dropped_fraction},
                         {"all_to_all_dim", d.moe.comm_dim},
                         {"node_limited", d.moe.node_limited}};
}

}  // namespace

WorkloadKind transformer_kind() {
  WorkloadKind k;
  k.name = "transformer";
  k.schema = &keys();
  k.load = load;
  k.report = report;
  k.print_summary = print_model_line;
  return k;
}

}  // namespace dtsim::cli::kinds
