#pragma once
/**
 * `wan_tcp`: TCP over a wide-area path. A transfer opens `streams` parallel connections (or
 * its own count, TransferInfo::streams, where a collective algorithm pools them); each
 * runs at most its congestion control's steady rate on this path (from the path's RTT and this
 * link's loss rate) and at most one maximum window per round trip, so the transfer is bounded by
 *     streams x min(cc_rate(MSS, RTT, p), max_window / RTT)
 * and then shares bandwidth max-min with everything else, with weight `streams` (each
 * connection is one competitor at a shared bottleneck). RTT is twice the path's one-way latency.
 *
 * Slow start (optional, on by default): a connection pair (source and destination rank) that is
 * cold starts at the initial window and doubles it every round trip until it reaches the window
 * of its rate (rate x RTT, at most its share of the bottleneck); the rounds spent cost
 *     extra latency = rounds x RTT - bytes sent in them / rate
 * before the transfer runs at its rate. A pair is cold at first use and, with
 * `slow_start_after_idle` (Linux's net.ipv4.tcp_slow_start_after_idle, default 1), again when it
 * has been idle for a retransmission timeout (RFC 5681 section 4.1; RTO = RTT + 200 ms, Linux's
 * rto_min). With loss 0, no window bound and slow start off, a lone transfer takes exactly
 * L + S / B.
 *
 * Units: sizes in bytes, rates in bytes per second, times in seconds.
 * Errors: ConfigError from validate() (loss outside [0, 1), BBR at 15% loss or more, zero
 * streams, MSS or windows not positive).
 * Source: see tcp_throughput.h; Linux's defaults from Documentation/networking/ip-sysctl.rst
 * (tcp_rmem maximum 6 MiB = 6291456 B; tcp_slow_start_after_idle 1).
 */
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "models/network/links/link_model.h"

namespace dtsim::network {

enum class CongestionControl { kReno, kRenoPadhye, kCubic, kBbr };

struct WanTcpParams {
  double loss = 0;                       ///< packet loss probability p, in [0, 1)
  double mss_bytes = 1460;               ///< maximum segment size (1500 B MTU - 40 B headers)
  double max_window_bytes = 6291456;     ///< Linux tcp_rmem maximum; 0: no window bound
  CongestionControl cc = CongestionControl::kCubic;  ///< Linux's default
  int streams = 1;                       ///< parallel connections per transfer
  double padhye_b = 2;                   ///< packets per ACK (delayed ACKs) for Padhye
  double padhye_rto_s = 0.2;             ///< T0 for Padhye (Linux rto_min)
  bool slow_start = true;
  double initial_window_bytes = 10 * 1460;  ///< RFC 6928: 10 segments
  bool slow_start_after_idle = true;

  /** Errors: ConfigError naming the field. */
  void validate() const;
  /** One stream's steady rate on a path of round-trip time `rtt_s` whose bottleneck share for
   *  this transfer is `share_bytes_per_s` (BBR's rate follows it). */
  double stream_rate_bytes_per_s(double rtt_s, double share_bytes_per_s) const;
};

class WanTcpSpec : public LinkModelSpec {
 public:
  explicit WanTcpSpec(WanTcpParams p) : p_(p) { p_.validate(); }
  std::string name() const override { return "wan_tcp"; }
  std::unique_ptr<LinkModel> make(const LinkModelContext& ctx) const override;
  /** streams x the per-stream rate (warm connections: no slow start). */
  double steady_bound_bytes_per_s(const TransferInfo& t) const override;
  const WanTcpParams& params() const { return p_; }

 private:
  WanTcpParams p_;
};

}  // namespace dtsim::network
