#include "models/network/links/rate_process.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "simcore/error.h"

namespace dtsim::network {

using simcore::ConfigError;

void RateProcess::validate() const {
  if (kind == Kind::kMarkov) {
    if (states.empty()) throw ConfigError("markov.states: expected at least one rate state");
    for (double s : states)
      if (!(s >= 0 && std::isfinite(s)))
        throw ConfigError(fmt::format("markov.states: expected factors >= 0; got {}", s));
    if (transitions.size() != states.size())
      throw ConfigError(fmt::format("markov.transitions: expected {} rows (one per state); got {}",
                                    states.size(), transitions.size()));
    for (size_t i = 0; i < transitions.size(); ++i) {
      const auto& row = transitions[i];
      if (row.size() != states.size())
        throw ConfigError(fmt::format("markov.transitions[{}]: expected {} entries; got {}", i,
                                      states.size(), row.size()));
      double sum = 0;
      for (double p : row) {
        if (!(p >= 0 && p <= 1))
          throw ConfigError(fmt::format(
              "markov.transitions[{}]: expected probabilities in [0, 1]; got {}", i, p));
        sum += p;
      }
      if (std::fabs(sum - 1) > 1e-9)
        throw ConfigError(fmt::format(
            "markov.transitions[{}]: expected probabilities summing to 1; got {}", i, sum));
    }
    if (!(dwell_s > 0 && std::isfinite(dwell_s)))
      throw ConfigError(fmt::format("markov.dwell: expected a positive time; got {} s", dwell_s));
  }
  if (kind == Kind::kTrace) {
    if (trace.empty()) throw ConfigError("rate_trace: expected at least one (time, rate) row");
    for (size_t i = 0; i < trace.size(); ++i) {
      if (!(trace[i].first >= 0) || !(trace[i].second >= 0))
        throw ConfigError(fmt::format("rate_trace: row {}: expected a time and a rate >= 0", i));
      if (i > 0 && !(trace[i].first > trace[i - 1].first))
        throw ConfigError(fmt::format("rate_trace: row {}: times must increase", i));
    }
  }
}

double RateProcess::max_rate(double nominal) const {
  double r = nominal;
  if (kind == Kind::kMarkov) r = nominal * *std::max_element(states.begin(), states.end());
  if (kind == Kind::kTrace)
    for (const auto& [t, rate] : trace) r = std::max(r, rate);
  return r;
}

size_t RateProcess::step(size_t i, std::mt19937_64& g) const {
  const double u = static_cast<double>(g() >> 11) * 0x1.0p-53;  // [0, 1)
  const auto& row = transitions[i];
  double acc = 0;
  for (size_t j = 0; j < row.size(); ++j) {
    acc += row[j];
    if (u < acc) return j;
  }
  // Rounding left u above the sum: the last state with a probability > 0.
  for (size_t j = row.size(); j-- > 0;)
    if (row[j] > 0) return j;
  return i;
}

}  // namespace dtsim::network
