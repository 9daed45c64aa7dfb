#include "models/workloads/fedavg_round.h"

#include <limits>

namespace dtsim::workloads {

std::vector<ClientTimeline> run_round_network(simcore::Simulator& sim, simcore::CommModel& comm,
                                              int server, const std::vector<RoundClient>& clients,
                                              int64_t downlink_bytes, int64_t uplink_bytes) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<ClientTimeline> t(clients.size());
  for (size_t i = 0; i < clients.size(); ++i) {
    const RoundClient& c = clients[i];
    t[i].arrival_s = kInf;
    t[i].failed_at_s = kInf;
    comm.start_p2p(server, c.rank, downlink_bytes, [&sim, &comm, &t, &c, i, server, uplink_bytes] {
      t[i].downlink_end_s = sim.now().seconds();
      if (c.offline_at_s <= t[i].downlink_end_s) {  // offline before its model arrived
        t[i].failed_at_s = c.offline_at_s;
        return;
      }
      sim.schedule_in(
          simcore::Time::from_seconds(c.train_s), [&sim, &comm, &t, &c, i, server, uplink_bytes] {
            const double now = sim.now().seconds();
            t[i].train_end_s = now;
            if (!c.upload) {
              t[i].dropped_out = true;
              t[i].failed_at_s = now;
              return;
            }
            if (c.offline_at_s <= now) {
              t[i].failed_at_s = c.offline_at_s;
              return;
            }
            comm.start_p2p(c.rank, server, uplink_bytes, [&sim, &t, &c, i] {
              const double at = sim.now().seconds();
              if (c.offline_at_s < at)
                t[i].failed_at_s = c.offline_at_s;  // offline before its last byte arrived
              else
                t[i].arrival_s = at;
            });
          });
    });
  }
  sim.run();
  return t;
}

}  // namespace dtsim::workloads
