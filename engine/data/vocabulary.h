#pragma once
// A word ↔ id table with the house rules every text task shares (issue 3):
// id 0 is the padding token "[PAD]" (what mask_zero masks), id 1 is the out-of-vocabulary token
// "[UNK]", then the kept words by descending frequency, ties broken by byte-wise (alphabetical
// for ASCII) order. The same corpus therefore gives the same ids with and without mask_zero.
// Frequencies stay attached so the UI can show them and skip-gram can build its sampling tables.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/core/status.h"

namespace embedscope::data {

// Transparent hashing so lookups by string_view do not allocate.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using WordCounts = std::unordered_map<std::string, std::int64_t, StringHash, std::equal_to<>>;

struct VocabularyOptions {
  std::int64_t minCount = 1;  // words seen fewer times become [UNK] (word2vec's min_count)
  std::int64_t maxSize = 0;   // the most ids in total, reserved ones included; 0 = no limit
};

class Vocabulary {
 public:
  static constexpr std::int32_t kPaddingId = 0;
  static constexpr std::int32_t kOovId = 1;
  static constexpr std::int32_t kReserved = 2;
  static constexpr std::string_view kPaddingToken = "[PAD]";
  static constexpr std::string_view kOovToken = "[UNK]";

  // Counts words, then freezes them into a Vocabulary.
  class Builder {
   public:
    void add(std::string_view word, std::int64_t count = 1);
    const WordCounts& counts() const { return m_counts; }
    std::int64_t totalCount() const { return m_total; }
    // minCount < 1 or maxSize in {1, 2} is an InvalidArgument (maxSize must leave room for a word).
    Result<Vocabulary> build(const VocabularyOptions& options = {}) const;

   private:
    WordCounts m_counts;
    std::int64_t m_total = 0;
  };

  // The two reserved tokens only.
  Vocabulary();

  // From an explicit word list in id order (without the reserved tokens), e.g. a saved table's
  // rows; frequencies may be empty (all zero). Duplicates or a reserved spelling are a DataError.
  static Result<Vocabulary> fromWords(std::vector<std::string> words, std::vector<std::int64_t> frequencies = {});

  // Number of ids, reserved ones included (the Embedding's input_dim).
  std::int32_t size() const { return static_cast<std::int32_t>(m_words.size()); }
  // The id of word, or kOovId when it is not in the vocabulary.
  std::int32_t idOf(std::string_view word) const;
  // Whether word has its own id (the reserved spellings are not words).
  bool contains(std::string_view word) const { return m_index.find(word) != m_index.end(); }
  // The token of id (id must be in [0, size())).
  const std::string& token(std::int32_t id) const { return m_words[static_cast<std::size_t>(id)]; }
  // How often the word was seen when counted; padding has 0, [UNK] the total of the dropped words.
  std::int64_t frequency(std::int32_t id) const { return m_frequencies[static_cast<std::size_t>(id)]; }
  const std::vector<std::string>& tokens() const { return m_words; }
  const std::vector<std::int64_t>& frequencies() const { return m_frequencies; }
  // Tokens counted in all, kept or not.
  std::int64_t totalCount() const { return m_total; }

  // Ids of tokens (unknown words → kOovId).
  std::vector<std::int32_t> encode(const std::vector<std::string>& words) const;

 private:
  std::vector<std::string> m_words;
  std::vector<std::int64_t> m_frequencies;
  std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>> m_index;
  std::int64_t m_total = 0;
};

}  // namespace embedscope::data
