// The Vulkan skip-gram kernel against the CPU trainer's step (skipgram_kernels.h's
// trainStepGeneric, the CPU engine's own code): a single pair, and conflict-free batches (every
// input row and every context row used once), equal to 1e-6 on odd dims, with duplicate
// negatives inside a pair and skipped draws, across shard boundaries (rows per shard forced small,
// up to the kernel's 15 shards per table); and the whole Vulkan trainer recovers the topics preset
// (purity@10 >= 0.8). The validation layer is on and must stay silent (the test main checks).
#include <QtTest>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <numeric>

#include "engine/compute/vulkan/skipgram_kernel.h"
#include "engine/compute/vulkan/skipgram_trainer_vulkan.h"
#include "engine/core/rng.h"
#include "engine/data/text_corpus.h"
#include "engine/data/topics_preset.h"
#include "engine/tasks/skipgram_eval.h"
#include "engine/tasks/skipgram_kernels.h"
#include "engine/tasks/skipgram_trainer.h"
#include "tests/support/vulkan_test_main.h"

using namespace embedscope;

namespace {

Matrix randomTable(std::int64_t rows, std::int64_t cols, std::uint64_t seed, float limit) {
  Rng rng(seed);
  Matrix m(rows, cols);
  for (std::int64_t i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(-limit, limit);
  return m;
}

// Applies the CPU step to each pair in order, on padded copies of the tables (as the trainer does).
void cpuSteps(Matrix& input, Matrix& context, const std::vector<std::uint32_t>& pairs, std::uint32_t count,
              std::uint32_t stride, float alpha, double* loss) {
  const std::int64_t rows = input.rows(), dim = input.cols(), dp = (dim + 15) / 16 * 16;
  const auto n = static_cast<std::size_t>(rows * dp);
  std::vector<float> syn0(n, 0.0f), syn1(n, 0.0f), acc(static_cast<std::size_t>(dp), 0.0f);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < dim; ++c) {
      syn0[std::size_t(r * dp + c)] = input(r, c);
      syn1[std::size_t(r * dp + c)] = context(r, c);
    }
  static const skipgram_detail::SigmoidTables tables;
  *loss = 0.0;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::vector<std::int32_t> targets;
    for (std::uint32_t j = 1; j < stride; ++j)
      if (pairs[i * stride + j] != vk::kNoTarget) targets.push_back(std::int32_t(pairs[i * stride + j]));
    auto st = skipgram_detail::trainStepGeneric(syn0.data() + std::int64_t(pairs[i * stride]) * dp, syn1.data(), dp,
                                                targets.data(), int(targets.size()), alpha, tables, acc.data());
    *loss += st.loss;
  }
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < dim; ++c) {
      input(r, c) = syn0[std::size_t(r * dp + c)];
      context(r, c) = syn1[std::size_t(r * dp + c)];
    }
}

double maxAbsDiff(const Matrix& a, const Matrix& b) { return (a - b).cwiseAbs().maxCoeff(); }

// count pairs whose input rows are distinct and whose targets are distinct across the batch
// (a conflict-free batch), except that `duplicateInPair` repeats a negative inside pair 0 and
// pair 1 skips a draw: both are sequential inside one invocation, as on the CPU.
std::vector<std::uint32_t> conflictFreeBatch(std::uint32_t rows, std::uint32_t count, int negative, std::uint64_t seed,
                                             bool duplicateInPair) {
  const std::uint32_t stride = std::uint32_t(negative) + 2;
  std::vector<std::uint32_t> in(rows), out(rows);
  std::iota(in.begin(), in.end(), 0u);
  std::iota(out.begin(), out.end(), 0u);
  Rng rng(seed);
  for (std::uint32_t i = rows; i-- > 1;) {
    std::swap(in[i], in[rng.below(i + 1)]);
    std::swap(out[i], out[rng.below(i + 1)]);
  }
  std::vector<std::uint32_t> pairs(std::size_t(count) * stride);
  std::uint32_t next = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    pairs[i * stride] = in[i];
    for (std::uint32_t j = 1; j < stride; ++j) pairs[i * stride + j] = out[next++];
  }
  if (duplicateInPair && stride > 3) pairs[3] = pairs[2];
  if (count > 1 && stride > 2) pairs[stride + 2] = vk::kNoTarget;
  return pairs;
}

}  // namespace

