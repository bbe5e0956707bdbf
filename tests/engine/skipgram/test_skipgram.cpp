// Skip-gram with negative sampling: recovers the `topics` preset's planted structure, is
// bit-identical on one thread for a seed, follows word2vec's rules (zero context table, reserved
// rows untouched, unigram^0.75 negatives), reports progress, snapshots and cancellation, and
// rejects bad configurations and diverging runs.
#include <QtTest>
#include <cmath>
#include <cstring>
#include <map>

#include "engine/core/rng.h"
#include "engine/data/text_corpus.h"
#include "engine/data/topics_preset.h"
#include "engine/tasks/skipgram_eval.h"
#include "engine/tasks/skipgram_kernels.h"
#include "engine/tasks/skipgram_sampler.h"
#include "engine/tasks/skipgram_trainer.h"

using namespace embedscope;
using namespace embedscope::data;

namespace {

TextCorpus corpusOf(const std::string& text, std::int64_t minCount = 1) {
  TextCorpusOptions o;
  o.vocabulary.minCount = minCount;
  auto c = buildTextCorpus(text, o);
  Q_ASSERT(c.isOk());
  return std::move(c).value();
}

TopicsPreset smallTopics(std::int64_t sentences, std::uint64_t seed = 1) {
  TopicsPresetOptions o;
  o.sentences = sentences;
  o.seed = seed;
  return generateTopicsPreset(o);
}

bool sameBits(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * std::size_t(a.size())) == 0;
}

}  // namespace

class TestSkipGram : public QObject {
  Q_OBJECT
 private slots:
  // The acceptance test: purity@10 >= 0.8 on `topics`, and the planted analogies recovered.
  // The preset is the default size (about a million tokens), trained with fastText-like settings
  // on 2 Hogwild threads: well under the 30 s budget (about a second here).
  // Analogy threshold: chance is 1/313 words; a table that knows only the topics gets about 1/17;
  // one that knows the concept but not the he/she offset picks the neutral word or the wrong
  // form about half the time. 0.8 therefore needs both the concept and the shared offset; the
  // measured value is about 0.95 (docs/benchmarks/skipgram.md).
  void recoversTopicsPreset() {
    const TopicsPreset preset = generateTopicsPreset();
    const TextCorpus corpus = corpusOf(preset.text, 5);
    SkipGramConfig cfg;
    cfg.outputDim = 100;
    cfg.learningRate = 0.05;
    cfg.sample = 1e-4;
    cfg.threads = 2;
    cfg.seed = 7;
    auto r = SkipGramTrainer().run(cfg, corpus);
    QVERIFY2(r.isOk(), r.status().message().c_str());
    QVERIFY(!r->cancelled);
    const auto purity = neighbourPurity(r->embeddings, corpus.vocabulary, preset.clusterOf, 10);
    QCOMPARE(purity.evaluated, std::int64_t(preset.clusterWords.size()));
    const auto analogy = analogyAccuracy(r->embeddings, corpus.vocabulary, preset.analogies);
    QCOMPARE(analogy.evaluated, std::int64_t(preset.analogies.size()));
    qInfo("purity@10 = %.4f, analogy accuracy = %.4f over %lld, %.2f s", purity.purity, analogy.accuracy,
          static_cast<long long>(analogy.evaluated), r->seconds);
    QVERIFY2(purity.purity >= 0.8, qPrintable(QString::number(purity.purity)));
    QVERIFY2(analogy.accuracy >= 0.8, qPrintable(QString::number(analogy.accuracy)));
    QVERIFY(r->seconds < 30.0);
    // The loss falls from the first epoch to the last.
    QVERIFY(r->epochs.size() == 5);
    QVERIFY(r->epochs.back().loss < r->epochs.front().loss);
  }

  void untrainedTableIsNotPure() {
    // The metric can fail: the initial random table has the purity of chance.
    const TopicsPreset preset = smallTopics(2000);
    const TextCorpus corpus = corpusOf(preset.text, 1);
    const Matrix table = defaultSkipGramTable(corpus.vocabulary.size(), 50, 3);
    QVERIFY(neighbourPurity(table, corpus.vocabulary, preset.clusterOf, 10).purity < 0.3);
    QVERIFY(analogyAccuracy(table, corpus.vocabulary, preset.analogies).accuracy < 0.1);
  }

