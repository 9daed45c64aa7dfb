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
