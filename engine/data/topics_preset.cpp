#include "engine/data/topics_preset.h"

#include <algorithm>
#include <cmath>

#include "engine/core/rng.h"

namespace embedscope::data {
namespace {

constexpr std::array<const char*, 24> kTopicNames = {
    "ocean", "forest", "music",  "sport",  "kitchen", "space",  "city",   "farm",
    "school", "doctor", "storm", "garden", "train",   "castle", "desert", "market",
    "river",  "theatre", "mine", "island", "library", "army",   "circus", "harbor"};
constexpr std::array<const char*, 12> kSlotNames = {"ka", "lo", "mi", "ru", "te", "zu",
                                                    "ne", "po", "si", "va", "do", "fe"};
constexpr std::array<const char*, 20> kFunctionWords = {"the", "of",  "and",  "a",    "to", "in",   "is",
                                                        "was", "that", "for", "it",   "with", "as", "on",
                                                        "by",  "at",   "from", "this", "an", "be"};
constexpr std::array<std::array<const char*, 3>, 2> kMarkers = {{{"he", "him", "his"}, {"she", "her", "hers"}}};
constexpr std::array<const char*, 2> kFormSuffix = {"he", "she"};

}  // namespace

TopicsPreset generateTopicsPreset(const TopicsPresetOptions& options) {
  const int topics = std::clamp(options.topics, 1, static_cast<int>(kTopicNames.size()));
  const int slots = std::clamp(options.slots, 1, static_cast<int>(kSlotNames.size()));
  TopicsPreset preset;

  // words[t][s] = {neutral, he form, she form}
  std::vector<std::vector<std::array<std::string, 3>>> words(static_cast<std::size_t>(topics));
  for (int t = 0; t < topics; ++t) {
    preset.topicNames.emplace_back(kTopicNames[static_cast<std::size_t>(t)]);
    for (int s = 0; s < slots; ++s) {
      const std::string base = std::string(kTopicNames[static_cast<std::size_t>(t)]) + kSlotNames[static_cast<std::size_t>(s)];
      std::array<std::string, 3> w = {base, base + kFormSuffix[0], base + kFormSuffix[1]};
      for (const auto& word : w) {
        preset.clusterOf.emplace(word, t);
        preset.clusterWords.push_back(word);
      }
      words[static_cast<std::size_t>(t)].push_back(std::move(w));
    }
  }

  // Zipf(1) over the function words, as a cumulative table.
  std::vector<double> functionCdf;
  double total = 0.0;
  for (std::size_t i = 0; i < kFunctionWords.size(); ++i) functionCdf.push_back(total += 1.0 / double(i + 1));
  for (double& c : functionCdf) c /= total;

  Rng rng = Rng::stream(options.seed, 0x70C1C5);
  std::string& text = preset.text;
  text.reserve(static_cast<std::size_t>(options.sentences) * 90);
  for (std::int64_t n = 0; n < options.sentences; ++n) {
    const auto t = static_cast<std::size_t>(rng.below(static_cast<std::uint64_t>(topics)));
    const auto form = static_cast<std::size_t>(rng.below(2));
    const auto focus = static_cast<std::size_t>(rng.below(static_cast<std::uint64_t>(slots)));
    const int length = 8 + static_cast<int>(rng.below(9));
    for (int i = 0; i < length; ++i) {
      const double r = rng.uniform01();
      const char* word = nullptr;
      const std::string* content = nullptr;
      if (r < 0.25) {
        const double u = rng.uniform01();
        const auto it = std::lower_bound(functionCdf.begin(), functionCdf.end(), u);
        word = kFunctionWords[std::min<std::size_t>(static_cast<std::size_t>(it - functionCdf.begin()), kFunctionWords.size() - 1)];
      } else if (r < 0.40) {
        word = kMarkers[form][rng.below(3)];
      } else if (r < 0.52) {
        content = &words[t][focus][1 + form];  // the concept in the sentence's form
      } else if (r < 0.90) {
        content = &words[t][focus][0];  // the concept's neutral word, shared by both forms
      } else {
        content = &words[t][static_cast<std::size_t>(rng.below(static_cast<std::uint64_t>(slots)))][0];
      }
      if (i > 0) text.push_back(' ');
      if (content) {
        text += *content;
      } else {
        text += word;
      }
    }
    text.push_back('\n');
  }

  // Planted analogies across clusters: a = T S he, b = T S she, c = U P she, d = U P he (U != T),
  // sampled without replacement from all such quadruples.
  std::vector<std::array<std::string, 4>> all;
  for (int t = 0; t < topics; ++t)
    for (int s = 0; s < slots; ++s)
      for (int u = 0; u < topics; ++u) {
        if (u == t) continue;
        for (int p = 0; p < slots; ++p) {
          const auto& a = words[static_cast<std::size_t>(t)][static_cast<std::size_t>(s)];
          const auto& c = words[static_cast<std::size_t>(u)][static_cast<std::size_t>(p)];
          all.push_back({a[1], a[2], c[2], c[1]});
        }
      }
  Rng pick = Rng::stream(options.seed, 0xA4A1);
  const std::size_t keep = std::min<std::size_t>(all.size(), static_cast<std::size_t>(std::max<std::int64_t>(0, options.maxAnalogies)));
  for (std::size_t i = 0; i < keep; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(pick.below(all.size() - i));
    std::swap(all[i], all[j]);
  }
  all.resize(keep);
  preset.analogies = std::move(all);
  return preset;
}

}  // namespace embedscope::data
