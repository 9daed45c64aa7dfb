#include "tools/dtsim/config_loaders.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "simcore/file_read.h"
#include "tools/dtsim/device_economics.h"
#include "tools/dtsim/hf_model_config.h"
#include "tools/dtsim/topology_presets.h"
#include "topologies/builders.h"
#include "topologies/edge_cell.h"
#include "topologies/presets.h"

namespace dtsim::cli {

using simcore::ConfigError;
using topologies::LinkSpec;
using topologies::NodeKind;
using topologies::Topology;

ConfigNode load_ref(const ConfigNode& n) {
  if (n.is_map()) return n;
  if (!n.is_scalar()) n.expected("a path to a YAML file or an inline map");
  std::string path = n.resolve_path(n.str());
  if (!simcore::path_exists(path)) n.fail(fmt::format("cannot read file '{}'", path));
  if (!simcore::is_regular_file(path))
    n.fail(fmt::format("'{}' is not a regular file (a folder, FIFO, device or socket)", path));
  return ConfigNode::load_file(path);
}

namespace {

/** A link spec map; a field it leaves out is taken from `base` when given (preset defaults). */
LinkSpec load_link_spec(const ConfigNode& n, bool need_bandwidth = true,
                        const std::optional<ConfigNode>& base = std::nullopt) {
  n.check_keys({"class", "bandwidth", "efficiency", "latency", "full_duplex"});
  auto field = [&](const char* key) -> std::optional<ConfigNode> {
    if (auto v = n.get(key)) return v;
    return base ? base->get(key) : std::nullopt;
  };
  auto required = [&](const char* key) { return field(key) ? *field(key) : n[key]; };
  LinkSpec s;
  s.link_class = required("class").str();
  if (need_bandwidth) s.bw_bytes_per_s = required("bandwidth").rate();
  // `efficiency`: the fraction of the datasheet rate that transfers reach (a published
  // measurement, e.g. nvbandwidth or ib_write_bw, in the preset's sources); 1 unless given. A
  // link that sets its own bandwidth keeps efficiency 1 unless it sets one too (the preset's
  // efficiency belongs to the preset's bandwidth).
  std::optional<ConfigNode> e = n.get("efficiency");
  if (!e && !n.has("bandwidth") && base) e = base->get("efficiency");
  if (e) {
    const double f = e->number();
    if (!(f > 0 && f <= 1)) e->expected("an efficiency in (0, 1]");
    if (need_bandwidth) s.bw_bytes_per_s *= f;
  }
  s.latency = required("latency").time();
  if (auto d = field("full_duplex")) s.full_duplex = d->boolean();
  return s;
}

/**
 * The parameters of a named builder (topology_presets.h): each key the topology `n` gives, else
 * the preset's default; a link map given in part takes its other fields from the default.
 */
class PresetKeys {
 public:
  PresetKeys(const ConfigNode& n, const std::string& builder)
      : n_(n), defaults_(preset_defaults(builder)) {}
  ConfigNode operator[](const std::string& key) const {
    if (auto v = n_.get(key)) return *v;
    return defaults_.has(key) ? defaults_[key] : n_[key];
  }
  std::optional<ConfigNode> get(const std::string& key) const {
    if (auto v = n_.get(key)) return v;
    return defaults_.get(key);
  }
  LinkSpec link(const std::string& key, bool need_bandwidth = true) const {
    if (auto v = n_.get(key)) return load_link_spec(*v, need_bandwidth, defaults_.get(key));
    return load_link_spec(defaults_[key], need_bandwidth);
  }

