#include "models/workloads/diloco.h"

#include <string_view>
#include <vector>

#include "simcore/error.h"
#include "simcore/program_builder.h"

namespace dtsim::workloads {

double outer_shard_params(const DilocoParams& p, int64_t params) {
  const TransformerParams& r = p.replica;
  double shard = static_cast<double>(params) / (static_cast<double>(r.tp) * r.pp);
  if (r.zero_stage >= 1) shard /= static_cast<double>(r.dp) * r.seq_split();
  return shard;
}

int64_t outer_sync_bytes_per_rank(const DilocoParams& p, int64_t params) {
  const TransformerParams& r = p.replica;
  // ceil(params bits / (8 tp pp [dp sp])) in integers: exact for any size that fits.
  const int64_t bits = params * p.outer_bits;
  int64_t denom = 8LL * r.tp * r.pp;
  if (r.zero_stage >= 1) denom *= static_cast<int64_t>(r.dp) * r.seq_split();
  return (bits + denom - 1) / denom;
}

double outer_state_bytes_per_rank(const DilocoParams& p, int64_t params) {
  return 8.0 * outer_shard_params(p, params);
}

simcore::Workload make_outer_sync(const DilocoParams& p, int64_t params, int outer_step,
                                  const std::vector<int>& replicas) {
  const std::vector<int64_t> bytes(static_cast<size_t>(p.replica_ranks()),
                                   outer_sync_bytes_per_rank(p, params));
  return make_outer_collective(p, bytes, simcore::CollectiveKind::kAllReduce, "outer all_reduce",
                               "", outer_step, replicas);
}

simcore::Workload make_outer_collective(const DilocoParams& p,
                                        const std::vector<int64_t>& bytes_per_position,
                                        simcore::CollectiveKind kind, std::string_view name,
                                        std::string_view stream, int outer_step,
                                        const std::vector<int>& replicas) {
  const int n = p.replica_ranks();
  DTSIM_ASSERT(bytes_per_position.size() == static_cast<size_t>(n),
               "make_outer_collective: one size per position of a replica");
  std::vector<int> who = replicas;
  if (who.empty())
    for (int i = 0; i < p.replicas; ++i) who.push_back(i);
  for (int i : who)
    DTSIM_ASSERT(i >= 0 && i < p.replicas, "make_outer_collective: a replica out of range");
  simcore::Workload w;
  w.ranks.resize(static_cast<size_t>(n) * p.replicas);
  const uint8_t s = stream.empty() ? simcore::kCommStream : w.stream_of(stream);
  simcore::ProgramBuilder b(w);
  b.tags().phase = simcore::OpPhase::kOuterSync;
  b.tags().step = outer_step;
  for (int j = 0; j < n; ++j) {
    const int64_t bytes = bytes_per_position[static_cast<size_t>(j)];
    if (bytes == 0 || who.size() < 2) continue;
    std::vector<int> members;
    for (int i : who) members.push_back(i * n + j);
    const uint32_t g = b.group(members, "outer");
    for (int i : who) {
      b.tags().replica = i;
      b.collective(i * n + j, name, kind, bytes, g, p.outer_algorithm, {}, s);
    }
  }
  return w;
}

TransformerParams ddp_across_sites(const DilocoParams& p) {
  TransformerParams d = p.replica;
  d.dp *= p.replicas;
  d.global_batch *= p.replicas;
  // The order with dp moved outermost: "tp-dp-pp" -> "tp-pp-dp".
  std::string order;
  for (std::string_view dim :
       {std::string_view(d.order).substr(0, 2), std::string_view(d.order).substr(3, 2),
        std::string_view(d.order).substr(6, 2)})
    if (dim != "dp") order += std::string(dim) + "-";
  d.order = order + "dp";
  return d;
}

}  // namespace dtsim::workloads