class TestSkipGramKernel : public QObject {
  Q_OBJECT
 private slots:
  void batchEqualsCpuStep_data() {
    QTest::addColumn<int>("mode");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("dim");
    QTest::addColumn<int>("negative");
    QTest::addColumn<int>("pairs");
    QTest::addColumn<int>("rowsPerShard");  // 0 = the device's range
    QTest::addRow("mode 0 (pair per invocation), single pair, D=1, 1 negative") << 0 << 7 << 1 << 1 << 1 << 0;
    QTest::addRow("mode 1 (pair per workgroup), single pair, D=1, 1 negative") << 1 << 7 << 1 << 1 << 1 << 0;
    QTest::addRow("mode 0 (pair per invocation), single pair, D=7, 5 negatives") << 0 << 7 << 7 << 5 << 1 << 0;
    QTest::addRow("mode 1 (pair per workgroup), single pair, D=7, 5 negatives") << 1 << 7 << 7 << 5 << 1 << 0;
    QTest::addRow("mode 0 (pair per invocation), single pair, D=100") << 0 << 127 << 100 << 5 << 1 << 0;
    QTest::addRow("mode 1 (pair per workgroup), single pair, D=100") << 1 << 127 << 100 << 5 << 1 << 0;
    QTest::addRow("mode 0 (pair per invocation), conflict-free batch, D=67, 40 pairs") << 0 << 1000 << 67 << 5 << 40 << 0;
    QTest::addRow("mode 1 (pair per workgroup), conflict-free batch, D=67, 40 pairs") << 1 << 1000 << 67 << 5 << 40 << 0;
    QTest::addRow("mode 0 (pair per invocation), conflict-free batch, D=130, 3 negatives, 150 pairs") << 0 << 700 << 130 << 3 << 150 << 0;
    QTest::addRow("mode 1 (pair per workgroup), conflict-free batch, D=130, 3 negatives, 150 pairs") << 1 << 700 << 130 << 3 << 150 << 0;
    QTest::addRow("mode 0 (pair per invocation), shards: 127 rows, 9 per shard (15 shards), D=5, 16 pairs") << 0 << 127 << 5 << 6 << 16 << 9;
    QTest::addRow("mode 1 (pair per workgroup), shards: 127 rows, 9 per shard (15 shards), D=5, 16 pairs") << 1 << 127 << 5 << 6 << 16 << 9;
    QTest::addRow("mode 0 (pair per invocation), shards: 100 rows, 7 per shard, D=3, 14 pairs") << 0 << 100 << 3 << 5 << 14 << 7;
    QTest::addRow("mode 1 (pair per workgroup), shards: 100 rows, 7 per shard, D=3, 14 pairs") << 1 << 100 << 3 << 5 << 14 << 7;
    QTest::addRow("mode 0 (pair per invocation), shards: 2 shards, D=33, 60 pairs") << 0 << 500 << 33 << 5 << 60 << 250;
    QTest::addRow("mode 1 (pair per workgroup), shards: 2 shards, D=33, 60 pairs") << 1 << 500 << 33 << 5 << 60 << 250;
  }
  void batchEqualsCpuStep() {
    QFETCH(int, mode);
    QFETCH(int, rows);
    QFETCH(int, dim);
    QFETCH(int, negative);
    QFETCH(int, pairs);
    QFETCH(int, rowsPerShard);
    auto ctx = vk::VulkanContext::create();
    QVERIFY2(ctx.isOk(), ctx.status().message().c_str());
    vk::KernelCache kernels(**ctx);
    // Larger values than a fresh table, so σ is far from 1/2 and every term matters.
    Matrix input = randomTable(rows, dim, 3, 0.5f), context = randomTable(rows, dim, 4, 0.5f);
    const std::uint32_t stride = std::uint32_t(negative) + 2;
    const auto batch = conflictFreeBatch(std::uint32_t(rows), std::uint32_t(pairs), negative, 9, true);
    auto dev = vk::SkipGramDevice::create(kernels, input, context, negative, std::uint32_t(pairs) + 3,
                                          std::uint64_t(rowsPerShard), mode);
    QVERIFY2(dev.isOk(), dev.status().message().c_str());
    if (rowsPerShard) QCOMPARE((*dev)->inputShards(), std::uint32_t((rows + rowsPerShard - 1) / rowsPerShard));
    const float alpha = 0.05f;
    auto loss = (*dev)->train(batch, std::uint32_t(pairs), alpha);
    QVERIFY2(loss.isOk(), loss.status().message().c_str());
    Matrix gotIn(rows, dim), gotCtx(rows, dim);
    QVERIFY((*dev)->download(gotIn, gotCtx).isOk());
    double cpuLoss = 0.0;
    Matrix wantIn = input, wantCtx = context;
    cpuSteps(wantIn, wantCtx, batch, std::uint32_t(pairs), stride, alpha, &cpuLoss);
    QVERIFY(maxAbsDiff(wantIn, input) > 1e-4);  // the step moved something
    QVERIFY2(maxAbsDiff(gotIn, wantIn) <= 1e-6, qPrintable(QString::number(maxAbsDiff(gotIn, wantIn))));
    QVERIFY2(maxAbsDiff(gotCtx, wantCtx) <= 1e-6, qPrintable(QString::number(maxAbsDiff(gotCtx, wantCtx))));
    QVERIFY2(std::abs(loss->loss - cpuLoss) <= 1e-6 * std::max(1.0, std::abs(cpuLoss)),
             qPrintable(QString("%1 vs %2").arg(loss->loss).arg(cpuLoss)));
  }

