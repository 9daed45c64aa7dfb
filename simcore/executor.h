#pragma once
/**
 * The replay executor: runs a Workload on a Simulator with a compute model and a communication
 * model. An op starts when its dependencies are done and the previous op of its stream (program
 * order) has finished; compute and communication overlap exactly as far as that allows.
 *
 * Collectives are matched across ranks by (group, k): the k-th collective a rank issues on a group
 * meets the k-th of every other member; it starts when all members have joined. Send and recv are
 * matched FIFO by (src, dst, tag) and start when both are posted (rendezvous).
 *
 * Failure path: when the communication model reports that a collective or send/recv failed (a
 * fault), its ops are recorded as failed and never complete, so the ops that depend on them do not
 * run; `finish` then lists them instead of reporting a deadlock.
 *
 * Errors: ConfigError when the members of a collective disagree (kind, bytes), and when the run
 * ends with ops that can never start and no transfer failed (a deadlock: it names up to five
 * stuck ops).
 */
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "simcore/interfaces.h"
#include "simcore/simulator.h"
#include "simcore/workload.h"

namespace dtsim::simcore {

struct OpRecord {
  int32_t rank;
  uint8_t stream;
  OpKind kind;
  uint32_t name;
  Time start, end;
  uint32_t op = UINT32_MAX;  ///< the op's index in its rank's program (UINT32_MAX: unknown)
};

struct CollectiveRecord {
  std::string name;
  CollectiveKind kind;
  std::string algorithm;
  int ranks = 0;
  int64_t bytes = 0;
  Time start;  ///< when the last member joined
  Time end;
  bool failed = false;  ///< a transfer failed (end: when)
  /** The group's communicator name (Workload::communicator: "tp", "dp", ...); "" unnamed. */
  std::string communicator = {};
};

/** An op whose transfer failed (faults), or one that did not run because it depends on one. */
struct FailedOp {
  int32_t rank;
  uint32_t op;
  std::string name;
  std::string why;
};

/** Communication time of one communicator (or of send/recv), mean over ranks, seconds. */
struct CommunicationShare {
  double time_s = 0;     ///< union of its ops' intervals
  double exposed_s = 0;  ///< the part of it no compute overlaps
};

/** Time of one phase (OpPhase), mean over ranks, seconds. */
struct PhaseShare {
  double compute_s = 0, communication_s = 0;
};

struct ExecutionResult {
  Time makespan;                  ///< when the last op of any rank finished
  std::vector<Time> rank_finish;  ///< per rank
  /** Mean over ranks of the union of compute intervals, of communication intervals, and of the
   *  communication not overlapped by compute (exposed), in seconds. */
  double compute_s = 0, communication_s = 0, exposed_communication_s = 0;
  /** Mean over ranks of the time until the makespan in which a rank neither computes nor
   *  communicates (a pipeline's bubble, waits for peers), seconds. */
  double idle_s = 0;
  /** Communication split by communicator name (Workload::communicator: "tp", "dp", "ep", ...;
   *  "send/recv" for point-to-point ops, "other" for unnamed groups): each share's exposed part
   *  is what compute does not overlap, so shares of overlapping communicators can add up to more
   *  than communication_s. */
  std::map<std::string, CommunicationShare> communication_by_group;
  /** Compute and communication split by the ops' phase tags (to_string(OpPhase)). */
  std::map<std::string, PhaseShare> by_phase;
  std::vector<CollectiveRecord> collectives;
  std::vector<OpRecord> ops;  ///< filled when recording is on (trace)
  std::map<std::string, uint64_t> ops_priced_by;  ///< compute-model name -> op count
  /** Per op class ("gemm": GEMM shapes, "attention": with an attention kernel, "flops": a FLOP
   *  count without shapes, "memory_bound": no FLOPs, "trace": a fixed duration), the model that
   *  priced its ops -> op count. */
  std::map<std::string, std::map<std::string, uint64_t>> ops_priced_by_class;
  std::vector<FailedOp> failed_ops;  ///< ops whose collective or send/recv failed (faults)
  std::vector<FailedOp> not_run;     ///< the first ops per rank that did not run (after a failure)
  uint64_t ops_not_run = 0;          ///< every op that did not run (after a failure)
  bool failed() const { return !failed_ops.empty(); }
};

class Executor {
 public:
  Executor(Simulator& sim, const Workload& workload, const ComputeModel& compute, CommModel& comm,
           bool record_ops);
  /** Schedules the ops with no dependency. Call once, then sim.run(), then finish(). */
  void start();
  /** Checks that every op ran and returns the result. Errors: ConfigError on deadlock. */
  ExecutionResult finish();

 private:
  struct Instance {
    uint32_t group;
    uint64_t index;
    std::vector<std::pair<int, uint32_t>> joined;  // (rank, op index)
    Time last_join;
  };
  struct P2pKey {
    int src, dst, tag;
    auto operator<=>(const P2pKey&) const = default;
  };
  void start_op(int rank, uint32_t op);
  /** start_op's work by op kind (errors carry no origin yet; start_op adds it). */
  void launch(int rank, uint32_t op);
  void complete_op(int rank, uint32_t op);
  void fail_op(int rank, uint32_t op, const std::string& why);
  void join_collective(int rank, uint32_t op);
  void post_p2p(int rank, uint32_t op);
  /**
   * Fills exclusive_group_: a collective on group g is exclusive (CollectiveCall::exclusive)
   * when every rank that issues network ops issues them all on one stream and is a member of g.
   * Each member's network stream is then held by the collective from its join to its end, so no
   * other network op runs or starts meanwhile (the one before it on that stream has ended: a
   * collective or send/recv ends only when its last transfer has arrived).
   */
  void find_exclusive_groups();
  size_t gid(int rank, uint32_t op) const { return offset_[rank] + op; }

  Simulator& sim_;
  const Workload& w_;
  const ComputeModel& compute_;
  CommModel& comm_;
  bool record_;

  std::vector<size_t> offset_;
  std::vector<uint32_t> pending_;       // per global op: unfinished predecessors
  std::vector<uint32_t> dep_begin_;     // CSR of dependents, per global op
  std::vector<uint32_t> dependents_;    // local op indices
  std::vector<Time> started_;           // per global op
  std::vector<uint8_t> done_;           // per global op: 0 not done, 1 done, 2 failed
  std::vector<std::map<uint32_t, uint64_t>> group_seq_;  // per rank: group -> next index
  std::map<std::pair<uint32_t, uint64_t>, Instance> instances_;
  std::vector<double> matrix_total_;  ///< sum of each send matrix (-1: not summed yet)
  std::map<P2pKey, std::vector<uint32_t>> sends_, recvs_;  // queued op indices
  std::vector<std::vector<std::pair<Time, Time>>> compute_iv_, comm_iv_;
  /** Per rank, parallel to compute_iv_ / comm_iv_: each interval's phase and (comm) class
   *  (an index into comm_class_names_). */
  std::vector<std::vector<OpPhase>> compute_phase_, comm_phase_;
  std::vector<std::vector<uint16_t>> comm_class_;
  std::vector<uint8_t> exclusive_group_;  ///< per group: 1 if its collectives are exclusive
  std::vector<uint16_t> class_of_group_;  ///< per group: its index in comm_class_names_
  std::vector<std::string> comm_class_names_;
  ExecutionResult result_;
};

}  // namespace dtsim::simcore
