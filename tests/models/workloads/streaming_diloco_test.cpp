// Streaming DiLoCo's model side (models/workloads/streaming_diloco.h): the fragment schedule, the
// fragments' layers, parameters and bytes per rank, and the overlap window's structure. Expected
// values are worked by hand from the paper's rules (arXiv 2501.18512, Sec. 2.2, Algorithm 2):
// fragment p syncs after the inner steps t with (t - t_p) mod H = 0, t >= H, t_p = floor(p H / P);
// sequential fragments are consecutive layers, strided ones every P-th.
#include "models/workloads/streaming_diloco.h"

#include <gtest/gtest.h>

#include <set>

#include "simcore/program_builder.h"

namespace dtsim::workloads {
namespace {

using FP = FragmentPattern;

TEST(StreamingDilocoSchedule, ThePapersExampleTwoFragmentsOfH100) {
  // Paper Sec. 2.2: "with H = 100 and P = 2 fragments, the first fragment will be synchronized at
  // step t = 100, t = 200, ... (t_p = 0); the second fragment ... at t = 150, t = 250, ... (t_p =
  // 50)".
  EXPECT_EQ(fragment_offset(0, 2, 100), 0);
  EXPECT_EQ(fragment_offset(1, 2, 100), 50);
  EXPECT_EQ(fragment_synced_after(100, 2, 100), 0);
  EXPECT_EQ(fragment_synced_after(200, 2, 100), 0);
  EXPECT_EQ(fragment_synced_after(150, 2, 100), 1);
  EXPECT_EQ(fragment_synced_after(250, 2, 100), 1);
  // Before H steps no fragment has trained H steps: step 50 sends nothing.
  EXPECT_EQ(fragment_synced_after(50, 2, 100), -1);
  EXPECT_EQ(fragment_synced_after(120, 2, 100), -1);
}

TEST(StreamingDilocoSchedule, OffsetsRoundDownWhenPDoesNotDivideH) {
  // H = 10, P = 3: t_p = floor(10 p / 3) = 0, 3, 6. In the outer step of steps 11..20: fragment
  // 1 after 13, fragment 2 after 16, fragment 0 after 20; the rest send nothing.
  EXPECT_EQ(fragment_synced_after(13, 3, 10), 1);
  EXPECT_EQ(fragment_synced_after(16, 3, 10), 2);
  EXPECT_EQ(fragment_synced_after(20, 3, 10), 0);
  for (int t : {11, 12, 14, 15, 17, 18, 19}) EXPECT_EQ(fragment_synced_after(t, 3, 10), -1) << t;
}

TEST(StreamingDilocoSchedule, EveryOuterStepSyncsEachFragmentOnce) {
  // Over any H consecutive steps from t = H on, each of the P fragments is sent exactly once,
  // and consecutive sends are floor(H / P) or ceil(H / P) steps apart.
  for (int h : {4, 7, 12, 100}) {
    for (int fragments = 1; fragments <= h; ++fragments) {
      std::multiset<int> sent;
      int64_t last = -1;
      for (int64_t t = 2 * h; t < 3 * h; ++t) {
        const int f = fragment_synced_after(t, fragments, h);
        if (f < 0) continue;
        sent.insert(f);
        if (last >= 0) {
          EXPECT_GE(t - last, h / fragments) << h << " " << fragments;
          EXPECT_LE(t - last, (h + fragments - 1) / fragments) << h << " " << fragments;
        }
        last = t;
      }
      ASSERT_EQ(sent.size(), static_cast<size_t>(fragments)) << h << " " << fragments;
      for (int f = 0; f < fragments; ++f) EXPECT_EQ(sent.count(f), 1u);
    }
  }
}

TEST(StreamingDilocoFragments, SequentialAndStridedLayers) {
  // Sequential, L = 5, P = 3: [floor(5p/3), floor(5(p+1)/3)) = [0,1), [1,3), [3,5).
  EXPECT_EQ(fragment_layers(5, 3, FP::kSequential, 0), (std::vector<int>{0}));
  EXPECT_EQ(fragment_layers(5, 3, FP::kSequential, 1), (std::vector<int>{1, 2}));
  EXPECT_EQ(fragment_layers(5, 3, FP::kSequential, 2), (std::vector<int>{3, 4}));
  // Strided, L = 24, P = 8 (the paper's 1B with fragments of 3 layers): p, p + 8, p + 16.
  EXPECT_EQ(fragment_layers(24, 8, FP::kStrided, 0), (std::vector<int>{0, 8, 16}));
  EXPECT_EQ(fragment_layers(24, 8, FP::kStrided, 7), (std::vector<int>{7, 15, 23}));
  // fragment_of_layer inverts fragment_layers, for every split of up to 12 layers.
  for (FP pattern : {FP::kSequential, FP::kStrided})
    for (int layers = 1; layers <= 12; ++layers)
      for (int fragments = 1; fragments <= layers; ++fragments) {
        int covered = 0;
        for (int p = 0; p < fragments; ++p)
          for (int l : fragment_layers(layers, fragments, pattern, p)) {
            EXPECT_EQ(fragment_of_layer(layers, fragments, pattern, l), p);
            ++covered;
          }
        EXPECT_EQ(covered, layers);
      }
}

/** The paper's 1B (validation/scenarios/streaming_diloco_1b.yaml): 24 layers, h = 2048, GELU
 *  MLP 4h, V = 32,000, untied. */
StreamingDilocoParams paper_1b() {
  StreamingDilocoParams s;
  TransformerConfig& m = s.diloco.replica.model;
  m.layers = 24;
  m.hidden = 2048;
  m.ffn_hidden = 8192;
  m.heads = m.kv_heads = 16;
  m.mlp_matrices = 2;
  m.vocab = 32000;
  s.fragments = 8;
  s.pattern = FP::kStrided;
  s.diloco.outer_bits = 4;
  return s;
}

TEST(StreamingDilocoFragments, ParamsOfThePapers1B) {
  // A layer: 4h^2 + 2 h 4h + 2h = 50,335,744. Fragment 0: layers 0, 8, 16 + embedding V h =
  // 65,536,000: 216,543,232; fragment 7: layers 7, 15, 23 + LM head V h + final norm h = 2,048:
  // 216,545,280; the others 3 layers: 151,007,232. Sum: 1,339,131,904, the model.
  const StreamingDilocoParams s = paper_1b();
  EXPECT_EQ(fragment_params(s, 0), 216'543'232);
  EXPECT_EQ(fragment_params(s, 7), 216'545'280);
  int64_t sum = 0;
  for (int p = 0; p < 8; ++p) {
    if (p > 0 && p < 7) {
      EXPECT_EQ(fragment_params(s, p), 151'007'232);
    }
    sum += fragment_params(s, p);
  }
  EXPECT_EQ(sum, 1'339'131'904);
  EXPECT_EQ(sum, s.diloco.replica.model.total_params());
  // The peak factor of the validation case: 1,339,131,904 / 216,545,280 = 6.184073391...
  EXPECT_NEAR(static_cast<double>(sum) / fragment_params(s, 7), 6.184073391, 1e-9);
}

TEST(StreamingDilocoFragments, BytesPerPositionFollowTheStageAndTp) {
  // L = 4, h = 64, GELU 4h, V = 1000, untied; tp 2 x pp 2 (order tp-dp-pp: rank = t + 2 stage),
  // stage 0 holds layers 0, 1 and the embedding, stage 1 layers 2, 3, the final norm, the head.
  // A layer: 4 x 64^2 + 2 x 64 x 256 + 128 = 49,280. Strided P = 2, q = 4 bits:
  // fragment 0 = layers 0, 2 + embedding: stage 0 holds layer 0 + 64,000 = 113,280 params,
  //   over tp 2 at 4 bits: 113,280 x 4 / 16 = 28,320 B; stage 1 holds layer 2: 12,320 B.
  // fragment 1 = layers 1, 3 + head + norm: stage 0 layer 1: 12,320 B; stage 1 layer 3 + 64,000
  //   + 64 = 113,344 params: 28,336 B.
  StreamingDilocoParams s;
  TransformerConfig& m = s.diloco.replica.model;
  m.layers = 4;
  m.hidden = 64;
  m.ffn_hidden = 256;
  m.heads = m.kv_heads = 4;
  m.mlp_matrices = 2;
  m.vocab = 1000;
  s.diloco.replica.tp = 2;
  s.diloco.replica.pp = 2;
  s.diloco.outer_bits = 4;
  s.fragments = 2;
  EXPECT_EQ(fragment_bytes_per_position(s, 0), (std::vector<int64_t>{28320, 28320, 12320, 12320}));
  EXPECT_EQ(fragment_bytes_per_position(s, 1), (std::vector<int64_t>{12320, 12320, 28336, 28336}));
  // Sequential P = 2: fragment 0 = layers 0, 1 + embedding, all on stage 0: (2 x 49,280 +
  // 64,000) x 4 / 16 = 40,640 B there, nothing on stage 1 (no collective at those positions).
  s.pattern = FP::kSequential;
  EXPECT_EQ(fragment_bytes_per_position(s, 0), (std::vector<int64_t>{40640, 40640, 0, 0}));
  s.diloco.replicas = 2;
  const simcore::Workload sync2 = make_fragment_sync(s, 0);
  ASSERT_EQ(sync2.ranks.size(), 8u);
  // Replica i holds ranks 4i..4i+3: positions 0, 1 all-reduce, positions 2, 3 have nothing.
  for (int r : {0, 1, 4, 5}) EXPECT_EQ(sync2.ranks[r].ops.size(), 1u) << r;
  for (int r : {2, 3, 6, 7}) EXPECT_EQ(sync2.ranks[r].ops.size(), 0u) << r;
  EXPECT_EQ(sync2.ranks[5].ops[0].bytes, 40640);
  EXPECT_EQ(sync2.ranks[5].ops[0].stream, sync2.find_stream("outer"));
  EXPECT_EQ(sync2.ranks[5].ops[0].tags.replica, 1);
}

TEST(StreamingDilocoWindow, TauStepsOfEveryReplicaBesideTheSync) {
  // A one-rank "inner step" of two compute ops; R = 3 replicas, τ = 2: each rank runs its two
  // steps (4 ops, tagged steps 0 and 1, its replica) after the sync's one all-reduce.
  StreamingDilocoParams s;
  s.diloco.replicas = 3;
  s.overlap_steps = 2;
  simcore::Workload inner;
  inner.ranks.resize(1);
  {
    simcore::ProgramBuilder b(inner);
    const uint32_t a = b.compute(0, "f", 1e9, 0, "bf16");
    b.compute(0, "b", 2e9, 0, "bf16", {a});
  }
  simcore::Workload sync;
  sync.ranks.resize(3);
  {
    simcore::ProgramBuilder b(sync);
    const uint32_t g = b.group({0, 1, 2}, "outer");
    for (int r = 0; r < 3; ++r)
      b.collective(r, "outer", simcore::CollectiveKind::kAllReduce, 100, g, "ring", {},
                   sync.stream_of("outer"));
  }
  const simcore::Workload w = make_overlap_window(s, sync, inner);
  ASSERT_EQ(w.ranks.size(), 3u);
  for (int r = 0; r < 3; ++r) {
    ASSERT_EQ(w.ranks[r].ops.size(), 5u);
    EXPECT_EQ(w.ranks[r].ops[0].kind, simcore::OpKind::kCollective);
    for (int k = 1; k < 5; ++k) {
      EXPECT_EQ(w.ranks[r].ops[k].kind, simcore::OpKind::kCompute);
      EXPECT_EQ(w.ranks[r].ops[k].tags.replica, r);
      EXPECT_EQ(w.ranks[r].ops[k].tags.step, (k - 1) / 2);
    }
  }
  // τ = 0: the sync alone.
  s.overlap_steps = 0;
  EXPECT_EQ(make_overlap_window(s, sync, inner).op_count(), 3u);
}

}  // namespace
}  // namespace dtsim::workloads
