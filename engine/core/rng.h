#pragma once
// The one seeded generator behind every random number the engine draws (initializers, shuffles,
// synthetic corpora, negative sampling). It is defined here bit for bit (splitmix64 seeding a
// xoshiro256**), so a table initialised with seed S is the same on every engine, thread count and
// machine. It does not reproduce Keras's own random bits; nothing can without its backend RNG.
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace embedscope {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) { reseed(seed); }

  void reseed(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& s : m_s) s = splitmix64(x);
    m_hasSpare = false;
  }

  // A generator for an independent stream (e.g. one per thread or per purpose), derived only from
  // this generator's seed and the stream number.
  static Rng stream(std::uint64_t seed, std::uint64_t streamId) {
    std::uint64_t x = seed ^ (0x9E3779B97F4A7C15ull * (streamId + 1));
    return Rng(splitmix64(x));
  }

  // The whole state, for checkpoints that continue a stream exactly: the four xoshiro256** words,
  // then the Box-Muller spare (its double's bits) and whether it is pending.
  using State = std::array<std::uint64_t, 6>;
  State state() const {
    return {m_s[0], m_s[1], m_s[2], m_s[3], std::bit_cast<std::uint64_t>(m_spare), m_hasSpare ? 1u : 0u};
  }
  void setState(const State& s) {
    for (int i = 0; i < 4; ++i) m_s[i] = s[static_cast<std::size_t>(i)];
    m_spare = std::bit_cast<double>(s[4]);
    m_hasSpare = s[5] != 0;
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
    const std::uint64_t t = m_s[1] << 17;
    m_s[2] ^= m_s[0];
    m_s[3] ^= m_s[1];
    m_s[1] ^= m_s[2];
    m_s[0] ^= m_s[3];
    m_s[2] ^= t;
    m_s[3] = rotl(m_s[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 24 random bits: exactly representable as float.
  float uniform01f() { return static_cast<float>(next() >> 40) * 0x1.0p-24f; }
  // Uniform in [0, 1) with 53 random bits.
  double uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Uniform in [lo, hi): the result is never hi, even where float rounding would give it.
  float uniform(float lo, float hi) {
    float v = lo + (hi - lo) * uniform01f();
    if (v >= hi) v = std::nextafter(hi, lo);
    return v;
  }

  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; bias below 2^-32 for n < 2^32).
  std::uint64_t below(std::uint64_t n) {
    __extension__ using U128 = unsigned __int128;  // GCC/Clang extension, silenced for -Wpedantic
    return static_cast<std::uint64_t>((static_cast<U128>(next()) * n) >> 64);
  }

  // Standard normal by the Box-Muller transform (deterministic, two values per pair of draws).
  double normal() {
    if (m_hasSpare) {
      m_hasSpare = false;
      return m_spare;
    }
    double u1 = 0.0;
    do u1 = uniform01(); while (u1 <= 0.0);
    const double u2 = uniform01();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double theta = 2.0 * 3.14159265358979323846 * u2;
    m_spare = r * std::sin(theta);
    m_hasSpare = true;
    return r * std::cos(theta);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  std::uint64_t m_s[4]{};
  double m_spare = 0.0;
  bool m_hasSpare = false;
};

}  // namespace embedscope
