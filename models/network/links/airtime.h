#pragma once
/**
 * Airtime sharing on a radio medium (a 5G cell, a WiFi access point): the building block of the
 * `5g` and `wifi` link models (nr_cell.h, wifi.h).
 *
 * The links of the model's class join a **client** (an accelerator: a rank) to a **cell** (its
 * base station or access point, a node that is not an accelerator); the links that share a cell
 * node share its airtime. A link's capacity in a direction is that client's link rate r_i in that
 * direction (from its signal quality: the rate it gets with the medium to itself). A transfer of
 * client i at rate x_i occupies x_i / r_i of the time, so each airtime constraint is
 *     sum_i x_i / r_i <= capacity        (coefficient 1 / r_i seconds per byte)
 * with capacity the fraction of time its direction has: one constraint per direction of capacity
 * 1 (5G FDD), the TDD pattern's fractions (5G TDD), or one constraint for both directions of
 * capacity 1 (WiFi). The link's own channel (x_i <= r_i) stays and never binds first.
 *
 * Sharing within a constraint (the solver's weighted max-min):
 * - **equal time** (`kEqualTime`): weight w_i = r_i (normalised by the class's largest rate), so
 *   x_i = r_i L and every client transmits the same fraction of time: k clients of a direction
 *   of capacity c each get x_i = c r_i / k. Proportional fair with static rates (5G) and WiFi
 *   airtime fairness (802.11ax, aggregation).
 * - **equal throughput** (`kEqualThroughput`): weight 1, so x_i = L for all: each client gets
 *   c / sum_j (1 / r_j), WiFi's equal transmit opportunities without aggregation (the 802.11
 *   "performance anomaly"). The weight is the transfer's on every constraint it crosses (the
 *   solver has one weight per variable), so on a wired bottleneck too.
 * A transfer from one client to another through the same cell uses the airtime twice (up, then
 * down): on WiFi the two coefficients add on the one constraint.
 *
 * Time-varying rates (AirtimeParams::rates, rate_process.h): at each change a client's channel
 * gets its new rate as capacity, and the transfers on it the new coefficient 1 / r_i and weight
 * (MediumHost::update_uses), so a transfer finishes when the integral of its rate reaches its
 * size. A rate of 0 stalls the client's transfers until it rises. Changes are simulated only
 * while a transfer of the class runs (a chain's missed steps are drawn when the next starts),
 * so an idle model adds no events.
 *
 * Units: rates in bytes per second, coefficients in seconds per byte, capacities as fractions.
 * Errors: ConfigError from the constructor when a link of the class does not join one
 * accelerator to one non-accelerator, or is half duplex.
 * Source: airtime as the shared resource, Heusse, Rousseau, Berger-Sabbatel, Duda, "Performance
 * anomaly of 802.11b", IEEE INFOCOM 2003; proportional fair gives equal time shares with static
 * rates: maximise sum log x_i subject to sum x_i / r_i <= 1 gives x_i = r_i / k (Kelly, "Charging
 * and rate control for elastic traffic", Eur. Trans. Telecom. 1997; Tse & Viswanath,
 * "Fundamentals of Wireless Communication", 2005, section 6.7).
 */
#include <cstdint>
#include <string>
#include <vector>

#include "models/network/links/link_model.h"
#include "models/network/links/rate_process.h"

namespace dtsim::network {

/** Checks that every link of class `link_class` joins one accelerator to one other node and is
 *  full duplex. Errors: ConfigError naming the link and `model`. */
void check_airtime_links(const topologies::Topology& topology, const std::string& link_class,
                         const std::string& model);

struct AirtimeParams {
  enum class Sharing { kEqualTime, kEqualThroughput };
  Sharing sharing = Sharing::kEqualTime;
  bool shared_directions = false;  ///< one airtime for uplink and downlink (WiFi)
  double uplink_fraction = 1;      ///< of the time, for the uplink constraint (or the shared one)
  double downlink_fraction = 1;    ///< of the time, for the downlink constraint
  RateProcess rates;               ///< how the clients' rates change (none: fixed)
  /** Extra latency of a transfer per access hop, uniform in [0, this), from the class's seeded
   *  stream `links.<class>.jitter` (a modelling choice: scheduling and retransmission delay). */
  double latency_jitter_s = 0;
};

class AirtimeModel : public LinkModel {
 public:
  /** `model`: the model's name, for messages ("5g"). */
  AirtimeModel(const LinkModelContext& ctx, const AirtimeParams& p, const std::string& model);
  TransferTerms on_start(const TransferInfo& t) override;
  void on_end(const TransferInfo& t, simcore::Time now) override;

  /** Number of cells (distinct cell nodes) of the class. */
  size_t cells() const { return cell_of_node_.size(); }

 private:
  struct Access {                      // one channel of the class
    int32_t constraint = -1;           // its cell's airtime in its direction; -1: not of this class
    double nominal_bytes_per_s = 0;    // the topology's
    double rate_bytes_per_s = 0;       // now
    double coef_rate_bytes_per_s = 0;  // the last rate > 0: transfers' coefficient is 1 / it
    double weight = 1;
  };
  struct Client {               // one link of the class
    uint32_t up = 0, down = 0;  // its channels
    size_t state = 0;           // Markov state
    std::mt19937_64* rng = nullptr;
  };
  /** The time (s) of the next change, or a negative value when there is none. */
  double next_change_s() const;
  /** Applies every change due by `now`, then the clients' new rates. */
  void advance(simcore::Time now);
  void arm();
  void set_rate(uint32_t ch, double rate_bytes_per_s);

  AirtimeParams p_;
  MediumHost* host_ = nullptr;
  simcore::Simulator* sim_ = nullptr;
  double norm_bytes_per_s_ = 1;  // weights: rate / this (<= 1)
  std::vector<Access> access_;   // per channel id
  std::vector<Client> clients_;
  std::vector<std::pair<uint32_t, std::pair<uint32_t, uint32_t>>>
      cell_of_node_;    // node -> (up, down)
  int active_ = 0;      // transfers of the class running
  size_t changes_ = 0;  // changes applied (Markov steps, trace rows)
  simcore::EventId event_;
  std::mt19937_64* jitter_rng_ = nullptr;
};

}  // namespace dtsim::network