  void moreShardsThanTheKernelBindsIsAnError() {
    auto ctx = vk::VulkanContext::create();
    QVERIFY(ctx.isOk());
    vk::KernelCache kernels(**ctx);
    auto dev = vk::SkipGramDevice::create(kernels, randomTable(100, 4, 1, 0.1f), Matrix::Zero(100, 4), 2, 8, 6);
    QVERIFY(!dev.isOk());  // 17 shards
    QVERIFY2(dev.status().message().find("shards") != std::string::npos, dev.status().message().c_str());
  }

  void rejectsRowsOutsideTheTable() {
    auto ctx = vk::VulkanContext::create();
    QVERIFY(ctx.isOk());
    vk::KernelCache kernels(**ctx);
    auto dev = vk::SkipGramDevice::create(kernels, randomTable(5, 4, 1, 0.1f), Matrix::Zero(5, 4), 1, 4);
    QVERIFY(dev.isOk());
    auto r = (*dev)->train({1, 2, 5}, 1, 0.1f);
    QVERIFY(!r.isOk());
  }

  void topicsPresetOnVulkan() {
    data::TopicsPresetOptions po;
    po.sentences = 20000;
    const data::TopicsPreset preset = data::generateTopicsPreset(po);
    data::TextCorpusOptions co;
    co.vocabulary.minCount = 1;
    auto corpus = data::buildTextCorpus(preset.text, co);
    QVERIFY(corpus.isOk());
    SkipGramConfig cfg;
    cfg.outputDim = 24;
    cfg.epochs = 2;
    cfg.seed = 3;
    auto ctx = vk::VulkanContext::create();
    QVERIFY(ctx.isOk());
    vk::KernelCache kernels(**ctx);
    QElapsedTimer t;
    t.start();
    auto r = vk::trainSkipGramOnVulkan(kernels, cfg, *corpus);
    QVERIFY2(r.isOk(), r.status().message().c_str());
    const double seconds = t.elapsed() / 1000.0;
    const auto purity = neighbourPurity(r->embeddings, corpus->vocabulary, preset.clusterOf, 10);
    const auto analogies = analogyAccuracy(r->embeddings, corpus->vocabulary, preset.analogies);
    qInfo("vulkan skip-gram on %s: %lld words in %.2f s (%.0f words/s), purity@10 %.3f, analogies %.3f",
          (*ctx)->info().name.c_str(), (long long)r->wordsProcessed, seconds, double(r->wordsProcessed) / seconds,
          purity.purity, analogies.accuracy);
    QCOMPARE(r->wordsProcessed, cfg.epochs * corpus->keptTokens());
    QCOMPARE(r->epochs.size(), std::size_t(2));
    QCOMPARE(r->epochs.back().pairs > 0, true);
    QVERIFY(r->epochs.back().loss < r->epochs.front().loss * 1.05);
    QVERIFY2(purity.purity >= 0.8, qPrintable(QString::number(purity.purity)));
  }

