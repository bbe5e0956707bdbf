// Skip-gram checkpoints and resume: a run interrupted at any chunk barrier (a checkpoint, a
// cancel, an epoch boundary) and resumed from its state ends bit-identical to an uninterrupted run
// on one thread, through the session file too; a checkpoint made with another configuration or
// vocabulary is refused; with several Hogwild threads checkpoints fall on whole chunks.
#include <QtTest>
#include <cstring>
#include <optional>

#include "engine/data/text_corpus.h"
#include "engine/data/topics_preset.h"
#include "engine/io/session_file.h"
#include "engine/session/skipgram_checkpoint.h"
#include "engine/tasks/skipgram_trainer.h"

using namespace embedscope;
using namespace embedscope::data;

namespace {

TextCorpus topicsCorpus(std::int64_t sentences) {
  TopicsPresetOptions o;
  o.sentences = sentences;
  TextCorpusOptions co;
  co.vocabulary.minCount = 1;
  auto c = buildTextCorpus(generateTopicsPreset(o).text, co);
  Q_ASSERT(c.isOk());
  return std::move(c).value();
}

bool sameBits(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * std::size_t(a.size())) == 0;
}

SkipGramConfig smallConfig() {
  SkipGramConfig cfg;
  cfg.outputDim = 24;
  cfg.epochs = 3;
  cfg.threads = 1;
  cfg.seed = 11;
  cfg.progressIntervalSeconds = 0.0;
  return cfg;
}

void compareRuns(const SkipGramResult& a, const SkipGramResult& b) {
  QVERIFY(sameBits(a.embeddings, b.embeddings));
  QVERIFY(sameBits(a.context, b.context));
  QCOMPARE(a.wordsProcessed, b.wordsProcessed);
  QCOMPARE(a.pairs, b.pairs);
  QCOMPARE(a.epochs.size(), b.epochs.size());
  for (std::size_t e = 0; e < a.epochs.size(); ++e) {
    QCOMPARE(a.epochs[e].loss, b.epochs[e].loss);  // exact: the sums continue the same additions
    QCOMPARE(a.epochs[e].pairs, b.epochs[e].pairs);
  }
}

}  // namespace

class TestSkipGramCheckpoint : public QObject {
  Q_OBJECT
 private slots:
  void checkpointThenResumeIsBitIdentical_data() {
    QTest::addColumn<int>("every");  // chunks between checkpoints; resume from the `pick`-th
    QTest::addColumn<int>("pick");
    QTest::newRow("early in epoch 1, every 3 chunks") << 3 << 1;
    QTest::newRow("mid-run, every 7 chunks") << 7 << 2;
    QTest::newRow("every chunk, the 13th") << 1 << 13;
  }
  void checkpointThenResumeIsBitIdentical() {
    QFETCH(int, every);
    QFETCH(int, pick);
    const TextCorpus corpus = topicsCorpus(8000);
    SkipGramConfig cfg = smallConfig();
    auto whole = SkipGramTrainer().run(cfg, corpus);
    QVERIFY(whole.isOk());

    // Checkpointing itself (workers joined at each barrier) changes nothing.
    cfg.checkpointEveryChunks = every;
    std::vector<SkipGramState> states;
    SkipGramCallbacks cb;
    cb.onCheckpoint = [&](const SkipGramState& s) {
      states.push_back(s);
      return Status::ok();
    };
    auto checkpointed = SkipGramTrainer().run(cfg, corpus, cb);
    QVERIFY(checkpointed.isOk());
    compareRuns(*whole, *checkpointed);
    QVERIFY(int(states.size()) > pick);
    for (std::size_t i = 0; i < states.size(); ++i) QCOMPARE(states[i].position.chunksDone, std::int64_t(every) * std::int64_t(i + 1));

    // Resume in a fresh trainer from the picked state.
    cfg.checkpointEveryChunks = 0;
    auto resumed = SkipGramTrainer().run(cfg, corpus, {}, {}, &states[std::size_t(pick)]);
    QVERIFY2(resumed.isOk(), resumed.isOk() ? "" : resumed.status().message().c_str());
    compareRuns(*whole, *resumed);
  }

  void cancelThenResumeIsBitIdentical() {
    const TextCorpus corpus = topicsCorpus(8000);
    SkipGramConfig cfg = smallConfig();
    auto whole = SkipGramTrainer().run(cfg, corpus);
    QVERIFY(whole.isOk());
    CancelToken cancel;
    SkipGramCallbacks cb;
    cb.onProgress = [&](const SkipGramProgress& p) {
      if (p.wordsProcessed > 150000) cancel.cancel();  // inside epoch 2
    };
    auto stopped = SkipGramTrainer().run(cfg, corpus, cb, cancel);
    QVERIFY(stopped.isOk());
    QVERIFY(stopped->cancelled);
    QVERIFY(stopped->wordsProcessed > 150000);
    QVERIFY(stopped->wordsProcessed < whole->wordsProcessed);
    QVERIFY(!sameBits(stopped->embeddings, whole->embeddings));
    const SkipGramState state = skipGramStateOf(*stopped);
    QCOMPARE(state.position.wordsProcessed, stopped->wordsProcessed);
    // ... through a session file on disk, as --checkpoint / --resume do.
    QTemporaryDir dir;
    const std::string path = dir.filePath("run.embscope").toStdString();
    QVERIFY(io::writeSessionFile(path, session::skipGramCheckpoint(state, cfg, corpus.vocabulary, "{}")).isOk());
    auto file = io::readSessionFile(path);
    QVERIFY(file.isOk());
    QCOMPARE(*file->text(io::session_keys::kEpoch), std::to_string(state.position.epoch()));
    auto restored = session::skipGramStateFromCheckpoint(*file, cfg, corpus.vocabulary);
    QVERIFY2(restored.isOk(), restored.isOk() ? "" : restored.status().message().c_str());
    auto resumed = SkipGramTrainer().run(cfg, corpus, {}, {}, &*restored);
    QVERIFY(resumed.isOk());
    QVERIFY(!resumed->cancelled);
    compareRuns(*whole, *resumed);
  }

