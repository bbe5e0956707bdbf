// The `skipgram` part of `embedscope bench --suite cpu`: end-to-end skip-gram on the `topics`
// preset (corpus building, vocabulary and training, as `words_per_second` in the metrics JSON
// counts it), with fastText's defaults for dim, window, negatives, epochs, learning rate and
// `-t 1e-4`, on --threads Hogwild threads. Records the median words/s and seconds, and the
// held-out quality of the last run (neighbour purity@10, planted-analogy accuracy) so a speed-up
// is never read without the quality it came with. bench/peers/fasttext_peer.sh runs the same
// corpus through Debian's fastText side by side.
#include <chrono>

#include "app/commands/bench_common.h"
#include "app/commands/bench_registry.h"
#include "engine/data/text_corpus.h"
#include "engine/data/topics_preset.h"
#include "engine/tasks/skipgram_eval.h"
#include "engine/tasks/skipgram_trainer.h"

namespace embedscope::cli {
namespace {

Status skipgramPart(const BenchOptions& o, std::vector<BenchRecord>& out) {
  using Clock = std::chrono::steady_clock;
  const SkipGramBenchSetup setup = skipGramBenchSetup(o);
  const data::TopicsPreset& preset = setup.preset;
  const data::TextCorpusOptions& co = setup.corpus;
  SkipGramConfig cfg = setup.config;
  cfg.threads = o.threads;

  std::vector<double> seconds, trainSeconds;
  std::int64_t tokens = 0;
  std::int32_t vocab = 0;
  NeighbourPurity purity;
  AnalogyScore analogy;
  for (int rep = 0; rep < std::max(1, o.repeats); ++rep) {
    const auto start = Clock::now();
    auto corpus = data::buildTextCorpus(preset.text, co);
    if (!corpus) return corpus.status();
    cfg.seed = static_cast<std::uint64_t>(rep) + 1;
    auto r = SkipGramTrainer().run(cfg, *corpus);
    if (!r) return r.status();
    seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    trainSeconds.push_back(r->seconds);
    tokens = corpus->tokenCount;
    vocab = corpus->vocabulary.size();
    if (rep + 1 == std::max(1, o.repeats)) {
      purity = neighbourPurity(r->embeddings, corpus->vocabulary, preset.clusterOf, 10);
      analogy = analogyAccuracy(r->embeddings, corpus->vocabulary, preset.analogies);
    }
  }
  const double e2e = medianOf(seconds);
  auto record = [&](std::string name, double value, std::string unit) {
    BenchRecord r{std::move(name), value, std::move(unit), {}};
    r.fields = {{"corpus", "topics"},
                {"tokens", double(tokens)},
                {"vocab", double(vocab)},
                {"dim", double(cfg.outputDim)},
                {"window", double(cfg.window)},
                {"negative", double(cfg.negative)},
                {"epochs", double(cfg.epochs)},
                {"sample", cfg.sample},
                {"learning_rate", cfg.learningRate},
                {"threads", double(cfg.threads)}};
    out.push_back(std::move(r));
  };
  record("skipgram", double(tokens) * cfg.epochs / e2e, "words/s");
  record("skipgram_seconds", e2e, "s");
  record("skipgram_train_seconds", medianOf(trainSeconds), "s");
  record("skipgram_purity_at_10", purity.purity, "fraction");
  record("skipgram_analogy_accuracy", analogy.accuracy, "fraction");
  return Status::ok();
}

const BenchRegistrar kSkipgram{{"cpu", "skipgram", &skipgramPart}};

}  // namespace
}  // namespace embedscope::cli
