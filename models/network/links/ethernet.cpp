#include "models/network/links/ethernet.h"

#include <fmt/format.h>

#include "simcore/error.h"

namespace dtsim::network {

namespace {

// Bytes per frame; sources in ethernet.h.
constexpr double kPreambleSfdBytes = 8;  // IEEE 802.3: 7 B preamble + 1 B SFD
constexpr double kHeaderBytes = 14;      // IEEE 802.3: destination, source, EtherType
constexpr double kFcsBytes = 4;          // IEEE 802.3: frame check sequence
constexpr double kGapBytes = 12;         // IEEE 802.3: 96 bit times of inter-packet gap
constexpr double kIpv4Bytes = 20;        // RFC 791, no options
constexpr double kTcpBytes = 20;         // RFC 9293, no options
constexpr double kTimestampsBytes = 12;  // RFC 7323: 10 B option, 2 B padding (NOP, NOP)
constexpr double kMinMtuBytes = 68;      // RFC 791
constexpr double kMaxMtuBytes = 9216;    // the common jumbo frame limit

class EthernetModel : public LinkModel {
 public:
  EthernetModel(const LinkModelContext& ctx, double efficiency) : efficiency_(efficiency) {
    mine_.assign(ctx.topology->channel_count(), false);
    for (uint32_t ch : ctx.channels) mine_[ch] = true;
  }
  TransferTerms on_start(const TransferInfo& t) override {
    TransferTerms terms;
    for (uint32_t ch : t.channels)
      if (mine_[ch]) terms.uses.push_back({ch, 1.0 / efficiency_});
    return terms;
  }

 private:
  double efficiency_;
  std::vector<bool> mine_;  // per channel: of this class
};

}  // namespace

void EthernetParams::validate() const {
  if (!(mtu_bytes > kMinMtuBytes && mtu_bytes <= kMaxMtuBytes))
    throw simcore::ConfigError(
        fmt::format("mtu: expected more than {} B and at most {} B; got {} B", kMinMtuBytes,
                    kMaxMtuBytes, mtu_bytes));
}

double EthernetParams::efficiency() const {
  const double payload =
      mtu_bytes - kIpv4Bytes - kTcpBytes - (tcp_timestamps ? kTimestampsBytes : 0.0);
  return payload / (mtu_bytes + kHeaderBytes + kFcsBytes + kPreambleSfdBytes + kGapBytes);
}

std::unique_ptr<LinkModel> EthernetSpec::make(const LinkModelContext& ctx) const {
  return std::make_unique<EthernetModel>(ctx, p_.efficiency());
}

}  // namespace dtsim::network
