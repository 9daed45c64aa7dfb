#include "simcore/trace.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace dtsim::simcore {

namespace {

using json = nlohmann::ordered_json;

/** Microseconds with 6 decimals from an integer picosecond count, exactly (no float). */
std::string us(int64_t ps) {
  const char* sign = ps < 0 ? "-" : "";
  uint64_t a = ps < 0 ? -static_cast<uint64_t>(ps) : ps;
  return fmt::format("{}{}.{:06d}", sign, a / 1'000'000, a % 1'000'000);
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

/** `event` (a JSON object) with `fields` (exact numbers, pre-formatted) spliced in before its
 *  closing brace. */
std::string with_fields(const json& event, const std::string& fields) {
  std::string s = dump(event);
  s.insert(s.size() - 1, (s.size() > 2 ? "," : "") + fields);
  return s;
}

/** The op `r` recorded, when the record names one of `w`'s ops (kinds that compose several
 *  simulations may record ops of other workloads: those get no arguments). */
const Op* op_of(const Workload& w, const OpRecord& r) {
  if (r.rank < 0 || static_cast<size_t>(r.rank) >= w.ranks.size()) return nullptr;
  const auto& ops = w.ranks[r.rank].ops;
  if (r.op >= ops.size() || ops[r.op].name != r.name) return nullptr;
  return &ops[r.op];
}

json args_of(const Workload& w, const Op& op) {
  json a = json::object();
  switch (op.kind) {
    case OpKind::kCompute:
      if (op.duration) {
        a["traced_us"] = op.duration->seconds() * 1e6;
      } else {
        a["flops"] = op.flops;
        a["bytes"] = op.mem_bytes;
      }
      if (!w.str(op.dtype).empty()) a["dtype"] = w.str(op.dtype);
      break;
    case OpKind::kCollective:
      a["collective"] = to_string(op.collective);
      a["bytes"] = op.bytes;
      a["communicator"] = w.communicator(op.group).empty() ? fmt::format("group{}", op.group)
                                                            : std::string(w.communicator(op.group));
      a["group_size"] = w.groups.at(op.group).size();
      a["algorithm"] = w.str(op.algorithm);
      break;
    case OpKind::kSend:
    case OpKind::kRecv:
      a[op.kind == OpKind::kSend ? "to" : "from"] = op.peer;
      a["bytes"] = op.bytes;
      a["tag"] = op.tag;
      break;
    case OpKind::kDelay: a["delay_us"] = op.delay.seconds() * 1e6; break;
  }
  const OpTags& t = op.tags;
  if (t.phase != OpPhase::kNone) a["phase"] = to_string(t.phase);
  if (t.step != OpTags::kNone) a["step"] = t.step;
  if (t.layer != OpTags::kNone) a["layer"] = t.layer;
  if (t.micro_batch != OpTags::kNone) a["micro_batch"] = t.micro_batch;
  if (t.replica != OpTags::kNone) a["replica"] = t.replica;
  return a;
}

}  // namespace

void write_chrome_trace(std::ostream& out, const Workload& w, const ExecutionResult& result,
                        const std::set<int>& only) {
  auto shown = [&](int rank) { return only.empty() || only.count(rank) > 0; };
  std::set<std::pair<int, int>> threads;
  for (const auto& r : result.ops)
    if (shown(r.rank)) threads.emplace(r.rank, r.stream);
  out << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  bool first = true;
  auto emit = [&](const std::string& event) {
    if (!first) out << ",\n";
    first = false;
    out << event;
  };
  std::set<int> ranks;
  for (auto [rank, stream] : threads) {
    if (ranks.insert(rank).second) {
      emit(dump({{"ph", "M"}, {"name", "process_name"}, {"pid", rank},
                 {"args", {{"name", fmt::format("rank {}", rank)}}}}));
      emit(dump({{"ph", "M"}, {"name", "process_sort_index"}, {"pid", rank},
                 {"args", {{"sort_index", rank}}}}));
    }
    emit(dump({{"ph", "M"}, {"name", "thread_name"}, {"pid", rank}, {"tid", stream},
               {"args", {{"name", w.stream_names.at(stream)}}}}));
  }
  // Sends and receives in program order per (source, destination, tag): the k-th send matches
  // the k-th receive, as the executor matches them.
  using Key = std::tuple<int, int, int32_t>;
  std::map<Key, std::vector<const OpRecord*>> sends, recvs;
  std::vector<const OpRecord*> p2p;
  for (const auto& r : result.ops)
    if ((r.kind == OpKind::kSend || r.kind == OpKind::kRecv) && op_of(w, r)) p2p.push_back(&r);
  std::sort(p2p.begin(), p2p.end(), [](const OpRecord* a, const OpRecord* b) {
    return std::tie(a->rank, a->op) < std::tie(b->rank, b->op);
  });
  for (const OpRecord* r : p2p) {
    const Op& op = *op_of(w, *r);
    if (r->kind == OpKind::kSend)
      sends[{r->rank, op.peer, op.tag}].push_back(r);
    else
      recvs[{op.peer, r->rank, op.tag}].push_back(r);
  }
  for (const auto& r : result.ops) {
    if (!shown(r.rank)) continue;
    json e = {{"ph", "X"}, {"pid", r.rank}, {"tid", r.stream}, {"name", w.str(r.name)},
              {"cat", to_string(r.kind)}};
    if (const Op* op = op_of(w, r)) e["args"] = args_of(w, *op);
    emit(with_fields(e, fmt::format("\"ts\":{},\"dur\":{}", us(r.start.count_ps()),
                                    us((r.end - r.start).count_ps()))));
  }
  // Flow arrows: from the start of the send's slice to the middle of the receive's (a flow end
  // binds to the slice enclosing its time: the middle is inside it).
  uint64_t id = 0;
  for (const auto& [key, list] : sends) {
    auto it = recvs.find(key);
    if (it == recvs.end()) continue;
    for (size_t k = 0; k < list.size() && k < it->second.size(); ++k) {
      const OpRecord* s = list[k];
      const OpRecord* r = it->second[k];
      ++id;
      if (!shown(s->rank) || !shown(r->rank)) continue;
      emit(with_fields({{"ph", "s"}, {"id", id}, {"pid", s->rank}, {"tid", s->stream},
                        {"name", "send"}, {"cat", "p2p"}},
                       fmt::format("\"ts\":{}", us(s->start.count_ps()))));
      emit(with_fields({{"ph", "f"}, {"bp", "e"}, {"id", id}, {"pid", r->rank},
                        {"tid", r->stream}, {"name", "send"}, {"cat", "p2p"}},
                       fmt::format("\"ts\":{}", us(r->start.count_ps() +
                                                  (r->end - r->start).count_ps() / 2))));
    }
  }
  out << "\n]}\n";
}

}  // namespace dtsim::simcore
