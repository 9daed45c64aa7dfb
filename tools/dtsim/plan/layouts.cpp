#include "tools/dtsim/plan/layouts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "simcore/error.h"

namespace dtsim::cli::plan {

using simcore::ConfigError;
using simcore::SourceLocation;
using workloads::Recompute;

namespace {

const char* recompute_name(Recompute r) {
  return r == Recompute::kFull ? "full" : r == Recompute::kSelective ? "selective" : "none";
}

/** The largest context-parallel degree searched (Llama 3 405B's long-context stage: CP 16). */
constexpr int kMaxCp = 16;

/** The largest count --gpus accepts (the resource guard bounds what a re-run may build). */
constexpr int64_t kMaxGpus = 1 << 20;

[[noreturn]] void bad_gpus(const std::string& text, const std::string& why) {
  throw ConfigError(SourceLocation{"<--gpus " + text + ">", 0, 0}, why);
}

int parse_count(const std::string& text, const std::string& item) {
  if (item.empty() || !std::all_of(item.begin(), item.end(), [](unsigned char c) {
        return std::isdigit(c) != 0;
      }))
    bad_gpus(text, fmt::format("expected a GPU count (a whole number >= 1), a list \"64,128\" or "
                               "a range \"64-4096\"; got \"{}\"",
                               item));
  if (item.size() > 8 || std::stoll(item) > kMaxGpus || std::stoll(item) < 1)
    bad_gpus(text, fmt::format("a GPU count must be between 1 and {}; got {}", kMaxGpus, item));
  return static_cast<int>(std::stoll(item));
}

std::vector<int> divisors(int n) {
  std::vector<int> d;
  for (int k = 1; k <= n; ++k)
    if (n % k == 0) d.push_back(k);
  return d;
}

}  // namespace

std::string Layout::flags() const {
  std::string s = sp > 1   ? fmt::format("ulysses{} pp{}", sp, pp)
                  : cp > 1 ? fmt::format("tp{} cp{} pp{}", tp, cp, pp)
                           : fmt::format("tp{} pp{}", tp, pp);
  if (virtual_stages > 1) s += fmt::format(" v{}", virtual_stages);
  s += fmt::format(" dp{} mb{} zero{} recompute={}", dp, micro_batch, zero,
                   recompute_name(recompute));
  if (sequence_parallel) s += " sp";
  return s;
}

std::vector<std::string> Layout::scenario_sets(int64_t global_batch,
                                               bool overlap_grad_reduce) const {
  return {fmt::format("workload.parallelism={{dp: {}, tp: {}, pp: {}, sp: {}, cp: {}, "
                      "virtual_stages: {}, zero: {}, sequence_parallel: {}, order: tp-dp-pp, "
                      "overlap_grad_reduce: {}}}",
                      dp, tp, pp, sp, cp, virtual_stages, zero, sequence_parallel ? "true" : "false",
                      overlap_grad_reduce || zero == 3 ? "true" : "false"),
          fmt::format("workload.batch.global_batch={}", global_batch),
          fmt::format("workload.batch.micro_batch={}", micro_batch),
          fmt::format("workload.recompute={}", recompute_name(recompute))};
}

std::vector<int> parse_gpu_counts(const std::string& text) {
  if (text.empty()) bad_gpus(text, "expected a GPU count, a list \"64,128\" or a range \"64-4096\"; got nothing");
  std::vector<int> out;
  const auto dash = text.find('-');
  if (dash != std::string::npos) {
    const int lo = parse_count(text, text.substr(0, dash));
    const int hi = parse_count(text, text.substr(dash + 1));
    if (lo > hi)
      bad_gpus(text, fmt::format("an empty range: {} is above {} (write LOW-HIGH)", lo, hi));
    for (int64_t g = 1; g <= hi; g *= 2)
      if (g >= lo) out.push_back(static_cast<int>(g));
    if (out.empty())
      bad_gpus(text, fmt::format("the range {}-{} holds no power of two (a range steps through "
                                 "the powers of two; give a list for other counts)",
                                 lo, hi));
  } else {
    std::stringstream ss(text);
    for (std::string item; std::getline(ss, item, ',');) out.push_back(parse_count(text, item));
    if (!text.empty() && text.back() == ',') parse_count(text, "");
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

workloads::TransformerParams with_layout(const workloads::TransformerParams& base,
                                         const Layout& l) {
  workloads::TransformerParams p = base;
  p.dp = l.dp;
  p.tp = l.tp;
  p.pp = l.pp;
  p.sp = l.sp;
  p.cp = l.cp;
  p.ep = 1;
  p.virtual_stages = l.virtual_stages;
  p.stage_layers.clear();
  p.micro_batch = l.micro_batch;
  p.zero_stage = l.zero;
  p.recompute = l.recompute;
  p.sequence_parallel = l.sequence_parallel;
  p.order = "tp-dp-pp";
  p.schedule = workloads::PipelineSchedule::kOneFOneB;
  if (p.zero_stage == 3) p.overlap_grad_reduce = true;  // the only mode modelled with ZeRO-3
  return p;
}

Enumeration enumerate_layouts(const workloads::TransformerParams& base,
                              const std::vector<int>& gpus, int gpus_per_node) {
  const workloads::TransformerConfig& m = base.model;
  Enumeration e;
  const std::vector<int> pps = divisors(m.layers);
  const int micro_batches[] = {1, 2, 4, 8};
  const Recompute recomputes[] = {Recompute::kNone, Recompute::kSelective, Recompute::kFull};
  for (int n : gpus) {
    // The inner group: tp ranks (Megatron TP) times cp (context parallelism), or with tp 1 sp
    // ranks (Ulysses).
    struct Inner {
      int tp, sp, cp;
    };
    std::vector<Inner> inner;
    const bool cp_possible = base.attention == workloads::AttentionKernel::kFlash &&
                             !m.moe.enabled();
    for (int tp = 1; tp <= n; tp *= 2) {
      if (m.heads % tp != 0) {
        ++e.excluded["heads % tp != 0"];
        continue;
      }
      if (tp > gpus_per_node) {
        ++e.excluded["tp above the GPUs per node"];
        continue;
      }
      inner.push_back({tp, 1, 1});
      for (int cp = 2; cp <= kMaxCp && tp * cp <= n; cp *= 2) {
        if (!cp_possible || base.seq_len % (2 * cp) != 0) {
          ++e.excluded["context parallelism: seq_len % (2 cp) != 0 or attention not flash"];
          continue;
        }
        inner.push_back({tp, 1, cp});
      }
    }
    for (int sp = 2; sp <= std::min(n, gpus_per_node); sp *= 2) {
      if (m.heads % sp != 0 || base.seq_len % sp != 0) {
        ++e.excluded["Ulysses: sp does not divide the heads and seq_len"];
        continue;
      }
      inner.push_back({1, sp, 1});
    }
    for (const auto& [tp, sp, cp] : inner) {
      for (int pp : pps) {
        if (n % (tp * sp * cp * pp) != 0) {
          ++e.excluded[cp > 1 ? "gpus % (tp x cp x pp) != 0" : "gpus % (tp x sp x pp) != 0"];
          continue;
        }
        const int dp = n / (tp * sp * cp * pp);
        for (int mb : micro_batches) {
          if (base.global_batch % (static_cast<int64_t>(dp) * mb) != 0) {
            ++e.excluded["global_batch % (dp x micro_batch) != 0"];
            continue;
          }
          const int64_t micro = base.global_batch / (static_cast<int64_t>(dp) * mb);
          std::vector<int> vs{1};
          if (pp >= 2)
            for (int v : divisors(m.layers / pp))
              if (v > 1) {
                if (micro % pp != 0)
                  ++e.excluded["interleaved: micro-batches % pp != 0"];
                else
                  vs.push_back(v);
              }
          for (int v : vs)
            for (int zero = 0; zero <= 3; ++zero) {
              if (zero > 0 && dp * sp * cp == 1) {  // nothing to shard: ZeRO-0's layout again
                ++e.excluded["ZeRO > 0 with dp 1 (the same as ZeRO-0)"];
                continue;
              }
              for (Recompute r : recomputes)
                for (int seqpar = 0; seqpar <= (tp > 1 ? 1 : 0); ++seqpar) {
                  if (seqpar && base.seq_len % tp != 0) {
                    ++e.excluded["sequence parallel: seq_len % tp != 0"];
                    continue;
                  }
                  Layout l;
                  l.gpus = n;
                  l.dp = dp;
                  l.tp = tp;
                  l.sp = sp;
                  l.cp = cp;
                  l.pp = pp;
                  l.virtual_stages = v;
                  l.micro_batch = mb;
                  l.zero = zero;
                  l.recompute = r;
                  l.sequence_parallel = seqpar != 0;
                  e.layouts.push_back(l);
                }
            }
        }
      }
    }
  }
  return e;
}

}  // namespace dtsim::cli::plan
