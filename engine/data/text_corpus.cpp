#include "engine/data/text_corpus.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <unordered_map>

#include "engine/data/tokenizer.h"

namespace embedscope::data {

Result<TextCorpus> buildTextCorpus(std::string_view text, const TextCorpusOptions& options, const CancelToken* cancel) {
  if (options.maxSentenceLength < 1)
    return Status::invalidArgument("`max_sentence_length` must be a positive integer. Received: " +
                                   std::to_string(options.maxSentenceLength));
  // One tokenizing pass: provisional ids in order of first appearance, counted as we go; the
  // vocabulary then renumbers them. Tokenizing twice (count, then encode) would double the cost.
  std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>> provisional;
  std::vector<std::string_view> provisionalWords;  // views into provisional's keys (stable)
  std::vector<std::int64_t> counts;
  std::vector<std::int32_t> stream;
  std::vector<std::uint64_t> lineEnds;
  stream.reserve(text.size() / 6 + 16);

  TextCorpus corpus;
  std::size_t pos = 0;
  std::size_t linesSinceCheck = 0;
  while (pos < text.size()) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    const std::size_t end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
    Status s = Tokenizer::forEachToken(
        text.substr(pos, end - pos),
        [&](std::string_view token) {
          auto it = provisional.find(token);
          std::int32_t id;
          if (it == provisional.end()) {
            id = static_cast<std::int32_t>(counts.size());
            auto inserted = provisional.emplace(std::string(token), id).first;
            provisionalWords.emplace_back(inserted->first);
            counts.push_back(0);
          } else {
            id = it->second;
          }
          ++counts[static_cast<std::size_t>(id)];
          stream.push_back(id);
        },
        pos);
    if (!s) return s;
    lineEnds.push_back(stream.size());
    ++corpus.lineCount;
    pos = end + 1;
    if (cancel && ++linesSinceCheck >= 4096) {
      linesSinceCheck = 0;
      if (cancel->isCancelled()) return Status::cancelled();
    }
  }
  corpus.tokenCount = static_cast<std::int64_t>(stream.size());

  Vocabulary::Builder builder;
  for (std::size_t i = 0; i < counts.size(); ++i) builder.add(provisionalWords[i], counts[i]);
  auto vocabulary = builder.build(options.vocabulary);
  if (!vocabulary) return vocabulary.status();
  corpus.vocabulary = std::move(vocabulary).value();

  std::vector<std::int32_t> remap(counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i) remap[i] = corpus.vocabulary.idOf(provisionalWords[i]);

  corpus.ids.reserve(stream.size());
  std::size_t from = 0;
  for (const std::uint64_t lineEnd : lineEnds) {
    std::int64_t inSentence = 0;
    for (std::size_t i = from; i < lineEnd; ++i) {
      const std::int32_t id = remap[static_cast<std::size_t>(stream[i])];
      if (id < Vocabulary::kReserved) continue;
      corpus.ids.push_back(id);
      if (++inSentence == options.maxSentenceLength) {
        corpus.sentenceEnds.push_back(corpus.ids.size());
        inSentence = 0;
      }
    }
    if (inSentence > 0) corpus.sentenceEnds.push_back(corpus.ids.size());
    from = lineEnd;
  }
  corpus.ids.shrink_to_fit();
  return corpus;
}

Result<TextCorpus> loadTextCorpus(const std::string& path, const TextCorpusOptions& options, const CancelToken* cancel) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::ioError("cannot open " + path + ": " + std::strerror(errno));
  std::string text;
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size < 0) return Status::ioError("cannot read " + path);
  text.resize(static_cast<std::size_t>(size));
  in.seekg(0, std::ios::beg);
  if (!in.read(text.data(), size)) return Status::ioError("cannot read " + path + ": " + std::strerror(errno));
  auto corpus = buildTextCorpus(text, options, cancel);
  if (!corpus) return corpus.status().withContext(path);
  return corpus;
}

}  // namespace embedscope::data
