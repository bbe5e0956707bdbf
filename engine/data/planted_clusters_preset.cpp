#include "engine/data/planted_clusters_preset.h"

#include <algorithm>
#include <iterator>
#include <unordered_set>

#include "engine/core/rng.h"

namespace embedscope::data {

namespace {

PlantedClustersOptions clamped(PlantedClustersOptions o) {
  o.inputDim = std::max<std::int64_t>(3, o.inputDim);
  o.classes = std::max<std::int64_t>(2, o.classes);
  o.length = std::max<std::int64_t>(1, o.length);
  o.examples = std::max<std::int64_t>(1, o.examples);
  return o;
}

// Pronounceable pseudo-words, distinct, so labels and searches read like text.
std::vector<std::string> pseudoWords(std::int64_t count, Rng& rng) {
  static const char* const kOnsets[] = {"b", "d", "f", "g", "k", "l",  "m",  "n",  "p",
                                        "r", "s", "t", "v", "z", "sh", "tr", "br", "pl"};
  static const char* const kVowels[] = {"a", "e", "i", "o", "u", "ai", "ou", "ee"};
  std::vector<std::string> words;
  std::unordered_set<std::string> used;
  words.reserve(static_cast<std::size_t>(count));
  for (std::int64_t t = 0; t < count; ++t) {
    std::string w;
    for (int tries = 0; tries < 8; ++tries) {
      w.clear();
      const int syllables = 2 + static_cast<int>(rng.below(2));
      for (int s = 0; s < syllables; ++s) {
        w += kOnsets[rng.below(std::size(kOnsets))];
        w += kVowels[rng.below(std::size(kVowels))];
      }
      if (!used.count(w)) break;
    }
    if (used.count(w)) w += std::to_string(t + Vocabulary::kReserved);  // unique by its id
    used.insert(w);
    words.push_back(std::move(w));
  }
  return words;
}

}  // namespace

PlantedClustersData plantedClustersPreset(const PlantedClustersOptions& options) {
  const PlantedClustersOptions o = clamped(options);
  PlantedClustersData d;
  const std::int64_t v = o.inputDim, k = o.classes, len = o.length;
  d.ids.rows = o.examples;
  d.ids.length = len;
  d.ids.ids.assign(static_cast<std::size_t>(o.examples * len), 0);
  d.labels.resize(static_cast<std::size_t>(o.examples));
  Rng rng = Rng::stream(o.seed, 0x504c414e54ull);  // "PLANT"
  for (std::int64_t e = 0; e < o.examples; ++e) {
    const auto y = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(k)));
    d.labels[static_cast<std::size_t>(e)] = y;
    const std::int64_t used =
        len / 2 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(len - len / 2 + 1)));
    // Tokens of class y are 2 + y + k*j for j in [0, perClass).
    const std::int64_t perClass = (v - Vocabulary::kReserved - y + k - 1) / k;
    std::int64_t* row = d.ids.ids.data() + e * len;
    for (std::int64_t t = 0; t < std::max<std::int64_t>(1, used) && t < len; ++t) {
      if (rng.uniform01() < 0.8 && perClass > 0)
        row[t] =
            Vocabulary::kReserved + y + k * static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(perClass)));
      else
        row[t] = Vocabulary::kReserved +
                 static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(v - Vocabulary::kReserved)));
    }
  }
  for (std::int64_t c = 0; c < k; ++c) d.classNames.push_back("class " + std::to_string(c));
  std::vector<std::int64_t> counts(static_cast<std::size_t>(v), 0);
  for (auto id : d.ids.ids) ++counts[static_cast<std::size_t>(id)];
  Rng nameRng = Rng::stream(o.seed, 0x4e414d45ull);  // "NAME"
  auto words = pseudoWords(v - Vocabulary::kReserved, nameRng);
  std::vector<std::int64_t> freq(counts.begin() + Vocabulary::kReserved, counts.end());
  auto vocab = Vocabulary::fromWords(std::move(words), std::move(freq));
  // Distinct by construction, never a reserved spelling (those have brackets): cannot fail.
  if (vocab) d.vocabulary = std::move(vocab).value();
  d.tokenClass.resize(static_cast<std::size_t>(v));
  for (std::int64_t t = 0; t < v; ++t) d.tokenClass[static_cast<std::size_t>(t)] = plantedClassOf(t, k);
  return d;
}

RegressionData plantedRegressionPreset(const PlantedClustersOptions& options, std::int64_t outputDim) {
  const PlantedClustersOptions o = clamped(options);
  RegressionData d;
  d.inputDim = o.inputDim;
  d.outputDim = std::max<std::int64_t>(1, outputDim);
  Rng teacherRng = Rng::stream(o.seed, 0x5445414348ull);  // "TEACH"
  d.teacher.resize(d.inputDim, d.outputDim);
  for (Eigen::Index i = 0; i < d.teacher.size(); ++i) d.teacher.data()[i] = teacherRng.uniform(-0.05f, 0.05f);
  Rng idRng = Rng::stream(o.seed, 0x504c414e54ull);
  d.ids.rows = o.examples;
  d.ids.length = o.length;
  d.ids.ids.resize(static_cast<std::size_t>(o.examples * o.length));
  for (auto& id : d.ids.ids) id = static_cast<std::int64_t>(idRng.below(static_cast<std::uint64_t>(o.inputDim)));
  d.targets.resize(o.examples * o.length, d.outputDim);
  for (std::size_t i = 0; i < d.ids.ids.size(); ++i) d.targets.row(Eigen::Index(i)) = d.teacher.row(d.ids.ids[i]);
  return d;
}

}  // namespace embedscope::data
