#include "models/network/flow_comm_model.h"

#include <algorithm>
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
  TransferInfo info{src, dst, bytes, path.latency, path.bottleneck_bytes_per_s, sim_.now()};
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

std::string FlowCommModel::start_collective(const simcore::CollectiveCall& call,
                                            std::function<void()> done, simcore::FailFn failed) {
  const auto& members = *call.ranks;
  const int n = static_cast<int>(members.size());
  const std::vector<int> box_of = member_boxes(topo_, members);
  const collectives::Algorithm algo = resolve_algorithm(call, box_of);
  auto run = std::make_shared<Running>();
  if (call.matrix) {
    run->schedule = collectives::build_alltoallv_schedule(algo, n, *call.matrix, options_.chunks);
  } else {
    // Steady pair costs, for the algorithms that choose their order from them (pccl_ring).
    const collectives::PairCostFn pair = [&](int i, int j, int streams) {
      const topologies::Path p =
          steady_route(topo_, router_, channel_specs_, members[i], members[j], streams);
      return collectives::PairCost{p.latency.seconds(), p.bottleneck_bytes_per_s};
    };
    collectives::ScheduleRequest r;
    r.kind = call.kind;
    r.n = n;
    r.bytes = static_cast<double>(call.bytes);
    r.root = call.root;
    r.chunks = options_.chunks;
    r.box_of = box_of;
    r.connections = options_.connections;
    r.pair_cost = &pair;
    r.nccl = {options_.nccl.get(), nccl_group_facts(topo_, members)};
    run->schedule = collectives::build_schedule(algo, r);
  }
  run->ranks = members;
  run->id = next_id_++;
  run->done = std::move(done);
  run->fail = std::move(failed);
  const auto& tr = run->schedule.transfers;
  const size_t m = tr.size();
  run->left = m;
  run->pending.resize(m);
  std::vector<uint32_t> count(m + 1, 0);
  for (size_t t = 0; t < m; ++t) {
    run->pending[t] = tr[t].dep_end - tr[t].dep_begin;
    for (uint32_t k = tr[t].dep_begin; k < tr[t].dep_end; ++k) ++count[run->schedule.deps[k] + 1];
  }
  run->dep_begin.assign(m + 1, 0);
  for (size_t t = 0; t < m; ++t) run->dep_begin[t + 1] = run->dep_begin[t] + count[t + 1];
  run->dependents.resize(run->dep_begin[m]);
  std::vector<uint32_t> fill(run->dep_begin.begin(), run->dep_begin.end() - 1);
  for (size_t t = 0; t < m; ++t)
    for (uint32_t k = tr[t].dep_begin; k < tr[t].dep_end; ++k)
      run->dependents[fill[run->schedule.deps[k]]++] = static_cast<uint32_t>(t);
  // NCCL's latency model (the NCCL families): the collective's latency is paid once, before
  // its first transfers.
  const simcore::Time start = simcore::Time::from_seconds_ceil(run->schedule.start_latency_s);
  if (m == 0) {
    sim_.schedule_in(start, [run] { run->done(); });
  } else if (start > simcore::Time::zero()) {
    for (size_t t = 0; t < m; ++t)
      if (tr[t].src != tr[t].dst) require_route(topo_, router_, members[tr[t].src], members[tr[t].dst]);
    sim_.schedule_in(start, [this, run] {
      for (size_t t = 0; t < run->schedule.transfers.size(); ++t)
        if (run->pending[t] == 0) launch(run, static_cast<uint32_t>(t));
    });
  } else {
    // Check every route before the first flow starts, so a missing route is a clean error
    // (a hop-count lookup: the paths themselves are built as the transfers start).
    for (size_t t = 0; t < m; ++t)
      if (tr[t].src != tr[t].dst) require_route(topo_, router_, members[tr[t].src], members[tr[t].dst]);
    for (size_t t = 0; t < m; ++t)
      if (run->pending[t] == 0) launch(run, static_cast<uint32_t>(t));
  }
  if (!run->schedule.label.empty()) return run->schedule.label;
  return std::string(algo.name());
}

void FlowCommModel::launch(const std::shared_ptr<Running>& run, uint32_t t) {
  const auto& tr = run->schedule.transfers[t];
  auto on_done = [this, run, t] {
    for (uint32_t k = run->dep_begin[t]; k < run->dep_begin[t + 1]; ++k) {
      uint32_t d = run->dependents[k];
      if (--run->pending[d] == 0) launch(run, d);
    }
    if (--run->left == 0) run->done();
  };
  int src = run->ranks[tr.src], dst = run->ranks[tr.dst];
  if (src == dst) {
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
  uint64_t hash = simcore::mix64((run->id << 24) ^ t);
  topologies::Path path = route_ranks(src, dst, hash);
  if (!run->schedule.route_latency) path.latency = simcore::Time::zero();
  start_transfer(src, dst, std::move(path), tr.bytes, run->schedule.streams,
                 std::move(on_done), std::move(on_fail));
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