  void bitIdenticalOnOneThread_data() {
    QTest::addColumn<int>("dim");
    QTest::newRow("D=100 (AVX-512 register path)") << 100;
    QTest::newRow("D=7 (one padded block)") << 7;
    QTest::newRow("D=200 (generic path)") << 200;
  }
  void bitIdenticalOnOneThread() {
    QFETCH(int, dim);
    const TextCorpus corpus = corpusOf(smallTopics(3000).text, 1);
    SkipGramConfig cfg;
    cfg.outputDim = dim;
    cfg.threads = 1;
    cfg.seed = 42;
    cfg.epochs = 2;
    auto a = SkipGramTrainer().run(cfg, corpus);
    auto b = SkipGramTrainer().run(cfg, corpus);
    QVERIFY(a.isOk() && b.isOk());
    QVERIFY(sameBits(a->embeddings, b->embeddings));
    QVERIFY(sameBits(a->context, b->context));
    QCOMPARE(a->epochs.back().loss, b->epochs.back().loss);
    cfg.seed = 43;
    auto c = SkipGramTrainer().run(cfg, corpus);
    QVERIFY(c.isOk());
    QVERIFY(!sameBits(a->embeddings, c->embeddings));
  }

  void word2vecTables() {
    // The context table starts at zero (only trained rows move), the input table is the given
    // initial table, and the reserved rows (padding, [UNK]) are never trained in either table.
    const TextCorpus corpus = corpusOf("a b c a b\nc a d e\nrare", 2);
    QCOMPARE(corpus.vocabulary.token(Vocabulary::kOovId), std::string("[UNK]"));
    SkipGramConfig cfg;
    cfg.outputDim = 9;
    cfg.sample = 0;
    cfg.epochs = 1;
    cfg.initialTable = defaultSkipGramTable(corpus.vocabulary.size(), 9, 99);
    auto r = SkipGramTrainer().run(cfg, corpus);
    QVERIFY2(r.isOk(), r.status().message().c_str());
    for (std::int32_t id : {Vocabulary::kPaddingId, Vocabulary::kOovId}) {
      QVERIFY(sameBits(r->embeddings.row(id), cfg.initialTable->row(id)));
      QCOMPARE(r->context.row(id).squaredNorm(), 0.0f);
    }
    for (std::int32_t id = Vocabulary::kReserved; id < corpus.vocabulary.size(); ++id) {
      QVERIFY(!sameBits(r->embeddings.row(id), cfg.initialTable->row(id)));
      QVERIFY(r->context.row(id).squaredNorm() > 0.0f);
    }
  }

  void negativesFollowUnigramPower() {
    const std::vector<std::int64_t> freq = {0, 500, 1000, 300, 7, 1, 100000, 2};
    skipgram_detail::NegativeSampler sampler(freq, 0.75);
    Rng rng(5);
    std::vector<double> counts(freq.size(), 0.0);
    const int n = 4000000;
    for (int i = 0; i < n; ++i) counts[std::size_t(sampler.sample(rng.next()))] += 1.0;
    double total = 0;
    for (std::size_t i = 2; i < freq.size(); ++i) total += std::pow(double(freq[i]), 0.75);
    QCOMPARE(counts[0], 0.0);  // padding and [UNK] (even with a count) are never negatives
    QCOMPARE(counts[1], 0.0);
    for (std::size_t i = 2; i < freq.size(); ++i) {
      const double p = std::pow(double(freq[i]), 0.75) / total;
      const double sigma = std::sqrt(p * (1 - p) / n);
      QVERIFY2(std::abs(counts[i] / n - p) < 5 * sigma + 1e-7,
               qPrintable(QString("id %1: %2 vs %3").arg(i).arg(counts[i] / n).arg(p)));
    }
  }

