#include "tools/dtsim/kinds/common.h"

#include <fmt/format.h>

namespace dtsim::cli::kinds {

int ranks_in_cluster(const Scenario& s, const ConfigNode& w, const char* what) {
  auto r = w.get("ranks");
  if (!r) return s.topology.rank_count();
  int64_t v = r->integer(1, INT32_MAX);
  if (v > s.topology.rank_count())
    r->fail(fmt::format("{} over {} ranks, but the cluster has only {}", what, v,
                        s.topology.rank_count()));
  return static_cast<int>(v);
}

int contiguous_ranks_per_node(const Scenario& s) {
  const auto& ranks = s.topology.ranks();
  const auto& nodes = s.topology.nodes();
  if (ranks.empty() || nodes[ranks[0]].box < 0) return 0;
  int per_node = 0;
  for (int r : ranks)
    if (nodes[r].box == nodes[ranks[0]].box) ++per_node;
  for (size_t r = 0; r < ranks.size(); ++r)
    if (nodes[ranks[r]].box != nodes[ranks[(r / per_node) * per_node]].box) return 0;
  return per_node;
}

void load_precision(Scenario& s, const ConfigNode& w, std::string& dtype, int& grad_bytes,
                    double& bucket_bytes, double min_bucket) {
  if (auto d = w.get("dtype")) dtype = d->choice({"fp32", "tf32", "bf16", "fp16", "fp8"});
  check_dtype_on_devices(s, w.has("dtype") ? w["dtype"] : w, dtype);
  s.compute_dtype = dtype;
  if (auto g = w.get("grad_dtype"))
    grad_bytes = g->choice({"fp32", "bf16", "fp16"}) == "fp32" ? 4 : 2;
  if (auto bs = w.get("bucket_size")) {
    bucket_bytes = bs->bytes();
    if (!(bucket_bytes >= min_bucket))
      bs->expected(min_bucket > 1 ? "a bucket size of at least 64KiB"
                                  : "a bucket size of at least 1B");
  }
}

void check_memory(Scenario& s, const ConfigNode& w, const ConfigNode& at,
                  const workloads::MemoryBreakdown& m, double in_flight) {
  bool warn = false;
  if (auto mem = w.get("memory")) {
    warn = (*mem)["on_overflow"].choice({"error", "warn"}) == "warn";
  }
  s.memory = m;
  // On a mixed cluster, the most loaded rank against the device with the least memory.
  const compute::DeviceSpec& dev = smallest_memory_device(s);
  if (m.total() <= dev.hbm_capacity_bytes) return;
  std::string msg = fmt::format(
      "the most loaded rank needs {:.1f} GiB but '{}' has {:.1f} GiB: weights {:.1f}, gradients "
      "{:.1f}, optimizer states {:.1f}, activations {:.1f} GiB ({:.3g} micro-batches in flight)",
      m.total() / 1073741824.0, dev.name, dev.hbm_capacity_bytes / 1073741824.0,
      m.params / 1073741824.0, m.grads / 1073741824.0, m.optimizer / 1073741824.0,
      m.activations / 1073741824.0, in_flight);
  if (!warn)
    at.fail(msg + "; shard the model (tp, pp, zero) or recompute, or set memory.on_overflow: warn");
  fmt::print(stderr, "{}: warning: {}\n", at.location().str(), msg);
  s.memory_overflow = true;
}

void print_model_line(const Scenario&, const nlohmann::ordered_json& j) {
  const auto& m = j["model"];
  fmt::print("model         {:.3f} B params, {:.0f} tokens/s, MFU {:.1f}%\n",
             m["params"].get<double>() / 1e9, m["tokens_per_s"].get<double>(),
             m["mfu"].get<double>() * 100);
}

KeySpec dtype_key() {
  return KeySpec("dtype", "compute dtype (the device needs a peak rate for it)")
      .defaults("bf16")
      .one_of({"fp32", "tf32", "bf16", "fp16", "fp8"});
}

KeySpec grad_dtype_key() {
  return KeySpec("grad_dtype", "dtype of the reduced gradients")
      .defaults("fp32")
      .one_of({"fp32", "bf16", "fp16"});
}

KeySpec bucket_size_key(double min_bucket, const std::string& min_text) {
  return KeySpec("bucket_size", "gradient bucket (DDP), at least " + min_text)
      .defaults("25MiB")
      .in_unit("bytes")
      .checked([min_bucket, min_text](const ConfigNode& n) {
        if (!(n.bytes() >= min_bucket)) n.expected("a bucket size of at least " + min_text);
      });
}

KeySpec memory_key() {
  return KeySpec("memory", "the memory check against the device's HBM")
      .with_keys({KeySpec("on_overflow", "when the most loaded rank does not fit")
                      .defaults("error")
                      .one_of({"error", "warn"})});
}

double peak_flops_per_s(const Scenario& s) {
  if (!s.node_devices.empty()) return mean_peak_flops_per_s(s, s.compute_dtype);
  auto it = s.device.peak_flops_per_s.find(s.compute_dtype);
  return it == s.device.peak_flops_per_s.end() ? 0.0 : it->second;
}

void check_work(const Scenario& s, const ConfigNode& map, const std::string& key,
                const simcore::WorkEstimate& e) {
  try {
    s.limits.check(e);
  } catch (const simcore::ConfigError& error) {
    (key.empty() ? map : map[key]).fail(error.message());
  }
}

}  // namespace dtsim::cli::kinds
