// Parity of the device optimizer step and the sparse backward with the CPU formulas
// (engine/optim/update_rules.h, the math the CPU optimizers run): every optimizer, dense (Keras 3)
// and lazy, odd shapes (1, 7, 127 rows; D = 3, 5), duplicate ids, and shard boundaries forced with
// EMBEDSCOPE_VK_MAX_RANGE. Tolerance 1e-6 relative; the segment sums are exact.
#include <QtTest>

#include <cmath>
#include <map>

#include "engine/compute/vulkan/device_variable.h"
#include "engine/compute/vulkan/segment_sum.h"
#include "engine/core/rng.h"
#include "engine/optim/update_rules.h"
#include "tests/support/vulkan_test_main.h"

using namespace embedscope;

namespace {

Matrix randomMatrix(std::int64_t rows, std::int64_t cols, Rng& rng, float scale = 0.05f) {
  Matrix m(rows, cols);
  for (std::int64_t i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(-scale, scale);
  return m;
}

struct HostReference {
  OptimizerConfig cfg;
  Matrix w;
  std::vector<Matrix> slotValues;
  std::int64_t t = 0;

  void step(const std::vector<std::int64_t>& rows, const Matrix& values) {
    ++t;
    auto kernel = vk::optimizerKernelFor(cfg);
    const vk::StepScalars sc = vk::stepScalarsFor(cfg, t);
    const bool dense = vk::needsDensePass(cfg);
    const std::int64_t n = w.cols();
    std::map<std::int64_t, std::int64_t> at;
    for (std::size_t k = 0; k < rows.size(); ++k) at[rows[k]] = static_cast<std::int64_t>(k);
    std::vector<float> zero(static_cast<std::size_t>(n), 0.0f);
    for (std::int64_t r = 0; r < w.rows(); ++r) {
      auto f = at.find(r);
      if (!dense && f == at.end()) continue;
      const float* g = f == at.end() ? zero.data() : values.row(f->second).data();
      float* wr = w.row(r).data();
      if (sc.wd != 0.0f) rules::weightDecayRow(wr, n, sc.wd, sc.lr);
      auto slot = [&](std::size_t i) { return i < slotValues.size() ? slotValues[i].row(r).data() : nullptr; };
      const auto& name = cfg.name;
      if (name == "sgd") {
        rules::sgdRow(wr, slot(0), g, n, {sc.lr, sc.a, cfg.nesterov});
      } else if (name == "rmsprop") {
        float* mom = (kernel->flags & 4) ? slot(1) : nullptr;
        float* avg = (kernel->flags & 2) ? slot((kernel->flags & 4) ? 2 : 1) : nullptr;
        rules::rmspropRow(wr, slot(0), mom, avg, g, n, {sc.lr, sc.a, sc.b, sc.c});
      } else if (name == "adam" || name == "adamw") {
        rules::adamRow(wr, slot(0), slot(1), cfg.amsgrad ? slot(2) : nullptr, g, n, {sc.a, sc.b, sc.c, sc.d});
      } else if (name == "adagrad") {
        rules::adagradRow(wr, slot(0), g, n, {sc.lr, sc.a});
      } else if (name == "ftrl") {
        rules::ftrlRow(wr, slot(0), slot(1), g, n, {sc.lr, sc.a, sc.b, sc.c, sc.d});
      }
    }
  }
};

double maxRelDiff(const Matrix& a, const Matrix& b) {
  double worst = 0;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    const double x = a.data()[i], y = b.data()[i];
    // Relative to max(|y|, 0.01): the operands are O(1), and a result that cancels to near zero
    // keeps only the absolute accuracy of one rounding of them (lavapipe's LLVM may fuse a
    // multiply-add the CPU rounds twice), so a bare |y| denominator would measure noise.
    const double d = std::abs(x - y) / std::max(1e-2, std::abs(y));
    worst = std::max(worst, d);
  }
  return worst;
}

OptimizerConfig config(const QString& spec) {
  // "adam", "adam+amsgrad", "sgd+momentum", "sgd+nesterov", "rmsprop+centered+momentum", "adamw", "...:lazy"
  OptimizerConfig c;
  QStringList parts = spec.split(':');
  QStringList bits = parts[0].split('+');
  c.name = bits[0].toStdString();
  c.learningRate = c.name == "sgd" ? 0.01 : 0.001;
  if (c.name == "ftrl") c.learningRate = 0.05;
  if (c.name == "adamw") c.weightDecay = 0.004;
  for (const auto& b : bits.mid(1)) {
    if (b == "amsgrad") c.amsgrad = true;
    if (b == "momentum") c.momentum = 0.9;
    if (b == "nesterov") {
      c.momentum = 0.9;
      c.nesterov = true;
    }
    if (b == "centered") c.centered = true;
    if (b == "l1") c.l1RegularizationStrength = 0.001;
  }
  if (parts.size() > 1 && parts[1] == "lazy") c.updates = UpdateMode::Lazy;
  return c;
}

}  // namespace