  void kernelsAgree_data() {
    QTest::addColumn<int>("dim");
    for (int d : {1, 7, 16, 100, 127, 128}) QTest::newRow(qPrintable(QString("D=%1").arg(d))) << d;
  }
  void kernelsAgree() {
    // The AVX-512 register kernel against the portable loop on padded rows of odd widths.
    QFETCH(int, dim);
    const std::int64_t dp = (dim + 15) / 16 * 16;
    const int rows = 9;
    Rng rng(11);
    alignas(64) static float in1[128], out1[128 * 9], in2[128], out2[128 * 9], acc[128];
    std::memset(in1, 0, sizeof in1);
    std::memset(out1, 0, sizeof out1);
    for (int k = 0; k < dim; ++k) in1[k] = rng.uniform(-1, 1);
    for (int r = 0; r < rows; ++r)
      for (int k = 0; k < dim; ++k) out1[r * dp + k] = rng.uniform(-1, 1);
    std::memcpy(in2, in1, sizeof in1);
    std::memcpy(out2, out1, sizeof out1);
    const std::int32_t targets[] = {3, 0, 8, 5, 3};  // a repeated negative sees the first update
    const skipgram_detail::SigmoidTables tables;
    const auto s1 = skipgram_detail::trainStepGeneric(in1, out1, dp, targets, 5, 0.3f, tables, acc);
#if defined(__AVX512F__)
    skipgram_detail::StepStats s2;
    switch (dp / 16) {
      case 1:
        s2 = skipgram_detail::trainStepAvx512<1>(in2, out2, targets, 5, 0.3f, tables);
        break;
      case 7:
        s2 = skipgram_detail::trainStepAvx512<7>(in2, out2, targets, 5, 0.3f, tables);
        break;
      case 8:
        s2 = skipgram_detail::trainStepAvx512<8>(in2, out2, targets, 5, 0.3f, tables);
        break;
      default:
        QFAIL("unexpected width");
    }
    QVERIFY(std::abs(s1.loss - s2.loss) < 1e-3f * (1 + std::abs(s1.loss)));
    for (std::int64_t k = 0; k < dp; ++k) QVERIFY(std::abs(in1[k] - in2[k]) < 1e-4f);
    for (std::int64_t k = 0; k < dp * rows; ++k) QVERIFY(std::abs(out1[k] - out2[k]) < 1e-4f);
#else
    // No AVX-512 kernel in this build (a portable -march): only the generic step exists to check.
    QVERIFY(std::isfinite(s1.loss));
#endif
    // Padding lanes stay zero.
    for (std::int64_t k = dim; k < dp; ++k) QCOMPARE(in1[k], 0.0f);
  }

  void sigmoidTableSaturates() {
    const skipgram_detail::SigmoidTables t;
    QCOMPARE(t.sigmoid[skipgram_detail::SigmoidTables::index(-100.0f)], 0.0f);
    QCOMPARE(t.sigmoid[skipgram_detail::SigmoidTables::index(100.0f)], 1.0f);
    QCOMPARE(t.sigmoid[skipgram_detail::SigmoidTables::index(std::nanf(""))], 0.0f);
    for (float f : {-5.5f, -1.0f, 0.0f, 0.3f, 2.0f, 5.9f})
      QVERIFY(std::abs(t.sigmoid[skipgram_detail::SigmoidTables::index(f)] - 1.0f / (1.0f + std::exp(-f))) < 0.01f);
  }

  void progressSnapshotsAndDecay() {
    const TextCorpus corpus = corpusOf(smallTopics(20000).text, 1);
    SkipGramConfig cfg;
    cfg.outputDim = 20;
    cfg.epochs = 3;
    cfg.progressIntervalSeconds = 0.0;  // every checkpoint
    cfg.snapshotEveryWords = 50000;
    std::vector<SkipGramProgress> progress;
    std::vector<std::shared_ptr<const SkipGramSnapshot>> snapshots;
    SkipGramCallbacks cb;
    cb.onProgress = [&](const SkipGramProgress& p) { progress.push_back(p); };
    cb.onSnapshot = [&](std::shared_ptr<const SkipGramSnapshot> s) { snapshots.push_back(std::move(s)); };
    auto r = SkipGramTrainer().run(cfg, corpus, cb);
    QVERIFY(r.isOk());
    QVERIFY(progress.size() > 10);
    for (std::size_t i = 1; i < progress.size(); ++i) {
      QVERIFY(progress[i].wordsProcessed > progress[i - 1].wordsProcessed);
      QVERIFY(progress[i].learningRate <= progress[i - 1].learningRate);
    }
    QCOMPARE(progress.front().wordsTotal, cfg.epochs * corpus.keptTokens());
    QVERIFY(progress.back().learningRate < 0.1 * cfg.learningRate);  // linear decay towards lr * 1e-4
    QVERIFY(progress.back().learningRate >= cfg.learningRate * 1e-4 * 0.999);
    QCOMPARE(r->wordsProcessed, cfg.epochs * corpus.keptTokens());
    const std::int64_t expected = r->wordsProcessed / cfg.snapshotEveryWords;
    QVERIFY(std::abs(std::int64_t(snapshots.size()) - expected) <= 1);
    QCOMPARE(snapshots.front()->embeddings.rows(), Eigen::Index(corpus.vocabulary.size()));
    QCOMPARE(snapshots.front()->embeddings.cols(), Eigen::Index(20));
    // Snapshots are copies: the first is not the final table.
    QVERIFY(!sameBits(snapshots.front()->embeddings, r->embeddings));
  }

