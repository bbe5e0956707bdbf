#include "engine/data/presets.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/core/rng.h"

namespace embedscope::data {

namespace {

}  // namespace

const std::vector<std::string>& sentimentWords(int polarity);

namespace {

// Pronounceable filler words built from syllables, so the vocabulary looks like text.
std::vector<std::string> fillerWords(std::size_t count, Rng& rng) {
  static const char* const kOnsets[] = {"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "st"};
  static const char* const kVowels[] = {"a", "e", "i", "o", "u", "ai", "ou"};
  std::vector<std::string> words;
  while (words.size() < count) {
    std::string w;
    const int syllables = 2 + static_cast<int>(rng.below(2));
    for (int s = 0; s < syllables; ++s) {
      w += kOnsets[rng.below(std::size(kOnsets))];
      w += kVowels[rng.below(std::size(kVowels))];
    }
    // A filler must never spell a polarity word ("fi"+"ne"), or it would carry the label.
    bool polar = false;
    for (int p = 0; p < 2; ++p)
      for (const auto& s : sentimentWords(p)) polar |= s == w;
    if (!polar && std::find(words.begin(), words.end(), w) == words.end()) words.push_back(w);
  }
  return words;
}

}  // namespace

const std::vector<std::string>& sentimentWords(int polarity) {
  static const std::vector<std::string> kNegative{"bad",    "awful",   "terrible", "boring", "dull",  "poor",
                                                  "horrid", "weak",    "tedious",  "bland",  "worst", "ugly"};
  static const std::vector<std::string> kPositive{"good",   "great",  "superb", "lovely", "brilliant", "fine",
                                                  "delightful", "joyful", "vivid",  "best",   "charming",  "warm"};
  return polarity ? kPositive : kNegative;
}

LabeledCorpus sentimentPreset(const SentimentPresetOptions& o) {
  Rng rng = Rng::stream(o.seed, 0x53454e54ull);  // "SENT"
  const auto fillers = fillerWords(300, rng);
  LabeledCorpus c;
  c.classNames = {"negative", "positive"};
  const std::int64_t maxWords = std::max<std::int64_t>(2, o.maxWords);
  for (std::int64_t i = 0; i < o.examples; ++i) {
    const int label = static_cast<int>(rng.below(2));
    const auto& polar = sentimentWords(label);
    const auto length = 2 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(maxWords - 1)));
    const auto polarCount = std::min<std::int64_t>(length, 1 + static_cast<std::int64_t>(rng.below(3)));
    std::vector<std::string> words;
    for (std::int64_t k = 0; k < length - polarCount; ++k) {
      // Filler words follow a Zipf-like law so the vocabulary has frequent and rare words.
      const double u = rng.uniform01();
      const auto idx = static_cast<std::size_t>(std::pow(u, 2.0) * static_cast<double>(fillers.size()));
      words.push_back(fillers[std::min(idx, fillers.size() - 1)]);
    }
    for (std::int64_t k = 0; k < polarCount; ++k) {
      const auto pos = static_cast<std::ptrdiff_t>(rng.below(static_cast<std::uint64_t>(words.size() + 1)));
      words.insert(words.begin() + pos, polar[rng.below(polar.size())]);
    }
    std::string text;
    for (std::size_t k = 0; k < words.size(); ++k) {
      if (k) text += ' ';
      text += words[k];
    }
    // Sentence case and a full stop, which the tokenizer must strip.
    text[0] = static_cast<char>(text[0] - 'a' + 'A');
    text += '.';
    c.examples.push_back({label, std::move(text), 0});
  }
  return c;
}

RegressionData kerasExamplePreset(const KerasExamplePresetOptions& o) {
  RegressionData d;
  d.inputDim = o.inputDim;
  d.outputDim = o.outputDim;
  Rng teacherRng = Rng::stream(o.seed, 0x5445414348ull);  // "TEACH"
  d.teacher.resize(o.inputDim, o.outputDim);
  for (Eigen::Index i = 0; i < d.teacher.size(); ++i)
    d.teacher.data()[i] = static_cast<float>(teacherRng.normal()) * o.teacherStddev;

  // Rank r (1-based) has probability r^-s / H; ranks map to ids through a seeded permutation so the
  // frequent rows are scattered over the table, as in real vocabularies ordered otherwise.
  Rng idRng = Rng::stream(o.seed, 0x5a495046ull);  // "ZIPF"
  std::vector<std::int64_t> rankToId(static_cast<std::size_t>(o.inputDim));
  std::iota(rankToId.begin(), rankToId.end(), 0);
  for (std::int64_t i = o.inputDim - 1; i > 0; --i)
    std::swap(rankToId[static_cast<std::size_t>(i)], rankToId[idRng.below(static_cast<std::uint64_t>(i + 1))]);
  std::vector<double> cdf(static_cast<std::size_t>(o.inputDim));
  double total = 0.0;
  for (std::int64_t r = 0; r < o.inputDim; ++r) {
    total += std::pow(static_cast<double>(r + 1), -o.zipfExponent);
    cdf[static_cast<std::size_t>(r)] = total;
  }
  d.ids.rows = o.examples;
  d.ids.length = o.length;
  d.ids.ids.resize(static_cast<std::size_t>(o.examples * o.length));
  for (auto& id : d.ids.ids) {
    const double u = idRng.uniform01() * total;
    auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
    const auto rank = std::min<std::ptrdiff_t>(it - cdf.begin(), static_cast<std::ptrdiff_t>(o.inputDim - 1));
    id = rankToId[static_cast<std::size_t>(rank)];
  }
  d.targets.resize(o.examples * o.length, o.outputDim);
  for (std::int64_t p = 0; p < o.examples * o.length; ++p)
    d.targets.row(p) = d.teacher.row(d.ids.ids[static_cast<std::size_t>(p)]);
  return d;
}

std::vector<std::string> presetNames(const std::string& task) {
  if (task == "classify") return {"sentiment", "planted-clusters"};
  if (task == "regression") return {"keras-example", "planted-clusters"};
  if (task == "skipgram") return {"topics"};
  return {};
}

}  // namespace embedscope::data
