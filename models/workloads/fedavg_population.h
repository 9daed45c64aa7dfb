#pragma once
/**
 * A federated client population: N registered clients described by classes (30% on a 5G cell
 * with a Raspberry Pi 4, 50% on WiFi, ...), not by topology nodes, so N may be a million at the
 * cost of the classes and the availability trace alone. Client ids are 0..N-1; class i holds the
 * ids [round(S_i N), round(S_{i+1} N)) where S_i is the sum of the shares before it, rounded to
 * the nearest id (so shares of 1/3 written to 16 digits split 12 clients 4/4/4; the last class
 * ends at N). Per-client randomness (a client's speed factor) comes from counter-based
 * draws keyed by (seed, stream, client, round) (simcore/rng.h): no per-client state.
 *
 * Availability: an optional trace of online intervals [start, end) per client, in seconds from
 * the start of the run. A client the trace lists is online only inside its intervals (offline
 * before the first and after the last); a client it does not list is always online. Intervals
 * of one client must not overlap (the loader checks it at the row).
 *
 * Units: rates in bytes per second, FLOP/s, seconds, samples.
 * Errors: none here (the kind's loader checks the keys); assertions on programming errors.
 * Complexity: class_of O(log classes); online/online_until O(log intervals of the client);
 * memory 8 B per client (up to the largest listed id) plus 16 B per interval for a trace,
 * nothing per client without one.
 *
 *     Population pop;
 *     pop.clients = 1'000'000;
 *     pop.classes = {{.name = "5g", .share = 0.3, ...}, {.name = "wifi", .share = 0.7, ...}};
 *     pop.finish();
 *     int c = pop.class_of(123456);
 */
#include <cstdint>
#include <iterator>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace dtsim::workloads {

/** One class of clients: where they attach and how fast they are. */
struct ClientClass {
  std::string name;
  double share = 1;  ///< fraction of the registered clients, in (0, 1]
  std::string cell;  ///< the edge_cell cell (5G gNB, WiFi AP, Ethernet switch) they attach to
  double uplink_bytes_per_s = 0;    ///< client -> cell, alone on the medium
  double downlink_bytes_per_s = 0;  ///< cell -> client
  std::string device;               ///< the device's name, for the report
  /** Sustained training rate: the device's peak for the dtype x its compute efficiency. */
  double train_flops_per_s = 0;
  double samples = 0;  ///< local training samples per client
  /** Per-client speed factor, uniform in [speed_min, speed_max] from the draw (seed,
   *  "fedavg.speed", client, 0): heterogeneous devices of one class (1, 1: all alike). */
  double speed_min = 1, speed_max = 1;
};

/** Online intervals per client, stored compactly (CSR over the listed clients). */
class AvailabilityTrace {
 public:
  struct Interval {
    double start_s = 0, end_s = 0;
  };
  /** Builds from (client, interval) rows sorted by client then start, non-overlapping. */
  AvailabilityTrace(std::vector<int64_t> clients, std::vector<int64_t> offsets,
                    std::vector<Interval> intervals);
  AvailabilityTrace() = default;

  bool empty() const { return dense_.empty(); }
  size_t intervals() const { return intervals_.size(); }
  /** Whether `client` is online at time `t_s`. */
  bool online(int64_t client, double t_s) const;
  /** The end of the online interval holding `t_s` (infinity for an unlisted client); only
   *  meaningful where online(client, t_s). */
  double online_until(int64_t client, double t_s) const;
  /** The earliest start of an interval after `t_s` (infinity when none): when a client next
   *  comes online. Complexity: O(intervals). */
  double next_start_after(double t_s) const;

 private:
  /** The interval of `client` holding t_s, or -1 (the client is listed). */
  int64_t holding(int64_t client, double t_s) const;
  bool listed(int64_t client) const {
    return client + 1 < std::ssize(dense_) && dense_[client] != dense_[client + 1];
  }
  /** Per client id up to the largest listed one, + 1: its first interval (O(1) look-up, 8 B per
   *  client); an unlisted client has none. */
  std::vector<int64_t> dense_;
  std::vector<Interval> intervals_;
};

struct Population {
  int64_t clients = 0;  ///< N, registered clients
  std::vector<ClientClass> classes;
  AvailabilityTrace availability;
  /** Per-client speed factors (client, factor), sorted by client: they replace the class's
   *  speed_min..speed_max draw for the clients listed (a speed trace). */
  std::vector<std::pair<int64_t, double>> speed_trace;

  /** Computes the class boundaries from the shares (after `clients` and `classes` are set). */
  void finish();
  /** The class index of `client` (0 <= client < clients). */
  int class_of(int64_t client) const;
  /** The first client id of class `c` (c = classes.size(): N). */
  int64_t class_begin(size_t c) const { return begin_[c]; }
  /** The client's speed factor: its speed trace row, else the draw (ClientClass::speed_min). */
  double speed_factor(uint64_t seed, int64_t client) const;

 private:
  std::vector<int64_t> begin_;
};

}  // namespace dtsim::workloads