  void cancelStopsPromptly() {
    const TextCorpus corpus = corpusOf(smallTopics(20000).text, 1);
    SkipGramConfig cfg;
    cfg.outputDim = 20;
    cfg.epochs = 50;
    cfg.threads = 2;
    cfg.progressIntervalSeconds = 0.0;
    CancelToken cancel;
    SkipGramCallbacks cb;
    cb.onProgress = [&](const SkipGramProgress& p) {
      if (p.wordsProcessed > 100000) cancel.cancel();
    };
    auto r = SkipGramTrainer().run(cfg, corpus, cb, cancel);
    QVERIFY(r.isOk());
    QVERIFY(r->cancelled);
    QVERIFY(r->wordsProcessed < cfg.epochs * corpus.keptTokens() / 10);
    QVERIFY(r->embeddings.allFinite());
  }

  void divergenceIsAnError() {
    const TextCorpus corpus = corpusOf(smallTopics(3000).text, 1);
    SkipGramConfig cfg;
    cfg.outputDim = 16;
    cfg.learningRate = 1e30;
    auto r = SkipGramTrainer().run(cfg, corpus);
    QVERIFY(!r.isOk());
    QCOMPARE(int(r.status().code()), int(StatusCode::DataError));
    QVERIFY2(r.status().message().find("non-finite loss") != std::string::npos, r.status().message().c_str());
  }

  void rejectsBadConfig_data() {
    QTest::addColumn<QString>("field");
    QTest::addColumn<double>("value");
    QTest::addColumn<QString>("message");
    QTest::newRow("window 0") << "window" << 0.0 << "`window` must be a positive integer. Received: window=0";
    QTest::newRow("negative 0") << "negative" << 0.0 << "`negative` must be a positive integer. Received: negative=0";
    QTest::newRow("epochs -1") << "epochs" << -1.0 << "`epochs` must be a positive integer. Received: epochs=-1";
    QTest::newRow("threads 0") << "threads" << 0.0 << "`threads` must be a positive integer. Received: threads=0";
    QTest::newRow("output_dim 0") << "outputDim" << 0.0
                                  << "`output_dim` must be a positive integer. Received: output_dim=0";
    QTest::newRow("sample negative") << "sample" << -0.1 << "`sample` must be a non-negative number";
    QTest::newRow("learning rate 0") << "learningRate" << 0.0 << "`learning_rate` must be a positive number";
    QTest::newRow("learning rate nan") << "learningRate" << double(NAN) << "`learning_rate` must be a positive number";
    QTest::newRow("table shape") << "initialTable" << 3.0 << "is not compatible with provided weight shape (3, 8)";
  }
  void rejectsBadConfig() {
    QFETCH(QString, field);
    QFETCH(double, value);
    QFETCH(QString, message);
    const TextCorpus corpus = corpusOf("x y z x y z", 1);
    SkipGramConfig cfg;
    cfg.outputDim = 8;
    if (field == "window") cfg.window = int(value);
    if (field == "negative") cfg.negative = int(value);
    if (field == "epochs") cfg.epochs = int(value);
    if (field == "threads") cfg.threads = int(value);
    if (field == "outputDim") cfg.outputDim = std::int64_t(value);
    if (field == "sample") cfg.sample = value;
    if (field == "learningRate") cfg.learningRate = value;
    if (field == "initialTable") cfg.initialTable = Matrix::Zero(Eigen::Index(value), 8);
    auto r = SkipGramTrainer().run(cfg, corpus);
    QVERIFY(!r.isOk());
    QCOMPARE(int(r.status().code()), int(StatusCode::InvalidArgument));
    QVERIFY2(QString::fromStdString(r.status().message()).contains(message), r.status().message().c_str());
  }

  void emptyCorpusIsADataError() {
    const TextCorpus corpus = corpusOf("only once here", 2);
    auto r = SkipGramTrainer().run(SkipGramConfig{}, corpus);
    QVERIFY(!r.isOk());
    QCOMPARE(int(r.status().code()), int(StatusCode::DataError));
  }

  void subsamplingDropsFrequentWords() {
    const TextCorpus corpus = corpusOf(smallTopics(5000).text, 1);
    SkipGramConfig cfg;
    cfg.outputDim = 8;
    cfg.epochs = 1;
    cfg.sample = 0;
    auto all = SkipGramTrainer().run(cfg, corpus);
    cfg.sample = 1e-3;
    auto some = SkipGramTrainer().run(cfg, corpus);
    QVERIFY(all.isOk() && some.isOk());
    QVERIFY(some->pairs < all->pairs * 0.9);
    QVERIFY(some->pairs > 0);
  }
};

QTEST_APPLESS_MAIN(TestSkipGram)
#include "test_skipgram.moc"
