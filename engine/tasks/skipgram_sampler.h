#pragma once
// Negative sampling for skip-gram: draws word ids with probability proportional to
// frequency^power (word2vec's unigram^0.75). Private to the skip-gram trainer; in a header so the
// tests can check the distribution.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/data/vocabulary.h"

namespace embedscope::skipgram_detail {

// Walker's alias method over unigram^0.75 (Vose's construction): one 64-bit draw, one 8-byte
// lookup per negative, exact probabilities, and a table of V entries that stays in cache where
// word2vec's 10^8-entry table would miss on nearly every draw.
class NegativeSampler {
 public:
  // Weights frequency^power for ids >= Vocabulary::kReserved; reserved ids are never drawn.
  NegativeSampler(const std::vector<std::int64_t>& frequencies, double power) {
    const std::size_t n = frequencies.size();
    m_entries.resize(n);
    std::vector<double> scaled(n);
    double total = 0.0;
    // The reserved ids (padding, [UNK]) are never negatives: they carry no weight at all.
    for (std::size_t i = data::Vocabulary::kReserved; i < n; ++i)
      total += std::pow(static_cast<double>(frequencies[i]), power);
    for (std::size_t i = 0; i < n; ++i)
      scaled[i] = i < data::Vocabulary::kReserved ? 0.0 : std::pow(double(frequencies[i]), power) / total * double(n);
    std::vector<std::uint32_t> small, large;
    for (std::size_t i = n; i-- > 0;) (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
    while (!small.empty() && !large.empty()) {
      const std::uint32_t s = small.back();
      small.pop_back();
      const std::uint32_t l = large.back();
      m_entries[s] = {toThreshold(scaled[s]), static_cast<std::int32_t>(l)};
      scaled[l] = (scaled[l] + scaled[s]) - 1.0;
      if (scaled[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    // Leftovers are 1 up to rounding. A reserved id can only be left over when every weight is 0,
    // which the trainer rules out before building the sampler.
    for (std::uint32_t i : large) m_entries[i] = {0xFFFFFFFFu, static_cast<std::int32_t>(i)};
    for (std::uint32_t i : small) m_entries[i] = {0xFFFFFFFFu, static_cast<std::int32_t>(i)};
  }

  std::int32_t sample(std::uint64_t r) const {
    const auto idx = static_cast<std::uint32_t>(((r >> 32) * m_entries.size()) >> 32);
    const Entry& e = m_entries[idx];
    return static_cast<std::uint32_t>(r) < e.threshold ? static_cast<std::int32_t>(idx) : e.alias;
  }

 private:
  struct Entry {
    std::uint32_t threshold;
    std::int32_t alias;
  };
  static std::uint32_t toThreshold(double p) {
    const double t = std::floor(p * 4294967296.0);
    return t >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(std::max(0.0, t));
  }
  std::vector<Entry> m_entries;
};

}  // namespace embedscope::skipgram_detail
