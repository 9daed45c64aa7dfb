#include "models/collectives/peer_churn.h"

#include <algorithm>
#include <set>

#include "simcore/error.h"

namespace dtsim::collectives {

using simcore::Time;

std::vector<ChurnOp> run_with_churn(int ops, const std::vector<int>& peers,
                                    const std::vector<PeerEvent>& events,
                                    const ChurnTimeFn& op_time, const ChurnTimeFn& prelude) {
  for (size_t e = 1; e < events.size(); ++e)
    DTSIM_ASSERT(!(events[e].at < events[e - 1].at), "run_with_churn: events out of order");
  std::set<int> in;
  for (int p : peers) {
    auto first = std::find_if(events.begin(), events.end(),
                              [&](const PeerEvent& e) { return e.peer == p; });
    if (first == events.end() || !first->joins) in.insert(p);
  }
  for (const auto& e : events)
    DTSIM_ASSERT(std::binary_search(peers.begin(), peers.end(), e.peer),
                 "run_with_churn: an event of an unknown peer");
  size_t next = 0;  // the first event not yet applied
  // Applies every event at or before t (between operations: joins and leaves alike).
  auto apply_until = [&](Time t) {
    while (next < events.size() && !(t < events[next].at)) {
      if (events[next].joins)
        in.insert(events[next].peer);
      else
        in.erase(events[next].peer);
      ++next;
    }
  };
  std::vector<ChurnOp> out;
  Time t;
  for (int i = 0; i < ops; ++i) {
    apply_until(t);
    ChurnOp op;
    op.begin = t;
    if (prelude) {
      const std::vector<int> members(in.begin(), in.end());
      const Time first = t + prelude(i, members);
      // Leaves during the prelude take their peer out of the first attempt; joins (not
      // applied: `next` stays) wait for the next operation's apply_until.
      for (size_t e = next; e < events.size() && !(first < events[e].at); ++e)
        if (!events[e].joins) in.erase(events[e].peer);
      t = first;
    }
    op.start = t;
    while (true) {
      std::vector<int> members(in.begin(), in.end());
      const Time dt = members.size() >= 2 ? op_time(i, members) : Time{};
      const Time end = t + dt;
      // The first leave of a member strictly inside (t, end): the attempt is lost.
      size_t drop = events.size();
      for (size_t e = next; e < events.size() && events[e].at < end; ++e)
        if (!events[e].joins && t < events[e].at && in.count(events[e].peer)) {
          drop = e;
          break;
        }
      if (drop == events.size()) {
        op.end = end;
        op.last_attempt = dt;
        op.peers = std::move(members);
        t = end;
        break;
      }
      const PeerEvent& d = events[drop];
      op.restarts.push_back({d.at, d.peer, d.at - t, static_cast<int>(in.size())});
      in.erase(d.peer);
      t = d.at;
      // Other members that leave at the same instant are gone from the restart too (no attempt
      // of theirs is lost: it has not begun); joins wait for the next operation.
      for (size_t e = next; e < events.size() && !(t < events[e].at); ++e)
        if (!events[e].joins) in.erase(events[e].peer);
    }
    out.push_back(std::move(op));
  }
  return out;
}

}  // namespace dtsim::collectives
