#pragma once
/**
 * DiLoCo: R replicas, each a DP/TP/PP group of n ranks in its own site, run H inner steps (AdamW)
 * independently, then an outer step: a blocking all-reduce of the pseudo-gradients (each
 * replica's parameter delta since the last outer step) over the WAN, in a given dtype, and an
 * outer Nesterov update.
 *
 * Two-level simulation: replicas do not interact during inner steps, so the run is built from
 * two workloads simulated separately: a replica's inner step (`make_transformer` of
 * `p.replica` on replica 0's ranks, its time reused H times: never H copies) and the outer sync
 * (`make_outer_sync`, on every rank of the cluster). The outer step is blocking:
 * outer step time = H x inner step time + sync time.
 *
 * Placement: replica i holds ranks [i n, (i + 1) n); the rank at position j of its replica
 * all-reduces its shard with the ranks at position j of the other replicas (R members, one
 * all-reduce per position, all at once).
 * Shard per rank (our choice, after INTELLECT-1's sharded outer step): params / (tp pp)
 * parameters, further split over the dp x sp ranks of the replica's gradient reduction when they
 * hold ZeRO shards (zero >= 1: each holds 1/(dp sp) of the fp32 master weights, so of the
 * pseudo-gradient and the outer state). With zero = 0 every data-parallel rank holds the whole
 * stage and all-reduces all of it (redundantly, as replicas of plain DDP would).
 * Bytes per rank: ceil(shard x bits / 8), bits 32 (fp32), 16 (bf16), 8 (int8), 4 (int4).
 * Outer state (on device): outer parameters and outer Nesterov momentum in fp32, 8 B per
 * parameter of the shard.
 *
 * Units: parameters, bits, bytes. The outer sync's ops are tagged phase kOuterSync, replica i,
 * step = the outer step.
 * Errors: none of its own (the kind checks its keys); ConfigError from Workload::stream_of.
 * Source: Douillard et al., "DiLoCo: Distributed Low-Communication Training of Language Models"
 * (arXiv 2311.08105), Algorithm 1; Jaghouar et al., OpenDiLoCo (arXiv 2407.07852) and
 * INTELLECT-1 (arXiv 2412.01152) for the int8 pseudo-gradients and the sharded outer step.
 *
 *     DilocoParams p;  // p.replica: the transformer of one site
 *     p.replicas = 4; p.inner_steps = 500; p.outer_bits = 8;
 *     Workload sync = make_outer_sync(p, info.params, 0);
 */
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/workloads/transformer_parallel.h"
#include "simcore/workload.h"

namespace dtsim::workloads {

struct DilocoParams {
  TransformerParams replica;  ///< one replica on n = dp tp pp sp ranks
  int replicas = 2;           ///< R
  int inner_steps = 1;        ///< H
  int outer_steps = 1;
  int outer_bits = 32;  ///< bits per pseudo-gradient element on the wire: 32, 16, 8, 4
  std::string outer_algorithm = "ring";

  int replica_ranks() const { return replica.dp * replica.inner() * replica.pp; }
};

/** Parameters of the shard one rank syncs (and keeps outer state for), see above: params /
 *  (tp pp), over dp sp again with ZeRO >= 1. Units: parameters (not rounded). */
double outer_shard_params(const DilocoParams& p, int64_t params);

/** Pseudo-gradient bytes one rank all-reduces in an outer step: ceil(shard x bits / 8). */
int64_t outer_sync_bytes_per_rank(const DilocoParams& p, int64_t params);

/** Outer parameters and outer Nesterov momentum of a rank's shard, fp32: 8 B per parameter. */
double outer_state_bytes_per_rank(const DilocoParams& p, int64_t params);

/** The outer sync of outer step `outer_step` on all R n ranks: per rank one all-reduce of
 *  `outer_sync_bytes_per_rank` over the R ranks at its position, with `outer_algorithm`.
 *  `replicas` (ascending replica indices, empty: all R): only these take part (PCCL's peers
 *  after churn); the others' ranks stay idle. */
simcore::Workload make_outer_sync(const DilocoParams& p, int64_t params, int outer_step,
                                  const std::vector<int>& replicas = {});

/** One outer collective across the replicas, the building block of every outer sync (DiLoCo's,
 *  Streaming DiLoCo's per fragment, SparseLoCo's all-gather): on all R n ranks, the rank at
 *  position j of each replica runs one `kind` collective of `bytes_per_position[j]` bytes
 *  (nccl-tests convention: an all-gather's bytes are the gathered total) over the R ranks at
 *  position j (communicator "outer"), with `p.outer_algorithm`, on stream `stream` ("" = the
 *  default communication stream), named `name`. A position of 0 bytes has no collective.
 *  Ops are tagged phase kOuterSync, replica i, step `outer_step`. `replicas` as make_outer_sync's
 *  (a position's collective then has |replicas| members; none below two).
 *  Shape: bytes_per_position has n = p.replica_ranks() entries.
 *  Errors: ConfigError from Workload::stream_of. */
simcore::Workload make_outer_collective(const DilocoParams& p,
                                        const std::vector<int64_t>& bytes_per_position,
                                        simcore::CollectiveKind kind, std::string_view name,
                                        std::string_view stream, int outer_step,
                                        const std::vector<int>& replicas = {});

/** Plain DDP across the sites, for comparison: the replica with dp x R and R times its global
 *  batch (the same tokens per step), its placement order with dp outermost so that each site
 *  holds whole pipelines and TP groups (replica i's ranks are its site's). */
TransformerParams ddp_across_sites(const DilocoParams& p);

}  // namespace dtsim::workloads
