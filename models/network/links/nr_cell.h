#pragma once
/**
 * `5g`: a 5G NR cell's airtime (see airtime.h). Each link of the class joins a client (UE) to
 * its cell (gNB); the link's capacity per direction is that client's rate when it has the cell
 * to itself. Uplink and downlink are separate constraints: with FDD each has all the time
 * (capacity 1); with TDD the slot pattern fixes each direction's fraction of the time:
 *     uplink = (number of U slots) / (pattern length), downlink = (number of D) / (length).
 * Special (S) slots count for neither: they hold the guard period and a few symbols of each
 * direction (3GPP TS 38.213 section 11.1; e.g. 10 D : 2 guard : 2 U symbols), so DDDSU gives the
 * downlink 3/5 and the uplink 1/5, slightly below what the S symbols add.
 *
 * Scheduler: proportional fair, which with static rates gives every active client of a
 * direction an equal share of time, x_i = fraction x r_i / k (airtime.h, kEqualTime).
 *
 * Units: fractions of time; rates in bytes per second (the links' capacities).
 * Errors: ConfigError from validate(): a TDD pattern empty, with a letter other than D, S, U, or
 * without a U slot (no uplink airtime) or a D slot (no downlink airtime); from make(): links that
 * do not join a client to a cell (airtime.h).
 * Source: 3GPP TS 38.213 (slot formats), TS 38.331 (TDD-UL-DL-ConfigCommon: patterns such as
 * DDDSU, 3 DL : 1 special : 1 UL slots); proportional fair's equal time shares: airtime.h.
 */
#include <memory>
#include <string>

#include "models/network/links/link_model.h"
#include "models/network/links/rate_process.h"

namespace dtsim::network {

struct NrCellParams {
  bool tdd = false;             ///< false: FDD
  std::string tdd_pattern;      ///< with tdd: slots, each D, S or U, e.g. "DDDSU"
  RateProcess rates;            ///< how the clients' rates change over time (rate_process.h)
  double latency_jitter_s = 0;  ///< per access hop, uniform in [0, this) (airtime.h)

  /** Errors: ConfigError naming the field. */
  void validate() const;
  double uplink_fraction() const;
  double downlink_fraction() const;
};

class NrCellSpec : public LinkModelSpec {
 public:
  explicit NrCellSpec(NrCellParams p) : p_(std::move(p)) { p_.validate(); }
  std::string name() const override { return "5g"; }
  void check(const topologies::Topology& topology, const std::string& link_class) const override;
  std::unique_ptr<LinkModel> make(const LinkModelContext& ctx) const override;
  const NrCellParams& params() const { return p_; }

 private:
  NrCellParams p_;
};

}  // namespace dtsim::network