 private:
  const ConfigNode& n_;
  ConfigNode defaults_;
};

int load_count(const ConfigNode& n, int64_t max) { return static_cast<int>(n.integer(1, max)); }

/** `oversubscription`: a ratio >= 1. */
double load_oversubscription(const ConfigNode& o) {
  double v = o.number();
  if (!(v >= 1)) o.expected("a ratio >= 1");
  return v;
}

Topology load_explicit(const ConfigNode& n) {
  n.check_keys({"name", "description", "nodes", "links"});
  Topology t;
  for (const auto& nn : n["nodes"].items()) {
    nn.check_keys({"name", "kind", "forwards", "box"});
    auto kind_node = nn["kind"];
    auto kind = topologies::parse_node_kind(kind_node.choice({"accelerator", "nic", "switch", "host"}));
    std::optional<bool> fwd;
    if (auto f = nn.get("forwards")) fwd = f->boolean();
    int box = -1;
    if (auto b = nn.get("box")) box = static_cast<int>(b->integer(0, 1 << 30));
    std::string name = nn["name"].str();
    if (t.find_node(name)) nn["name"].fail(fmt::format("duplicate node name '{}'", name));
    t.add_node(name, *kind, fwd, box);
  }
  for (const auto& ln : n["links"].items()) {
    ln.check_keys({"a", "b", "class", "bandwidth", "bandwidth_ba", "latency", "full_duplex"});
    auto endpoint = [&](const char* key) {
      ConfigNode e = ln[key];
      auto id = t.find_node(e.str());
      if (!id) {
        std::vector<std::string> names;
        for (const auto& node : t.nodes()) names.push_back(node.name);
        std::string msg = fmt::format("link to undefined node '{}'", e.str());
        if (auto d = did_you_mean(e.str(), names)) msg += fmt::format("; did you mean '{}'?", *d);
        e.fail(msg);
      }
      return *id;
    };
    topologies::Link l;
    l.a = endpoint("a");
    l.b = endpoint("b");
    if (l.a == l.b) ln["b"].fail("a link must join two different nodes");
    l.link_class = ln["class"].str();
    l.bw_ab_bytes_per_s = ln["bandwidth"].rate();
    l.bw_ba_bytes_per_s = ln.has("bandwidth_ba") ? ln["bandwidth_ba"].rate() : l.bw_ab_bytes_per_s;
    l.latency = ln["latency"].time();
    if (auto d = ln.get("full_duplex")) l.full_duplex = d->boolean();
    t.add_link(std::move(l));
  }
  if (t.rank_count() == 0) n["nodes"].fail("the topology has no accelerator (no rank)");
  return t;
}

/** `builder: edge_cell` (topologies/edge_cell.h): a server, a backhaul, cells and clients. */
Topology load_edge_cell(const ConfigNode& n) {
  n.check_keys({"builder", "name", "description", "backhaul", "cells", "clients"});
  topologies::EdgeCellParams p;
  p.backhaul = load_link_spec(n["backhaul"]);
  std::vector<std::string> names;
  for (const auto& c : n["cells"].items()) {
    c.check_keys({"name", "uplink", "access"});
    topologies::EdgeCellParams::Cell cell;
    cell.name = c["name"].str();
    if (std::find(names.begin(), names.end(), cell.name) != names.end())
      c["name"].fail(fmt::format("duplicate cell name '{}'", cell.name));
    names.push_back(cell.name);
    cell.uplink = load_link_spec(c["uplink"]);
    cell.access = load_link_spec(c["access"], /*need_bandwidth=*/false);
    p.cells.push_back(std::move(cell));
  }
  for (const auto& c : n["clients"].items()) {
    c.check_keys({"cell", "rate", "downlink_rate", "count"});
    topologies::EdgeCellParams::Client cl;
    const ConfigNode cell = c["cell"];
    cl.cell = cell.str();
    if (std::find(names.begin(), names.end(), cl.cell) == names.end()) {
      std::string msg =
          fmt::format("the client is attached to no cell: no cell is named '{}'", cl.cell);
      if (auto d = did_you_mean(cl.cell, names))
        msg += fmt::format("; did you mean '{}'?", *d);
      else
        msg += fmt::format(" (cells: {})", fmt::join(names, ", "));
      cell.fail(msg);
    }
    cl.uplink_bytes_per_s = c["rate"].rate();  // rate(): positive and finite
    cl.downlink_bytes_per_s =
        c.has("downlink_rate") ? c["downlink_rate"].rate() : cl.uplink_bytes_per_s;
    const int count = c.has("count") ? static_cast<int>(c["count"].integer(1, 1 << 20)) : 1;
    for (int k = 0; k < count; ++k) p.clients.push_back(cl);
  }
  return topologies::build_edge_cell(p);
}

}  // namespace

Topology load_topology(const ConfigNode& ref) {
  ConfigNode n = load_ref(ref);
  if (!n.has("builder")) return load_explicit(n);
  std::string b = n["builder"].choice({"switch", "ring", "fully_connected", "torus",
                                       "nvswitch_node", "rail_optimized_fat_tree", "ub_supernode",
                                       "nvl72", "dgx_superpod", "edge_cell"});
  try {
    if (b == "switch" || b == "ring" || b == "fully_connected") {
      n.check_keys({"builder", "name", "description", "endpoints", "link"});
      int count = static_cast<int>(n["endpoints"].integer(1, 1 << 20));
      LinkSpec link = load_link_spec(n["link"]);
      if (b == "switch") return topologies::build_switch(count, link);
      if (b == "ring") return topologies::build_ring(count, link);
      return topologies::build_fully_connected(count, link);
    }
    if (b == "torus") {
      n.check_keys({"builder", "name", "description", "dims", "link"});
      std::vector<int> dims;
      for (const auto& d : n["dims"].items()) dims.push_back(static_cast<int>(d.integer(1, 1 << 16)));
      if (dims.size() != 2 && dims.size() != 3) n["dims"].expected("2 or 3 dimensions");
      return topologies::build_torus(dims, load_link_spec(n["link"]));
    }
    if (b == "nvswitch_node") {
      n.check_keys({"builder", "name", "description", "gpus", "nvlink"});
      topologies::NvswitchNodeParams p;
      if (auto g = n.get("gpus")) p.gpus = static_cast<int>(g->integer(1, 1 << 16));
      p.nvlink = load_link_spec(n["nvlink"]);
      return topologies::build_nvswitch_node(p);
    }
    if (b == "ub_supernode") {
      n.check_keys({"builder", "name", "description", "supernodes", "nodes", "npus_per_node",
                    "l2_switches", "ub", "ub_l2", "rdma", "rdma_uplink"});
      topologies::UbSupernodeParams u;
      if (auto v = n.get("supernodes")) u.supernodes = static_cast<int>(v->integer(1, 1 << 12));
      if (auto v = n.get("nodes")) u.nodes = static_cast<int>(v->integer(1, 1 << 12));
      if (auto v = n.get("npus_per_node")) u.npus_per_node = static_cast<int>(v->integer(1, 1 << 10));
      if (auto v = n.get("l2_switches")) u.l2_switches = static_cast<int>(v->integer(1, 1 << 10));
      u.ub = load_link_spec(n["ub"]);
      u.ub_l2 = load_link_spec(n["ub_l2"], /*need_bandwidth=*/false);
      u.rdma = load_link_spec(n["rdma"]);
      u.rdma_uplink = load_link_spec(n["rdma_uplink"], /*need_bandwidth=*/false);
      return topologies::build_ub_supernode(u);
    }
    if (b == "edge_cell") return load_edge_cell(n);
    if (b == "nvl72") {
      n.check_keys({"builder", "name", "description", "racks", "gpus_per_rack", "nvlink", "pcie",
                    "nic", "spine", "spines"});
      PresetKeys k(n, b);
      topologies::Nvl72Params p;
      p.racks = load_count(k["racks"], 1 << 12);
      p.gpus_per_rack = load_count(k["gpus_per_rack"], 1 << 12);
      p.nvlink = k.link("nvlink");
      if (p.racks > 1) {  // the scale-out fabric
        p.pcie = k.link("pcie");
        p.nic = k.link("nic");
        p.spine = k.link("spine", /*need_bandwidth=*/false);
        if (auto s = k.get("spines")) p.spines = load_count(*s, 1 << 16);
      }
      return topologies::build_nvl72(p);
    }
    if (b == "dgx_superpod") {
      n.check_keys({"builder", "name", "description", "nodes", "gpus_per_node", "scalable_unit",
                    "nvlink", "pcie", "nic", "spine", "spines", "oversubscription"});
      PresetKeys k(n, b);
      topologies::DgxSuperpodParams p;
      p.nodes = load_count(k["nodes"], 1 << 16);
      p.gpus_per_node = load_count(k["gpus_per_node"], 1 << 10);
      p.scalable_unit = load_count(k["scalable_unit"], 1 << 16);
      p.nvlink = k.link("nvlink");
      p.pcie = k.link("pcie");
      p.nic = k.link("nic");
      p.spine = k.link("spine", /*need_bandwidth=*/false);
      if (auto s = k.get("spines")) p.spines = load_count(*s, 1 << 16);
      if (auto o = k.get("oversubscription")) p.oversubscription = load_oversubscription(*o);
      return topologies::build_dgx_superpod(p);
    }
    n.check_keys({"builder", "name", "description", "nodes", "gpus_per_node", "nvlink", "pcie",
                  "nic", "spine", "spines", "oversubscription", "nodes_per_leaf", "leaf_ports"});
    topologies::RailFatTreeParams p;
    p.nodes = static_cast<int>(n["nodes"].integer(1, 1 << 16));
    if (auto g = n.get("gpus_per_node")) p.gpus_per_node = static_cast<int>(g->integer(1, 1 << 10));
    p.nvlink = load_link_spec(n["nvlink"]);
    p.pcie = load_link_spec(n["pcie"]);
    p.nic = load_link_spec(n["nic"]);
    p.spine = load_link_spec(n["spine"], /*need_bandwidth=*/false);
    if (auto s = n.get("spines")) p.spines = static_cast<int>(s->integer(1, 1 << 16));
    if (auto o = n.get("oversubscription")) p.oversubscription = load_oversubscription(*o);
    if (auto s = n.get("nodes_per_leaf")) p.nodes_per_leaf = static_cast<int>(s->integer(0, 1 << 16));
    if (auto s = n.get("leaf_ports")) p.leaf_ports = static_cast<int>(s->integer(0, 1 << 16));
    return topologies::build_rail_optimized_fat_tree(p);
  } catch (const ConfigError& e) {
    if (!e.where().str().empty()) throw;
    n.fail(e.message());  // builder parameter errors point at the topology
  }
}

compute::DeviceSpec load_device(const ConfigNode& ref) {
  ConfigNode n = load_ref(ref);
  n.check_keys({"name", "peak_flops", "hbm_capacity", "hbm_bandwidth", "launch_overhead",
                "efficiency", "sms", "gemm_tile", "attention_tile", "sku", "product_name",
                "price_per_gpu_hour", "power"});
  load_device_economics(n);  // checked here; dtsim plan reads them (device_economics.h)
  compute::DeviceSpec d;
  d.name = n["name"].str();
  if (auto x = n.get("product_name")) d.product_name = x->str();
  if (auto x = n.get("sku")) d.sku = x->str();
  for (auto& [dtype, v] : n["peak_flops"].entries()) {
    if (dtype != "fp32" && dtype != "tf32" && dtype != "bf16" && dtype != "fp16" && dtype != "fp8" &&
        dtype != "fp64" && dtype != "int8")
      v.fail(fmt::format("unknown dtype '{}' (expected fp64, fp32, tf32, bf16, fp16, fp8 or int8)", dtype));
    d.peak_flops_per_s[dtype] = v.flops();
  }
  d.hbm_capacity_bytes = n["hbm_capacity"].bytes();
  d.hbm_bw_bytes_per_s = n["hbm_bandwidth"].rate();
  d.launch_overhead = n["launch_overhead"].time();
  auto eff = n["efficiency"];
  eff.check_keys({"compute", "memory", "attention"});
  auto frac = [](const ConfigNode& x) {
    double v = x.number();
    if (!(v > 0 && v <= 1)) x.expected("a fraction in (0, 1]");
    return v;
  };
  d.compute_efficiency = frac(eff["compute"]);
  d.memory_efficiency = frac(eff["memory"]);
  if (auto x = eff.get("attention")) d.attention_efficiency = frac(*x);
  // Shape-aware GEMM and attention pricing (models/compute/kernel_cost.h).
  if (auto x = n.get("sms")) d.sm_count = static_cast<int>(x->integer(1, 1 << 16));
  if (auto x = n.get("gemm_tile")) {
    auto v = x->items();
    if (v.size() != 2) x->expected("a list [tile_m, tile_n], e.g. [128, 128]");
    d.gemm_tile_m = v[0].integer(1, 1 << 16);
    d.gemm_tile_n = v[1].integer(1, 1 << 16);
  }
  if (auto x = n.get("attention_tile")) d.attention_tile_q = x->integer(1, 1 << 16);
  if ((d.gemm_tile_m > 0 || d.attention_tile_q > 0) && d.sm_count == 0)
    n.fail("gemm_tile and attention_tile need sms (the tiles are quantised over the SMs)");
  return d;
}

void load_moe_overrides(const ConfigNode& n, int64_t hidden, workloads::MoeConfig& moe) {
  if (auto x = n.get("node_limit")) moe.node_limit = static_cast<int>(x->integer(0, 1 << 20));
  if (auto x = n.get("capacity_factor")) {
    moe.capacity_factor = x->number();
    if (!(moe.capacity_factor >= 0) || !std::isfinite(moe.capacity_factor))
      x->expected("a capacity factor >= 0 (0: dropless)");
  }
  if (auto x = n.get("bigmac_dim")) moe.bigmac_dim = x->integer(0, hidden);
}

workloads::TransformerConfig load_transformer(const ConfigNode& ref) {
  ConfigNode n = load_ref(ref);
  if (is_hf_model_config(n)) return load_hf_model_config(n);
  n.check_keys({"name", "layers", "hidden", "ffn_hidden", "heads", "kv_heads", "vocab",
                "tied_embeddings", "mlp", "moe", "source"});
  workloads::TransformerConfig m;
  m.name = n["name"].str();
  m.layers = static_cast<int>(n["layers"].integer(1, 100000));
  // Caps far above any published model (hidden 16,384 and vocab 256K at most in 2025) keep
  // every FLOP and parameter count well inside 64-bit integers (see the total below).
  m.hidden = n["hidden"].integer(1, 1 << 20);
  m.ffn_hidden = n["ffn_hidden"].integer(1, 1 << 24);
  m.heads = static_cast<int>(n["heads"].integer(1, 1 << 20));
  m.kv_heads = n.has("kv_heads") ? static_cast<int>(n["kv_heads"].integer(1, m.heads)) : m.heads;
  m.vocab = n["vocab"].integer(1, 1 << 26);
  if (auto t = n.get("tied_embeddings")) m.tied_embeddings = t->boolean();
  if (auto mlp = n.get("mlp")) m.mlp_matrices = mlp->choice({"swiglu", "gelu"}) == "swiglu" ? 3 : 2;
  if (auto moe = n.get("moe")) {
    moe->check_keys({"routed_experts", "shared_experts", "top_k", "expert_ffn_hidden",
                     "first_dense_layers", "node_limit", "capacity_factor", "bigmac_dim"});
    workloads::MoeConfig& e = m.moe;
    e.routed_experts = static_cast<int>((*moe)["routed_experts"].integer(1, 1 << 20));
    if (auto x = moe->get("shared_experts")) e.shared_experts = static_cast<int>(x->integer(0, 1 << 20));
    auto top_k = (*moe)["top_k"];
    e.top_k = static_cast<int>(top_k.integer(1, 1 << 20));
    if (e.top_k > e.routed_experts)
      top_k.fail(fmt::format("top_k ({}) must not exceed routed_experts ({})", e.top_k, e.routed_experts));
    e.expert_ffn_hidden = (*moe)["expert_ffn_hidden"].integer(1, 1 << 24);
    if (auto x = moe->get("first_dense_layers")) e.first_dense_layers = static_cast<int>(x->integer(0, m.layers));
    load_moe_overrides(*moe, m.hidden, e);
  }
  check_transformer_shape(m, n, n["hidden"], n.has("kv_heads") ? n["kv_heads"] : n["heads"]);
  return m;
}

void check_transformer_shape(const workloads::TransformerConfig& m, const ConfigNode& model,
                             const ConfigNode& hidden, const ConfigNode& kv_heads) {
  const ConfigNode& n = model;
  if (m.hidden % m.heads != 0)
    hidden.fail(fmt::format("hidden ({}) must be a multiple of heads ({})", m.hidden, m.heads));
  // The whole model, counted in floating point (so the check itself cannot overflow): every
  // layer's attention (4 h^2 at most), MLP, routed and shared experts, and the embeddings.
  const double h = static_cast<double>(m.hidden);
  const double per_layer = 4 * h * h + m.mlp_matrices * h * static_cast<double>(m.ffn_hidden) +
                           (m.moe.routed_experts + m.moe.shared_experts) * m.mlp_matrices * h *
                               static_cast<double>(m.moe.expert_ffn_hidden);
  const double total = m.layers * per_layer + 2 * h * static_cast<double>(m.vocab);
  constexpr double kMaxParams = 1e15;  // 1000 x the largest published models (about 2e12)
  if (total > kMaxParams)
    n.fail(fmt::format("the model has about {:.3g} parameters, more than the {:.0e} dtsim accepts "
                       "(its counts are 64-bit integers)",
                       total, kMaxParams));
  if (m.heads % m.kv_heads != 0)
    kv_heads.fail(fmt::format("heads ({}) must be a multiple of kv_heads ({})", m.heads, m.kv_heads));
}

}  // namespace dtsim::cli
