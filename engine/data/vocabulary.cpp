#include "engine/data/vocabulary.h"

#include <algorithm>
#include <limits>

namespace embedscope::data {

void Vocabulary::Builder::add(std::string_view word, std::int64_t count) {
  auto it = m_counts.find(word);
  if (it == m_counts.end()) {
    m_counts.emplace(std::string(word), count);
  } else {
    it->second += count;
  }
  m_total += count;
}

Result<Vocabulary> Vocabulary::Builder::build(const VocabularyOptions& options) const {
  if (options.minCount < 1)
    return Status::invalidArgument("`min_count` must be a positive integer. Received: min_count=" +
                                   std::to_string(options.minCount));
  if (options.maxSize < 0 || options.maxSize == 1 || options.maxSize == 2)
    return Status::invalidArgument(
        "`max_tokens` must be 0 (no limit) or greater than 2, the two reserved tokens. Received: max_tokens=" +
        std::to_string(options.maxSize));
  std::vector<std::pair<std::string_view, std::int64_t>> kept;
  kept.reserve(m_counts.size());
  std::int64_t dropped = 0;
  for (const auto& [word, count] : m_counts) {
    // A reserved spelling cannot be a word (the tokenizer never produces one; a direct caller might).
    if (count >= options.minCount && word != kPaddingToken && word != kOovToken) {
      kept.emplace_back(word, count);
    } else {
      dropped += count;
    }
  }
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (options.maxSize > 0 && static_cast<std::int64_t>(kept.size()) > options.maxSize - kReserved) {
    for (std::size_t i = static_cast<std::size_t>(options.maxSize - kReserved); i < kept.size(); ++i)
      dropped += kept[i].second;
    kept.resize(static_cast<std::size_t>(options.maxSize - kReserved));
  }
  if (kept.size() + kReserved > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    return Status::outOfRange("the vocabulary has more words than 32-bit ids can number");
  Vocabulary v;
  v.m_words.reserve(kept.size() + kReserved);
  v.m_frequencies.reserve(kept.size() + kReserved);
  v.m_index.reserve(kept.size());
  for (const auto& [word, count] : kept) {
    v.m_index.emplace(std::string(word), static_cast<std::int32_t>(v.m_words.size()));
    v.m_words.emplace_back(word);
    v.m_frequencies.push_back(count);
  }
  v.m_frequencies[kOovId] = dropped;
  v.m_total = m_total;
  return v;
}

Vocabulary::Vocabulary()
    : m_words{std::string(kPaddingToken), std::string(kOovToken)}, m_frequencies{0, 0} {}

Result<Vocabulary> Vocabulary::fromWords(std::vector<std::string> words, std::vector<std::int64_t> frequencies) {
  if (!frequencies.empty() && frequencies.size() != words.size())
    return Status::invalidArgument("the vocabulary has " + std::to_string(words.size()) + " words but " +
                                   std::to_string(frequencies.size()) + " frequencies");
  Vocabulary v;
  v.m_index.reserve(words.size());
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string& w = words[i];
    if (w == kPaddingToken || w == kOovToken)
      return Status::dataError("word " + std::to_string(i) + " is the reserved token " + w);
    const auto id = static_cast<std::int32_t>(v.m_words.size());
    if (!v.m_index.emplace(w, id).second)
      return Status::dataError("word " + std::to_string(i) + " (\"" + w + "\") appears twice in the vocabulary");
    const std::int64_t f = frequencies.empty() ? 0 : frequencies[i];
    v.m_total += f;
    v.m_words.push_back(std::move(w));
    v.m_frequencies.push_back(f);
  }
  return v;
}

std::int32_t Vocabulary::idOf(std::string_view word) const {
  auto it = m_index.find(word);
  return it == m_index.end() ? kOovId : it->second;
}

std::vector<std::int32_t> Vocabulary::encode(const std::vector<std::string>& words) const {
  std::vector<std::int32_t> ids;
  ids.reserve(words.size());
  for (const auto& w : words) ids.push_back(idOf(w));
  return ids;
}

}  // namespace embedscope::data
