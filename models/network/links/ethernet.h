#pragma once
/**
 * `ethernet`: TCP over Ethernet for edge devices. The link's capacity is its line rate; what a
 * transfer can use of it is the TCP payload of each frame over the bytes the frame occupies on
 * the wire:
 *     efficiency = (MTU - IPv4 20 - TCP 20 - TCP options) / (MTU + header 14 + FCS 4
 *                  + preamble and SFD 8 + inter-frame gap 12)
 * With a 1500 B MTU and the timestamps option (12 B, on by default in Linux:
 * net.ipv4.tcp_timestamps = 1) that is 1448 / 1538 = 0.94148, so 1 Gb/s carries 941.48 Mb/s
 * of payload; without timestamps 1460 / 1538 (949.3 Mb/s). A transfer on a link of the class
 * uses 1 / efficiency wire bytes per payload byte (the channel's coefficient): flows sharing
 * the link share its line rate, and a lone transfer of S bytes takes L + S / (efficiency x B).
 *
 * Units: sizes in bytes.
 * Errors: ConfigError from validate(): an MTU of 68 B or less (RFC 791's minimum; the headers
 * would leave no payload) or above 9216 B (jumbo frames).
 * Source: IEEE 802.3 (preamble 7 B + SFD 1 B, header 14 B, FCS 4 B, minimum inter-packet gap
 * 96 bit times = 12 B); RFC 791 (IPv4 header 20 B, minimum MTU 68 B); RFC 9293 (TCP header
 * 20 B); RFC 7323 (timestamps option 10 B, padded to 12 B); Linux
 * Documentation/networking/ip-sysctl.rst (tcp_timestamps default 1).
 */
#include <memory>
#include <string>

#include "models/network/links/link_model.h"

namespace dtsim::network {

struct EthernetParams {
  double mtu_bytes = 1500;
  bool tcp_timestamps = true;

  /** Errors: ConfigError naming the field. */
  void validate() const;
  /** TCP payload bytes per byte on the wire (see the file's comment). */
  double efficiency() const;
};

class EthernetSpec : public LinkModelSpec {
 public:
  explicit EthernetSpec(EthernetParams p) : p_(p) { p_.validate(); }
  std::string name() const override { return "ethernet"; }
  std::unique_ptr<LinkModel> make(const LinkModelContext& ctx) const override;
  const EthernetParams& params() const { return p_; }

 private:
  EthernetParams p_;
};

}  // namespace dtsim::network