class TestOptimizerKernels : public QObject {
  Q_OBJECT
 private slots:
  void optimizerStep_data() {
    QTest::addColumn<QString>("opt");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("capBytes");  // 0 = no storage-range cap
    const QStringList opts = {"sgd", "sgd+momentum", "sgd+nesterov", "rmsprop", "rmsprop+centered+momentum",
                              "adam", "adam+amsgrad", "adamw", "adagrad", "ftrl", "ftrl+l1",
                              "adam:lazy", "rmsprop:lazy", "sgd+momentum:lazy"};
    for (const auto& o : opts) {
      QTest::addRow("%s, 1x3", qPrintable(o)) << o << 1 << 3 << 0;
      QTest::addRow("%s, 7x5", qPrintable(o)) << o << 7 << 5 << 0;
      QTest::addRow("%s, 127x5 in shards of 9 rows", qPrintable(o)) << o << 127 << 5 << 9 * 5 * 4;
    }
  }
  void optimizerStep() {
    QFETCH(QString, opt);
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, capBytes);
    if (capBytes) qputenv("EMBEDSCOPE_VK_MAX_RANGE", QByteArray::number(capBytes));
    auto ctx = vk::VulkanContext::create();
    QVERIFY2(ctx.isOk(), ctx.status().message().c_str());
    vk::KernelCache kernels(**ctx);
    const OptimizerConfig cfg = config(opt);
    auto var = vk::DeviceVariable::create(kernels, "embeddings", rows, cols, cfg);
    qunsetenv("EMBEDSCOPE_VK_MAX_RANGE");
    QVERIFY2(var.isOk(), var.status().message().c_str());
    if (capBytes) QVERIFY((*var)->value().shardCount() > 1);

    Rng rng(7);
    HostReference ref;
    ref.cfg = cfg;
    ref.w = randomMatrix(rows, cols, rng);
    auto k = vk::optimizerKernelFor(cfg);
    for (std::size_t i = 0; i < k->slotNames.size(); ++i)
      ref.slotValues.push_back(Matrix::Constant(rows, cols, k->slotInit[i]));
    QVERIFY((*var)->value().upload(ref.w).isOk());