  void refusesAnotherConfigurationOrCorpus_data() {
    QTest::addColumn<QString>("change");
    QTest::newRow("window") << "window";
    QTest::newRow("epochs (the decay schedule)") << "epochs";
    QTest::newRow("output_dim") << "dim";
    QTest::newRow("another vocabulary") << "corpus";
  }
  void refusesAnotherConfigurationOrCorpus() {
    QFETCH(QString, change);
    const TextCorpus corpus = topicsCorpus(2000);
    SkipGramConfig cfg = smallConfig();
    cfg.epochs = 1;
    auto r = SkipGramTrainer().run(cfg, corpus);
    QVERIFY(r.isOk());
    const io::SessionFile f = session::skipGramCheckpoint(skipGramStateOf(*r), cfg, corpus.vocabulary, "{}");
    SkipGramConfig other = cfg;
    std::optional<TextCorpus> otherCorpus;
    if (change == "window") other.window = 3;
    if (change == "epochs") other.epochs = 2;
    if (change == "dim") other.outputDim = 8;
    if (change == "corpus") otherCorpus = topicsCorpus(300);
    auto st = session::skipGramStateFromCheckpoint(f, other, otherCorpus ? otherCorpus->vocabulary : corpus.vocabulary);
    QVERIFY(!st.isOk());
    QCOMPARE(int(st.status().code()), int(StatusCode::InvalidArgument));
    // A session file of another task is not a skip-gram checkpoint.
    io::SessionFile plain;
    plain.setMatrix(io::session_keys::kWeights, r->embeddings);
    auto notOurs = session::skipGramStateFromCheckpoint(plain, cfg, corpus.vocabulary);
    QCOMPARE(int(notOurs.status().code()), int(StatusCode::DataError));
  }

  void hogwildCheckpointsFallOnWholeChunks() {
    const TextCorpus corpus = topicsCorpus(8000);
    SkipGramConfig cfg = smallConfig();
    cfg.threads = 3;
    cfg.checkpointEveryChunks = 4;
    std::vector<SkipGramPosition> positions;
    SkipGramCallbacks cb;
    cb.onCheckpoint = [&](const SkipGramState& s) {
      positions.push_back(s.position);
      return Status::ok();
    };
    auto r = SkipGramTrainer().run(cfg, corpus, cb);
    QVERIFY(r.isOk());
    QVERIFY(positions.size() >= 3);
    const std::int64_t perEpoch = positions.front().chunksPerEpoch;
    for (const auto& p : positions) {
      QCOMPARE(p.chunksDone % 4, std::int64_t(0));
      QCOMPARE(p.rngStates.size(), std::size_t(3));
      // A whole epoch done is exactly the corpus's kept words: no chunk half-counted.
      if (p.chunksDone % perEpoch == 0) QCOMPARE(p.wordsProcessed, p.epoch() * corpus.keptTokens());
    }
    QCOMPARE(r->wordsProcessed, cfg.epochs * corpus.keptTokens());
    // Resumed on another thread count from the first checkpoint, the run still ends whole.
    SkipGramState st{r->embeddings, r->context, positions.front()};
    cfg.threads = 2;
    cfg.checkpointEveryChunks = 0;
    auto resumed = SkipGramTrainer().run(cfg, corpus, {}, {}, &st);
    QVERIFY(resumed.isOk());
    QCOMPARE(resumed->wordsProcessed, cfg.epochs * corpus.keptTokens());
  }

  void resumeRejectsAStateThatDoesNotFit() {
    const TextCorpus corpus = topicsCorpus(2000);
    SkipGramConfig cfg = smallConfig();
    auto r = SkipGramTrainer().run(cfg, corpus);
    QVERIFY(r.isOk());
    SkipGramState st = skipGramStateOf(*r);
    st.position.chunksPerEpoch += 1;
    auto bad = SkipGramTrainer().run(cfg, corpus, {}, {}, &st);
    QVERIFY(!bad.isOk());
    QCOMPARE(int(bad.status().code()), int(StatusCode::InvalidArgument));
  }
};

QTEST_APPLESS_MAIN(TestSkipGramCheckpoint)
#include "test_skipgram_checkpoint.moc"
