#pragma once
/**
 * FedAvg rounds (McMahan et al., "Communication-Efficient Learning of Deep Networks from
 * Decentralized Data", AISTATS 2017, Algorithm 1): each round the server samples a fraction C of
 * the clients, sends them the model (downlink), each runs E local epochs over its samples
 * (training), uploads its update (uplink), and the server averages the updates (aggregation),
 * the four phases measured testbeds report (Hayek et al., arXiv 2504.04678).
 *
 * The pieces here are pure functions of the parameters and the seed; the network phases are
 * simulated by the flow back-end (fedavg_round.h), and the kind (tools/dtsim/kinds/fedavg.cpp)
 * strings them together round by round.
 *
 * Sampling (`select_clients`): every eligible client (online at the round's start) gets the key
 * u = counter_uniform(seed, "fedavg.select", client, round) and the m' clients with the smallest
 * keys are selected: a uniform sample without replacement (bottom-k sampling), the same whatever
 * the order in which keys are evaluated. m = max(1, floor(C N)) updates are wanted; with
 * over-selection o, m' = ceil(m (1 + o)) clients are selected and the first m updates kept
 * (Bonawitz et al., "Towards Federated Learning at Scale: System Design", MLSys 2019: the server
 * selects more devices than it needs, e.g. 130% of the target, and closes the round when the
 * target count has reported).
 *
 * Closing a round (`close_round`): a client either delivers its update (arrival time), or fails:
 * it drops out (with probability p, drawn from (seed, "fedavg.dropout", client, round); it
 * disconnects after its local training, which the server sees then), or goes offline (its
 * availability interval ends before its update arrives; the server sees it then). The server
 * stops collecting at the earliest of: the m-th arrival; the time every selected client has
 * arrived or failed; the deadline D. Arrivals after that are dropped (stragglers past the
 * deadline, or late over-selected clients). A deadline that no client meets is allowed: the
 * round ends at D with zero updates (and no aggregation).
 *
 * Units: parameters, bits, bytes, FLOPs, seconds.
 * Errors: none of its own (the kind checks its keys); assertions on programming errors.
 */
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "models/workloads/fedavg_population.h"

