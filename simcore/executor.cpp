#include "simcore/executor.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace dtsim::simcore {

Executor::Executor(Simulator& sim, const Workload& workload, const ComputeModel& compute,
                   CommModel& comm, bool record_ops)
    : sim_(sim), w_(workload), compute_(compute), comm_(comm), record_(record_ops) {
  const int n = static_cast<int>(w_.ranks.size());
  offset_.resize(n + 1, 0);
  for (int r = 0; r < n; ++r) offset_[r + 1] = offset_[r] + w_.ranks[r].ops.size();
  const size_t total = offset_[n];
  pending_.assign(total, 0);
  started_.assign(total, Time::zero());
  done_.assign(total, 0);
  group_seq_.resize(n);
  compute_iv_.resize(n);
  comm_iv_.resize(n);
  compute_phase_.resize(n);
  comm_phase_.resize(n);
  comm_class_.resize(n);
  // Communication classes: "send/recv" (0), then each communicator name in group order.
  comm_class_names_ = {"send/recv"};
  class_of_group_.resize(w_.groups.size());
  for (uint32_t g = 0; g < w_.groups.size(); ++g) {
    const std::string name = w_.communicator(g).empty() ? "other" : std::string(w_.communicator(g));
    auto it = std::find(comm_class_names_.begin(), comm_class_names_.end(), name);
    if (it == comm_class_names_.end()) {
      DTSIM_ASSERT(comm_class_names_.size() < 65535, "more than 65535 communicator names");
      comm_class_names_.push_back(name);
      it = comm_class_names_.end() - 1;
    }
    class_of_group_[g] = static_cast<uint16_t>(it - comm_class_names_.begin());
  }
  result_.rank_finish.assign(n, Time::zero());
  find_exclusive_groups();

  // Dependents in CSR form: explicit deps plus the implicit stream order.
  std::vector<uint32_t> count(total + 1, 0);
  auto for_each_pred = [&](int r, auto&& fn) {
    std::vector<int64_t> last(w_.stream_names.size() + 1, -1);
    const auto& ops = w_.ranks[r].ops;
    for (uint32_t i = 0; i < ops.size(); ++i) {
      for (uint32_t d : ops[i].deps) {
        if (d >= i)
          throw w_.error_at(ops[i], fmt::format(
              "rank {} op {} ('{}') depends on op {}, which is not an earlier op", r, i,
              w_.str(ops[i].name), d));
        fn(d, i);
      }
      if (ops[i].kind == OpKind::kCollective) {
        const auto& g = w_.groups.at(ops[i].group);
        if (std::find(g.begin(), g.end(), r) == g.end())
          throw w_.error_at(ops[i], fmt::format(
              "rank {} op {} ('{}') issues a collective on group [{}], which it is not a member of",
              r, i, w_.str(ops[i].name), fmt::join(g, ", ")));
      }
      int64_t& prev = last[ops[i].stream];
      if (prev >= 0) fn(static_cast<uint32_t>(prev), i);
      prev = i;
    }
  };
  for (int r = 0; r < n; ++r)
    for_each_pred(r, [&](uint32_t from, uint32_t to) {
      ++count[gid(r, from) + 1];
      ++pending_[gid(r, to)];
    });
  dep_begin_.assign(total + 1, 0);
  for (size_t i = 0; i < total; ++i) dep_begin_[i + 1] = dep_begin_[i] + count[i + 1];
  dependents_.resize(dep_begin_[total]);
  std::vector<uint32_t> fill(dep_begin_.begin(), dep_begin_.end() - 1);
  for (int r = 0; r < n; ++r)
    for_each_pred(r, [&](uint32_t from, uint32_t to) { dependents_[fill[gid(r, from)]++] = to; });
}

namespace {

/** The class of compute op `op` (ExecutionResult::ops_priced_by_class). */
std::string_view op_class(const Workload& w, const Op& op) {
  if (op.duration) return "trace";
  if (op.shape >= 0)
    return w.shapes[static_cast<size_t>(op.shape)].attention.batch_heads > 0 ? "attention" : "gemm";
  return op.flops > 0 ? "flops" : "memory_bound";
}

}  // namespace

