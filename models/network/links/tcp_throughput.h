#pragma once
/**
 * Closed forms of TCP's steady-state throughput per stream (connection), and of slow start.
 *
 * Units: rates in bytes per second, times in seconds, sizes in bytes; `loss` is the packet loss
 * probability p in [0, 1). With p = 0 the loss-based forms are unbounded (infinity): the window
 * bound and the link capacity then set the rate.
 * Errors: none (callers validate their inputs; see WanTcpParams).
 *
 *     double r = mathis_bytes_per_s(1460, 0.05, 1e-3);  // 1.13 MB/s = 9.05 Mb/s
 */

namespace dtsim::network {

/** Mathis' constant C = sqrt(3/2) (periodic loss, delayed ACKs off). Source: Mathis, Semke,
 *  Mahdavi, Ott, "The macroscopic behavior of the TCP congestion avoidance algorithm", CCR 1997. */
inline constexpr double kMathisC = 1.2247448713915890491;  // sqrt(3/2)

/** Reno by Mathis et al.: rate = (MSS / RTT) * c / sqrt(p). */
double mathis_bytes_per_s(double mss_bytes, double rtt_s, double loss, double c = kMathisC);

/**
 * Reno by Padhye et al. (with timeouts):
 *     rate = MSS / (RTT sqrt(2bp/3) + T0 min(1, 3 sqrt(3bp/8)) p (1 + 32 p^2))   [bytes/s]
 * where b is the packets acknowledged per ACK and T0 the retransmission timeout; the window
 * bound of the paper's full form is applied by the caller (window_bound_bytes_per_s).
 * Source: Padhye, Firoiu, Towsley, Kurose, "Modeling TCP throughput: a simple model and its
 * empirical validation", SIGCOMM 1998, eq. (31) without its Wmax/RTT term.
 */
double padhye_bytes_per_s(double mss_bytes, double rtt_s, double loss, double b, double rto_s);

/**
 * CUBIC's response function: the average window (in segments) under periodic loss
 *     W = (C (3 + beta) / (4 (1 - beta)))^(1/4) * RTT^(3/4) / p^(3/4),  C = 0.4, beta = 0.7,
 * rate = W * MSS / RTT; CUBIC runs at least as fast as Reno (its "Reno-friendly" region), so the
 * result is the larger of this and Mathis' rate with C = sqrt(3/2).
 * Source: RFC 9438 (CUBIC), section 5.2 (as RFC 8312 section 5.1); constants of section 4.
 */
double cubic_bytes_per_s(double mss_bytes, double rtt_s, double loss);

/**
 * BBR (v1) paces at the bottleneck bandwidth it measures and does not back off on random loss:
 * its goodput is about capacity * (1 - p) while p stays below about 15%, where its model breaks
 * down (Cardwell et al., "BBR: congestion-based congestion control", ACM Queue 14(5), 2016;
 * the loss-resilience figure of the BBR v1 IETF 97 slides, 2016). `capacity` is the path's
 * bottleneck share.
 */
double bbr_bytes_per_s(double capacity_bytes_per_s, double loss);

/** A stream can have at most one maximum window in flight per round trip: max_window / RTT. */
double window_bound_bytes_per_s(double max_window_bytes, double rtt_s);

/**
 * Slow start of one stream carrying `bytes`: the window starts at `initial_window_bytes` and
 * doubles every round trip until it reaches `target_window_bytes` (the window of the steady
 * rate, rate x RTT) or the data runs out. Returns the round trips spent and the bytes sent in
 * them (at most `bytes`). Source: RFC 5681 section 3.1 (slow start), RFC 6928 (initial window
 * of 10 segments); the round count as in Cardwell, Savage, Anderson, "Modeling TCP latency",
 * INFOCOM 2000.
 */
struct SlowStart {
  int rounds = 0;
  double bytes = 0;
};
SlowStart slow_start(double bytes, double initial_window_bytes, double target_window_bytes);

}  // namespace dtsim::network
