#pragma once
// A tokenized text corpus ready for skip-gram: the vocabulary built from it, and every kept token
// as an id, one sentence per input line (word2vec and fastText both treat a newline as a sentence
// end). Words below min_count are dropped from the id stream (word2vec does the same), so
// `ids` holds only ids >= Vocabulary::kReserved.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/cancel_token.h"
#include "engine/core/status.h"
#include "engine/data/vocabulary.h"

namespace embedscope::data {

struct TextCorpusOptions {
  VocabularyOptions vocabulary;
  // Longer lines are cut into sentences of at most this many kept tokens (word2vec's
  // MAX_SENTENCE_LENGTH): it bounds a context window's span and lets threads split the work.
  std::int64_t maxSentenceLength = 1000;
};

struct TextCorpus {
  Vocabulary vocabulary;
  std::vector<std::int32_t> ids;               // kept tokens, in corpus order
  std::vector<std::uint64_t> sentenceEnds;     // ids[sentenceEnds[i-1] .. sentenceEnds[i]) is sentence i
  std::int64_t tokenCount = 0;                 // tokens read, kept or not (words_per_second counts these)
  std::int64_t lineCount = 0;

  std::int64_t keptTokens() const { return static_cast<std::int64_t>(ids.size()); }
  std::size_t sentenceCount() const { return sentenceEnds.size(); }
};

// Tokenizes text (UTF-8; a DataError names the byte offset of invalid input), builds the
// vocabulary with its options and encodes the kept tokens. Cancelled when the token fires.
Result<TextCorpus> buildTextCorpus(std::string_view text, const TextCorpusOptions& options = {},
                                   const CancelToken* cancel = nullptr);

// The same from a file (IoError when it cannot be read; the message names the path).
Result<TextCorpus> loadTextCorpus(const std::string& path, const TextCorpusOptions& options = {},
                                  const CancelToken* cancel = nullptr);

}  // namespace embedscope::data
