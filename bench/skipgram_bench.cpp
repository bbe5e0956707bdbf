// Skip-gram end-to-end benchmark: builds the corpus (a file or the `topics` preset), trains, and
// prints one JSON object with the timings and, for `topics`, the held-out quality (neighbour
// purity@10 and planted-analogy accuracy). It can also write what the fastText peer needs: the
// tokenized corpus (one sentence per line) and the trained tables as word2vec text, so
// bench/peers/fasttext_peer.sh runs both on the same input and scores both the same way.
//
//   embedscope_bench_skipgram --preset topics --dim 100 --window 5 --negative 5 --epochs 5
//       --threads 2 --lr 0.05 --sample 1e-4 --min-count 5 [--corpus FILE] [--write-text OUT.txt]
//       [--save-vec OUT.vec] [--save-context OUT.ctx.vec] [--truth OUT.json]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "engine/data/text_corpus.h"
#include "engine/data/tokenizer.h"
#include "engine/data/topics_preset.h"
#include "engine/tasks/skipgram_eval.h"
#include "engine/tasks/skipgram_trainer.h"

using namespace embedscope;

namespace {

void writeVec(const std::string& path, const data::Vocabulary& v, const Matrix& m) {
  std::ofstream out(path);
  out << (m.rows() - data::Vocabulary::kReserved) << ' ' << m.cols() << '\n';
  char buf[32];
  for (Eigen::Index r = data::Vocabulary::kReserved; r < m.rows(); ++r) {
    out << v.token(static_cast<std::int32_t>(r));
    for (Eigen::Index c = 0; c < m.cols(); ++c) {
      std::snprintf(buf, sizeof buf, " %.6g", double(m(r, c)));
      out << buf;
    }
    out << '\n';
  }
}

std::string jsonEscape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') o.push_back('\\');
    o.push_back(ch);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  SkipGramConfig cfg;
  cfg.learningRate = 0.05;
  cfg.sample = 1e-4;
  std::string preset = "topics", corpusPath, writeText, saveVec, saveContext, truthPath;
  std::int64_t minCount = 5, sentences = 80000;
  double initLimit = 0.0;  // 0: the skip-gram default, word2vec's 0.5/dim (Keras's default is 0.05; fastText's 1/dim)
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--dim")
      cfg.outputDim = std::atoll(v);
    else if (k == "--window")
      cfg.window = std::atoi(v);
    else if (k == "--negative")
      cfg.negative = std::atoi(v);
    else if (k == "--epochs")
      cfg.epochs = std::atoi(v);
    else if (k == "--threads")
      cfg.threads = std::atoi(v);
    else if (k == "--lr")
      cfg.learningRate = std::atof(v);
    else if (k == "--init-limit")
      initLimit = std::atof(v);
    else if (k == "--negative-power")
      cfg.negativePower = std::atof(v);
    else if (k == "--sample")
      cfg.sample = std::atof(v);
    else if (k == "--seed")
      cfg.seed = std::strtoull(v, nullptr, 10);
    else if (k == "--min-count")
      minCount = std::atoll(v);
    else if (k == "--sentences")
      sentences = std::atoll(v);
    else if (k == "--preset")
      preset = v;
    else if (k == "--corpus")
      corpusPath = v;
    else if (k == "--write-text")
      writeText = v;
    else if (k == "--save-vec")
      saveVec = v;
    else if (k == "--save-context")
      saveContext = v;
    else if (k == "--truth")
      truthPath = v;
    else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  data::TopicsPreset topics;
  std::string text;
  if (corpusPath.empty()) {
    data::TopicsPresetOptions po;
    po.sentences = sentences;
    po.seed = cfg.seed;
    topics = data::generateTopicsPreset(po);
    text = topics.text;
  } else {
    std::ifstream in(corpusPath, std::ios::binary);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto t1 = Clock::now();
  data::TextCorpusOptions co;
  co.vocabulary.minCount = minCount;
  auto corpus = data::buildTextCorpus(text, co);
  if (!corpus) {
    std::fprintf(stderr, "embedscope: error: %s\n", corpus.status().message().c_str());
    return 1;
  }
  const auto t2 = Clock::now();
  cfg.initialTable =
      uniformSkipGramTable(corpus->vocabulary.size(), cfg.outputDim, cfg.seed,
                           initLimit > 0 ? static_cast<float>(initLimit) : word2vecInitLimit(cfg.outputDim));
  auto result = SkipGramTrainer().run(cfg, *corpus);
  if (!result) {
    std::fprintf(stderr, "embedscope: error: %s\n", result.status().message().c_str());
    return 1;
  }
  const auto t3 = Clock::now();
  auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  if (!writeText.empty()) {
    // The corpus as the tokenizer saw it (lowercased, split), one sentence per line, for peers.
    std::ofstream out(writeText);
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      bool first = true;
      Status s = data::Tokenizer::forEachToken(std::string_view(text).substr(pos, end - pos), [&](std::string_view t) {
        if (!first) out << ' ';
        out << t;
        first = false;
      });
      (void)s;
      if (!first) out << '\n';
      pos = end + 1;
    }
  }
  if (!saveVec.empty()) writeVec(saveVec, corpus->vocabulary, result->embeddings);
  if (!saveContext.empty()) writeVec(saveContext, corpus->vocabulary, result->context);
  if (!truthPath.empty() && corpusPath.empty()) {
    std::ofstream out(truthPath);
    out << "{\"clusters\": {";
    bool first = true;
    for (const auto& w : topics.clusterWords) {
      out << (first ? "" : ", ") << '"' << jsonEscape(w) << "\": " << topics.clusterOf.at(w);
      first = false;
    }
    out << "}, \"analogies\": [";
    first = true;
    for (const auto& a : topics.analogies) {
      out << (first ? "" : ", ") << "[\"" << a[0] << "\", \"" << a[1] << "\", \"" << a[2] << "\", \"" << a[3] << "\"]";
      first = false;
    }
    out << "]}\n";
  }
  std::printf(
      "{\"name\": \"skipgram\", \"corpus\": \"%s\", \"tokens\": %lld, \"vocab\": %d, \"dim\": %lld, "
      "\"window\": %d, \"negative\": %d, \"epochs\": %d, \"threads\": %d, \"lr\": %g, \"sample\": %g, "
      "\"generate_seconds\": %.4f, \"corpus_seconds\": %.4f, \"train_seconds\": %.4f, "
      "\"end_to_end_seconds\": %.4f, \"words_per_second\": %.0f, \"final_loss\": %.5f",
      jsonEscape(corpusPath.empty() ? preset : corpusPath).c_str(), (long long)corpus->tokenCount,
      corpus->vocabulary.size(), (long long)cfg.outputDim, cfg.window, cfg.negative, cfg.epochs, cfg.threads,
      cfg.learningRate, cfg.sample, secs(t0, t1), secs(t1, t2), secs(t2, t3), secs(t1, t3),
      double(corpus->tokenCount) * cfg.epochs / secs(t1, t3),
      result->epochs.empty() ? 0.0 : result->epochs.back().loss);
  if (corpusPath.empty()) {
    const auto purity = neighbourPurity(result->embeddings, corpus->vocabulary, topics.clusterOf, 10);
    const auto analogy = analogyAccuracy(result->embeddings, corpus->vocabulary, topics.analogies);
    std::printf(", \"purity_at_10\": %.4f, \"analogy_accuracy\": %.4f, \"analogies\": %lld", purity.purity,
                analogy.accuracy, (long long)analogy.evaluated);
  }
  std::printf("}\n");
  return 0;
}
