#pragma once
/**
 * The layouts `dtsim plan` searches: for each GPU count, every combination of tensor (tp),
 * pipeline (pp), interleaved virtual stages (v), data (dp) parallelism, micro-batch size, ZeRO
 * stage, activation recomputation and Megatron sequence parallelism that the transformer
 * generator can build for the model at the global batch, with the ranks placed tp-dp-pp (TP
 * innermost).
 *
 * Candidate values: tp a power of two dividing the heads, at most the GPUs per node (Narayanan
 * et al., SC21, arXiv 2104.04473, Takeaway #1: tensor parallelism up to the GPUs of a server,
 * pipeline parallelism across servers); pp a divisor of the layers; dp = gpus / (tp pp); v = 1, or
 * a divisor > 1 of layers / pp when pp >= 2 (Megatron-LM's interleaved 1F1B); micro-batch 1, 2,
 * 4 or 8 sequences; ZeRO 0-3; recomputation none, selective or full; Megatron sequence
 * parallelism with tp > 1 only (it is the identity at tp 1); with tp 1, DeepSpeed-Ulysses
 * sequence parallelism over sp ranks (a power of two > 1 dividing the heads and the sequence,
 * inside a node), dp = gpus / (sp pp); context parallelism cp 2, 4, 8 or 16 with any tp (across
 * nodes too; Llama 3 405B ran CP 16, arXiv 2407.21783 Table 4) where 2 cp divides the sequence
 * and attention is flash, dp = gpus / (tp cp pp). Combinations the generator rejects are counted per
 * reason, not listed (`Enumeration::excluded`).
 *
 * Errors: ConfigError at `<--gpus TEXT>` for a GPU list or range that does not parse, is empty
 * or holds a count < 1.
 *
 *     std::vector<int> g = parse_gpu_counts("64-4096");   // 64, 128, ..., 4096
 *     Enumeration e = enumerate_layouts(params, g, 8);     // 8 GPUs per node
 */
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/workloads/transformer_parallel.h"

namespace dtsim::cli::plan {

/** One parallel layout of a transformer step on `gpus` GPUs (gpus = dp x tp x sp x cp x pp). */
struct Layout {
  int gpus = 1, dp = 1, tp = 1, pp = 1;
  int sp = 1;  ///< DeepSpeed-Ulysses sequence-parallel degree (with tp 1)
  int cp = 1;  ///< context-parallel degree (ring attention, with tp)
  int virtual_stages = 1;
  int micro_batch = 1;
  int zero = 0;
  workloads::Recompute recompute = workloads::Recompute::kNone;
  bool sequence_parallel = false;

  /** Short flags, e.g. "tp8 cp2 pp4 v2 dp16 mb1 zero1 recompute=selective sp" (sp: Megatron
   *  sequence parallelism; "ulysses4": Ulysses over 4 ranks; cp2: context parallelism). */
  std::string flags() const;
  /** The `--set` overrides that give this layout's scenario (parallelism, batch, recompute);
   *  `overlap_grad_reduce` is kept from the scenario (the parallelism map is replaced whole). */
  std::vector<std::string> scenario_sets(int64_t global_batch, bool overlap_grad_reduce) const;
};

/** `text`: "A-B" (the powers of two from A to B; A and B need not be powers of two), or a
 *  comma list "64,128,256", or one count. Sorted, without repeats. Errors: see the file. */
std::vector<int> parse_gpu_counts(const std::string& text);

struct Enumeration {
  std::vector<Layout> layouts;  ///< GPU count ascending, then tp, pp, v, micro-batch, ...
  /** Combinations not built, per reason ("global_batch % (dp x micro_batch) != 0": 123). */
  std::map<std::string, int64_t> excluded;
};

/** Every layout of `base`'s model and global batch on each of `gpus` with `gpus_per_node` GPUs
 *  a node. Complexity: O(gpu counts x divisors(layers)^2 x 4 x 4 x 3 x 2). */
Enumeration enumerate_layouts(const workloads::TransformerParams& base,
                              const std::vector<int>& gpus, int gpus_per_node);

/** `base` with the layout's degrees, micro-batch, ZeRO stage, recomputation, sequence
 *  parallelism and placement tp-dp-pp (stage_layers cleared, ep 1). */
workloads::TransformerParams with_layout(const workloads::TransformerParams& base,
                                         const Layout& l);

}  // namespace dtsim::cli::plan