  // A checkpoint at a chunk barrier, resumed on the Vulkan engine and on the CPU engine: both
  // finish the run (every word of every epoch, the epochs before the checkpoint keep their exact
  // loss sums) and recover the preset. Pairs inside a device batch race (Hogwild over lavapipe's
  // threads), so the device run is not asserted bit-identical.
  void checkpointResumesOnEitherEngine() {
    data::TopicsPresetOptions po;
    po.sentences = 12000;
    const data::TopicsPreset preset = data::generateTopicsPreset(po);
    data::TextCorpusOptions co;
    co.vocabulary.minCount = 1;
    auto corpus = data::buildTextCorpus(preset.text, co);
    QVERIFY(corpus.isOk());
    SkipGramConfig cfg;
    cfg.outputDim = 24;
    cfg.epochs = 3;
    cfg.seed = 5;
    cfg.checkpointEveryChunks = 5;
    auto ctx = vk::VulkanContext::create();
    QVERIFY(ctx.isOk());
    vk::KernelCache kernels(**ctx);
    std::vector<SkipGramState> states;
    SkipGramCallbacks cb;
    cb.onCheckpoint = [&](const SkipGramState& st) {
      states.push_back(st);
      return Status::ok();
    };
    auto whole = vk::trainSkipGramOnVulkan(kernels, cfg, *corpus, cb);
    QVERIFY2(whole.isOk(), whole.status().message().c_str());
    QVERIFY(states.size() >= 3);
    const std::int64_t perEpoch = states.front().position.chunksPerEpoch;
    // The first checkpoint after epoch 1 ended.
    const auto it = std::find_if(states.begin(), states.end(),
                                 [&](const SkipGramState& st) { return st.position.chunksDone > perEpoch; });
    QVERIFY(it != states.end());
    cfg.checkpointEveryChunks = 0;
    auto onVulkan = vk::trainSkipGramOnVulkan(kernels, cfg, *corpus, {}, {}, {}, &*it);
    QVERIFY2(onVulkan.isOk(), onVulkan.status().message().c_str());
    auto onCpu = SkipGramTrainer().run(cfg, *corpus, {}, {}, &*it);
    QVERIFY2(onCpu.isOk(), onCpu.status().message().c_str());
    for (const SkipGramResult* r : {&*onVulkan, &*onCpu}) {
      QCOMPARE(r->wordsProcessed, cfg.epochs * corpus->keptTokens());
      QCOMPARE(r->epochs.size(), std::size_t(3));
      QCOMPARE(r->epochs[0].loss, whole->epochs[0].loss);  // carried in the state, not retrained
      QVERIFY(!r->cancelled);
      const double purity = neighbourPurity(r->embeddings, corpus->vocabulary, preset.clusterOf, 10).purity;
      QVERIFY2(purity >= 0.8, qPrintable(QString::number(purity)));
    }
  }
};

EMBEDSCOPE_VULKAN_TEST_MAIN(TestSkipGramKernel)
#include "test_skipgram_kernel.moc"
