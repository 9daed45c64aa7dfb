#pragma once
/**
 * SparseLoCo: DiLoCo whose pseudo-gradients travel top-k sparsified and quantised, with local
 * error feedback in place of the outer momentum. Each rank's shard (as DiLoCo's, diloco.h) is cut
 * into chunks of C elements; each chunk keeps its k largest-magnitude entries (density d:
 * k = max(1, round(d C)), at most the chunk's size; a last partial chunk of r elements keeps
 * max(1, round(d r))), each sent as a q-bit value and its index within the chunk,
 * ceil(log2 C) bits (12 for C = 4096). No per-chunk scale is counted.
 * Sparse payloads with different supports do not add up in compressed form, so the replicas
 * all-gather them (as DeMo does, Peng et al. 2024) and each averages the R payloads locally:
 * per rank an all-gather of R x payload bytes (nccl-tests convention) over the ranks at its
 * position in the other replicas.
 *
 *   payload = ceil(K (q + ceil(log2 C)) / 8),  K = floor(N / C) k + k_last,
 *   N = ceil(params / (tp pp)), / (dp sp) again with ZeRO >= 1 (rounded up).
 *
 * Units: elements, bits, bytes.
 * Errors: none of its own (the kind checks 0 < d <= 1, 1 <= q <= 32, 2 <= C).
 * Source: Sarfi et al., "Communication Efficient LLM Pre-training with SparseLoCo" (arXiv
 * 2508.15706): chunk-wise Top-k, 2-bit quantisation, error feedback, 1-3% density; the index
 * encoding: 12-bit packed indices within chunks of at most 4096 elements, as Templar's SparseLoCo
 * implementation packs them (tplr-ai/templar src/tplr/comms.py, check_compressed_indices and
 * unpack_12bit_indices).
 *
 *     SparseLocoParams s;  // s.diloco as DiLoCo's; s.diloco.outer_bits = 2 (q)
 *     s.density = 0.03; s.chunk_elements = 4096;
 *     int64_t bytes = sparse_payload_bytes(s, 8'000'000'000);  // per rank
 */
#include <cstdint>

#include "models/workloads/diloco.h"

namespace dtsim::workloads {

struct SparseLocoParams {
  DilocoParams diloco;    ///< replicas, H, outer steps, q = outer_bits, algorithm (of the gather)
  double density = 0.03;  ///< d, kept fraction of each chunk, in (0, 1]
  int64_t chunk_elements = 4096;  ///< C
};

/** Bits of an index within a chunk of `chunk` elements: ceil(log2 chunk). */
int index_bits(int64_t chunk);

/** Elements a rank's shard has: ceil(params / (tp pp)), / (dp sp) with ZeRO >= 1, rounded up. */
int64_t shard_elements(const DilocoParams& p, int64_t params);

/** Entries kept of `n` elements in chunks of `chunk` at density `density` (see above). */
int64_t kept_elements(int64_t n, double density, int64_t chunk);

/** Bytes one rank sends of its shard: ceil(K (q + index bits) / 8). */
int64_t sparse_payload_bytes(const SparseLocoParams& s, int64_t params);

/** The sync of an outer step: per rank an all-gather of R x payload bytes over the ranks at its
 *  position, with `outer_algorithm`, tagged kOuterSync. */
simcore::Workload make_sparse_sync(const SparseLocoParams& s, int64_t params, int outer_step);

}  // namespace dtsim::workloads
