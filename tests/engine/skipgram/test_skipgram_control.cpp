// Pause / resume / single-step of SkipGramTrainer: a paused run holds at a chunk barrier (words
// processed stop growing), a step trains exactly one chunk and holds again, resume runs to the end,
// cancel while held stops the run, and on one thread the interrupted run equals an uninterrupted
// one bit for bit.
#include <QtTest>
#include <cstring>
#include <thread>

#include "engine/data/text_corpus.h"
#include "engine/data/topics_preset.h"
#include "engine/tasks/skipgram_control.h"
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

SkipGramConfig config(int threads) {
  SkipGramConfig cfg;
  cfg.outputDim = 24;
  cfg.epochs = 3;
  cfg.threads = threads;
  cfg.seed = 5;
  cfg.progressIntervalSeconds = 0.0;
  return cfg;
}

}  // namespace

class TestSkipGramControl : public QObject {
  Q_OBJECT
 private slots:
  void pauseStepResume_data() {
    QTest::addColumn<int>("threads");
    QTest::addColumn<int>("checkpointEvery");
    QTest::newRow("one thread") << 1 << 0;
    QTest::newRow("one thread, checkpoints every 2 chunks") << 1 << 2;
    QTest::newRow("four threads") << 4 << 0;
  }
  void pauseStepResume() {
    QFETCH(int, threads);
    QFETCH(int, checkpointEvery);
    const TextCorpus corpus = topicsCorpus(8000);
    SkipGramConfig cfg = config(threads);
    cfg.checkpointEveryChunks = checkpointEvery;
    auto whole = SkipGramTrainer().run(cfg, corpus);
    QVERIFY(whole.isOk());
    const std::int64_t chunksTotal = whole.value().position.chunksDone;
    QVERIFY(chunksTotal >= 6);

    SkipGramControl control;
    control.pause();  // paused before the first chunk: the run holds at chunk 0
    std::atomic<std::int64_t> lastWords{0};
    SkipGramCallbacks cb;
    cb.control = &control;
    cb.onProgress = [&](const SkipGramProgress& p) { lastWords.store(p.wordsProcessed); };
    std::atomic<std::int64_t> snapshotWords{-1};
    cb.onSnapshot = [&](std::shared_ptr<const SkipGramSnapshot> s) { snapshotWords.store(s->wordsProcessed); };
    int checkpoints = 0;
    if (checkpointEvery > 0) cb.onCheckpoint = [&](const SkipGramState&) { ++checkpoints; return Status::ok(); };
    std::optional<Result<SkipGramResult>> out;
    std::thread runner([&] { out.emplace(SkipGramTrainer().run(cfg, corpus, cb)); });

    QVERIFY(control.waitForHold(0, 5000));
    SkipGramHold h = control.hold();
    QCOMPARE(h.chunksDone, std::int64_t(0));
    QCOMPARE(h.wordsProcessed, std::int64_t(0));

    // A pause holds: nothing grows while paused.
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    QCOMPARE(control.hold().wordsProcessed, std::int64_t(0));
    QCOMPARE(control.hold().holds, h.holds);
    QCOMPARE(lastWords.load(), std::int64_t(0));

    // Each step trains exactly one chunk and holds again.
    std::int64_t wordsBefore = 0;
    for (int s = 1; s <= 3; ++s) {
      const std::uint64_t holds = control.hold().holds;
      control.step();
      QVERIFY(control.waitForHold(holds, 5000));
      h = control.hold();
      QCOMPARE(h.chunksDone, std::int64_t(s));
      QVERIFY(h.wordsProcessed > wordsBefore);
      QCOMPARE(lastWords.load(), h.wordsProcessed);  // the hold reported where it stopped
      QCOMPARE(snapshotWords.load(), h.wordsProcessed);  // and sent the table at the barrier
      wordsBefore = h.wordsProcessed;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      QCOMPARE(control.hold().wordsProcessed, wordsBefore);
    }

    // Resume, then pause mid-run: it holds somewhere on a chunk boundary, then resume to the end.
    control.resume();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const std::uint64_t holds = control.hold().holds;
    control.pause();
    const bool heldAgain = control.waitForHold(holds, 5000);
    if (heldAgain) {  // the run may have finished before the pause landed: both are fine
      h = control.hold();
      QVERIFY(h.chunksDone >= 3 && h.chunksDone < chunksTotal);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      QCOMPARE(control.hold().wordsProcessed, h.wordsProcessed);
    }
    control.resume();
    runner.join();
    QVERIFY(out && out->isOk());
    const SkipGramResult& r = out->value();
    QVERIFY(!r.cancelled);
    QCOMPARE(r.position.chunksDone, chunksTotal);
    QCOMPARE(r.wordsProcessed, whole.value().wordsProcessed);
    QVERIFY(!control.hold().held);
    if (checkpointEvery > 0) QCOMPARE(checkpoints, int((chunksTotal - 1) / checkpointEvery));
    if (threads == 1) {
      QVERIFY(sameBits(r.embeddings, whole.value().embeddings));
      QVERIFY(sameBits(r.context, whole.value().context));
      QCOMPARE(r.pairs, whole.value().pairs);
      for (std::size_t e = 0; e < r.epochs.size(); ++e) QCOMPARE(r.epochs[e].loss, whole.value().epochs[e].loss);
    }
  }

  void cancelWhileHeldStops() {
    const TextCorpus corpus = topicsCorpus(4000);
    SkipGramConfig cfg = config(2);
    SkipGramControl control;
    CancelToken cancel;
    SkipGramCallbacks cb;
    cb.control = &control;
    control.step();  // hold after the first chunk
    std::optional<Result<SkipGramResult>> out;
    std::thread runner([&] { out.emplace(SkipGramTrainer().run(cfg, corpus, cb, cancel)); });
    QVERIFY(control.waitForHold(0, 5000));
    QCOMPARE(control.hold().chunksDone, std::int64_t(1));  // the step was granted first
    cancel.cancel();
    runner.join();
    QVERIFY(out && out->isOk());
    QVERIFY(out->value().cancelled);
    QCOMPARE(out->value().position.chunksDone, std::int64_t(1));  // nothing trained after the cancel
  }
};

QTEST_APPLESS_MAIN(TestSkipGramControl)
#include "test_skipgram_control.moc"