void Executor::start() {
  for (int r = 0; r < static_cast<int>(w_.ranks.size()); ++r)
    for (uint32_t i = 0; i < w_.ranks[r].ops.size(); ++i)
      if (pending_[gid(r, i)] == 0) start_op(r, i);
}

void Executor::start_op(int rank, uint32_t i) {
  const Op& op = w_.ranks[rank].ops[i];
  started_[gid(rank, i)] = sim_.now();
  try {
    launch(rank, i);
  } catch (const ConfigError& e) {
    // A model refused the op (an algorithm the collective does not support, a dtype the device
    // has no rate for): say where the user wrote it, when the workload knows.
    if (!e.where().str().empty() || op.origin == 0) throw;
    throw w_.error_at(op, e.message());
  }
}

void Executor::launch(int rank, uint32_t i) {
  const Op& op = w_.ranks[rank].ops[i];
  switch (op.kind) {
    case OpKind::kCompute: {
      ComputeCost c = op.duration ? ComputeCost{*op.duration, "trace"}
                                  : compute_.cost(w_, op, rank);
      ++result_.ops_priced_by[std::string(c.model)];
      ++result_.ops_priced_by_class[std::string(op_class(w_, op))][std::string(c.model)];
      sim_.schedule_in(c.time, [this, rank, i] { complete_op(rank, i); });
      break;
    }
    case OpKind::kDelay:
      sim_.schedule_in(op.delay, [this, rank, i] { complete_op(rank, i); });
      break;
    case OpKind::kCollective: join_collective(rank, i); break;
    case OpKind::kSend:
    case OpKind::kRecv: post_p2p(rank, i); break;
  }
}

void Executor::find_exclusive_groups() {
  // The ranks that issue network ops, and whether each issues them all on one stream.
  const int n = static_cast<int>(w_.ranks.size());
  std::vector<uint8_t> networked(n, 0);
  size_t networked_count = 0;
  bool one_stream = true;
  for (int r = 0; r < n && one_stream; ++r) {
    int stream = -1;
    for (const Op& op : w_.ranks[r].ops) {
      if (op.kind != OpKind::kCollective && op.kind != OpKind::kSend && op.kind != OpKind::kRecv)
        continue;
      if (stream >= 0 && stream != op.stream) one_stream = false;
      stream = op.stream;
    }
    if (stream >= 0) {
      networked[r] = 1;
      ++networked_count;
    }
  }
  exclusive_group_.assign(w_.groups.size(), 0);
  if (!one_stream) return;
  std::vector<uint8_t> seen(n, 0);
  for (uint32_t g = 0; g < w_.groups.size(); ++g) {
    size_t covered = 0;
    for (int m : w_.groups[g])
      if (m >= 0 && m < n && networked[m] && !seen[m]) {
        seen[m] = 1;
        ++covered;
      }
    for (int m : w_.groups[g])
      if (m >= 0 && m < n) seen[m] = 0;
    exclusive_group_[g] = covered == networked_count ? 1 : 0;
  }
}

