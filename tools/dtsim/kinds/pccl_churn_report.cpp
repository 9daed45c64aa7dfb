#include "tools/dtsim/kinds/pccl_churn_report.h"

namespace dtsim::cli::kinds {

int restart_count(const std::vector<collectives::ChurnOp>& ops) {
  int n = 0;
  for (const auto& op : ops) n += static_cast<int>(op.restarts.size());
  return n;
}

nlohmann::ordered_json pccl_churn_section(
    const std::vector<collectives::ChurnOp>& ops, const std::vector<network::PeerFault>& faults,
    const std::function<std::string(int)>& peer_name,
    const std::function<void(size_t, nlohmann::ordered_json&)>& extra) {
  auto names = [&](const std::vector<int>& peers) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (int p : peers) a.push_back(peer_name(p));
    return a;
  };
  nlohmann::ordered_json per_op = nlohmann::ordered_json::array();
  for (size_t i = 0; i < ops.size(); ++i) {
    const auto& op = ops[i];
    nlohmann::ordered_json rs = nlohmann::ordered_json::array();
    for (const auto& x : op.restarts) {
      nlohmann::ordered_json e = nlohmann::ordered_json::object();
      e["at_s"] = x.at.seconds();
      e["dropped"] = peer_name(x.dropped);
      e["wasted_s"] = x.wasted.seconds();
      rs.push_back(std::move(e));
    }
    nlohmann::ordered_json e = nlohmann::ordered_json::object();
    e["op"] = i;
    if (extra) extra(i, e);
    e["start_s"] = op.start.seconds();
    e["end_s"] = op.end.seconds();
    e["time_s"] = (op.end - op.start).seconds();
    e["peers"] = names(op.peers);
    e["restarts"] = std::move(rs);
    per_op.push_back(std::move(e));
  }
  nlohmann::ordered_json membership = nlohmann::ordered_json::array();
  for (const auto& f : faults)
    membership.push_back(
        {{"peer", f.name}, {"event", f.joins ? "joins" : "leaves"}, {"at_s", f.at.seconds()}});
  nlohmann::ordered_json c = nlohmann::ordered_json::object();
  c["operations"] = ops.size();
  c["restarts"] = restart_count(ops);
  c["peer_events"] = std::move(membership);
  c["final_peers"] = ops.empty() ? nlohmann::ordered_json::array() : names(ops.back().peers);
  c["per_operation"] = std::move(per_op);
  return c;
}

}  // namespace dtsim::cli::kinds
