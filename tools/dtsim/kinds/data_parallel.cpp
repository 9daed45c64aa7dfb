// `workload.kind: data_parallel`: one DDP training step (models/workloads/data_parallel.h); its
// report section is the model's throughput and MFU.
#include "models/workloads/data_parallel.h"

#include <fmt/format.h>

#include <cmath>

#include "models/collectives/algorithm.h"
#include "tools/dtsim/config_loaders.h"
#include "tools/dtsim/kinds/common.h"
#include "tools/dtsim/kinds/registry.h"

namespace dtsim::cli::kinds {

namespace {

using Info = workloads::DataParallelInfo;

/** The kind's keys, declared once: key checking and the README's table come from here. */
const KeySchema& keys() {
  static const KeySchema schema(
      {KeySpec("kind", "data_parallel").mandatory(),
       KeySpec("model", "the model: a file or an inline map (configs/models/)").mandatory(),
       KeySpec("ranks", "data-parallel degree: ranks 0..ranks-1 (at most the cluster's)")
           .defaults("every rank")
           .checked(integer_in(1, INT32_MAX)),
       KeySpec("batch", "per rank and step")
           .mandatory()
           .with_keys({KeySpec("seq_len", "tokens per sequence")
                           .in_unit("tokens")
                           .mandatory()
                           .checked(integer_in(1, 1 << 24)),
                       KeySpec("micro_batch", "sequences per micro-batch")
                           .defaults("1")
                           .in_unit("sequences")
                           .checked(integer_in(1, 1 << 20)),
                       KeySpec("grad_accumulation", "micro-batches per step (DDP no_sync)")
                           .defaults("1")
                           .checked(integer_in(1, 1 << 20))}),
       dtype_key(), grad_dtype_key(), bucket_size_key(1, "1B"),
       KeySpec("algorithm", "the gradient all-reduce's algorithm")
           .defaults("auto")
           .one_of(collectives::algorithm_names(simcore::CollectiveKind::kAllReduce)),
       memory_key()});
  return schema;
}

/** Reads the keys `keys()` checked; errors for what depends on other keys or the device. */
workloads::DataParallelParams parse(Scenario& s, const ConfigNode& w) {
  workloads::DataParallelParams p;
  p.model = load_transformer(w["model"]);
  p.ranks = ranks_in_cluster(s, w, "data parallel");
  auto b = w["batch"];
  p.seq_len = b["seq_len"].integer(1, 1 << 24);
  if (auto m = b.get("micro_batch")) p.micro_batch = static_cast<int>(m->integer(1, 1 << 20));
  if (auto g = b.get("grad_accumulation"))
    p.grad_accumulation = static_cast<int>(g->integer(1, 1 << 20));
  if (static_cast<double>(p.ranks) * p.grad_accumulation * p.model.layers * 16.0 > 2e8)
    (b.has("grad_accumulation") ? b["grad_accumulation"] : b)
        .fail("this step would have more than 2e8 ops (ranks x micro-batches x layers x ~16)");
  load_precision(s, w, p.dtype, p.grad_bytes, p.bucket_bytes, 1);
  if (auto a = w.get("algorithm"))
    p.algorithm = a->choice(collectives::algorithm_names(simcore::CollectiveKind::kAllReduce));
  {
    double grads = static_cast<double>(p.model.total_params()) * p.grad_bytes;
    double buckets = std::ceil(grads / p.bucket_bytes);
    if (buckets > 1e5)
      (w.has("bucket_size") ? w["bucket_size"] : w)
          .fail(fmt::format(
              "{:.0f} B of gradients in buckets of {:.0f} B make {:.0f} all-reduces per "
              "rank; at most 100000 (use a larger bucket_size)",
              grads, p.bucket_bytes, buckets));
  }
  return p;
}

void load(Scenario& s, const ConfigNode& w) {
  const workloads::DataParallelParams p = parse(s, w);
  Info info;
  s.workload = workloads::make_data_parallel(p, &info);
  s.info = std::make_shared<InfoOf<Info>>(info);
  check_memory(s, w, w["model"], info.memory, 1);
}

void report(const Scenario& s, const simcore::ExecutionResult& r, nlohmann::ordered_json& j) {
  const Info& d = info_of<Info>(s);
  double t = r.failed() ? 0.0 : r.makespan.seconds();  // a failed step (faults): no throughput
  double peak = peak_flops_per_s(s);
  j["model"] = {{"params", d.params},
                {"gradient_buckets", d.buckets},
                {"tokens_per_rank", d.tokens_per_rank},
                {"model_flops_per_rank", d.model_flops_per_rank},
                {"tokens_per_s", t > 0 ? d.tokens_per_rank * s.workload.ranks.size() / t : 0.0},
                {"mfu", t > 0 && peak > 0 ? d.model_flops_per_rank / t / peak : 0.0}};
}

}  // namespace

WorkloadKind data_parallel_kind() {
  WorkloadKind k;
  k.name = "data_parallel";
  k.schema = &keys();
  k.load = load;
  k.report = report;
  k.print_summary = print_model_line;
  return k;
}

}  // namespace dtsim::cli::kinds
