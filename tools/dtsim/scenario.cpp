#include "tools/dtsim/scenario.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "simcore/file_read.h"
#include "tools/dtsim/config_loaders.h"
#include "models/workloads/chakra/trace_files.h"
#include "tools/dtsim/graph_json_loader.h"

namespace dtsim::cli {

using simcore::ConfigError;
using simcore::SourceLocation;

namespace {

/** `workload.ranks` (default: every rank of the cluster), at most the cluster's ranks. */
int ranks_in_cluster(const Scenario& s, const ConfigNode& w, const char* what) {
  auto r = w.get("ranks");
  if (!r) return s.topology.rank_count();
  int64_t v = r->integer(1, INT32_MAX);
  if (v > s.topology.rank_count())
    r->fail(fmt::format("{} over {} ranks, but the cluster has only {}", what, v,
                        s.topology.rank_count()));
  return static_cast<int>(v);
}

/** `dtype` (compute; the device must have a peak for it), `grad_dtype` and `bucket_size`. */
void load_precision(Scenario& s, const ConfigNode& w, std::string& dtype, int& grad_bytes,
                    double& bucket_bytes, double min_bucket) {
  if (auto d = w.get("dtype")) dtype = d->choice({"fp32", "tf32", "bf16", "fp16", "fp8"});
  if (!s.device.peak_flops_per_s.count(dtype))
    (w.has("dtype") ? w["dtype"] : w).fail(
        fmt::format("device '{}' has no peak rate for dtype '{}'", s.device.name, dtype));
  s.compute_dtype = dtype;
  if (auto g = w.get("grad_dtype")) grad_bytes = g->choice({"fp32", "bf16", "fp16"}) == "fp32" ? 4 : 2;
  if (auto bs = w.get("bucket_size")) {
    bucket_bytes = bs->bytes();
    if (!(bucket_bytes >= min_bucket))
      bs->expected(min_bucket > 1 ? "a bucket size of at least 64KiB" : "a bucket size of at least 1B");
  }
}

/** The most loaded rank's memory against the device's HBM: an error at `at`, or a warning with
 *  `memory: {on_overflow: warn}`. Records the breakdown for the report. */
void check_memory(Scenario& s, const ConfigNode& w, const ConfigNode& at,
                  const workloads::MemoryBreakdown& m, double in_flight) {
  bool warn = false;
  if (auto mem = w.get("memory")) {
    mem->check_keys({"on_overflow"});
    warn = (*mem)["on_overflow"].choice({"error", "warn"}) == "warn";
  }
  s.memory = m;
  if (m.total() <= s.device.hbm_capacity_bytes) return;
  std::string msg = fmt::format(
      "the most loaded rank needs {:.1f} GiB but '{}' has {:.1f} GiB: weights {:.1f}, gradients "
      "{:.1f}, optimizer states {:.1f}, activations {:.1f} GiB ({:.3g} micro-batches in flight)",
      m.total() / 1073741824.0, s.device.name, s.device.hbm_capacity_bytes / 1073741824.0,
      m.params / 1073741824.0, m.grads / 1073741824.0, m.optimizer / 1073741824.0,
      m.activations / 1073741824.0, in_flight);
  if (!warn) at.fail(msg + "; shard the model (tp, pp, zero) or recompute, or set memory.on_overflow: warn");
  fmt::print(stderr, "{}: warning: {}\n", at.location().str(), msg);
  s.memory_overflow = true;
}

void load_collective_sweep(Scenario& s, const ConfigNode& w) {
  w.check_keys({"kind", "collective", "algorithm", "ranks", "sizes", "iterations", "root"});
  workloads::CollectiveSweepParams p;
  p.kind = *simcore::parse_collective_kind(w["collective"].choice(
      {"all_reduce", "reduce_scatter", "all_gather", "all_to_all", "broadcast", "reduce"}));
  if (auto a = w.get("algorithm"))
    p.algorithm = a->choice({"auto", "ring", "ring_bidirectional", "direct", "pairwise",
                             "halving_doubling", "double_binary_tree", "hierarchical"});
  p.ranks = ranks_in_cluster(s, w, "a collective");
  auto sizes = w["sizes"];
  sizes.check_keys({"min", "max", "factor"});
  auto size_of = [](const ConfigNode& n) {
    double b = n.bytes();
    if (b > 4e18) n.expected("a size below 4 EB (the byte counter is 64-bit)");
    return b;
  };
  p.min_bytes = size_of(sizes["min"]);
  p.max_bytes = sizes.has("max") ? size_of(sizes["max"]) : p.min_bytes;
  if (p.max_bytes < p.min_bytes)
    sizes["max"].fail(fmt::format("max ({} B) is below min ({} B)", p.max_bytes, p.min_bytes));
  if (auto f = sizes.get("factor")) {
    p.factor = f->number();
    if (!(p.factor > 1)) f->expected("a factor > 1");
  }
  if (auto i = w.get("iterations")) p.iterations = static_cast<int>(i->integer(1, 1 << 20));
  if (auto r = w.get("root")) p.root = static_cast<int>(r->integer(0, p.ranks - 1));
  s.workload = workloads::make_collective_sweep(p);
  s.sweep = p;
}

void load_data_parallel(Scenario& s, const ConfigNode& w) {
  w.check_keys({"kind", "model", "ranks", "batch", "dtype", "grad_dtype", "bucket_size",
                "algorithm", "memory"});
  workloads::DataParallelParams p;
  p.model = load_transformer(w["model"]);
  p.ranks = ranks_in_cluster(s, w, "data parallel");
  auto b = w["batch"];
  b.check_keys({"seq_len", "micro_batch", "grad_accumulation"});
  p.seq_len = b["seq_len"].integer(1, 1 << 24);
  if (auto m = b.get("micro_batch")) p.micro_batch = static_cast<int>(m->integer(1, 1 << 20));
  if (auto g = b.get("grad_accumulation")) p.grad_accumulation = static_cast<int>(g->integer(1, 1 << 20));
  if (static_cast<double>(p.ranks) * p.grad_accumulation * p.model.layers * 16.0 > 2e8)
    (b.has("grad_accumulation") ? b["grad_accumulation"] : b)
        .fail("this step would have more than 2e8 ops (ranks x micro-batches x layers x ~16)");
  load_precision(s, w, p.dtype, p.grad_bytes, p.bucket_bytes, 1);
  if (auto a = w.get("algorithm"))
    p.algorithm = a->choice({"auto", "ring", "ring_bidirectional", "halving_doubling",
                             "double_binary_tree", "hierarchical"});
  {
    double grads = static_cast<double>(p.model.total_params()) * p.grad_bytes;
    double buckets = std::ceil(grads / p.bucket_bytes);
    if (buckets > 1e5)
      (w.has("bucket_size") ? w["bucket_size"] : w)
          .fail(fmt::format("{:.0f} B of gradients in buckets of {:.0f} B make {:.0f} all-reduces per "
                            "rank; at most 100000 (use a larger bucket_size)",
                            grads, p.bucket_bytes, buckets));
  }
  workloads::DataParallelInfo info;
  s.workload = workloads::make_data_parallel(p, &info);
  s.data_parallel = info;
  check_memory(s, w, w["model"], info.memory, 1);
}

/** The workload's `moe:` block: routing distribution, dispatch precision, overrides of the
 *  model's node limit, capacity factor and BigMac dimension; and the cluster's ranks per node for
 *  node-limited routing. */
void load_moe(const Scenario& s, const ConfigNode& w, workloads::TransformerParams& p) {
  workloads::MoeConfig& moe = p.model.moe;
  auto mb = w.get("moe");
  if (mb && !moe.enabled()) mb->fail(fmt::format("model '{}' has no moe block", p.model.name));
  if (mb) {
    mb->check_keys({"routing", "dispatch_dtype", "combine_dtype", "node_limit", "capacity_factor",
                    "bigmac_dim", "redundant_experts"});
    if (auto x = mb->get("redundant_experts")) {
      p.moe.redundant_experts = static_cast<int>(x->integer(0, 1 << 20));
      if (p.moe.redundant_experts > 0 && p.ep == 1)
        x->fail("redundant experts need expert parallelism (parallelism.ep > 1)");
    }
    auto bytes_of = [](const ConfigNode& n) { return n.choice({"bf16", "fp16", "fp8"}) == "fp8" ? 1.0 : 2.0; };
    if (auto x = mb->get("dispatch_dtype")) p.moe.dispatch_bytes_per_element = bytes_of(*x);
    if (auto x = mb->get("combine_dtype")) p.moe.combine_bytes_per_element = bytes_of(*x);
    load_moe_overrides(*mb, p.model.hidden, moe);
    if (auto r = mb->get("routing")) {
      r->check_keys({"distribution", "exponent", "histogram", "seed"});
      auto& spec = p.moe.routing;
      std::string d = (*r)["distribution"].choice({"uniform", "zipf", "histogram"});
      spec.distribution = d == "zipf" ? workloads::RoutingDistribution::kZipf
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
          if (!std::filesystem::is_regular_file(path))
            h.fail(fmt::format("cannot read the routing histogram file '{}'", path));
          file = ConfigNode::load_file(path);
        }
        ConfigNode data = file ? *file : h;
        if (data.is_map()) {
          data.check_keys({"counts", "source"});
          data = data["counts"];
        }
        if (!data.is_sequence()) data.expected("a list of token counts per expert, or one such list per MoE layer");
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
            row.fail(fmt::format("the routing histogram has {} counts but the model has {} routed "
                                 "experts", counts.size(), moe.routed_experts));
          double total = 0;
          for (double v : counts) total += v;
          if (!(total > 0)) row.fail("the routing histogram's counts sum to 0");
          spec.histogram.push_back(std::move(counts));
        };
        if (nested) {
          const int moe_layers = p.model.layers - moe.first_dense_layers;
          if (rows.size() != 1 && static_cast<int>(rows.size()) != moe_layers)
            data.fail(fmt::format("the routing histogram has {} rows; give one row for every MoE "
                                  "layer or one per MoE layer ({})", rows.size(), moe_layers));
          for (const auto& row : rows) read_row(row);
        } else {
          read_row(data);
        }
      } else if (auto x = r->get("histogram")) {
        x->fail("histogram applies to distribution: histogram only");
      }
    }
  }
  if (moe.enabled() && moe.node_limit > 0 && p.ep > 1) {
    if (p.order != "tp-dp-pp" && p.order != "dp-tp-pp" && p.order != "dp-pp-tp")
      w["parallelism"]["order"].fail(fmt::format(
          "node-limited routing needs each EP group on consecutive ranks (dp innermost, or tp-dp-pp "
          "with tp = 1); got order {}", p.order));
    // Ranks per node: the ranks sharing rank 0's box; EP groups must consist of whole nodes.
    const auto& ranks = s.topology.ranks();
    const auto& nodes = s.topology.nodes();
    int per_node = 0;
    for (int r : ranks)
      if (nodes[r].box == nodes[ranks[0]].box) ++per_node;
    bool aligned = nodes[ranks[0]].box >= 0;
    for (size_t r = 0; aligned && r < ranks.size(); ++r)
      aligned = nodes[ranks[r]].box == nodes[ranks[(r / per_node) * per_node]].box;
    const ConfigNode at = mb && mb->has("node_limit") ? (*mb)["node_limit"] : w["parallelism"]["ep"];
    if (!aligned)
      at.fail("node-limited routing needs a cluster of equal nodes numbered contiguously (ranks "
              "0..R-1 on the first node, and so on)");
    if (p.ep % per_node != 0)
      at.fail(fmt::format("node-limited routing needs ep ({}) to be a multiple of the ranks per node "
                          "({})", p.ep, per_node));
    p.moe.ranks_per_node = per_node;
  }
}

