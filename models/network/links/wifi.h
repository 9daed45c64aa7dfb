#pragma once
/**
 * `wifi`: a WiFi access point's airtime (see airtime.h). Each link of the class joins a client
 * (station) to its access point; the link's capacity per direction is that client's rate (its
 * PHY rate less the MAC overheads) when it has the medium to itself. Uplink and downlink share
 * one airtime (one channel, contention by CSMA/CA): one constraint of capacity 1 per access
 * point.
 *
 * Sharing:
 * - default (`airtime_fairness: false`): equal transmit opportunities, no frame aggregation
 *   (802.11a/b/g): every active client gets the same throughput, 1 / sum_j (1 / r_j), so one
 *   slow client drags every client down: the "performance anomaly" (airtime.h,
 *   kEqualThroughput).
 * - `airtime_fairness: true` (802.11ax scheduling, aggregation, Linux's airtime fairness): every
 *   active client gets an equal share of time, x_i = r_i / k (kEqualTime).
 *
 * Units: rates in bytes per second (the links' capacities).
 * Errors: ConfigError from make(): links that do not join a client to an access point.
 * Source: Heusse, Rousseau, Berger-Sabbatel, Duda, "Performance anomaly of 802.11b", IEEE
 * INFOCOM 2003 (throughput per host ~ 1 / sum_i (1 / r_i) with equal frame opportunities);
 * Hoiland-Jorgensen et al., "Ending the anomaly: achieving low latency and airtime fairness in
 * WiFi", USENIX ATC 2017 (airtime fairness).
 */
#include <memory>
#include <string>

#include "models/network/links/link_model.h"
#include "models/network/links/rate_process.h"

namespace dtsim::network {

struct WifiParams {
  bool airtime_fairness = false;
  RateProcess rates;            ///< how the clients' rates change over time (rate_process.h)
  double latency_jitter_s = 0;  ///< per access hop, uniform in [0, this) (airtime.h)
};

class WifiSpec : public LinkModelSpec {
 public:
  explicit WifiSpec(WifiParams p) : p_(std::move(p)) { p_.rates.validate(); }
  std::string name() const override { return "wifi"; }
  void check(const topologies::Topology& topology, const std::string& link_class) const override;
  std::unique_ptr<LinkModel> make(const LinkModelContext& ctx) const override;
  const WifiParams& params() const { return p_; }

 private:
  WifiParams p_;
};

}  // namespace dtsim::network
