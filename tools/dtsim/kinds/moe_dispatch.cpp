// `workload.kind: moe_dispatch`: one MoE dispatch and combine over an EP group, as DeepEP's tests
// run them (models/workloads/moe_dispatch.h); its report section gives each one's time and the
// bandwidths DeepEP's tests print.
#include "models/workloads/moe_dispatch.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <string>

#include "tools/dtsim/config_schema.h"
#include "tools/dtsim/kinds/common.h"
#include "tools/dtsim/kinds/registry.h"

namespace dtsim::cli::kinds {

namespace {

using workloads::EpKernel;

struct Info {
  workloads::MoeDispatchParams params;
  workloads::EpTraffic traffic;
  std::string kernel;
};

const KeySchema& keys() {
  static const KeySchema schema(
      {KeySpec("kind", "moe_dispatch").mandatory(),
       KeySpec("kernel", "EP kernel, as the transformer's moe.dispatch")
           .defaults("deepep_normal")
           .one_of({"deepep_normal", "deepep_low_latency", "all_to_all"}),
       KeySpec("ranks", "EP group: ranks 0..ranks-1 (at most the cluster's)")
           .defaults("every rank")
           .checked(integer_in(1, 1 << 16)),
       KeySpec("tokens", "tokens each rank routes").mandatory().checked(integer_in(0, 1 << 24)),
       KeySpec("hidden", "hidden size of a token").mandatory().checked(integer_in(1, 1 << 20)),
       KeySpec("experts", "routed experts, a multiple of ranks")
           .mandatory()
           .checked(integer_in(1, 1 << 20)),
       KeySpec("top_k", "experts per token, at most experts")
           .mandatory()
           .checked(integer_in(1, 1 << 10)),
       KeySpec("node_limit", "nodes a token's experts may span (0: no limit)")
           .defaults("0")
           .checked(integer_in(0, 1 << 16)),
       KeySpec("dispatch_dtype", "dtype of the dispatched tokens (fp8: e4m3 and one fp32 scale "
                                 "per 128 channels)")
           .defaults("bf16")
           .one_of({"bf16", "fp8"}),
       KeySpec("combine_dtype", "dtype of the combined tokens").defaults("bf16").one_of({"bf16"})});
  return schema;
}

void load(Scenario& s, const ConfigNode& w) {
  workloads::MoeDispatchParams p;
  std::string kernel = "deepep_normal";
  if (auto k = w.get("kernel")) kernel = k->str();
  p.kernel = kernel == "deepep_low_latency" ? EpKernel::kDeepEpLowLatency
             : kernel == "all_to_all"       ? EpKernel::kAllToAll
                                            : EpKernel::kDeepEpNormal;
  p.ranks = ranks_in_cluster(s, w, "an EP group");
  p.tokens_per_rank = static_cast<double>(w["tokens"].integer());
  const double hidden = static_cast<double>(w["hidden"].integer());
  p.experts = static_cast<int>(w["experts"].integer());
  p.top_k = static_cast<int>(w["top_k"].integer());
  if (p.top_k > p.experts)
    w["top_k"].fail(fmt::format("top_k ({}) is above the experts ({})", p.top_k, p.experts));
  if (p.experts % p.ranks != 0)
    w["experts"].fail(fmt::format("the experts ({}) must be a multiple of the ranks ({})",
                                  p.experts, p.ranks));
  if (auto n = w.get("node_limit")) p.node_limit = static_cast<int>(n->integer());
  // Bytes of a token on the wire. FP8: DeepEP's per_token_cast_to_fp8 (e4m3, one fp32 scale per
  // 128 channels), as its tests count it (test_internode.py fp8_factor = (1 + 4/128) / 2 of
  // BF16). The low-latency dispatch adds a 16 B header to every message (test_low_latency.py:
  // hidden + hidden / 128 x 4 + 16).
  const bool fp8 = w.get("dispatch_dtype") && w["dispatch_dtype"].str() == "fp8";
  p.dispatch_bytes_per_token = fp8 ? hidden * (1 + 4.0 / 128) : hidden * 2;
  if (p.kernel == EpKernel::kDeepEpLowLatency) p.dispatch_bytes_per_token += 16;
  p.combine_bytes_per_token = hidden * 2;
  if (p.ranks > 1 && (p.kernel == EpKernel::kDeepEpNormal ||
                      (p.kernel == EpKernel::kAllToAll && p.node_limit > 0))) {
    const int per_node = contiguous_ranks_per_node(s);
    if (per_node == 0)
      w.fail("this kernel needs a cluster of equal nodes numbered contiguously (ranks 0..R-1 on "
             "the first node, and so on)");
    if (p.ranks > per_node ? p.ranks % per_node != 0 : per_node % p.ranks != 0)
      (w.has("ranks") ? w["ranks"] : w)
          .fail(fmt::format("the ranks ({}) must be a multiple of the ranks per node ({}) or "
                            "divide it",
                            p.ranks, per_node));
    p.ranks_per_node = std::min(per_node, p.ranks);
  }
  // The work: ranks^2 matrix cells per matrix (at most 4), 8 B each.
  constexpr double kMaxCells = 1e9;
  check_work(s, w, "ranks",
             {fmt::format("the traffic matrices of {} ranks", p.ranks), "matrix cells",
              4.0 * p.ranks * p.ranks, 8, kMaxCells, "use fewer ranks"});
  workloads::MoeDispatchPlan plan = workloads::make_moe_dispatch(p);
  s.workload = std::move(plan.workload);
  s.info = std::make_shared<InfoOf<Info>>(Info{p, std::move(plan.traffic), kernel});
}

double mean(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

void report(const Scenario& s, const simcore::ExecutionResult& r, nlohmann::ordered_json& j) {
  const Info& info = info_of<Info>(s);
  const workloads::MoeDispatchParams& p = info.params;
  // Each one's time: from the first phase's start (all ranks joined) to the last phase's end.
  auto span = [&](const std::string& prefix) {
    double start = -1, end = 0;
    for (const auto& c : r.collectives)
      if (c.name.rfind(prefix, 0) == 0) {
        if (start < 0) start = c.start.seconds();
        end = std::max(end, c.end.seconds());
      }
    return start < 0 ? 0.0 : end - start;
  };
  const bool normal = p.kernel == EpKernel::kDeepEpNormal;
  const double selections = p.tokens_per_rank * p.top_k;
  auto section = [&](const std::string& what, double bytes_per_token) {
    const double t = span("moe " + what);
    auto rate = [&](double bytes) { return t > 0 ? bytes / t / 1e9 : 0.0; };
    nlohmann::ordered_json o = {{"time_us", t * 1e6}};
    if (normal) {
      // DeepEP's normal-kernel tests: RDMA = tokens per node hit (own node included) x bytes / t,
      // NVLink = tokens received (own included) x bytes / t.
      if (p.ranks > p.ranks_per_node && p.ranks_per_node > 0)
        o["rdma_GB_per_s"] = rate(mean(info.traffic.node_tokens) * bytes_per_token);
      o["nvlink_GB_per_s"] = rate(mean(info.traffic.recv_tokens) * bytes_per_token);
    } else {
      // DeepEP's low-latency test: a copy per selection (local ones included) x bytes / t.
      o["GB_per_s"] = rate(selections * bytes_per_token);
    }
    return o;
  };
  j["moe_dispatch"] = {{"kernel", info.kernel},
                       {"ranks", p.ranks},
                       {"ranks_per_node", p.ranks_per_node},
                       {"dispatch", section("dispatch", p.dispatch_bytes_per_token)},
                       {"combine", section("combine", p.combine_bytes_per_token)},
                       {"dispatch_bytes_per_rank_mean", info.traffic.sent_mean}};
}

void print_table(const Scenario& s, const nlohmann::ordered_json& j) {
  const auto& m = j["moe_dispatch"];
  fmt::print("# moe_dispatch: {} over {} ranks ({} back-end)\n", m["kernel"].get<std::string>(),
             m["ranks"].get<int>(), s.network_model);
  for (const char* what : {"dispatch", "combine"}) {
    std::string line = fmt::format("{:<9} {:>10.1f} us", what, m[what]["time_us"].get<double>());
    for (const auto& [k, v] : m[what].items())
      if (k != "time_us") line += fmt::format("  {} {:.1f}", k, v.get<double>());
    fmt::print("{}\n", line);
  }
}

}  // namespace

WorkloadKind moe_dispatch_kind() {
  WorkloadKind k;
  k.name = "moe_dispatch";
  k.schema = &keys();
  k.load = load;
  k.report = report;
  k.print_table = print_table;
  k.summarize_collectives = false;
  return k;
}

}  // namespace dtsim::cli::kinds