void Executor::join_collective(int rank, uint32_t i) {
  const Op& op = w_.ranks[rank].ops[i];
  const auto& members = w_.groups.at(op.group);
  uint64_t k = group_seq_[rank][op.group]++;
  auto key = std::make_pair(op.group, k);
  auto [it, fresh] = instances_.try_emplace(key, Instance{op.group, k, {}, Time::zero()});
  Instance& inst = it->second;
  if (!inst.joined.empty()) {
    auto [r0, i0] = inst.joined.front();
    const Op& first = w_.ranks[r0].ops[i0];
    // An all-to-all-v's members send different row sums; they must name the same matrix.
    const bool sizes_differ = op.matrix >= 0 ? first.matrix != op.matrix
                                             : first.matrix >= 0 || first.bytes != op.bytes;
    if (first.collective != op.collective || sizes_differ || first.root != op.root)
      throw w_.error_at(op, fmt::format(
          "collective #{} on group [{}] disagrees between ranks: rank {} op {} ('{}') is {} of {} "
          "bytes (root {}), rank {} op {} ('{}') is {} of {} bytes (root {})",
          k, fmt::join(members, ", "), r0, i0, w_.str(first.name), to_string(first.collective),
          first.bytes, first.root, rank, i, w_.str(op.name), to_string(op.collective), op.bytes,
          op.root));
  }
  inst.joined.emplace_back(rank, i);
  inst.last_join = sim_.now();
  if (inst.joined.size() < members.size()) return;

  CollectiveCall call{op.collective, w_.str(op.algorithm), &members, op.bytes, op.root};
  call.exclusive = exclusive_group_[op.group] != 0;
  int64_t record_bytes = op.bytes;
  if (op.matrix >= 0) {
    if (op.collective != CollectiveKind::kAllToAll ||
        static_cast<size_t>(op.matrix) >= w_.matrices.size())
      throw w_.error_at(op, fmt::format("rank {} op {} ('{}'): a send matrix needs an all_to_all "
                                        "and a matrix index below {}; got {} and {}",
                                        rank, i, w_.str(op.name), w_.matrices.size(),
                                        to_string(op.collective), op.matrix));
    call.matrix = &w_.matrices[op.matrix];
    // all-to-all-v: record the mean bytes a member sends (its row sum, diagonal included),
    // summed once per matrix: every layer and micro-batch repeats the same few.
    if (matrix_total_.empty()) matrix_total_.assign(w_.matrices.size(), -1.0);
    double& total = matrix_total_[static_cast<size_t>(op.matrix)];
    if (total < 0) {
      total = 0;
      for (double b : *call.matrix) total += b;
    }
    record_bytes = static_cast<int64_t>(std::llround(total / static_cast<double>(members.size())));
  }
  uint32_t rec = static_cast<uint32_t>(result_.collectives.size());
  result_.collectives.push_back(CollectiveRecord{.name = w_.str(op.name),
                                                 .kind = op.collective,
                                                 .algorithm = "",
                                                 .ranks = static_cast<int>(members.size()),
                                                 .bytes = record_bytes,
                                                 .start = sim_.now(),
                                                 .end = sim_.now(),
                                                 .failed = false,
                                                 .communicator = std::string(w_.communicator(op.group))});
  // One list of the members' ops for both ends (done, or the failure path).
  auto joined =
      std::make_shared<const std::vector<std::pair<int, uint32_t>>>(std::move(inst.joined));
  instances_.erase(it);
  std::string algo = comm_.start_collective(
      call,
      [this, rec, joined] {
        result_.collectives[rec].end = sim_.now();
        for (auto [r, j] : *joined) complete_op(r, j);
      },
      [this, rec, joined](const std::string& why) {
        result_.collectives[rec].end = sim_.now();
        result_.collectives[rec].failed = true;
        for (auto [r, j] : *joined) fail_op(r, j, why);
      });
  result_.collectives[rec].algorithm = std::move(algo);
}

void Executor::post_p2p(int rank, uint32_t i) {
  const Op& op = w_.ranks[rank].ops[i];
  const int n = static_cast<int>(w_.ranks.size());
  if (op.peer < 0 || op.peer >= n)
    throw w_.error_at(op, fmt::format("rank {} op {} ('{}'): peer {} is not a rank (0..{})",
                                      rank, i,
                                  w_.str(op.name), op.peer, n - 1));
  bool is_send = op.kind == OpKind::kSend;
  P2pKey key = is_send ? P2pKey{rank, op.peer, op.tag} : P2pKey{op.peer, rank, op.tag};
  auto& mine = is_send ? sends_[key] : recvs_[key];
  auto& theirs = is_send ? recvs_[key] : sends_[key];
  if (theirs.empty()) {
    mine.push_back(i);
    return;
  }
  uint32_t other = theirs.front();
  theirs.erase(theirs.begin());
  uint32_t send_op = is_send ? i : other, recv_op = is_send ? other : i;
  int src = key.src, dst = key.dst;
  const Op& s = w_.ranks[src].ops[send_op];
  const Op& r = w_.ranks[dst].ops[recv_op];
  if (s.bytes != r.bytes)
    throw w_.error_at(r, fmt::format(
        "send rank {} op {} ('{}') of {} bytes meets recv rank {} op {} ('{}') of {} bytes", src,
        send_op, w_.str(s.name), s.bytes, dst, recv_op, w_.str(r.name), r.bytes));
  comm_.start_p2p(
      src, dst, s.bytes,
      [this, src, dst, send_op, recv_op] {
        complete_op(src, send_op);
        complete_op(dst, recv_op);
      },
      [this, src, dst, send_op, recv_op](const std::string& why) {
        fail_op(src, send_op, why);
        fail_op(dst, recv_op, why);
      });
}

