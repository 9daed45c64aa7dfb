#include "models/workloads/transformer_placement.h"

#include <fmt/format.h>

#include <algorithm>

#include "simcore/error.h"

namespace dtsim::workloads {

using simcore::ConfigError;

std::vector<std::string_view> placement_order(std::string_view order) {
  std::vector<std::string_view> dims;
  size_t begin = 0;
  while (begin <= order.size()) {
    size_t end = order.find('-', begin);
    if (end == std::string_view::npos) end = order.size();
    dims.push_back(order.substr(begin, end - begin));
    begin = end + 1;
  }
  std::vector<std::string_view> sorted = dims;
  std::sort(sorted.begin(), sorted.end());
  if (sorted != std::vector<std::string_view>{"dp", "pp", "tp"})
    throw ConfigError(
        fmt::format("placement order '{}' must name tp, dp and pp once each, innermost "
                    "first (e.g. tp-dp-pp)",
                    order));
  return dims;
}

RankPlacement rank_placement(const TransformerParams& p) {
  RankPlacement at;
  int stride = 1;
  for (std::string_view dim : placement_order(p.order)) {
    int& s = dim == "tp" ? at.stride_t : dim == "dp" ? at.stride_d : at.stride_p;
    s = stride;
    stride *= dim == "tp" ? p.inner() : dim == "dp" ? p.dp : p.pp;
  }
  return at;
}

std::vector<RankCoord> build_order(const TransformerParams& p) {
  std::vector<RankCoord> coords;
  coords.reserve(static_cast<size_t>(p.dp) * p.inner() * p.pp);
  for (int pp = 0; pp < p.pp; ++pp)
    for (int d = 0; d < p.dp; ++d)
      for (int t = 0; t < p.inner(); ++t) coords.push_back({t, d, pp});
  return coords;
}

std::vector<int> chunk_layers(const TransformerParams& p) {
  if (!p.stage_layers.empty()) return p.stage_layers;
  const int chunks = p.pp * p.virtual_stages;
  return std::vector<int>(chunks, p.model.layers / chunks);
}

std::vector<int> stage_layer_ids(const TransformerParams& p, int stage) {
  const std::vector<int> sizes = chunk_layers(p);
  std::vector<int> ids;
  int begin = 0;
  for (size_t k = 0; k < sizes.size(); begin += sizes[k], ++k)
    if (static_cast<int>(k) % p.pp == stage)
      for (int i = 0; i < sizes[k]; ++i) ids.push_back(begin + i);
  return ids;
}

LayerShare layer_share(const TransformerConfig& m, const TransformerParams& p, int l) {
  const double routed = static_cast<double>(m.routed_expert_params(l));
  // Redundant copies (EPLB) add their weights to the ranks that hold them: (E + R) / ep each.
  const double slots = m.moe.routed_experts + p.moe.redundant_experts;
  const double held = m.is_moe_layer(l) ? routed * slots / m.moe.routed_experts : 0;
  return {(static_cast<double>(m.layer_params(l)) - routed) / p.tp, held / (p.ep * p.tp)};
}

LayerShare stage_parameters(const TransformerConfig& m, const TransformerParams& p, int stage) {
  LayerShare sum;
  for (int l : stage_layer_ids(p, stage)) {
    LayerShare x = layer_share(m, p, l);
    sum.dense += x.dense;
    sum.experts += x.experts;
  }
  if (stage == 0) sum.dense += static_cast<double>(m.embedding_params()) / p.tp;
  if (stage == p.pp - 1) sum.dense += static_cast<double>(m.lm_head_params() + m.hidden) / p.tp;
  return sum;
}

}  // namespace dtsim::workloads
