#pragma once
// Labelled text turned into what the classify task trains on: tokens (the shared Tokenizer),
// a vocabulary built from the examples (0 padding, 1 out-of-vocabulary, then by frequency), and
// id sequences that keep their first maxLength tokens, padded at the end.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/data/labeled_tsv.h"
#include "engine/data/sequences.h"
#include "engine/data/vocabulary.h"

namespace embedscope::data {

struct ClassifyData {
  IdMatrix ids;                      // (examples, length)
  std::vector<std::int64_t> labels;  // per example, in [0, classNames.size())
  std::vector<std::string> classNames;
  Vocabulary vocabulary;
  std::vector<std::int64_t> tokenCounts;  // tokens per example before truncation
  std::vector<std::string> warnings;      // dropped examples, said once with their lines
};

// maxLength <= 0: the longest example. An example with no tokens is dropped with a warning; no
// example left is a DataError.
Result<ClassifyData> buildClassifyData(const LabeledCorpus& corpus, std::int64_t maxLength,
                                       const std::string& sourceName);

}  // namespace embedscope::data