void Executor::fail_op(int rank, uint32_t i, const std::string& why) {
  size_t g = gid(rank, i);
  DTSIM_ASSERT(!done_[g], "a finished op failed");
  done_[g] = 2;
  result_.failed_ops.push_back(FailedOp{rank, i, w_.str(w_.ranks[rank].ops[i].name), why});
}

void Executor::complete_op(int rank, uint32_t i) {
  size_t g = gid(rank, i);
  DTSIM_ASSERT(!done_[g], "op completed twice");
  done_[g] = 1;
  const Op& op = w_.ranks[rank].ops[i];
  Time start = started_[g], end = sim_.now();
  if (end > result_.rank_finish[rank]) result_.rank_finish[rank] = end;
  if (op.kind == OpKind::kCompute) {
    compute_iv_[rank].emplace_back(start, end);
    compute_phase_[rank].push_back(op.tags.phase);
  }
  if (op.kind == OpKind::kCollective || op.kind == OpKind::kSend || op.kind == OpKind::kRecv) {
    comm_iv_[rank].emplace_back(start, end);
    comm_phase_[rank].push_back(op.tags.phase);
    comm_class_[rank].push_back(op.kind == OpKind::kCollective ? class_of_group_[op.group] : 0);
  }
  if (record_) result_.ops.push_back(OpRecord{rank, op.stream, op.kind, op.name, start, end, i});
  for (uint32_t k = dep_begin_[g]; k < dep_begin_[g + 1]; ++k) {
    uint32_t d = dependents_[k];
    if (--pending_[gid(rank, d)] == 0) start_op(rank, d);
  }
}

namespace {
using Intervals = std::vector<std::pair<Time, Time>>;

Intervals merge(Intervals v) {
  std::sort(v.begin(), v.end());
  Intervals out;
  for (auto& iv : v) {
    if (!out.empty() && iv.first <= out.back().second)
      out.back().second = std::max(out.back().second, iv.second);
    else
      out.push_back(iv);
  }
  return out;
}

double length_s(const Intervals& v) {
  int64_t ps = 0;
  for (auto& [a, b] : v) ps += (b - a).count_ps();
  return ps * 1e-12;
}

/** Length of the parts of `a` not covered by `b` (both merged). */
double uncovered_s(const Intervals& a, const Intervals& b) {
  int64_t ps = 0;
  size_t j = 0;
  for (auto [s, e] : a) {
    Time cur = s;
    while (j < b.size() && b[j].second <= cur) ++j;
    size_t k = j;
    while (k < b.size() && b[k].first < e) {
      if (b[k].first > cur) ps += (b[k].first - cur).count_ps();
      cur = std::max(cur, b[k].second);
      ++k;
    }
    if (cur < e) ps += (e - cur).count_ps();
  }
  return ps * 1e-12;
}
}  // namespace