void load_transformer_workload(Scenario& s, const ConfigNode& w) {
  w.check_keys({"kind", "model", "parallelism", "batch", "recompute", "attention", "dtype",
                "grad_dtype", "bucket_size", "algorithms", "memory", "moe"});
  workloads::TransformerParams p;
  p.model = load_transformer(w["model"]);
  auto par = w["parallelism"];
  par.check_keys({"dp", "tp", "pp", "sp", "ep", "sequence_parallel", "zero", "schedule",
                  "virtual_stages", "stage_layers", "overlap_grad_reduce", "order"});
  if (auto v = par.get("order"))
    p.order = v->choice({"tp-dp-pp", "tp-pp-dp", "dp-tp-pp", "dp-pp-tp", "pp-tp-dp", "pp-dp-tp"});
  if (auto v = par.get("ep")) {
    p.ep = static_cast<int>(v->integer(1, 1 << 20));
    if (p.ep > 1 && !p.model.moe.enabled())
      v->fail(fmt::format("ep ({}) needs a mixture-of-experts model; '{}' has no moe block", p.ep,
                          p.model.name));
  }
  if (auto v = par.get("sp")) p.sp = static_cast<int>(v->integer(1, 1 << 20));
  if (auto v = par.get("dp")) p.dp = static_cast<int>(v->integer(1, 1 << 20));
  if (auto v = par.get("tp")) p.tp = static_cast<int>(v->integer(1, 1 << 20));
  if (auto v = par.get("pp")) p.pp = static_cast<int>(v->integer(1, 1 << 20));
  if (auto v = par.get("sequence_parallel")) p.sequence_parallel = v->boolean();
  if (auto v = par.get("zero")) p.zero_stage = static_cast<int>(v->integer(0, 3));
  if (auto v = par.get("schedule"))
    p.schedule = v->choice({"1f1b", "gpipe"}) == "gpipe" ? workloads::PipelineSchedule::kGpipe
                                                          : workloads::PipelineSchedule::kOneFOneB;
  int64_t world = static_cast<int64_t>(p.dp) * p.tp * p.pp * p.sp;
  if (world > s.topology.rank_count())
    par.fail(fmt::format("dp x tp x pp x sp = {} x {} x {} x {} = {} ranks, but the cluster has only {}",
                         p.dp, p.tp, p.pp, p.sp, world, s.topology.rank_count()));
  if (auto v = par.get("overlap_grad_reduce")) {
    p.overlap_grad_reduce = v->boolean();
    if (!p.overlap_grad_reduce && p.zero_stage == 3)
      v->fail("false is modelled for ZeRO 0-2 (zero is 3: ZeRO-3 reduces each layer's gradients "
              "as its backward ends)");
  }
  int max_stage_layers = p.model.layers / p.pp;
  if (auto sl = par.get("stage_layers")) {
    auto items = sl->items();
    if (static_cast<int>(items.size()) != p.pp)
      sl->fail(fmt::format("{} entries, but pp is {} (one per pipeline stage)", items.size(), p.pp));
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
    par.fail(fmt::format("pp ({}) must divide the model's layers ({}); or give stage_layers",
                         p.pp, p.model.layers));
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
      vs->fail(fmt::format("the model's layers ({}) must be a multiple of pp x virtual_stages "
                           "({} x {} = {})", p.model.layers, p.pp, v, p.pp * v));
  }
  if (p.model.heads % p.tp != 0)
    par.fail(fmt::format("tp ({}) must divide the model's attention heads ({})", p.tp, p.model.heads));
  if (p.dp % p.ep != 0)
    par["ep"].fail(fmt::format("ep ({}) must divide dp ({}): expert parallelism splits the data-parallel "
                               "ranks", p.ep, p.dp));
  if (p.ep > 1 && p.tp > 1)
    par["ep"].fail(fmt::format("expert parallelism (ep {}) with tensor parallelism (tp {}) is not "
                               "modelled; use ep with tp = 1, or tp with ep = 1", p.ep, p.tp));
  load_moe(s, w, p);
  if (p.model.moe.enabled()) {
    const int slots = p.model.moe.routed_experts + p.moe.redundant_experts;
    if (slots % p.ep != 0)
      par["ep"].fail(p.moe.redundant_experts == 0
                         ? fmt::format("ep ({}) must divide the model's routed experts ({})", p.ep,
                                       p.model.moe.routed_experts)
                         : fmt::format("ep ({}) must divide the routed experts plus redundant copies "
                                       "({} + {} = {})", p.ep, p.model.moe.routed_experts,
                                       p.moe.redundant_experts, slots));
  }
  auto b = w["batch"];
  b.check_keys({"global_batch", "micro_batch", "seq_len"});
  p.seq_len = b["seq_len"].integer(1, 1 << 24);
  if (auto m = b.get("micro_batch")) p.micro_batch = static_cast<int>(m->integer(1, 1 << 20));
  auto gb = b["global_batch"];
  p.global_batch = gb.integer(1, INT64_MAX / 2);
  if (p.global_batch % (static_cast<int64_t>(p.dp) * p.micro_batch) != 0)
    gb.fail(fmt::format("global_batch ({}) must be a multiple of dp x micro_batch ({} x {} = {})",
                        p.global_batch, p.dp, p.micro_batch, static_cast<int64_t>(p.dp) * p.micro_batch));
  if (p.global_batch / (p.dp * p.micro_batch) > 100000)
    gb.fail("more than 100000 micro-batches per step");
  if (p.virtual_stages > 1 && (p.global_batch / (p.dp * p.micro_batch)) % p.pp != 0)
    par["virtual_stages"].fail(fmt::format(
        "{}: the interleaved schedule needs the micro-batches per pipeline, global_batch / (dp x "
        "micro_batch) = {} / ({} x {}) = {}, to be a multiple of pp ({})", p.virtual_stages,
        p.global_batch, p.dp, p.micro_batch, p.global_batch / (p.dp * p.micro_batch), p.pp));
  {
    // About 16 ops per layer and micro-batch per rank: refuse graphs that cannot fit in memory
    // rather than fail on allocation half-way.
    double ops = static_cast<double>(world) * (p.global_batch / (p.dp * p.micro_batch)) *
                 max_stage_layers * 16.0;
    if (ops > 2e8)
      gb.fail(fmt::format("this step would have about {:.2g} ops (ranks x micro-batches x layers per "
                          "stage x ~16); at most 2e8 are simulated", ops));
  }
  if (auto r = w.get("recompute")) {
    std::string v = r->choice({"none", "selective", "full"});
    p.recompute = v == "full" ? workloads::Recompute::kFull
                              : v == "selective" ? workloads::Recompute::kSelective
                                                 : workloads::Recompute::kNone;
  }
  if (auto at = w.get("attention"))
    p.attention = at->choice({"flash", "unfused"}) == "unfused" ? workloads::AttentionKernel::kUnfused
                                                                : workloads::AttentionKernel::kFlash;
  load_precision(s, w, p.dtype, p.grad_bytes, p.bucket_bytes, 1 << 16);
  if (auto a = w.get("algorithms")) {
    a->check_keys({"tp", "dp", "ep"});
    std::vector<std::string> algos{"auto", "ring", "ring_bidirectional", "halving_doubling",
                                   "double_binary_tree", "hierarchical"};
    if (auto t = a->get("tp")) p.tp_algorithm = t->choice(algos);
    if (auto d = a->get("dp")) p.dp_algorithm = d->choice(algos);
    if (auto e = a->get("ep")) p.ep_algorithm = e->choice({"auto", "direct", "pairwise"});
  }
  workloads::TransformerInfo info;
  s.workload = workloads::make_transformer(p, &info);
  s.transformer = info;
  check_memory(s, w, par, info.memory_first_stage, info.activations_in_flight);
}

