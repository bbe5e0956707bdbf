#pragma once
// Negative sampling for skip-gram: draws word ids with probability proportional to
// frequency^power (word2vec's unigram^0.75). Private to the skip-gram trainer; in a header so the
// tests can check the distribution.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/data/text_corpus.h"
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

// Frequent-word subsampling: word2vec's keep probability (sqrt(f/(s·N)) + 1)·(s·N)/f per word as a
// 32-bit threshold (a word is kept when a 32-bit draw is below it); empty when sample == 0. Shared
// by the CPU trainer and the Vulkan engine's batch builder, so both see the same words.
inline std::vector<std::uint32_t> keepThresholds(const data::TextCorpus& corpus, double sample) {
  std::vector<std::uint32_t> keep;
  if (!(sample > 0.0)) return keep;
  const std::int64_t vocab = corpus.vocabulary.size();
  keep.resize(static_cast<std::size_t>(vocab));
  const double sN = sample * double(corpus.keptTokens());
  for (std::int64_t w = 0; w < vocab; ++w) {
    const double cn = double(corpus.vocabulary.frequency(static_cast<std::int32_t>(w)));
    const double p = cn > 0 ? (std::sqrt(cn / sN) + 1.0) * sN / cn : 1.0;
    keep[static_cast<std::size_t>(w)] = p >= 1.0 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(p * 4294967296.0);
  }
  return keep;
}

// Chunks of whole sentences of about `wordsPerChunk` words: the sentence index where each chunk of
// an epoch starts, then the sentence count.
inline std::vector<std::size_t> chunkStarts(const data::TextCorpus& corpus, std::int64_t wordsPerChunk) {
  std::vector<std::size_t> starts{0};
  std::uint64_t chunkEnd = static_cast<std::uint64_t>(wordsPerChunk);
  for (std::size_t s = 0; s < corpus.sentenceCount(); ++s) {
    if (corpus.sentenceEnds[s] >= chunkEnd && s + 1 < corpus.sentenceCount()) {
      starts.push_back(s + 1);
      chunkEnd = corpus.sentenceEnds[s] + static_cast<std::uint64_t>(wordsPerChunk);
    }
  }
  starts.push_back(corpus.sentenceCount());
  return starts;
}

// Words between two updates of the word count, the learning rate and the cancel check (word2vec
// updates alpha every 10,000 words too); also the size of a chunk of work.
inline constexpr std::int64_t kWordsPerChunk = 10000;

// The learning rate at a position: word2vec's linear decay with words processed, floored at 1e-4.
inline float decayedRate(float startAlpha, std::int64_t words, double totalWords) {
  return startAlpha * static_cast<float>(std::max(1e-4, 1.0 - double(words) / totalWords));
}

}  // namespace embedscope::skipgram_detail