ExecutionResult Executor::finish() {
  if (result_.failed()) {
    // Failure path: every op left is one that depends (through its deps or its stream) on a
    // failed op, or waits for a peer that does.
    for (int r = 0; r < static_cast<int>(w_.ranks.size()); ++r) {
      bool first = true;
      for (uint32_t i = 0; i < w_.ranks[r].ops.size(); ++i)
        if (!done_[gid(r, i)]) {
          ++result_.ops_not_run;
          if (first)
            result_.not_run.push_back(FailedOp{r, i, w_.str(w_.ranks[r].ops[i].name),
                                               "not run: it follows a failed op"});
          first = false;
        }
    }
  }
  std::vector<std::string> stuck;
  for (int r = 0; r < static_cast<int>(w_.ranks.size()) && stuck.size() < 5; ++r)
    for (uint32_t i = 0; i < w_.ranks[r].ops.size() && stuck.size() < 5; ++i)
      if (!done_[gid(r, i)]) {
        const Op& op = w_.ranks[r].ops[i];
        std::string why = pending_[gid(r, i)] > 0 ? "waits for an earlier op" : "never matched";
        if (op.kind == OpKind::kCollective && pending_[gid(r, i)] == 0)
          why = fmt::format("waits for the other members of group [{}]",
                            fmt::join(w_.groups.at(op.group), ", "));
        if ((op.kind == OpKind::kSend || op.kind == OpKind::kRecv) && pending_[gid(r, i)] == 0)
          why = fmt::format("has no matching {} (peer {}, tag {})",
                            op.kind == OpKind::kSend ? "recv" : "send", op.peer, op.tag);
        stuck.push_back(fmt::format("rank {} op {} ('{}', {}) {}", r, i, w_.str(op.name),
                                    to_string(op.kind), why));
        break;  // one per rank is enough to diagnose
      }
  if (!stuck.empty() && !result_.failed()) {
    std::string msg = "deadlock: the workload ended with ops that can never run: ";
    for (size_t k = 0; k < stuck.size(); ++k) msg += (k ? "; " : "") + stuck[k];
    throw ConfigError(msg);
  }
  const int n = static_cast<int>(w_.ranks.size());
  for (int r = 0; r < n; ++r) result_.makespan = std::max(result_.makespan, result_.rank_finish[r]);
  constexpr size_t kPhases = static_cast<size_t>(OpPhase::kAggregation) + 1;
  std::vector<CommunicationShare> by_class(comm_class_names_.size());
  std::vector<bool> class_seen(comm_class_names_.size(), false);
  std::vector<PhaseShare> by_phase(kPhases);
  std::vector<bool> phase_seen(kPhases, false);
  for (int r = 0; r < n; ++r) {
    // The tagged splits, from the raw intervals (before they are merged below).
    std::vector<Intervals> class_iv(comm_class_names_.size()), cphase_iv(kPhases), mphase_iv(kPhases);
    for (size_t k = 0; k < comm_iv_[r].size(); ++k) {
      class_iv[comm_class_[r][k]].push_back(comm_iv_[r][k]);
      mphase_iv[static_cast<size_t>(comm_phase_[r][k])].push_back(comm_iv_[r][k]);
    }
    for (size_t k = 0; k < compute_iv_[r].size(); ++k)
      cphase_iv[static_cast<size_t>(compute_phase_[r][k])].push_back(compute_iv_[r][k]);
    Intervals c = merge(std::move(compute_iv_[r])), m = merge(std::move(comm_iv_[r]));
    result_.compute_s += length_s(c) / n;
    result_.communication_s += length_s(m) / n;
    result_.exposed_communication_s += uncovered_s(m, c) / n;
    Intervals busy = c;
    busy.insert(busy.end(), m.begin(), m.end());
    result_.idle_s += (result_.makespan.seconds() - length_s(merge(std::move(busy)))) / n;
    for (size_t k = 0; k < class_iv.size(); ++k) {
      if (class_iv[k].empty()) continue;
      class_seen[k] = true;
      const Intervals merged = merge(std::move(class_iv[k]));
      by_class[k].time_s += length_s(merged) / n;
      by_class[k].exposed_s += uncovered_s(merged, c) / n;
    }
    for (size_t p = 0; p < kPhases; ++p) {
      if (!cphase_iv[p].empty()) {
        phase_seen[p] = true;
        by_phase[p].compute_s += length_s(merge(std::move(cphase_iv[p]))) / n;
      }
      if (!mphase_iv[p].empty()) {
        phase_seen[p] = true;
        by_phase[p].communication_s += length_s(merge(std::move(mphase_iv[p]))) / n;
      }
    }
  }
  for (size_t k = 0; k < by_class.size(); ++k)
    if (class_seen[k]) result_.communication_by_group[comm_class_names_[k]] = by_class[k];
  for (size_t p = 0; p < kPhases; ++p)
    if (phase_seen[p])
      result_.by_phase[std::string(to_string(static_cast<OpPhase>(p)))] = by_phase[p];
  return std::move(result_);
}

}  // namespace dtsim::simcore
