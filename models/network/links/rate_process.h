#pragma once
/**
 * How the link rates of a radio model's clients change over time (airtime.h): a seeded Markov
 * chain of rate states, or a trace of (time, rate) rows.
 *
 * - **Markov chain** (`kMarkov`): each client link has its own chain over `states` (factors of
 *   its nominal rate, the topology's, >= 0), starting in state 0; every `dwell_s` it moves to
 *   state j with probability `transitions[i][j]`, drawn from its own random stream
 *   (`links.<class>.<link id>` of simcore::RngStreams, so the same seed gives the same rates and
 *   adding a client does not change another's).
 * - **Trace** (`kTrace`): from each row's time on, every client link of the class has that rate
 *   in both directions (before the first row: its nominal rate).
 *
 * Units: times in seconds, rates in bytes per second.
 * Errors: ConfigError from validate(): states empty or negative, transitions not a square
 * matrix of the states' size with rows of non-negative entries summing to 1 (within 1e-9), a
 * dwell time not positive; a trace empty, not sorted by time, or with a negative time or rate.
 * Source: Markov rate states for fading radio links, Gilbert (1960) and Elliott (1963) channel
 * models; Wang & Moayeri, "Finite-state Markov channel", IEEE Trans. Veh. Tech. 44(1), 1995.
 */
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace dtsim::network {

struct RateProcess {
  enum class Kind { kNone, kMarkov, kTrace };
  Kind kind = Kind::kNone;
  std::vector<double> states;                    ///< kMarkov: factors of the nominal rate
  std::vector<std::vector<double>> transitions;  ///< kMarkov: row-stochastic, states x states
  double dwell_s = 0;                            ///< kMarkov: time between steps
  std::vector<std::pair<double, double>> trace;  ///< kTrace: (time s, rate B/s), sorted

  /** Errors: ConfigError naming the field. */
  void validate() const;
  /** The largest rate a client of nominal rate `nominal` can get. */
  double max_rate(double nominal) const;
  /** kMarkov: the state after state `i`, from a uniform draw of `g` (portable: 53 bits). */
  size_t step(size_t i, std::mt19937_64& g) const;
};

}  // namespace dtsim::network
