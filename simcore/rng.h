#pragma once
/**
 * Seeded, named random streams. The same (seed, stream name) always yields the same sequence,
 * independent of the order in which other streams are drawn from, so adding a random model in
 * one place does not perturb another.
 *
 * Source: SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators",
 * OOPSLA 2014) to derive stream seeds; std::mt19937_64 for the stream itself.
 *
 *     RngStreams rng(42);
 *     std::mt19937_64& g = rng.stream("routing.ecmp");
 */
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <string_view>

namespace dtsim::simcore {

/** SplitMix64 finaliser: a good 64-bit mix, also used for deterministic ECMP hashing. */
constexpr uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/** FNV-1a hash of a name (stable across platforms and runs). */
constexpr uint64_t hash_name(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

/**
 * Counter-based draw: a uniform 64-bit value that is a pure function of its key (seed, stream,
 * a, b), e.g. (seed, hash_name("fedavg.select"), client, round). Nothing is stored per key, so
 * a million clients cost no generator state, and a value does not depend on which other keys
 * were drawn before it or in what order (a counter-based generator: the key is the counter).
 * Each key word is folded in through the SplitMix64 finaliser, which is a bijection of 64-bit
 * words with full avalanche, so keys that differ in one word give unrelated values.
 *
 * Source: Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011
 * (counter-based generators); the mix is SplitMix64's (Steele, Lea, Flood, OOPSLA 2014).
 *
 *     double u = counter_uniform(seed, hash_name("fedavg.dropout"), client, round);
 */
constexpr uint64_t counter_u64(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b) {
  return mix64(mix64(mix64(mix64(seed) ^ stream) ^ a) ^ b);
}

/** `counter_u64` as a double uniform in [0, 1) (its top 53 bits). */
constexpr double counter_uniform(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b) {
  return static_cast<double>(counter_u64(seed, stream, a, b) >> 11) * 0x1.0p-53;
}

class RngStreams {
 public:
  explicit RngStreams(uint64_t seed) : seed_(seed) {}
  uint64_t seed() const { return seed_; }
  /** The stream of that name, created on first use. */
  std::mt19937_64& stream(std::string_view name) {
    auto it = streams_.find(std::string(name));
    if (it == streams_.end())
      it = streams_.emplace(std::string(name), std::mt19937_64(mix64(seed_ ^ hash_name(name))))
               .first;
    return it->second;
  }

 private:
  uint64_t seed_;
  std::map<std::string, std::mt19937_64, std::less<>> streams_;
};

}  // namespace dtsim::simcore
