#include "simcore/program_builder.h"

#include <functional>

namespace dtsim::simcore {

ProgramBuilder::ProgramBuilder(Workload& w, Strings strings)
    : w_(w),
      own_strings_(strings == Strings::kPrivate ? std::make_unique<Workload>() : nullptr),
      strings_(own_strings_ ? *own_strings_ : w) {}

Op& ProgramBuilder::make(int rank, OpKind kind, uint8_t stream, std::string_view name,
                         std::vector<uint32_t>&& deps, uint32_t& index) {
  const uint32_t name_index = name_id(name);
  auto& ops = w_.ranks[static_cast<size_t>(rank)].ops;
  index = static_cast<uint32_t>(ops.size());
  // Built in place: moving a finished op into the program cost a tenth of building a large step.
  Op& op = ops.emplace_back();
  op.kind = kind;
  op.stream = stream;
  op.name = name_index;
  op.tags = tags_;
  op.deps = std::move(deps);
  return op;
}

uint32_t ProgramBuilder::compute(int rank, std::string_view name, double flops, double mem_bytes,
                                 std::string_view dtype, std::vector<uint32_t> deps,
                                 uint8_t stream) {
  uint32_t i;
  Op& op = make(rank, OpKind::kCompute, stream, name, std::move(deps), i);
  op.dtype = cached(dtype_cache_, dtype);
  op.flops = flops;
  op.mem_bytes = mem_bytes;
  return i;
}

uint32_t ProgramBuilder::shaped_compute(int rank, std::string_view name, double flops,
                                        double mem_bytes, std::string_view dtype, int32_t shape,
                                        std::vector<uint32_t> deps, uint8_t stream) {
  const uint32_t i = compute(rank, name, flops, mem_bytes, dtype, std::move(deps), stream);
  op(rank, i).shape = shape;
  return i;
}

int32_t ProgramBuilder::shape(const KernelShapes& s) { return strings_.shape_of(s); }

uint32_t ProgramBuilder::timed_compute(int rank, std::string_view name, Time duration,
                                       double mem_bytes, std::string_view dtype,
                                       std::vector<uint32_t> deps, uint8_t stream) {
  uint32_t i;
  Op& op = make(rank, OpKind::kCompute, stream, name, std::move(deps), i);
  op.dtype = cached(dtype_cache_, dtype);
  op.duration = duration;
  op.mem_bytes = mem_bytes;
  return i;
}

uint32_t ProgramBuilder::collective(int rank, std::string_view name, CollectiveKind kind,
                                    int64_t bytes, uint32_t group, std::string_view algorithm,
                                    std::vector<uint32_t> deps, uint8_t stream, int32_t root) {
  uint32_t i;
  Op& op = make(rank, OpKind::kCollective, stream, name, std::move(deps), i);
  op.collective = kind;
  op.bytes = bytes;
  op.group = group;
  op.algorithm = cached(algorithm_cache_, algorithm);
  op.root = root;
  return i;
}

uint32_t ProgramBuilder::all_to_all_v(int rank, std::string_view name, int32_t matrix,
                                      int64_t bytes, uint32_t group, std::string_view algorithm,
                                      std::vector<uint32_t> deps, uint8_t stream) {
  const uint32_t i = collective(rank, name, CollectiveKind::kAllToAll, bytes, group, algorithm,
                                std::move(deps), stream);
  op(rank, i).matrix = matrix;
  return i;
}

uint32_t ProgramBuilder::p2p(int rank, OpKind kind, std::string_view name, int peer, int64_t bytes,
                             int32_t tag, std::vector<uint32_t>&& deps, uint8_t stream) {
  uint32_t i;
  Op& op = make(rank, kind, stream, name, std::move(deps), i);
  op.peer = peer;
  op.bytes = bytes;
  op.tag = tag;
  return i;
}

uint32_t ProgramBuilder::send(int rank, std::string_view name, int peer, int64_t bytes, int32_t tag,
                              std::vector<uint32_t> deps, uint8_t stream) {
  return p2p(rank, OpKind::kSend, name, peer, bytes, tag, std::move(deps), stream);
}

uint32_t ProgramBuilder::recv(int rank, std::string_view name, int peer, int64_t bytes, int32_t tag,
                              std::vector<uint32_t> deps, uint8_t stream) {
  return p2p(rank, OpKind::kRecv, name, peer, bytes, tag, std::move(deps), stream);
}

uint32_t ProgramBuilder::delay(int rank, std::string_view name, Time duration,
                               std::vector<uint32_t> deps, uint8_t stream) {
  uint32_t i;
  Op& op = make(rank, OpKind::kDelay, stream, name, std::move(deps), i);
  op.delay = duration;
  return i;
}

uint32_t ProgramBuilder::group(const std::vector<int>& members, std::string_view communicator) {
  return w_.group_of(members, communicator);
}

uint8_t ProgramBuilder::stream(std::string_view name) { return w_.stream_of(name); }

uint32_t ProgramBuilder::intern(std::string_view s) { return strings_.intern(s); }

uint32_t ProgramBuilder::cached(std::pair<std::string, uint32_t>& cache, std::string_view s) {
  if (cache.first != s) cache = {std::string(s), strings_.intern(s)};
  return cache.second;
}

void ProgramBuilder::begin_name_sequence(size_t key) {
  if (sequences_.size() <= key) sequences_.resize(key + 1);
  sequence_ = static_cast<int64_t>(key);
  cursor_ = 0;
}

uint32_t ProgramBuilder::name_id(std::string_view name) {
  if (sequence_ < 0) return strings_.intern(name);
  const size_t h = std::hash<std::string_view>{}(name);
  auto& seq = sequences_[static_cast<size_t>(sequence_)];
  const size_t k = cursor_++;
  if (k < seq.size() && seq[k].first == h && strings_.strings[seq[k].second] == name)
    return seq[k].second;
  const uint32_t id = strings_.intern(name);
  if (k == seq.size()) seq.emplace_back(h, id);
  return id;
}

void ProgramBuilder::publish_strings(const std::vector<int>& ranks) {
  if (!own_strings_) return;
  const std::vector<std::string>& local = own_strings_->strings;
  std::vector<uint32_t> global(local.size(), UINT32_MAX);
  auto map = [&](uint32_t& id) {
    if (global[id] == UINT32_MAX) global[id] = w_.intern(local[id]);
    id = global[id];
  };
  std::vector<int32_t> shapes(own_strings_->shapes.size(), -1);
  for (int r : ranks)
    for (Op& op : w_.ranks[static_cast<size_t>(r)].ops) {
      map(op.name);
      map(op.dtype);
      map(op.algorithm);
      if (op.shape >= 0) {
        int32_t& g = shapes[static_cast<size_t>(op.shape)];
        if (g < 0) g = w_.shape_of(own_strings_->shapes[static_cast<size_t>(op.shape)]);
        op.shape = g;
      }
    }
}

}  // namespace dtsim::simcore
