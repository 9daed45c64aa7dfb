#include "models/workloads/moe_dispatch.h"

#include <cmath>
#include <string>

#include <fmt/format.h>

#include "simcore/error.h"
#include "simcore/program_builder.h"

namespace dtsim::workloads {

using namespace dtsim::simcore;

MoeDispatchPlan make_moe_dispatch(const MoeDispatchParams& p) {
  if (p.ranks < 1) throw ConfigError(fmt::format("moe_dispatch needs at least 1 rank; got {}", p.ranks));
  if (!(p.tokens_per_rank >= 0) || !std::isfinite(p.tokens_per_rank))
    throw ConfigError(fmt::format("moe_dispatch: tokens must be >= 0; got {}", p.tokens_per_rank));
  RoutingSpec uniform;
  EpTrafficParams t;
  t.ep = p.ranks;
  t.tokens_per_rank = p.tokens_per_rank;
  t.top_k = p.top_k;
  t.bytes_per_token = p.dispatch_bytes_per_token;
  t.node_limit = p.node_limit;
  t.ranks_per_node = p.ranks_per_node;
  t.kernel = p.kernel;
  MoeDispatchPlan out;
  out.traffic = ep_traffic(expert_load(uniform, p.experts, 0), t);
  const EpTraffic& x = out.traffic;
  Workload& w = out.workload;
  w.ranks.resize(p.ranks);
  ProgramBuilder b(w);
  std::vector<int> members(p.ranks);
  for (int i = 0; i < p.ranks; ++i) members[i] = i;
  const uint32_t group = b.group(members);
  const double combine_factor =
      p.dispatch_bytes_per_token > 0 ? p.combine_bytes_per_token / p.dispatch_bytes_per_token : 0;
  auto add = [&](std::vector<double> m) {
    w.matrices.push_back(std::move(m));
    return static_cast<int32_t>(w.matrices.size() - 1);
  };
  auto scaled_transpose = [&](const std::vector<double>& m) {
    std::vector<double> c = transpose(m, p.ranks);
    for (double& v : c) v *= combine_factor;
    return c;
  };
  std::vector<int32_t> dispatch, combine;
  if (p.ranks > 1) {
    if (!x.dispatch.empty()) {
      dispatch = {add(x.dispatch)};
      combine = {add(scaled_transpose(x.dispatch))};
    } else {
      dispatch = {add(x.dispatch_inter), add(x.dispatch_intra)};
      combine = {add(scaled_transpose(x.dispatch_intra)), add(scaled_transpose(x.dispatch_inter))};
    }
  }
  auto phases = [&](int r, const char* what, const std::vector<int32_t>& ms, std::vector<uint32_t> deps) {
    for (size_t k = 0; k < ms.size(); ++k) {
      const std::vector<double>& m = w.matrices[static_cast<size_t>(ms[k])];
      double sent = 0;
      for (int j = 0; j < p.ranks; ++j)
        if (j != r) sent += m[static_cast<size_t>(r) * p.ranks + j];
      const std::string name = ms.size() > 1 ? fmt::format("moe {} phase {}", what, k + 1)
                                             : fmt::format("moe {}", what);
      deps = {b.all_to_all_v(r, name, ms[k], static_cast<int64_t>(std::llround(sent)), group, "auto",
                             deps)};
    }
    return deps;
  };
  for (int r = 0; r < p.ranks; ++r) phases(r, "combine", combine, phases(r, "dispatch", dispatch, {}));
  return out;
}

}  // namespace dtsim::workloads
