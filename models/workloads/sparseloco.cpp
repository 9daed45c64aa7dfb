#include "models/workloads/sparseloco.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace dtsim::workloads {

int index_bits(int64_t chunk) {
  int bits = 0;
  while ((int64_t{1} << bits) < chunk) ++bits;
  return bits;
}

int64_t shard_elements(const DilocoParams& p, int64_t params) {
  const TransformerParams& r = p.replica;
  int64_t denom = static_cast<int64_t>(r.tp) * r.pp;
  if (r.zero_stage >= 1) denom *= static_cast<int64_t>(r.dp) * r.seq_split();
  return (params + denom - 1) / denom;
}

namespace {

/** Top-k of one chunk of `size` elements: max(1, round(d size)), at most size. */
int64_t kept_in_chunk(int64_t size, double density) {
  const int64_t k = std::llround(density * static_cast<double>(size));
  return std::min(size, std::max<int64_t>(1, k));
}

}  // namespace

int64_t kept_elements(int64_t n, double density, int64_t chunk) {
  const int64_t full = n / chunk, rest = n % chunk;
  return full * kept_in_chunk(chunk, density) + (rest > 0 ? kept_in_chunk(rest, density) : 0);
}

int64_t sparse_payload_bytes(const SparseLocoParams& s, int64_t params) {
  const int64_t kept = kept_elements(shard_elements(s.diloco, params), s.density, s.chunk_elements);
  const int64_t bits = kept * (s.diloco.outer_bits + index_bits(s.chunk_elements));
  return (bits + 7) / 8;
}

simcore::Workload make_sparse_sync(const SparseLocoParams& s, int64_t params, int outer_step) {
  const std::vector<int64_t> bytes(static_cast<size_t>(s.diloco.replica_ranks()),
                                   sparse_payload_bytes(s, params) * s.diloco.replicas);
  return make_outer_collective(s.diloco, bytes, simcore::CollectiveKind::kAllGather,
                               "outer sparse all_gather", "", outer_step);
}

}  // namespace dtsim::workloads
