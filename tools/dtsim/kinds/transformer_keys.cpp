// The keys of a transformer replica and their reader, shared by the kinds that train one
// (transformer, diloco): see transformer_keys.h.
#include "tools/dtsim/kinds/transformer_keys.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>

#include "simcore/file_read.h"
#include "models/collectives/algorithm.h"
#include "tools/dtsim/config_loaders.h"
#include "tools/dtsim/kinds/common.h"

namespace dtsim::cli::kinds {

namespace {

/** The workload's `moe:` block: routing distribution, dispatch precision, overrides of the
 *  model's node limit, capacity factor and BigMac dimension; and the cluster's ranks per node for
 *  node-limited routing. */
void load_moe(const Scenario& s, const ConfigNode& w, workloads::TransformerParams& p) {
  workloads::MoeConfig& moe = p.model.moe;
  auto mb = w.get("moe");
  if (mb && !moe.enabled()) mb->fail(fmt::format("model '{}' has no moe block", p.model.name));
  if (mb) {
    if (auto x = mb->get("redundant_experts")) {
      p.moe.redundant_experts = static_cast<int>(x->integer(0, 1 << 20));
      if (p.moe.redundant_experts > 0 && p.ep == 1)
        x->fail("redundant experts need expert parallelism (parallelism.ep > 1)");
    }
    auto bytes_of = [](const ConfigNode& n) {
      return n.choice({"bf16", "fp16", "fp8"}) == "fp8" ? 1.0 : 2.0;
    };
    if (auto x = mb->get("dispatch_dtype")) p.moe.dispatch_bytes_per_element = bytes_of(*x);
    if (auto x = mb->get("combine_dtype")) p.moe.combine_bytes_per_element = bytes_of(*x);
    if (auto x = mb->get("dispatch")) {
      const std::string k = x->choice({"all_to_all", "deepep_normal", "deepep_low_latency"});
      p.moe.kernel = k == "deepep_normal"        ? workloads::EpKernel::kDeepEpNormal
                     : k == "deepep_low_latency" ? workloads::EpKernel::kDeepEpLowLatency
                                                 : workloads::EpKernel::kAllToAll;
    }
    load_moe_overrides(*mb, p.model.hidden, moe);
    if (auto r = mb->get("routing")) {
      auto& spec = p.moe.routing;
      std::string d = (*r)["distribution"].choice({"uniform", "zipf", "histogram"});
      spec.distribution = d == "zipf"        ? workloads::RoutingDistribution::kZipf
                          : d == "histogram" ? workloads::RoutingDistribution::kHistogram
                                             : workloads::RoutingDistribution::kUniform;
      if (auto x = r->get("exponent")) {
        if (d != "zipf") x->fail("exponent applies to distribution: zipf only");
        spec.zipf_exponent = x->number();
        if (!(spec.zipf_exponent >= 0) || !std::isfinite(spec.zipf_exponent))
          x->expected("a Zipf exponent >= 0");
      } else if (d == "zipf") {
        (*r)["exponent"];  // required: fails with the key's name
      }
      if (auto x = r->get("seed")) spec.seed = static_cast<uint64_t>(x->integer(0, INT64_MAX));
      if (d == "histogram") {
        auto h = (*r)["histogram"];
        std::optional<ConfigNode> file;
        if (h.is_scalar()) {
          const std::string path = h.resolve_path(h.str());
          if (!simcore::is_regular_file(path))
            h.fail(fmt::format("cannot read the routing histogram file '{}'", path));
          file = ConfigNode::load_file(path);
        }
        ConfigNode data = file ? *file : h;
        if (data.is_map()) {
          data.check_keys({"counts", "source"});
          data = data["counts"];
        }
        if (!data.is_sequence())
          data.expected("a list of token counts per expert, or one such list per MoE layer");
        auto rows = data.items();
        const bool nested = !rows.empty() && rows.front().is_sequence();
        auto read_row = [&](const ConfigNode& row) {
          if (!row.is_sequence()) row.expected("a list of token counts per expert");
          std::vector<double> counts;
          for (const auto& c : row.items()) {
            double v = c.number();
            if (!(v >= 0) || !std::isfinite(v)) c.expected("a token count >= 0");
            counts.push_back(v);
          }
          if (static_cast<int>(counts.size()) != moe.routed_experts)
            row.fail(
                fmt::format("the routing histogram has {} counts but the model has {} routed "
                            "experts",
                            counts.size(), moe.routed_experts));
          double total = 0;
          for (double v : counts) total += v;
          if (!(total > 0)) row.fail("the routing histogram's counts sum to 0");
          spec.histogram.push_back(std::move(counts));
        };
        if (nested) {
          const int moe_layers = p.model.layers - moe.first_dense_layers;
          if (rows.size() != 1 && static_cast<int>(rows.size()) != moe_layers)
            data.fail(
                fmt::format("the routing histogram has {} rows; give one row for every MoE "
                            "layer or one per MoE layer ({})",
                            rows.size(), moe_layers));
          for (const auto& row : rows) read_row(row);
        } else {
          read_row(data);
        }
      } else if (auto x = r->get("histogram")) {
        x->fail("histogram applies to distribution: histogram only");
      }
    }
  }
  const bool deepep_normal = p.moe.kernel == workloads::EpKernel::kDeepEpNormal;
  const bool two_phase = moe.node_limit > 0 && p.moe.kernel == workloads::EpKernel::kAllToAll;
  if (moe.enabled() && (two_phase || deepep_normal) && p.ep > 1) {
    // What needs the nodes: DeepEP's forwarding, or node-limited routing's two phases.
    const std::string why = deepep_normal ? "the deepep_normal dispatch" : "node-limited routing";
    if (p.order != "tp-dp-pp" && p.order != "dp-tp-pp" && p.order != "dp-pp-tp")
      w["parallelism"]["order"].fail(
          fmt::format("{} needs each EP group on consecutive ranks (dp "
                      "innermost, or tp-dp-pp "
                      "with tp = 1); got order {}",
                      why, p.order));
    // Ranks per node: the ranks sharing rank 0's box; EP groups must consist of whole nodes.
    const int per_node = contiguous_ranks_per_node(s);
    const bool aligned = per_node > 0;
    const ConfigNode at = deepep_normal                       ? (*mb)["dispatch"]
                          : mb && mb->has("node_limit") ? (*mb)["node_limit"]
                                                        : w["parallelism"]["ep"];
    if (!aligned)
      at.fail(fmt::format(
          "{} needs a cluster of equal nodes numbered contiguously (ranks "
          "0..R-1 on the first node, and so on)",
          why));
    if (deepep_normal ? (p.ep > per_node ? p.ep % per_node != 0 : per_node % p.ep != 0)
                      : p.ep % per_node != 0)
      at.fail(fmt::format("{} needs ep ({}) to be a multiple of the ranks per node ({}){}", why,
                          p.ep, per_node, deepep_normal ? " or to divide it" : ""));
    p.moe.ranks_per_node = per_node;
  }
}

}  // namespace

std::vector<KeySpec> transformer_keys() {
  // TP and DP collectives are all-reduces, reduce-scatters and all-gathers: the all-reduce
  // entries (a superset of the other two's).
  static const std::vector<std::string> algorithms =
      collectives::algorithm_names(simcore::CollectiveKind::kAllReduce);
  static const std::vector<std::string> wire_dtypes{"bf16", "fp16", "fp8"};
  auto degree = [](const char* name, const char* help) {
    return KeySpec(name, help).defaults("1").checked(integer_in(1, 1 << 20));
  };
  return {
      KeySpec("model", "the model: a file or an inline map (configs/models/)").mandatory(),
      KeySpec("parallelism", "degrees, ZeRO, pipeline schedule and rank placement")
          .mandatory()
          .with_keys(
              {degree("dp", "data-parallel degree"), degree("tp", "tensor-parallel degree"),
               degree("pp", "pipeline stages"),
               degree("sp", "DeepSpeed-Ulysses sequence-parallel degree (with tp 1)"),
               degree("cp", "context-parallel degree (ring attention; with tp, not with sp)"),
               degree("ep", "expert-parallel degree (MoE; divides dp)"),
               KeySpec("sequence_parallel", "Megatron sequence parallelism (with tp)")
                   .defaults("false")
                   .checked(boolean()),
               KeySpec("zero", "ZeRO stage").defaults("0").checked(integer_in(0, 3)),
               KeySpec("schedule", "pipeline schedule").defaults("1f1b").one_of({"1f1b", "gpipe"}),
               KeySpec("virtual_stages", "model chunks per pipeline rank (interleaved 1F1B)")
                   .defaults("1")
                   .checked(integer_in(1, 1 << 20)),
               KeySpec("stage_layers", "layers of each pipeline stage, a list of pp")
                   .defaults("layers / pp each"),
               KeySpec("overlap_grad_reduce",
                       "gradient buckets overlap the backward (PyTorch DDP) or follow it")
                   .defaults("true")
                   .checked(boolean()),
               KeySpec("pipeline_p2p",
                       "pipeline sends and receives overlap compute, or block it until both "
                       "are done (Megatron-LM 2021)")
                   .defaults("overlapped")
                   .one_of({"overlapped", "blocking"}),
               KeySpec("order", "rank placement, innermost dimension first")
                   .defaults("tp-dp-pp")
                   .one_of(
                       {"tp-dp-pp", "tp-pp-dp", "dp-tp-pp", "dp-pp-tp", "pp-tp-dp", "pp-dp-tp"})}),
      KeySpec("batch", "sequences per step")
          .mandatory()
          .with_keys({KeySpec("global_batch", "sequences per step over all DP replicas")
                          .in_unit("sequences")
                          .mandatory()
                          .checked(integer_in(1, INT64_MAX / 2)),
                      KeySpec("micro_batch", "sequences per micro-batch")
                          .defaults("1")
                          .in_unit("sequences")
                          .checked(integer_in(1, 1 << 20)),
                      KeySpec("seq_len", "tokens per sequence")
                          .in_unit("tokens")
                          .mandatory()
                          .checked(integer_in(1, 1 << 24))}),
      KeySpec("recompute", "activation recomputation")
          .defaults("none")
          .one_of({"none", "selective", "full"}),
      KeySpec("attention", "attention kernels").defaults("flash").one_of({"flash", "unfused"}),
      dtype_key(),
      grad_dtype_key(),
      bucket_size_key(1 << 16, "64KiB"),
      KeySpec("algorithms", "collective algorithms per communicator")
          .with_keys({KeySpec("tp", "TP collectives").defaults("auto").one_of(algorithms),
                      KeySpec("dp", "DP gradient reduction").defaults("auto").one_of(algorithms),
                      KeySpec("ep", "EP all-to-alls")
                          .defaults("auto")
                          .one_of(collectives::algorithm_names(simcore::CollectiveKind::kAllToAll))}),
      memory_key(),
      KeySpec("moe", "mixture-of-experts options (a model with a moe block)")
          .with_keys(
              {KeySpec("routing", "the routing distribution over experts")
                   .with_keys(
                       {KeySpec("distribution", "tokens per expert")
                            .mandatory()
                            .one_of({"uniform", "zipf", "histogram"}),
                        KeySpec("exponent", "Zipf exponent (zipf), >= 0"),
                        KeySpec("histogram",
                                "token counts per expert (histogram): a list, one per MoE "
                                "layer, or a file"),
                        KeySpec("seed", "seed of the Zipf ranks' shuffle over experts, per layer")
                            .defaults("0")
                            .checked(integer_in(0, INT64_MAX))}),
               KeySpec("dispatch_dtype", "dtype of the dispatched tokens")
                   .defaults("bf16")
                   .one_of(wire_dtypes),
               KeySpec("combine_dtype", "dtype of the combined tokens")
                   .defaults("bf16")
                   .one_of(wire_dtypes),
               KeySpec("dispatch",
                       "EP kernel: a copy per expert (node-limited: phases in sequence), "
                       "DeepEP's normal (a copy per node and rank, RDMA and NVLink overlapped) "
                       "or low-latency kernels (a copy per expert, direct)")
                   .defaults("all_to_all")
                   .one_of({"all_to_all", "deepep_normal", "deepep_low_latency"}),
               KeySpec("node_limit", "nodes a token's experts may span (0: no limit)")
                   .defaults("the model's")
                   .checked(integer_in(0, 1 << 20)),
               KeySpec("capacity_factor", "expert capacity over the mean load (0: dropless)")
                   .defaults("the model's"),
               KeySpec("bigmac_dim", "BigMac all-to-all dimension (0: off), at most hidden")
                   .defaults("the model's"),
               KeySpec("redundant_experts", "redundant expert copies (EPLB, with ep > 1)")
                   .defaults("0")
                   .checked(integer_in(0, 1 << 20))})};
}

workloads::TransformerParams parse_transformer(Scenario& s, const ConfigNode& w, int64_t ranks,
                                               std::string_view ranks_holder) {
  workloads::TransformerParams p;
  p.limits = s.limits;
  p.model = load_transformer(w["model"]);
  auto par = w["parallelism"];
  if (auto v = par.get("order"))
    p.order = v->choice({"tp-dp-pp", "tp-pp-dp", "dp-tp-pp", "dp-pp-tp", "pp-tp-dp", "pp-dp-tp"});
  if (auto v = par.get("ep")) {
    p.ep = static_cast<int>(v->integer(1, 1 << 20));
    if (p.ep > 1 && !p.model.moe.enabled())
      v->fail(fmt::format("ep ({}) needs a mixture-of-experts model; '{}' has no moe block", p.ep,
                          p.model.name));
  }
  if (auto v = par.get("sp")) p.sp = static_cast<int>(v->integer(1, 1 << 20));
  if (auto v = par.get("cp")) p.cp = static_cast<int>(v->integer(1, 1 << 20));
  if (auto v = par.get("dp")) p.dp = static_cast<int>(v->integer(1, 1 << 20));
  if (auto v = par.get("tp")) p.tp = static_cast<int>(v->integer(1, 1 << 20));
  if (auto v = par.get("pp")) p.pp = static_cast<int>(v->integer(1, 1 << 20));
  if (auto v = par.get("sequence_parallel")) p.sequence_parallel = v->boolean();
  if (auto v = par.get("zero")) p.zero_stage = static_cast<int>(v->integer(0, 3));
  if (auto v = par.get("schedule"))
    p.schedule = v->choice({"1f1b", "gpipe"}) == "gpipe" ? workloads::PipelineSchedule::kGpipe
                                                         : workloads::PipelineSchedule::kOneFOneB;
  int64_t world = static_cast<int64_t>(p.dp) * p.tp * p.pp * p.sp * p.cp;
  if (world > ranks && p.cp == 1)
    par.fail(fmt::format("dp x tp x pp x sp = {} x {} x {} x {} = {} ranks, but {} has only {}",
                         p.dp, p.tp, p.pp, p.sp, world, ranks_holder, ranks));
  if (world > ranks)
    par.fail(fmt::format("dp x tp x pp x sp x cp = {} x {} x {} x {} x {} = {} ranks, but {} has "
                         "only {}",
                         p.dp, p.tp, p.pp, p.sp, p.cp, world, ranks_holder, ranks));
  if (auto v = par.get("overlap_grad_reduce")) {
    p.overlap_grad_reduce = v->boolean();
    if (!p.overlap_grad_reduce && p.zero_stage == 3)
      v->fail(
          "false is modelled for ZeRO 0-2 (zero is 3: ZeRO-3 reduces each layer's gradients "
          "as its backward ends)");
  }
  if (auto v = par.get("pipeline_p2p"))
    p.pipeline_p2p_blocking = v->choice({"overlapped", "blocking"}) == "blocking";
  int max_stage_layers = p.model.layers / p.pp;
  if (auto sl = par.get("stage_layers")) {
    auto items = sl->items();
    if (static_cast<int>(items.size()) != p.pp)
      sl->fail(
          fmt::format("{} entries, but pp is {} (one per pipeline stage)", items.size(), p.pp));
    int64_t sum = 0;
    for (const auto& n : items) {
      p.stage_layers.push_back(static_cast<int>(n.integer(1, 1 << 20)));
      sum += p.stage_layers.back();
      max_stage_layers = std::max(max_stage_layers, p.stage_layers.back());
    }
    if (sum != p.model.layers)
      sl->fail(fmt::format("the stages hold {} layers in all, but the model has {}", sum,
                           p.model.layers));
  } else if (p.model.layers % p.pp != 0) {
    par.fail(fmt::format("pp ({}) must divide the model's layers ({}); or give stage_layers", p.pp,
                         p.model.layers));
  }
  if (auto vs = par.get("virtual_stages")) {
    p.virtual_stages = static_cast<int>(vs->integer(1, 1 << 20));
    const int v = p.virtual_stages;
    if (v > 1 && p.pp < 2) vs->fail(fmt::format("{} needs pp >= 2; got pp {}", v, p.pp));
    if (v > 1 && p.schedule != workloads::PipelineSchedule::kOneFOneB)
      vs->fail(fmt::format("{} needs schedule: 1f1b (the interleaved schedule is 1F1B)", v));
    if (v > 1 && !p.stage_layers.empty())
      vs->fail(fmt::format("{} with stage_layers is not modelled", v));
    if (p.model.layers % (p.pp * v) != 0)
      vs->fail(
          fmt::format("the model's layers ({}) must be a multiple of pp x virtual_stages "
                      "({} x {} = {})",
                      p.model.layers, p.pp, v, p.pp * v));
  }
  if (p.model.heads % p.tp != 0)
    par.fail(
        fmt::format("tp ({}) must divide the model's attention heads ({})", p.tp, p.model.heads));
  if (p.dp % p.ep != 0)
    par["ep"].fail(
        fmt::format("ep ({}) must divide dp ({}): expert parallelism splits the data-parallel "
                    "ranks",
                    p.ep, p.dp));
  if (p.ep > 1 && p.tp > 1)
    par["ep"].fail(
        fmt::format("expert parallelism (ep {}) with tensor parallelism (tp {}) is not "
                    "modelled; use ep with tp = 1, or tp with ep = 1",
                    p.ep, p.tp));
  load_moe(s, w, p);
  if (p.model.moe.enabled()) {
    const int slots = p.model.moe.routed_experts + p.moe.redundant_experts;
    if (slots % p.ep != 0)
      par["ep"].fail(
          p.moe.redundant_experts == 0
              ? fmt::format("ep ({}) must divide the model's routed experts ({})", p.ep,
                            p.model.moe.routed_experts)
              : fmt::format("ep ({}) must divide the routed experts plus redundant copies "
                            "({} + {} = {})",
                            p.ep, p.model.moe.routed_experts, p.moe.redundant_experts, slots));
  }
  auto b = w["batch"];
  p.seq_len = b["seq_len"].integer(1, 1 << 24);
  if (auto m = b.get("micro_batch")) p.micro_batch = static_cast<int>(m->integer(1, 1 << 20));
  auto gb = b["global_batch"];
  p.global_batch = gb.integer(1, INT64_MAX / 2);
  if (p.global_batch % (static_cast<int64_t>(p.dp) * p.micro_batch) != 0)
    gb.fail(fmt::format("global_batch ({}) must be a multiple of dp x micro_batch ({} x {} = {})",
                        p.global_batch, p.dp, p.micro_batch,
                        static_cast<int64_t>(p.dp) * p.micro_batch));
  if (p.global_batch / (p.dp * p.micro_batch) > 100000)
    gb.fail("more than 100000 micro-batches per step");
  if (p.virtual_stages > 1 && (p.global_batch / (p.dp * p.micro_batch)) % p.pp != 0)
    par["virtual_stages"].fail(fmt::format(
        "{}: the interleaved schedule needs the micro-batches per pipeline, global_batch / (dp x "
        "micro_batch) = {} / ({} x {}) = {}, to be a multiple of pp ({})",
        p.virtual_stages, p.global_batch, p.dp, p.micro_batch,
        p.global_batch / (p.dp * p.micro_batch), p.pp));
  {
    // About 16 ops per layer and micro-batch per rank: refuse graphs that cannot fit in memory
    // rather than fail on allocation half-way.
    double ops = static_cast<double>(world) * (p.global_batch / (p.dp * p.micro_batch)) *
                 max_stage_layers * 16.0;
    if (ops > 2e8)
      gb.fail(
          fmt::format("this step would have about {:.2g} ops (ranks x micro-batches x layers per "
                      "stage x ~16); at most 2e8 are simulated",
                      ops));
  }
  if (auto r = w.get("recompute")) {
    std::string v = r->choice({"none", "selective", "full"});
    p.recompute = v == "full"        ? workloads::Recompute::kFull
                  : v == "selective" ? workloads::Recompute::kSelective
                                     : workloads::Recompute::kNone;
  }
  if (auto at = w.get("attention"))
    p.attention = at->choice({"flash", "unfused"}) == "unfused"
                      ? workloads::AttentionKernel::kUnfused
                      : workloads::AttentionKernel::kFlash;
  load_precision(s, w, p.dtype, p.grad_bytes, p.bucket_bytes, 1 << 16);
  if (auto a = w.get("algorithms")) {
    const std::vector<std::string> algos =
        collectives::algorithm_names(simcore::CollectiveKind::kAllReduce);
    if (auto t = a->get("tp")) p.tp_algorithm = t->choice(algos);
    if (auto d = a->get("dp")) p.dp_algorithm = d->choice(algos);
    if (auto e = a->get("ep"))
      p.ep_algorithm = e->choice(collectives::algorithm_names(simcore::CollectiveKind::kAllToAll));
  }
  return p;
}

}  // namespace dtsim::cli::kinds
