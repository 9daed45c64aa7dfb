// `workload.kind: collective_sweep`: an nccl-tests-like sweep of one collective over sizes
// (models/workloads/collective_sweep.h); its report section is one row per size.
#include "models/workloads/collective_sweep.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "models/collectives/algorithm.h"
#include "models/collectives/peer_churn.h"
#include "tools/dtsim/runner.h"
#include "tools/dtsim/config_schema.h"
#include "tools/dtsim/kinds/common.h"
#include "tools/dtsim/kinds/pccl_churn_report.h"
#include "tools/dtsim/kinds/registry.h"

namespace dtsim::cli::kinds {

namespace {

using Params = workloads::CollectiveSweepParams;

constexpr const char* kMaxSize = "a size below 4 EB (the byte counter is 64-bit)";

/** nccl-tests' data types (-d) and their sizes in bytes (nccl-tests src/common.cu). */
const std::vector<std::pair<std::string, int>>& dtypes() {
  static const std::vector<std::pair<std::string, int>> t = {
      {"int8", 1},  {"uint8", 1}, {"int32", 4},  {"uint32", 4},   {"int64", 8},
      {"uint64", 8}, {"half", 2},  {"float", 4},  {"double", 8},  {"bfloat16", 2}};
  return t;
}

std::vector<std::string> dtype_names() {
  std::vector<std::string> out;
  for (const auto& [name, size] : dtypes()) out.push_back(name);
  return out;
}

/** What the nccl-tests table shows beyond the sweep itself. */
struct SweepInfo {
  Params p;
  std::string dtype = "float";
  int dtype_bytes = 4;
  std::string redop = "sum";
};

/** The kind's keys, declared once: key checking and the README's table come from here. */
const KeySchema& keys() {
  static const KeySchema schema(
      {KeySpec("kind", "collective_sweep").mandatory(),
       KeySpec("collective", "the collective")
           .mandatory()
           .one_of(
               {"all_reduce", "reduce_scatter", "all_gather", "all_to_all", "broadcast", "reduce"}),
       KeySpec("algorithm", "the algorithm")
           .defaults("auto")
           .one_of(collectives::algorithm_names()),
       KeySpec("ranks", "ranks 0..ranks-1 take part (at most the cluster's)")
           .defaults("every rank")
           .checked(integer_in(1, INT32_MAX)),
       KeySpec("sizes", "sizes from min to max, multiplying by factor (nccl-tests -b, -e, -f)")
           .mandatory()
           .with_keys({KeySpec("min", "first size (per rank, nccl-tests convention)")
                           .in_unit("bytes")
                           .mandatory()
                           .checked(size_at_most(4e18, kMaxSize)),
                       KeySpec("max", "last size, at least min")
                           .defaults("min")
                           .in_unit("bytes")
                           .checked(size_at_most(4e18, kMaxSize)),
                       KeySpec("factor", "ratio of successive sizes")
                           .defaults("2")
                           .checked(number_above(1, "a factor > 1"))}),
       KeySpec("iterations", "runs of each size (the report gives their mean)")
           .defaults("1")
           .checked(integer_in(1, 1 << 20)),
       KeySpec("root", "root of broadcast and reduce, an index into the ranks")
           .defaults("0")
           .in_unit("rank"),
       KeySpec("dtype", "element type of the table's count column (nccl-tests -d); no effect on "
                        "time")
           .defaults("float")
           .one_of(dtype_names()),
       KeySpec("redop", "reduction of the table's redop column (nccl-tests -o); no effect on time")
           .defaults("sum")
           .one_of({"sum", "prod", "max", "min", "avg"})});
  return schema;
}

/** Reads the keys `keys()` checked (the registry checks them first). Errors: ConfigError for what
 * depends on other keys (the cluster's size, max below min, root outside the ranks). */
Params parse(const Scenario& s, const ConfigNode& w) {
  Params p;
  p.kind = *simcore::parse_collective_kind(w["collective"].str());
  if (auto a = w.get("algorithm")) p.algorithm = a->str();
  p.ranks = ranks_in_cluster(s, w, "a collective");
  auto sizes = w["sizes"];
  p.min_bytes = sizes["min"].bytes();
  p.max_bytes = sizes.has("max") ? sizes["max"].bytes() : p.min_bytes;
  if (p.max_bytes < p.min_bytes)
    sizes["max"].fail(fmt::format("max ({} B) is below min ({} B)", p.max_bytes, p.min_bytes));
  if (auto f = sizes.get("factor")) p.factor = f->number();
  if (auto i = w.get("iterations")) p.iterations = static_cast<int>(i->integer());
  if (auto r = w.get("root")) p.root = static_cast<int>(r->integer(0, p.ranks - 1));
  // The work, counted before any size is listed: sizes min, min f, min f^2, ... up to max
  // (from 1 B when min is 0), each run `iterations` times on every rank.
  const double from = p.min_bytes > 0 ? p.min_bytes : 1;
  const double sizes_n =
      (p.min_bytes > 0 ? 0 : 1) +
      (p.max_bytes >= from ? std::floor(std::log(p.max_bytes / from) / std::log(p.factor)) + 1 : 0);
  const double ops = sizes_n * p.iterations * p.ranks;
  // The work cap: the nccl-tests default sweep on 8 ranks is 248 ops; 1e6 take minutes. An op
  // holds about 200 B while the workload lives (the Op, its deps and name; cf. the transformer's
  // 160 B measured on DeepSeek-V3).
  constexpr double kMaxOps = 1e6, kBytesPerOp = 200;
  check_work(s, w, "",
             {fmt::format("the sweep of {:.0f} sizes x {} iterations x {} ranks", sizes_n,
                          p.iterations, p.ranks),
              "collective ops", ops, kBytesPerOp, kMaxOps,
              "use fewer sizes (a larger factor) or fewer iterations"});
  return p;
}

void load(Scenario& s, const ConfigNode& w) {
  SweepInfo info;
  info.p = parse(s, w);
  const Params& p = info.p;
  // PCCL's peers leave and join between (or during) its operations (faults.peers).
  if (!s.faults.peers.empty()) {
    if (p.algorithm != "pccl_ring")
      (w.has("algorithm") ? w["algorithm"] : w)
          .fail(fmt::format("faults.peers leave and join a PCCL run: expected algorithm "
                            "pccl_ring; got {}",
                            p.algorithm));
    for (const auto& f : s.faults.peers)
      if (f.rank >= p.ranks)
        w.fail(fmt::format("faults.peers: peer '{}' is rank {}, outside the collective's {} ranks",
                           f.name, f.rank, p.ranks));
  }
  if (auto d = w.get("dtype")) info.dtype = d->str();
  for (const auto& [name, size] : dtypes())
    if (name == info.dtype) info.dtype_bytes = size;
  if (auto r = w.get("redop")) info.redop = r->str();
  s.workload = workloads::make_collective_sweep(info.p);
  s.info = std::make_shared<InfoOf<SweepInfo>>(info);
}

double gbps(double bytes, double seconds) { return seconds > 0 ? bytes / seconds / 1e9 : 0.0; }

void report(const Scenario& s, const simcore::ExecutionResult& r, nlohmann::ordered_json& j) {
  const Params& p = info_of<SweepInfo>(s).p;
  // One row per size: the mean over iterations (records are in issue order); a collective that
  // failed (faults) is counted apart, and a size with no finished one has no time.
  std::map<int64_t, std::pair<double, int>> by_size;
  std::map<int64_t, int> failed;
  std::vector<int64_t> order;
  for (const auto& c : r.collectives) {
    auto [it, fresh] = by_size.try_emplace(c.bytes, 0.0, 0);
    if (fresh) order.push_back(c.bytes);
    if (c.failed) {
      ++failed[c.bytes];
      continue;
    }
    it->second.first += (c.end - c.start).seconds();
    it->second.second += 1;
  }
  auto rows = nlohmann::ordered_json::array();
  for (int64_t b : order) {
    if (failed.count(b) && by_size[b].second == 0) {
      rows.push_back({{"bytes", b}, {"time_s", nullptr}, {"failed", failed[b]}});
      continue;
    }
    double t = by_size[b].first / by_size[b].second;
    double alg = gbps(static_cast<double>(b), t);
    rows.push_back({{"bytes", b},
                    {"time_s", t},
                    {"algbw_GB_per_s", alg},
                    {"busbw_GB_per_s", alg * simcore::busbw_factor(p.kind, p.ranks)}});
    if (failed.count(b)) rows.back()["failed"] = failed[b];
  }
  j["sweep"] = rows;
}

/** The sweep's operations in turn under PCCL's peer churn (faults.peers; peer_churn.h): each
 *  attempt simulated over the peers that take part (once per peer set and size). The headline
 *  is the last operation's end; `collectives[]` lists every attempt (lost ones `failed`), so the
 *  sweep rows count restarts per size; links: the bytes of the completing attempts. */
void simulate_churn(const Scenario& s, RunOutcome& o) {
  const Params& p = info_of<SweepInfo>(s).p;
  std::vector<int64_t> op_bytes;
  for (int64_t b : workloads::sweep_sizes(p))
    for (int it = 0; it < p.iterations; ++it) op_bytes.push_back(b);
  std::vector<int> peers(static_cast<size_t>(p.ranks));
  for (int r = 0; r < p.ranks; ++r) peers[static_cast<size_t>(r)] = r;
  std::vector<collectives::PeerEvent> events;
  for (const auto& f : s.faults.peers) events.push_back({f.rank, f.at, f.joins});
  std::map<std::pair<std::vector<int>, int64_t>, RunOutcome> runs;
  auto run_of = [&](int i, const std::vector<int>& members) -> const RunOutcome& {
    const int64_t bytes = op_bytes[static_cast<size_t>(i)];
    auto key = std::make_pair(members, bytes);
    auto it = runs.find(key);
    if (it == runs.end())
      it = runs.emplace(key, simulate_workload(s, workloads::make_collective_op(p, members, bytes),
                                               false))
               .first;
    return it->second;
  };
  const std::vector<collectives::ChurnOp> ops = collectives::run_with_churn(
      static_cast<int>(op_bytes.size()), peers, events,
      [&](int i, const std::vector<int>& m) { return run_of(i, m).result.makespan; });
  auto name_of = [&](int rank) {
    for (const auto& f : s.faults.peers)
      if (f.rank == rank) return f.name;
    return s.topology.nodes()[s.topology.ranks()[static_cast<size_t>(rank)]].name;
  };
  simcore::ExecutionResult& r = o.result;
  for (size_t i = 0; i < ops.size(); ++i) {
    const auto& op = ops[i];
    const int64_t bytes = op_bytes[i];
    const std::string name = fmt::format("{} {}B", simcore::to_string(p.kind), bytes);
    simcore::Time t = op.start;
    for (const auto& x : op.restarts) {
      r.collectives.push_back({name, p.kind, p.algorithm, x.peers, bytes, t, x.at, true, ""});
      t = x.at;
    }
    r.collectives.push_back({name, p.kind, p.algorithm, static_cast<int>(op.peers.size()), bytes,
                             op.end - op.last_attempt, op.end, false, ""});
    if (op.peers.size() >= 2)
      for (const auto& u : run_of(static_cast<int>(i), op.peers).links) {
        auto it = std::find_if(o.links.begin(), o.links.end(),
                               [&](const auto& y) { return y.link_class == u.link_class; });
        if (it == o.links.end())
          it = o.links.insert(o.links.end(), {u.link_class, 0, u.capacity_bytes_per_s});
        it->bytes += u.bytes;
      }
  }
  r.makespan = ops.empty() ? simcore::Time{} : ops.back().end;
  r.rank_finish.assign(static_cast<size_t>(p.ranks), r.makespan);
  for (const auto& [key, run] : runs) o.events += run.events;
  o.kind_report["pccl_churn"] =
      pccl_churn_section(ops, s.faults.peers, name_of, [&](size_t i, nlohmann::ordered_json& e) {
        e["bytes"] = op_bytes[i];
      });
}

void simulate(const Scenario& s, bool record_ops, RunOutcome& o) {
  if (s.faults.peers.empty()) {
    o = simulate_workload(s, s.workload, record_ops);
    o.one_replay = true;
    return;
  }
  simulate_churn(s, o);
}

/** nccl-tests' time column: 7 wide, fewer decimals as it grows (nccl-tests src/common.cu). */
std::string nccl_time(double us) {
  if (us >= 10000.0) return fmt::format("{:7.0f}", us);
  if (us >= 100.0) return fmt::format("{:7.1f}", us);
  return fmt::format("{:7.2f}", us);
}

/**
 * The table as nccl-tests prints it (its src/common.cu): out-of-place and in-place columns, the
 * count in elements of `dtype` (per rank for all-gather, reduce-scatter and all-to-all, whose
 * size is the whole buffer), `redop` "none" for collectives that reduce nothing, root -1 for the
 * unrooted ones, `#wrong` "N/A" (nccl-tests' mark for data it did not check: dtsim moves no
 * data), and the "Avg bus bandwidth" footer (the mean busbw over every row and both columns).
 * dtsim simulates no buffers, so in-place and out-of-place are the same run and show the same
 * numbers.
 */
void print_table(const Scenario& s, const nlohmann::ordered_json& j) {
  const SweepInfo& info = info_of<SweepInfo>(s);
  const Params& p = info.p;
  using simcore::CollectiveKind;
  const bool rooted = p.kind == CollectiveKind::kBroadcast || p.kind == CollectiveKind::kReduce;
  const bool reduces = p.kind == CollectiveKind::kAllReduce ||
                       p.kind == CollectiveKind::kReduceScatter ||
                       p.kind == CollectiveKind::kReduce;
  const bool per_rank = p.kind == CollectiveKind::kAllGather ||
                        p.kind == CollectiveKind::kReduceScatter ||
                        p.kind == CollectiveKind::kAllToAll;
  fmt::print("# collective_sweep: {} over {} ranks ({} back-end; in-place = out-of-place)\n",
             simcore::to_string(p.kind), p.ranks, s.network_model);
  fmt::print("#\n");
  // nccl-tests' header, column for column (rows: "%12li  %12li  %8s  %6s  %6i" then
  // "  %7s  %6.2f  %6.2f  %5s" for each of out-of-place and in-place).
  fmt::print("#{:62}out-of-place{:23}in-place\n", "", "");
  fmt::print("#       size         count      type   redop    root     time   algbw   busbw #wrong"
             "     time   algbw   busbw #wrong\n");
  fmt::print("#        (B)    (elements)                               (us)  (GB/s)  (GB/s)      "
             "      (us)  (GB/s)  (GB/s)\n");
  double busbw_sum = 0;
  int rows = 0;
  for (const auto& row : j["sweep"]) {
    const int64_t b = row["bytes"].get<int64_t>();
    const int64_t count = b / info.dtype_bytes / (per_rank ? p.ranks : 1);
    std::string head = fmt::format("{:>12}  {:>12}  {:>8}  {:>6}  {:>6}", b, count, info.dtype,
                                   reduces ? info.redop : "none", rooted ? p.root : -1);
    if (row["time_s"].is_null()) {
      fmt::print("{}  {:>7}  {:>6}  {:>6}  {:>5}  {:>7}  {:>6}  {:>6}  {:>5}\n", head, "failed",
                 "-", "-", "N/A", "failed", "-", "-", "N/A");
      continue;
    }
    const std::string cols = fmt::format(
        "  {}  {:6.2f}  {:6.2f}  {:>5}", nccl_time(row["time_s"].get<double>() * 1e6),
        row["algbw_GB_per_s"].get<double>(), row["busbw_GB_per_s"].get<double>(), "N/A");
    fmt::print("{}{}{}\n", head, cols, cols);
    busbw_sum += 2 * row["busbw_GB_per_s"].get<double>();
    rows += 2;
  }
  fmt::print("# Out of bounds values : 0 OK\n");
  fmt::print("# Avg bus bandwidth    : {:g} \n", rows ? busbw_sum / rows : 0.0);
  fmt::print("#\n");
}

}  // namespace

WorkloadKind collective_sweep_kind() {
  WorkloadKind k;
  k.name = "collective_sweep";
  k.schema = &keys();
  k.load = load;
  k.simulate = simulate;
  k.peer_churn = true;
  k.report = report;
  k.print_table = print_table;
  k.summarize_collectives = false;
  k.makespan_label = "sweep time";
  return k;
}

}  // namespace dtsim::cli::kinds