void load_chakra(Scenario& s, const ConfigNode& w) {
  w.check_keys({"kind", "trace", "archive", "compute", "comm_groups", "ranks"});
  auto trace = w["trace"];
  std::string archive;
  if (auto a = w.get("archive")) {
    archive = a->resolve_path(a->str());
    if (!std::filesystem::is_regular_file(archive)) a->fail(fmt::format("cannot read archive '{}'", archive));
  }
  // Inside an archive the prefix is a member path; otherwise a path relative to the scenario.
  std::string prefix = archive.empty() ? trace.resolve_path(trace.str()) : trace.str();
  workloads::chakra::ImportOptions opt;
  if (auto c = w.get("compute")) opt.replay_durations = c->choice({"trace", "model"}) == "trace";
  // Process groups: a map here, a JSON/YAML file named here, or <prefix>.comm_groups.json next to
  // the trace (what `dtsim export chakra` writes).
  std::optional<ConfigNode> groups = w.get("comm_groups");
  if (groups && groups->is_scalar()) groups = load_ref(*groups);
  std::string beside = prefix + ".comm_groups.json";
  if (!groups && archive.empty() && std::filesystem::is_regular_file(beside))
    groups = ConfigNode::load_file(beside);
  if (groups)
    for (auto& [name, members] : groups->entries()) {
      std::vector<int> ranks;
      for (const auto& m : members.items())
        ranks.push_back(static_cast<int>(m.integer(0, s.topology.rank_count() - 1)));
      opt.comm_groups[name] = ranks;
    }
  std::vector<workloads::chakra::RankTrace> traces;
  try {
    traces = workloads::chakra::read_trace_ranks(prefix, archive);
  } catch (const ConfigError& e) {
    if (e.message().rfind("no Chakra trace for rank 0", 0) == 0) trace.fail(e.message());
    throw;
  }
  const int n = static_cast<int>(traces.size()), cluster = s.topology.rank_count();
  std::vector<int> placement;
  if (auto rn = w.get("ranks")) {
    for (const auto& x : rn->items()) placement.push_back(static_cast<int>(x.integer(0, cluster - 1)));
    if (static_cast<int>(placement.size()) != n)
      rn->fail(fmt::format("lists {} cluster ranks for a trace of {} ranks", placement.size(), n));
    std::vector<int> sorted = placement;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
      rn->fail("names a cluster rank twice");
  } else if (n != cluster) {
    trace.fail(fmt::format("the trace has {} ranks and the cluster {}; give workload.ranks: a list "
                           "of {} cluster ranks to run the trace's ranks on",
                           n, cluster, n));
  }
  workloads::chakra::ImportStats stats;
  s.workload = workloads::chakra::import_chakra(traces, opt, &stats);
  if (!placement.empty()) s.workload = s.workload.placed(placement, cluster);
  s.chakra = stats;
}

}  // namespace

Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets) {
  const std::string text =
      simcore::read_regular_file(path, simcore::kMaxConfigFileBytes, "scenario file");
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(SourceLocation{path, e.mark.line + 1, e.mark.column + 1},
                      "invalid YAML: " + e.msg);
  }
  if (!doc.IsMap()) throw ConfigError(SourceLocation{path, 1, 1}, "expected a scenario (a YAML map)");
  auto overrides = std::make_shared<Overrides>();
  apply_overrides(doc, sets, *overrides);
  ConfigNode root(doc, path, "", overrides, SourceLocation{path, 1, 1});
  root.check_keys({"name", "description", "cluster", "workload", "network", "run", "outputs", "sweep"});

  Scenario s;
  s.file = path;
  s.name = root.has("name") ? root["name"].str()
                            : std::filesystem::path(path).stem().string();
  auto cluster = root["cluster"];
  cluster.check_keys({"topology", "device"});
  s.topology = load_topology(cluster["topology"]);
  s.device = load_device(cluster["device"]);

  if (auto net = root.get("network")) {
    net->check_keys({"model", "chunks", "batch_tolerance"});
    if (auto b = net->get("batch_tolerance")) {
      s.batch_tolerance = b->number();
      if (!(s.batch_tolerance >= 0 && s.batch_tolerance <= 0.01)) b->expected("a fraction in [0, 0.01]");
    }
    if (auto m = net->get("model")) s.network_model = m->choice({"flow", "analytical"});
    if (auto c = net->get("chunks")) s.chunks = static_cast<int>(c->integer(1, 1 << 16));
  }
  if (auto run = root.get("run")) {
    run->check_keys({"seed"});
    if (auto sd = run->get("seed")) s.seed = static_cast<uint64_t>(sd->integer(0, INT64_MAX));
  }
  if (auto out = root.get("outputs")) {
    out->check_keys({"report", "trace"});
    if (auto r = out->get("report")) s.report_path = r->resolve_path(r->str());
    if (auto t = out->get("trace")) s.trace_path = t->resolve_path(t->str());
  }

  auto w = root["workload"];
  s.workload_kind =
      w["kind"].choice({"collective_sweep", "data_parallel", "transformer", "graph_json", "chakra"});
  try {
    if (s.workload_kind == "collective_sweep") {
      load_collective_sweep(s, w);
    } else if (s.workload_kind == "data_parallel") {
      load_data_parallel(s, w);
    } else if (s.workload_kind == "transformer") {
      load_transformer_workload(s, w);
    } else if (s.workload_kind == "chakra") {
      load_chakra(s, w);
    } else {
      w.check_keys({"kind", "file"});
      s.workload = load_graph_json(w["file"], s.topology.rank_count());
    }
  } catch (const ConfigError& e) {
    if (!e.where().str().empty()) throw;
    w.fail(e.message());
  }
  return s;
}

}  // namespace dtsim::cli
