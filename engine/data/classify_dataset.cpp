#include "engine/data/classify_dataset.h"

#include "engine/data/tokenizer.h"

namespace embedscope::data {

Result<ClassifyData> buildClassifyData(const LabeledCorpus& corpus, std::int64_t maxLength,
                                       const std::string& sourceName) {
  ClassifyData out;
  out.classNames = corpus.classNames;
  std::vector<std::vector<std::string>> tokens;
  std::vector<std::int64_t> droppedLines;
  std::int64_t droppedCount = 0;
  Vocabulary::Builder builder;
  for (std::size_t i = 0; i < corpus.examples.size(); ++i) {
    const auto& ex = corpus.examples[i];
    auto t = Tokenizer::tokenize(ex.text);
    if (!t) {
      const std::string where = ex.line ? sourceName + ":" + std::to_string(ex.line) : sourceName + " example " + std::to_string(i + 1);
      return t.status().withContext(where);
    }
    if (t->empty()) {
      ++droppedCount;
      if (droppedLines.size() < 10) droppedLines.push_back(ex.line ? ex.line : static_cast<std::int64_t>(i + 1));
      continue;
    }
    for (const auto& w : *t) builder.add(w);
    tokens.push_back(std::move(t).value());
    out.labels.push_back(ex.label);
  }
  if (droppedCount) {
    std::string lines;
    for (std::size_t k = 0; k < droppedLines.size(); ++k) lines += (k ? ", " : "") + std::to_string(droppedLines[k]);
    if (droppedCount > static_cast<std::int64_t>(droppedLines.size())) lines += ", ...";
    out.warnings.push_back(sourceName + ": " + std::to_string(droppedCount) + (droppedCount == 1 ? " example has" : " examples have") +
                           " no tokens and " + (droppedCount == 1 ? "was" : "were") + " dropped (line " + lines + ")");
  }
  if (tokens.empty()) return Status::dataError(sourceName + ": no example has any token");
  auto vocab = builder.build();
  if (!vocab) return vocab.status();
  out.vocabulary = std::move(vocab).value();
  std::vector<std::vector<std::int64_t>> sequences;
  sequences.reserve(tokens.size());
  for (const auto& t : tokens) {
    std::vector<std::int64_t> s;
    s.reserve(t.size());
    for (const auto& w : t) s.push_back(out.vocabulary.idOf(w));
    out.tokenCounts.push_back(static_cast<std::int64_t>(t.size()));
    sequences.push_back(std::move(s));
  }
  out.ids = padSequences(sequences, maxLength);
  return out;
}

}  // namespace embedscope::data
