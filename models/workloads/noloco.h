#pragma once
/**
 * NoLoCo: R replicas, each a DP/TP/PP group of n ranks in its own site, run H inner steps
 * independently, then, instead of DiLoCo's all-reduce, each replica averages its weights with
 * the other members of a random group (a pair by default) drawn anew every outer step: no
 * collective over all replicas. The groups come from a seeded random permutation cut as the
 * paper's reference code does (`random_groups`, models/workloads/gossip.h).
 *
 * The sync of outer step k is point-to-point: the rank at position j of a replica sends its
 * shard (the same shard as DiLoCo's outer step, `outer_sync_bytes_per_rank`) to the rank at
 * position j of every other member of its group, all groups at once, sharing the network
 * (`make_peer_exchange`). For a pair that is one exchange: each side sends S bytes to the other,
 * so a rank sends and receives (g - 1) S per outer step in a group of g.
 * Our choice: every member sends to every other member at once (an all-gather by direct sends),
 * one round. The reference code gathers to the group's first member, which averages and sends
 * the mean back (two rounds); for a pair the bytes per rank are the same.
 *
 * Two-level simulation: the inner step as DiLoCo's (simulated once, reused H times); the sync of
 * each outer step simulated on its own, since its pairs differ. Each outer step is treated as
 * blocking (outer step = H x inner step + that step's sync), as DiLoCo's: NoLoCo's point that a
 * replica waits only for its partner, not for every replica, is not modelled across outer steps
 * (an upper bound on the wall time when the pairs' syncs differ).
 *
 * Pipelined replicas (pp > 1, dp = sp = 1 inside a replica, one model chunk per stage): NoLoCo
 * routes each micro-batch's activations at random between the replicas of the next stage
 * (`make_routed_inner_step`): at the boundary between stages s and s + 1, micro-batch m of
 * replica d goes to replica pi_{s,m}(d) of stage s + 1, pi_{s,m} a seeded random permutation
 * (so every stage copy still processes one micro-batch per slot), and its activation gradients
 * come back the same way. The replicas then interact during inner steps, so the inner step is
 * co-simulated on all R n ranks (one step's permutations; its time reused H times). The local
 * optimizer step of each stage is not in this inner step (make_transformer_inner_step).
 *
 * Units: parameters, bits, bytes. Ops tagged phase kOuterSync, step = the outer step, replica.
 * Errors: ConfigError from random_groups (a group size that does not divide R).
 * Source: Kolehmainen et al., "NoLoCo: No-all-reduce Low Communication Training Method for Large
 * Models" (arXiv 2506.10911), Algorithm 1 and the reference code (jkolehm/noloco,
 * src/noloco/sparse_optimizer.py).
 *
 *     NolocoParams p;  // p.outer: as DiLoCo's (replica, replicas, inner steps, bits)
 *     p.group_size = 2; p.seed = 1;
 *     Workload sync = make_noloco_sync(p, info.params, 0);  // outer step 0's pairs
 */
#include <cstdint>
#include <vector>

#include "models/workloads/diloco.h"
#include "simcore/workload.h"

namespace dtsim::workloads {

struct NolocoParams {
  DilocoParams outer;  ///< replica, replicas R, inner steps H, outer steps, bits on the wire
  int group_size = 2;  ///< replicas that average together (2: pairs)
  uint64_t seed = 1;   ///< seeds the groups of every outer step
};

/** The replica groups of outer step `outer_step` (random_groups of R replicas). */
std::vector<std::vector<int32_t>> noloco_groups(const NolocoParams& p, int64_t outer_step);

/** Bytes one rank sends in an outer step's sync: (group_size - 1) x the shard's bytes. */
int64_t noloco_bytes_sent_per_rank(const NolocoParams& p, int64_t params);

/** The R pipelines as one transformer: dp R outermost (replica i on ranks [i n, (i+1) n)),
 *  R times the replica's batch (ddp_across_sites). */
TransformerParams routed_pipelines(const NolocoParams& p);

/** One inner step of the R pipelined replicas with NoLoCo's random routing of activations
 *  between the replicas of the next stage (see above), on all R n ranks; `info` as
 *  make_transformer_inner_step's for the R pipelines. Needs pp > 1, dp = sp = 1 and
 *  virtual_stages = 1 in the replica (the kind checks). */
simcore::Workload make_routed_inner_step(const NolocoParams& p, TransformerInfo* info);

/** The sync of outer step `outer_step` on all R n ranks (see above). */
simcore::Workload make_noloco_sync(const NolocoParams& p, int64_t params, int64_t outer_step);

}  // namespace dtsim::workloads