    for (int step = 0; step < 4; ++step) {
      std::vector<std::int64_t> touched;
      for (int r = 0; r < rows; ++r)
        if (rng.below(3) != 0 || rows == 1) touched.push_back(r);
      if (step == 2) touched.clear();  // a step without gradient rows
      Matrix g = randomMatrix(static_cast<std::int64_t>(touched.size()), cols, rng, 1.0f);
      ref.step(touched, g);
      vk::StepScalars sc = vk::stepScalarsFor(cfg, step + 1);
      QVERIFY2((*var)->apply(touched, g, sc).isOk(), "apply failed");
    }
    Matrix got;
    QVERIFY((*var)->value().download(got).isOk());
    const double d = maxRelDiff(got, ref.w);
    QVERIFY2(d <= 1e-6, qPrintable(QString("weights differ by %1 relative").arg(d)));
    for (std::size_t i = 0; i < ref.slotValues.size(); ++i) {
      Matrix s;
      QVERIFY((*var)->slot(i).download(s).isOk());
      const double ds = maxRelDiff(s, ref.slotValues[i]);
      // Ftrl's linear slot adds (sqrt(n + g^2) - sqrt(n)) / lr * w: a difference of two close square
      // roots, which turns one ulp of n into ~10 ulps of the slot. Everything else holds at 1e-6.
      const double slotTolerance = cfg.name == "ftrl" ? 2e-5 : 1e-6;
      QVERIFY2(ds <= slotTolerance, qPrintable(QString("slot %1 differs by %2").arg(QString::fromStdString(k->slotNames[i])).arg(ds)));
    }
  }

  void clipping_data() {
    QTest::addColumn<int>("kind");
    QTest::addRow("clipnorm") << 1;
    QTest::addRow("global clipnorm") << 2;
    QTest::addRow("clipvalue") << 3;
  }
  void clipping() {
    QFETCH(int, kind);
    auto ctx = vk::VulkanContext::create();
    QVERIFY(ctx.isOk());
    vk::KernelCache kernels(**ctx);
    OptimizerConfig cfg = config("sgd");
    auto var = vk::DeviceVariable::create(kernels, "embeddings", 7, 3, cfg);
    QVERIFY(var.isOk());
    Matrix w = Matrix::Zero(7, 3);
    QVERIFY((*var)->value().upload(w).isOk());
    Matrix g(2, 3);
    g << 3, -4, 0.5f, -0.25f, 10, -10;
    vk::StepScalars sc = vk::stepScalarsFor(cfg, 1);
    sc.clipKind = static_cast<std::uint32_t>(kind);
    sc.clipC = kind == 2 ? 0.5f : 1.0f;
    sc.clipD = 15.0f;
    QVERIFY((*var)->apply({1, 5}, g, sc).isOk());
    Matrix got;
    QVERIFY((*var)->value().download(got).isOk());
    for (int k = 0; k < 2; ++k)
      for (int c = 0; c < 3; ++c) {
        float gv = g(k, c);
        if (kind == 1) gv = (gv * sc.clipC) / sc.clipD;
        if (kind == 2) gv = gv * sc.clipC;
        if (kind == 3) gv = std::clamp(gv, -1.0f, 1.0f);
        QCOMPARE(got(k == 0 ? 1 : 5, c), 0.0f - gv * 0.01f);
      }
    QCOMPARE(got(0, 0), 0.0f);
  }

  void segmentSum_data() {
    QTest::addColumn<int>("positions");
    QTest::addColumn<int>("vocab");
    QTest::addColumn<int>("cols");
    QTest::addColumn<bool>("masked");
    QTest::addRow("1 position") << 1 << 1 << 3 << false;
    QTest::addRow("7 positions, 2 ids (duplicates)") << 7 << 2 << 5 << false;
    QTest::addRow("127 positions, 10 ids, masked") << 127 << 10 << 5 << true;
    QTest::addRow("320 positions, 1000 ids, D=67") << 320 << 1000 << 67 << false;
    QTest::addRow("2000 positions all one id") << 2000 << 1 << 4 << false;
  }
  void segmentSum() {
    QFETCH(int, positions);
    QFETCH(int, vocab);
    QFETCH(int, cols);
    QFETCH(bool, masked);
    Rng rng(3);
    std::vector<std::int64_t> ids(positions);
    for (auto& id : ids) id = static_cast<std::int64_t>(rng.below(vocab));
    std::vector<std::uint8_t> keep(positions);
    for (int i = 0; i < positions; ++i) keep[i] = masked ? ids[i] != 0 : 1;
    Matrix dOut = randomMatrix(positions, cols, rng, 1.0f);
    auto seg = vk::buildSegments(ids.data(), positions, masked ? keep.data() : nullptr);
    // Host: sums in increasing position order per row, as the CPU's accumulateRowGrad.
    std::map<std::int64_t, std::vector<float>> want;
    for (int i = 0; i < positions; ++i) {
      if (!keep[i]) continue;
      auto& acc = want[ids[i]];
      if (acc.empty()) acc.assign(cols, 0.0f);
      for (int c = 0; c < cols; ++c) acc[c] = acc[c] + dOut(i, c);
    }
    QCOMPARE(seg.rows.size(), want.size());
    auto ctx = vk::VulkanContext::create();
    QVERIFY(ctx.isOk());
    vk::KernelCache kernels(**ctx);
    vk::SegmentSummer summer(kernels);
    Matrix got;
    auto st = summer.run(seg, dOut.data(), positions, cols, got);
    QVERIFY2(st.isOk(), st.message().c_str());
    std::size_t k = 0;
    for (const auto& [row, acc] : want) {
      QCOMPARE(seg.rows[k], row);
      for (int c = 0; c < cols; ++c)
        if (got(static_cast<Eigen::Index>(k), c) != acc[c])
          QFAIL(qPrintable(QString("row %1 col %2: %3 vs %4").arg(row).arg(c).arg(got(k, c)).arg(acc[c])));
      ++k;
    }
  }
};

EMBEDSCOPE_VULKAN_TEST_MAIN(TestOptimizerKernels)
#include "test_optimizer_kernels.moc"