namespace dtsim::workloads {

/**
 * What a client's update costs on the wire.
 *
 * - dense: `value_bits` per parameter (32: fp32 updates, as Flower sends NumPy float32 arrays).
 * - quantised (`bits` q >= 1): QSGD-style stochastic quantisation: q bits per coordinate (sign
 *   and level) and one 32-bit norm per bucket of `bucket` coordinates (Alistarh et al., "QSGD:
 *   Communication-Efficient SGD via Gradient Quantization and Encoding", NeurIPS 2017, section
 *   3.1, without the Elias coding). RQM (Youn et al., "Randomized Quantization is All You Need
 *   for Differential Privacy in Federated Learning", arXiv 2306.11913) sends the index of one of
 *   its randomly kept levels per coordinate: the same q bits per coordinate, no bucket norm.
 * - top-k sparsified (`density` d in (0, 1]): k = ceil(d P) coordinates, each its value (32 or q
 *   bits) and its index, ceil(log2 P) bits (Aji & Heafield, "Sparse Communication for
 *   Distributed Gradient Descent", EMNLP 2017; Lin et al., "Deep Gradient Compression",
 *   ICLR 2018). With d = 1 no index is sent.
 * - algorithm: `fedavg` sends one vector; SCAFFOLD (Karimireddy et al., ICML 2020, Algorithm 1,
 *   line 17) sends the model delta and the control-variate delta: twice the uplink (and the
 *   server sends the model and its control variate: twice the downlink); SCAFCOM (Huang et al.,
 *   "Stochastic Controlled Averaging for Federated Learning with Communication Compression",
 *   ICLR 2024, Algorithm 1) sends one compressed vector per client: half of SCAFFOLD's uplink,
 *   compressed (its downlink, the model and the control variate, stays twice the model).
 */
struct Compression {
  enum class Scheme { kNone, kQsgd, kRqm };
  enum class Algorithm { kFedAvg, kScaffold, kScafcom };
  Scheme scheme = Scheme::kNone;
  int bits = 32;       ///< q, bits per coordinate when quantised
  int64_t bucket = 0;  ///< QSGD bucket size (coordinates per norm); 0: the whole vector
  double density = 1;  ///< top-k fraction kept, in (0, 1]
  Algorithm algorithm = Algorithm::kFedAvg;
};

/** Bits of one compressed vector of `params` coordinates (dense values: 32 bits). */
double compressed_vector_bits(const Compression& c, int64_t params);
/** Bytes a client uploads per round: vectors x compressed_vector_bits / 8, rounded up. */
int64_t uplink_bytes(const Compression& c, int64_t params);
/** Bytes the server sends each selected client: fp32 model (x2 for SCAFFOLD and SCAFCOM). */
int64_t downlink_bytes(const Compression& c, int64_t params);

struct FedAvgParams {
  int64_t params = 0;                 ///< P, model parameters
  double train_flops_per_sample = 0;  ///< forward + backward, per sample
  int local_epochs = 1;               ///< E
  double sample_fraction = 1;         ///< C in (0, 1]
  double over_selection = 0;          ///< o >= 0
  std::optional<double> deadline_s;   ///< D, from the round's start
  double dropout_probability = 0;     ///< p in [0, 1)
  int rounds = 1;
  Compression compression;
  /** The server's aggregation rate: FLOP/s and memory bytes/s (peak x efficiency). */
  double server_flops_per_s = 0, server_memory_bytes_per_s = 0;
};

/** m = max(1, floor(C N)): the updates a round wants. */
int64_t target_updates(const FedAvgParams& p, int64_t clients);
/** m' = ceil(m (1 + o)) clients to select. */
int64_t selected_count(const FedAvgParams& p, int64_t clients);

/** The clients of round `round` starting at `t_start_s`: the `count` eligible clients with the
 *  smallest keys (see above), in ascending key order (fewer where fewer are online).
 *  Complexity: O(N) key draws, O(N) memory for the keys; availability look-ups only for the
 *  clients with the smallest keys (about count / online fraction). */
std::vector<int64_t> select_clients(const Population& pop, uint64_t seed, int round,
                                    double t_start_s, int64_t count);

/** Whether `client` drops out of round `round` (its draw < p). */
bool drops_out(const FedAvgParams& p, uint64_t seed, int64_t client, int round);

/** Local training time of `client`: E x samples x FLOPs per sample / (rate x speed factor). */
double training_time_s(const FedAvgParams& p, const Population& pop, uint64_t seed, int64_t client);

/** Aggregation of `updates` dense fp32 updates at the server (compressed ones decompressed
 *  first): the weighted sum, 2 FLOPs and 4 B read per coordinate per update (roofline: the
 *  slower of the two); SCAFFOLD averages the control-variate deltas too (twice). Units: s. */
double aggregation_time_s(const FedAvgParams& p, int64_t updates);

/** One selected client's round, as simulated (seconds from the round's start). */
struct ClientTimeline {
  double downlink_end_s = 0;  ///< model received
  double train_end_s = 0;     ///< local epochs done
  /** Update received by the server; infinity when it never is (dropped out, offline). */
  double arrival_s = std::numeric_limits<double>::infinity();
  /** When the server learns the client failed (dropout: train_end_s; offline: the end of its
   *  online interval); infinity when it does not fail. */
  double failed_at_s = std::numeric_limits<double>::infinity();
  bool dropped_out = false;  ///< failed by dropout (else, when failed_at_s is finite: offline)
};

enum class ClientOutcome {
  kKept,         ///< its update is aggregated
  kStraggler,    ///< arrived after the deadline
  kLate,         ///< arrived after the m-th update (over-selection)
  kDroppedOut,   ///< dropped out (dropout probability)
  kOffline,      ///< went offline before its update arrived (availability trace)
  kOutstanding,  ///< still working when the round closed (its update is dropped)
};
const char* to_string(ClientOutcome o);

struct RoundClose {
  double collect_end_s = 0;            ///< when the server stops collecting
  int64_t kept = 0;                    ///< updates aggregated
  std::vector<ClientOutcome> outcome;  ///< per client, in the order given
};

/** Closes a round (see the file's comment): `target` updates wanted, `deadline_s` optional. */
RoundClose close_round(const std::vector<ClientTimeline>& clients, int64_t target,
                       std::optional<double> deadline_s);

}  // namespace dtsim::workloads
