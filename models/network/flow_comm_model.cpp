#include "models/network/flow_comm_model.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "models/network/nccl_topology.h"
#include "simcore/rng.h"

namespace dtsim::network {

FlowCommModel::FlowCommModel(simcore::Simulator& sim, const topologies::Topology& topology,
                             const topologies::Router& router, CollectiveOptions options,
                             const LinkModelSpecs& links)
    : sim_(sim),
      topo_(topology),
      router_(router),
      options_(options),
      fabric_(sim, topology, options.batch_tolerance),
      links_(links),
      channel_specs_(channel_specs(topology, links_)) {
  if (links.empty()) return;
  std::map<std::string, int> index;
  for (const auto& [cls, spec] : links) {
    index[cls] = static_cast<int>(models_.size());
    LinkModelContext ctx{&topo_, cls, {}, &host_, &sim_};
    for (uint32_t ch = 0; ch < topo_.channel_count(); ++ch)
      if (topo_.channel_exists(ch) && topo_.channel_class(ch) == cls) ctx.channels.push_back(ch);
    models_.push_back(spec->make(ctx));
  }
  channel_model_.assign(topo_.channel_count(), -1);
  for (uint32_t ch = 0; ch < topo_.channel_count(); ++ch) {
    auto it = index.find(topo_.channel_class(ch));
    if (it != index.end()) channel_model_[ch] = it->second;
  }
}

void FlowCommModel::start_transfer(int src, int dst, topologies::Path path, double bytes,
                                   int streams, std::function<void()> done,
                                   simcore::FailFn failed) {
  std::vector<int> on_path;
  if (!models_.empty())
    for (uint32_t ch : path.channels)
      if (int m = channel_model_[ch];
          m >= 0 && std::find(on_path.begin(), on_path.end(), m) == on_path.end())
        on_path.push_back(m);
  if (on_path.empty()) {
    fabric_.start_flow(path, bytes, std::move(done), {}, std::move(failed));
    return;
  }
  TransferInfo info{.src = src,
                    .dst = dst,
                    .bytes = bytes,
                    .path_latency = path.latency,
                    .path_bottleneck_bytes_per_s = path.bottleneck_bytes_per_s,
                    .now = sim_.now(),
                    .channels = {},
                    .streams = 0};
  FlowTerms terms;
  terms.weight = std::numeric_limits<double>::infinity();
  info.channels = path.channels;  // the models see the path; the callbacks' copies do not need it
  info.streams = streams;
  for (int m : on_path) {
    const TransferTerms t = models_[m]->on_start(info);
    terms.bound_bytes_per_s = std::min(terms.bound_bytes_per_s, t.bound_bytes_per_s);
    terms.weight = std::min(terms.weight, t.weight);
    path.latency += t.extra_latency;
    for (const ConstraintUse& u : t.uses) {
      // One of the path's channels: scale its coefficient; else a shared medium, each once
      // (two hops through one access point's airtime add up).
      auto ch = std::find(path.channels.begin(), path.channels.end(), u.constraint);
      if (ch != path.channels.end()) {
        terms.coefficients.resize(path.channels.size(), 1.0);
        terms.coefficients[ch - path.channels.begin()] *= u.coefficient;
        continue;
      }
      auto e =
          std::find(terms.extra_constraints.begin(), terms.extra_constraints.end(), u.constraint);
      if (e == terms.extra_constraints.end()) {
        terms.extra_constraints.push_back(u.constraint);
        terms.extra_coefficients.push_back(u.coefficient);
      } else {
        terms.extra_coefficients[e - terms.extra_constraints.begin()] += u.coefficient;
      }
    }
  }
  info.channels = {};
  std::vector<int> fail_models = on_path;
  fabric_.start_flow(
      path, bytes,
      [this, info, on_path = std::move(on_path), done = std::move(done)] {
        for (int m : on_path) models_[m]->on_end(info, sim_.now());
        done();
      },
      terms,
      [this, info, fail_models = std::move(fail_models),
       failed = std::move(failed)](const std::string& why) {
        for (int m : fail_models) models_[m]->on_end(info, sim_.now());
        if (failed) failed(why);
      });
}

topologies::Path FlowCommModel::route_ranks(int src, int dst, uint64_t hash) const {
  const auto& ranks = topo_.ranks();
  if (src < 0 || dst < 0 || src >= static_cast<int>(ranks.size()) ||
      dst >= static_cast<int>(ranks.size()))
    throw simcore::ConfigError(fmt::format("rank {} or {} is not in the cluster ({} ranks)", src,
                                           dst, ranks.size()));
  return network::route_ranks(topo_, router_, src, dst, hash);
}

uint64_t FlowCommModel::signature(const simcore::CollectiveCall& call) {
  uint64_t h =
      simcore::mix64(static_cast<uint64_t>(call.kind) ^ simcore::hash_name(call.algorithm));
  auto add = [&h](uint64_t v) { h = simcore::mix64(h ^ v); };
  add(static_cast<uint64_t>(call.bytes));
  add(static_cast<uint64_t>(static_cast<int64_t>(call.root)));
  add(call.ranks->size());
  for (int r : *call.ranks) add(static_cast<uint64_t>(static_cast<int64_t>(r)));
  if (call.matrix) {
    add(call.matrix->size());
    for (double b : *call.matrix) add(std::bit_cast<uint64_t>(b));
  }
  return h;
}

bool FlowCommModel::Reuse::matches(const simcore::CollectiveCall& call) const {
  if (call.kind != kind || call.algorithm != algorithm || call.bytes != bytes ||
      call.root != root || *call.ranks != members)
    return false;
  if (!call.matrix) return matrix.empty();
  return *call.matrix == matrix;
}

collectives::PairCostFn FlowCommModel::pair_costs(const std::vector<int>& members) const {
  return [this, &members](int i, int j, int streams) {
    const topologies::Path p =
        steady_route(topo_, router_, channel_specs_, members[i], members[j], streams);
    return collectives::PairCost{p.latency.seconds(), p.bottleneck_bytes_per_s};
  };
}

collectives::ScheduleRequest FlowCommModel::schedule_request(
    const simcore::CollectiveCall& call, std::span<const int> box_of,
    const collectives::NcclGroupFacts& facts, const collectives::PairCostFn& pair) const {
  collectives::ScheduleRequest r;
  r.kind = call.kind;
  r.n = static_cast<int>(call.ranks->size());
  r.bytes = static_cast<double>(call.bytes);
  r.root = call.root;
  r.chunks = options_.chunks;
  r.box_of = box_of;
  r.connections = options_.connections;
  r.pair_cost = &pair;
  r.nccl = {options_.nccl.get(), facts};
  return r;
}

FlowCommModel::TransferEstimate FlowCommModel::estimate_transfers(
    const simcore::Workload& w) const {
  TransferEstimate e;
  std::vector<std::vector<int>> boxes(w.groups.size());
  std::vector<collectives::NcclGroupFacts> facts(w.groups.size());
  std::vector<uint8_t> boxed(w.groups.size(), 0);
  for (size_t rank = 0; rank < w.ranks.size(); ++rank)
    for (const simcore::Op& op : w.ranks[rank].ops) {
      if (op.kind == simcore::OpKind::kSend) e.total += 1;
      if (op.kind != simcore::OpKind::kCollective || op.group >= w.groups.size()) continue;
      const std::vector<int>& members = w.groups[op.group];
      // One count per collective: on its first member's program (a mismatch is the executor's
      // error to report, with the op's origin).
      if (members.empty() || members[0] != static_cast<int>(rank)) continue;
      const int n = static_cast<int>(members.size());
      if (n < 2) continue;
      double count = 0;
      if (op.matrix >= 0) {
        count = static_cast<double>(n) * (n - 1) * options_.chunks;
      } else {
        if (!boxed[op.group]) {
          boxes[op.group] = member_boxes(topo_, members);
          facts[op.group] = nccl_group_facts(topo_, members);
          boxed[op.group] = 1;
        }
        const simcore::CollectiveCall call{op.collective, w.str(op.algorithm), &members, op.bytes,
                                           op.root};
        const collectives::PairCostFn pair = pair_costs(members);
        count = resolve_algorithm(call, boxes[op.group])
                    .family()
                    .transfer_count(schedule_request(call, boxes[op.group], facts[op.group], pair));
      }
      e.total += count;
      e.largest_collective = std::max(e.largest_collective, count);
    }
  return e;
}

std::string FlowCommModel::start_collective(const simcore::CollectiveCall& call,
                                            std::function<void()> done, simcore::FailFn failed) {
  const auto& members = *call.ranks;
  const int n = static_cast<int>(members.size());
  const uint64_t sig = signature(call);
  const auto [ordinal, first_call] = ordinals_.try_emplace(sig, ordinals_.size());
  // Reused timings (see the header): alone on an idle fabric, an identical call takes the same.
  const bool alone = options_.reuse_timings && call.exclusive && models_.empty() &&
                     fabric_.plain() && fabric_.idle() && fabric_.whole_bytes();
  if (alone) {
    if (auto it = reuses_.find(sig); it != reuses_.end())
      for (const auto& r : it->second)
        if (r->matches(call)) {
          ++next_id_;  // as a simulated run takes an id
          ++reused_;
          const Reuse* rec = r.get();
          sim_.schedule_in(rec->duration, [this, rec, done = std::move(done)] {
            fabric_.count_reused(rec->flows, rec->carried);
            sim_.count_events(rec->events - 1);  // this event is one of them
            done();
          });
          return rec->label;
        }
  }
  const std::vector<int> box_of = member_boxes(topo_, members);
  const collectives::Algorithm algo = resolve_algorithm(call, box_of);
  auto owned = std::make_unique<Running>();
  Running* run = owned.get();
  run->serial = running_serial_++;
  run->model = this;
  collectives::Schedule schedule;
  if (call.matrix) {
    schedule = collectives::build_alltoallv_schedule(algo, n, *call.matrix, options_.chunks);
  } else {
    const collectives::PairCostFn pair = pair_costs(members);
    schedule = collectives::build_schedule(
        algo, schedule_request(call, box_of, nccl_group_facts(topo_, members), pair));
  }
  run->streams = schedule.streams;
  run->route_latency = schedule.route_latency;
  ++next_id_;
  run->route_seed = ordinal->second << 24;
  run->done = std::move(done);
  run->fail = std::move(failed);
  const auto& tr = schedule.transfers;
  const size_t m = tr.size();
  // Record it when it runs alone, its call came before (a call made once is not kept), fewer
  // than kMaxReuses are kept, and every size is whole bytes (exact sums per channel).
  bool whole = alone && !first_call && recorded_ < kMaxReuses;
  for (size_t t = 0; t < m && whole; ++t)
    whole = tr[t].bytes == std::floor(tr[t].bytes) && tr[t].bytes < 0x1p52;
  if (whole) {
    auto rec = std::make_unique<Recording>();
    rec->reuse.kind = call.kind;
    rec->reuse.algorithm = std::string(call.algorithm);
    rec->reuse.bytes = call.bytes;
    rec->reuse.root = call.root;
    rec->reuse.members = members;
    if (call.matrix) rec->reuse.matrix = *call.matrix;
    rec->signature = sig;
    rec->start = sim_.now();
    rec->fabric_events = fabric_.events();
    rec->flows = fabric_.flows_started();
    const auto carried = fabric_.carried();
    rec->carried.assign(carried.begin(), carried.end());
    run->recording = std::move(rec);
  }
  run->left = m;
  run->steps.resize(m);
  for (size_t t = 0; t < m; ++t) {  // dependents as CSR: count, then place
    Step& st = run->steps[t];
    st.bytes = tr[t].bytes;
    st.src = members[tr[t].src];
    st.dst = members[tr[t].dst];
    st.pending = tr[t].dep_end - tr[t].dep_begin;
    for (uint32_t k = tr[t].dep_begin; k < tr[t].dep_end; ++k) ++run->steps[schedule.deps[k]].out_end;
  }
  uint32_t at = 0;
  for (Step& st : run->steps) {
    st.out_begin = at;
    at += st.out_end;
    st.out_end = st.out_begin;  // the fill cursor, until every dependent is placed
  }
  run->dependents.resize(at);
  for (size_t t = 0; t < m; ++t)
    for (uint32_t k = tr[t].dep_begin; k < tr[t].dep_end; ++k)
      run->dependents[run->steps[schedule.deps[k]].out_end++] = static_cast<uint32_t>(t);
  // NCCL's latency model (the NCCL families): the collective's latency is paid once, before
  // its first transfers.
  const simcore::Time start = simcore::Time::from_seconds_ceil(schedule.start_latency_s);
  std::string label = schedule.label.empty() ? std::string(algo.name()) : schedule.label;
  if (run->recording) run->recording->reuse.label = label;
  if (m == 0) {
    ++run->own_events;
    running_.emplace(run->serial, std::move(owned));
    sim_.schedule_in(start, [this, run] { finish(*run); });
  } else {
    // Check every route before the first flow starts, so a missing route is a clean error
    // (a hop-count lookup: the paths themselves are built as the transfers start).
    for (const Step& st : run->steps)
      if (st.src != st.dst) require_route(topo_, router_, st.src, st.dst);
    schedule = {};  // the steps hold what the run needs
    running_.emplace(run->serial, std::move(owned));
    auto first = [this, run] {
      for (size_t t = 0; t < run->steps.size(); ++t)
        if (run->steps[t].pending == 0) launch(run, static_cast<uint32_t>(t));
    };
    if (start > simcore::Time::zero()) {
      ++run->own_events;
      sim_.schedule_in(start, std::move(first));
    } else {
      first();
    }
  }
  return label;
}

void FlowCommModel::transfer_done(Running* run, uint32_t t) {
  const Step& s = run->steps[t];
  for (uint32_t k = s.out_begin; k < s.out_end; ++k) {
    uint32_t d = run->dependents[k];
    if (--run->steps[d].pending == 0) launch(run, d);
  }
  if (--run->left == 0) finish(*run);
}

void FlowCommModel::launch(Running* run, uint32_t t) {
  const Step& st = run->steps[t];
  // Two words, trivially copied: std::function keeps it without an allocation.
  auto on_done = [run, t] { run->model->transfer_done(run, t); };
  const int src = st.src, dst = st.dst;
  if (src == dst) {
    ++run->own_events;
    sim_.schedule_in(simcore::Time::zero(), std::move(on_done));
    return;
  }
  // A failed transfer: the collective fails once; its dependents never launch. Only a fabric
  // with faults can fail a flow: without, no failure path is built (it would cost an
  // allocation per transfer).
  simcore::FailFn on_fail;
  if (fabric_.watched())
    on_fail = [run](const std::string& why) {
      if (run->failed) return;
      run->failed = true;
      if (run->fail) run->fail(why);
    };
  uint64_t hash = simcore::mix64(run->route_seed ^ t);
  const topologies::Path& path =
      network::route_ranks(topo_, router_, src, dst, hash, route_scratch_);
  const simcore::Time latency = run->route_latency ? path.latency : simcore::Time::zero();
  if (models_.empty()) {  // a plain flow: the path as routed, not copied
    fabric_.start_flow(path.channels, latency, st.bytes, std::move(on_done), std::move(on_fail));
    return;
  }
  topologies::Path copy = path;
  copy.latency = latency;
  start_transfer(src, dst, std::move(copy), st.bytes, run->streams, std::move(on_done),
                 std::move(on_fail));
}

void FlowCommModel::finish(Running& run) {
  if (run.recording && fabric_.whole_bytes()) {
    Recording& rec = *run.recording;
    Reuse& r = rec.reuse;
    r.duration = sim_.now() - rec.start;
    r.events = run.own_events + (fabric_.events() - rec.fabric_events);
    r.flows = fabric_.flows_started() - rec.flows;
    const auto carried = fabric_.carried();
    for (uint32_t c = 0; c < rec.carried.size(); ++c)
      if (carried[c] != rec.carried[c]) r.carried.emplace_back(c, carried[c] - rec.carried[c]);
    reuses_[rec.signature].push_back(std::make_unique<Reuse>(std::move(r)));
    ++recorded_;
    run.recording.reset();
  }
  std::function<void()> done = std::move(run.done);
  running_.erase(run.serial);  // its last transfer has run its callback
  done();
}

void FlowCommModel::start_p2p(int src, int dst, int64_t bytes, std::function<void()> done,
                              simcore::FailFn failed) {
  if (src == dst) {
    sim_.schedule_in(simcore::Time::zero(), std::move(done));
    return;
  }
  uint64_t hash = simcore::mix64((next_id_++ << 24) ^ 0xffffff);
  start_transfer(src, dst, route_ranks(src, dst, hash), static_cast<double>(bytes), 0,
                 std::move(done), std::move(failed));
}

}  // namespace dtsim::network
