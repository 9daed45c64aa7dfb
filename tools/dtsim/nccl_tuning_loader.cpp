#include "tools/dtsim/nccl_tuning_loader.h"

#include <fmt/format.h>

#include <map>
#include <vector>

namespace dtsim::cli {

using collectives::kNcclAlgos;
using collectives::kNcclHws;
using collectives::kNcclProtocols;
using collectives::kNcclTreeCorrections;
using collectives::NcclTuning;

extern const char* const kBuiltinNcclTuningText;  // nccl_tuning_builtin.cpp (generated)

namespace {

const std::vector<std::string> kProtocols = {"LL", "LL128", "Simple"};
const std::vector<std::string> kAlgos = {"tree", "ring", "nvls", "nvls_tree"};
const std::vector<std::string> kHws = {"nvlink", "pci", "net"};

double non_negative(const ConfigNode& n) {
  const double v = n.number();
  if (!(v >= 0) || v > 1e9) n.expected("a number >= 0");
  return v;
}

double fraction(const ConfigNode& n) {
  const double v = n.number();
  if (!(v > 0 && v <= 1)) n.expected("a fraction in (0, 1]");
  return v;
}

/** {LL: x, LL128: y, Simple: z}, every key required. */
void per_protocol(const ConfigNode& n, double (&out)[kNcclProtocols]) {
  n.check_keys(kProtocols);
  for (int p = 0; p < kNcclProtocols; ++p) out[p] = non_negative(n[kProtocols[p]]);
}

/** {tree: {...}, ring: {...}, nvls: {...}, nvls_tree: {...}}. */
void per_algo(const ConfigNode& n, double (&out)[kNcclAlgos][kNcclProtocols]) {
  n.check_keys(kAlgos);
  for (int a = 0; a < kNcclAlgos; ++a) per_protocol(n[kAlgos[a]], out[a]);
}

/** [1 node, 2 nodes, more nodes]. */
void per_nodes(const ConfigNode& n, double (&out)[3]) {
  auto items = n.items();
  if (!n.is_sequence() || items.size() != 3)
    n.expected("a list of 3 values: [1 node, 2 nodes, more nodes]");
  for (int i = 0; i < 3; ++i) out[i] = non_negative(items[i]);
}

}  // namespace

std::shared_ptr<const NcclTuning> load_nccl_tuning(const ConfigNode& root,
                                                   const std::string& device_name) {
  root.check_keys({"base_latency_us", "hw_latency_us", "net_overhead_us",
                   "simple_net_overhead_factor", "ring_plateau_factor", "fractions",
                   "ll_max_bw_multi_node_GBps", "tree_correction", "ring_pipeline",
                   "architectures"});
  NcclTuning t;
  per_algo(root["base_latency_us"], t.base_latency_us);
  auto hw = root["hw_latency_us"];
  hw.check_keys(kHws);
  for (int h = 0; h < kNcclHws; ++h) per_algo(hw[kHws[h]], t.hw_latency_us[h]);
  t.net_overhead_us = non_negative(root["net_overhead_us"]);
  t.simple_net_overhead_factor = non_negative(root["simple_net_overhead_factor"]);
  t.ring_plateau_factor = non_negative(root["ring_plateau_factor"]);
  auto f = root["fractions"];
  f.check_keys({"ring_ll", "ring_ll128", "tree", "tree_ll", "tree_ll128_single_node",
                "tree_ll128_multi_node"});
  t.ring_ll = fraction(f["ring_ll"]);
  t.ring_ll128 = fraction(f["ring_ll128"]);
  t.tree = fraction(f["tree"]);
  t.tree_ll = fraction(f["tree_ll"]);
  t.tree_ll128_single_node = fraction(f["tree_ll128_single_node"]);
  t.tree_ll128_multi_node = fraction(f["tree_ll128_multi_node"]);
  auto ll = root["ll_max_bw_multi_node_GBps"];
  ll.check_keys({"two_nodes", "more_nodes"});
  t.ll_max_bw_GBps[1] = non_negative(ll["two_nodes"]);
  t.ll_max_bw_GBps[2] = non_negative(ll["more_nodes"]);
  auto tc = root["tree_correction"];
  tc.check_keys(kProtocols);
  for (int p = 0; p < kNcclProtocols; ++p) {
    auto row = tc[kProtocols[p]];
    auto items = row.items();
    if (!row.is_sequence() || items.size() != kNcclTreeCorrections)
      row.expected(fmt::format("a list of {} factors (64 B to 256 MiB)", kNcclTreeCorrections));
    for (int i = 0; i < kNcclTreeCorrections; ++i) t.tree_correction[p][i] = fraction(items[i]);
  }
  auto rp = root["ring_pipeline"];
  rp.check_keys({"steps", "buffer_bytes", "chunk_steps", "slice_steps", "data_fraction",
                 "min_slice_divisor", "cut_through"});
  t.pipeline_steps = static_cast<int>(rp["steps"].integer(1, 1024));
  per_protocol(rp["buffer_bytes"], t.ring_buffer_bytes);
  auto cs = rp["chunk_steps"], ss = rp["slice_steps"], df = rp["data_fraction"];
  cs.check_keys(kProtocols);
  ss.check_keys(kProtocols);
  df.check_keys(kProtocols);
  for (int p = 0; p < kNcclProtocols; ++p) {
    const ConfigNode c = cs[kProtocols[p]], sl = ss[kProtocols[p]];
    // The FIFO must hold more than one chunk, or a rank could not send its next chunk before
    // its neighbour consumed the last (NCCL: CHUNKSTEPS = NCCL_STEPS / 2).
    t.ring_chunk_steps[p] = static_cast<int>(c.integer(1, t.pipeline_steps - 1));
    t.ring_slice_steps[p] = static_cast<int>(sl.integer(1, t.ring_chunk_steps[p]));
    if (t.ring_chunk_steps[p] % t.ring_slice_steps[p] != 0)
      sl.expected(
          fmt::format("a divisor of chunk_steps.{} ({})", kProtocols[p], t.ring_chunk_steps[p]));
    t.ring_data_fraction[p] = fraction(df[kProtocols[p]]);
  }
  t.ring_min_slice_divisor = static_cast<int>(rp["min_slice_divisor"].integer(1, 1 << 20));
  auto ct = rp["cut_through"];
  ct.check_keys(kProtocols);
  for (int p = 0; p < kNcclProtocols; ++p) t.ring_cut_through[p] = ct[kProtocols[p]].boolean();
  auto archs = root["architectures"];
  if (!archs.is_map()) archs.expected("a map of architectures");
  std::map<std::string, std::string> device_arch;
  std::shared_ptr<NcclTuning> chosen;
  for (const auto& [name, a] : archs.entries()) {
    a.check_keys({"devices", "channels", "nvls_channels", "nvls_efficiency",
                  "ll_max_bw_single_node_GBps", "per_channel_max_GBps"});
    NcclTuning x = t;
    x.arch = name;
    x.channels = static_cast<int>(a["channels"].integer(1, 64));
    x.nvls_channels = static_cast<int>(a["nvls_channels"].integer(0, 64));
    const double eff = a["nvls_efficiency"].number();
    if (!(eff >= 0 && eff <= 1)) a["nvls_efficiency"].expected("a fraction in [0, 1]");
    x.nvls_efficiency = eff;
    x.ll_max_bw_GBps[0] = non_negative(a["ll_max_bw_single_node_GBps"]);
    auto pc = a["per_channel_max_GBps"];
    pc.check_keys({"ring_ll128", "tree_ll128", "tree", "nvls_tree"});
    per_nodes(pc["ring_ll128"], x.per_ch_ring_ll128_GBps);
    per_nodes(pc["tree_ll128"], x.per_ch_tree_ll128_GBps);
    per_nodes(pc["tree"], x.per_ch_tree_GBps);
    per_nodes(pc["nvls_tree"], x.per_ch_nvls_tree_GBps);
    auto devices = a["devices"];
    if (!devices.is_sequence()) devices.expected("a list of device names");
    for (const auto& d : devices.items()) {
      const std::string dn = d.str();
      if (auto [it, fresh] = device_arch.emplace(dn, name); !fresh)
        d.fail(fmt::format("device \"{}\" is listed under architectures {} and {}", dn, it->second,
                           name));
      if (dn == device_name) chosen = std::make_shared<NcclTuning>(x);
    }
  }
  return chosen;
}

std::shared_ptr<const NcclTuning> builtin_nccl_tuning(const std::string& device_name) {
  return load_nccl_tuning(
      ConfigNode::load_string(kBuiltinNcclTuningText, "<built-in configs/nccl/tuning.yaml>"),
      device_name);
}

}  // namespace dtsim::cli
