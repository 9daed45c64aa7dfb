#include "models/network/links/wan_tcp.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "models/network/links/tcp_throughput.h"
#include "simcore/error.h"

namespace dtsim::network {

using simcore::ConfigError;
using simcore::Time;

void WanTcpParams::validate() const {
  if (!(loss >= 0 && loss < 1))
    throw ConfigError(fmt::format("loss: expected a probability in [0, 1); got {}", loss));
  if (cc == CongestionControl::kBbr && loss >= 0.15)
    throw ConfigError(fmt::format(
        "loss: BBR's model (rate = capacity x (1 - p)) holds below 15% loss; got {}", loss));
  if (streams < 1) throw ConfigError(fmt::format("streams: expected at least 1; got {}", streams));
  if (!(mss_bytes > 0)) throw ConfigError(fmt::format("mss: expected > 0; got {}", mss_bytes));
  if (!(max_window_bytes >= 0))
    throw ConfigError(fmt::format("max_window: expected >= 0; got {}", max_window_bytes));
  if (!(initial_window_bytes > 0))
    throw ConfigError(fmt::format("initial_window: expected > 0; got {}", initial_window_bytes));
  if (!(padhye_b > 0) || !(padhye_rto_s > 0))
    throw ConfigError("padhye: b and rto must be > 0");
}

double WanTcpParams::stream_rate_bytes_per_s(double rtt_s, double share_bytes_per_s) const {
  double r = 0;
  switch (cc) {
    case CongestionControl::kReno:
      r = mathis_bytes_per_s(mss_bytes, rtt_s, loss);
      break;
    case CongestionControl::kRenoPadhye:
      r = padhye_bytes_per_s(mss_bytes, rtt_s, loss, padhye_b, padhye_rto_s);
      break;
    case CongestionControl::kCubic:
      r = cubic_bytes_per_s(mss_bytes, rtt_s, loss);
      break;
    case CongestionControl::kBbr:
      r = bbr_bytes_per_s(share_bytes_per_s, loss);
      break;
  }
  if (max_window_bytes > 0) r = std::min(r, window_bound_bytes_per_s(max_window_bytes, rtt_s));
  return r;
}

namespace {

/** The connections a transfer opens: its own count (a pooling algorithm's), else the link's. */
int streams_of(const WanTcpParams& p, const TransferInfo& t) {
  return t.streams > 0 ? t.streams : p.streams;
}

/** One stream's steady rate on the transfer's path (RTT = twice its one-way latency; the
 *  stream's share of the bottleneck is 1/streams of it). */
double stream_rate(const WanTcpParams& p, const TransferInfo& t) {
  const double rtt_s = 2 * t.path_latency.seconds();
  if (!(rtt_s > 0)) return std::numeric_limits<double>::infinity();
  return p.stream_rate_bytes_per_s(rtt_s, t.path_bottleneck_bytes_per_s / streams_of(p, t));
}

/** Per simulation: which (source, destination) connection pools are warm. */
class WanTcpModel : public LinkModel {
 public:
  explicit WanTcpModel(const WanTcpParams& p) : p_(p) {}

  TransferTerms on_start(const TransferInfo& t) override {
    const double rtt_s = 2 * t.path_latency.seconds();
    const double n = streams_of(p_, t);
    const double share = t.path_bottleneck_bytes_per_s / n;
    const double rate = stream_rate(p_, t);
    TransferTerms terms;
    terms.bound_bytes_per_s = n * rate;
    terms.weight = n;
    Pool& pool = pools_[{t.src, t.dst}];
    const bool cold = !pool.used || (p_.slow_start_after_idle && pool.active == 0 &&
                                     (t.now - pool.last_end).seconds() >= rtt_s + kRtoMinS);
    pool.used = true;
    ++pool.active;
    if (p_.slow_start && cold && rtt_s > 0) {
      const double steady = std::min(rate, share);  // per stream
      const SlowStart ss = slow_start(t.bytes / n, p_.initial_window_bytes, steady * rtt_s);
      const double extra_s = ss.rounds * rtt_s - ss.bytes / steady;
      if (extra_s > 0) terms.extra_latency = Time::from_seconds(extra_s);
    }
    return terms;
  }

  void on_end(const TransferInfo& t, Time now) override {
    Pool& pool = pools_[{t.src, t.dst}];
    --pool.active;
    pool.last_end = now;
  }

 private:
  static constexpr double kRtoMinS = 0.2;  // Linux TCP_RTO_MIN
  struct Pool {
    bool used = false;
    int active = 0;
    Time last_end;
  };
  WanTcpParams p_;
  std::map<std::pair<int, int>, Pool> pools_;
};

}  // namespace

std::unique_ptr<LinkModel> WanTcpSpec::make(const LinkModelContext&) const {
  return std::make_unique<WanTcpModel>(p_);
}

double WanTcpSpec::steady_bound_bytes_per_s(const TransferInfo& t) const {
  return streams_of(p_, t) * stream_rate(p_, t);
}

}  // namespace dtsim::network
