// Finite-difference checks of every task head, through the CPU backend's own forward and backward
// (gather / masked pooling / scatter), plus the pooling rules Keras defines.
// GCC 12 raises false -Wmaybe-uninitialized warnings inside its AVX-512 intrinsics when Eigen
// expressions are inlined with -march=native; the test's Eigen arithmetic is fine.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <QtTest>
#include <cmath>

#include "engine/compute/backend.h"
#include "engine/core/rng.h"
#include "engine/layer/initializers.h"
#include "engine/tasks/heads.h"

using namespace embedscope;
using compute::IdBatch;

namespace {

std::unique_ptr<compute::Backend> makeBackend(std::int64_t v, std::int64_t d, bool maskZero, std::uint64_t seed) {
  compute::BackendSetup s;
  s.layer.inputDim = v;
  s.layer.outputDim = d;
  s.layer.maskZero = maskZero;
  s.layer.seed = seed;
  s.layer.embeddingsInitializer = initializerSpec("random_normal");
  s.layer.embeddingsInitializer.set("stddev", 0.5);
  auto t = initializeTable(s.layer);
  if (!t) qFatal("%s", t.status().message().c_str());
  s.table = *t;
  s.optimizer = OptimizerConfig::defaults("sgd");
  auto b = compute::createCpuBackend(std::move(s));
  if (!b) qFatal("%s", b.status().message().c_str());
  return std::move(b).value();
}

void setTable(compute::Backend& b, const Matrix& t) {
  QVERIFY(b.importState({{"embeddings", t}}).isOk());
}

// Classify loss of the backend's current table.
double classifyLoss(compute::Backend& b, const IdBatch& ids, const std::vector<std::int64_t>& labels,
                    const compute::DenseHead& head) {
  Matrix pooled(ids.rows, b.outputDim());
  Eigen::VectorXf counts(ids.rows);
  if (!b.maskedMeanPool(ids, b.layerConfig().maskZero, pooled.data(), counts.data()).isOk()) return NAN;
  return tasks::denseSoftmaxLoss(pooled, head, labels.data(), nullptr, nullptr, nullptr);
}

double regressionLoss(compute::Backend& b, const IdBatch& ids, const Matrix& y) {
  Matrix out(ids.count(), b.outputDim());
  if (!b.gather(ids, out.data()).isOk()) return NAN;
  return tasks::mseLoss(out.data(), y.data(), ids.count(), b.outputDim(), b.layerConfig().maskZero ? ids.ids : nullptr,
                        nullptr, nullptr);
}

}  // namespace

class TestTaskHeads : public QObject {
  Q_OBJECT
 private slots:
  void mseReductionIsKeras() {
    // Two positions, D = 2: loss = mean over D, then sum / (B·L).
    const float out[4] = {1, 2, 3, 5};
    const float y[4] = {0, 0, 3, 3};
    float g[4];
    double sse = 0;
    const double loss = tasks::mseLoss(out, y, 2, 2, nullptr, g, &sse);
    QCOMPARE(loss, (0.5 * (1 + 4) + 0.5 * (0 + 4)) / 2.0);
    QCOMPARE(sse, 9.0);
    QCOMPARE(g[0], 2.0f * 1 / 4);
    QCOMPARE(g[3], 2.0f * 2 / 4);
    // Masked: the second position has id 0 and drops out; the sum is divided by the one valid position.
    const std::int64_t ids[2] = {5, 0};
    QCOMPARE(tasks::mseLoss(out, y, 2, 2, ids, g, nullptr), 2.5);
    QCOMPARE(g[2], 0.0f);
    QCOMPARE(g[0], 2.0f * 1 / 2);
  }

  void regressionGradientMatchesFiniteDifferences_data() {
    QTest::addColumn<bool>("maskZero");
    QTest::addColumn<int>("rows");
    QTest::newRow("plain, B=3 L=4") << false << 3;
    QTest::newRow("mask_zero, B=3 L=4") << true << 3;
    QTest::newRow("short batch B=1") << false << 1;
  }
  void regressionGradientMatchesFiniteDifferences() {
    QFETCH(bool, maskZero);
    QFETCH(int, rows);
    const std::int64_t v = 7, d = 5, length = 4;
    auto b = makeBackend(v, d, maskZero, 3);
    std::vector<std::int64_t> idv = {1, 2, 2, 0, 3, 6, 0, 0, 5, 5, 5, 1};
    idv.resize(static_cast<std::size_t>(rows * length));
    IdBatch ids{idv.data(), rows, length};
    Rng rng(9);
    Matrix y(ids.count(), d);
    for (Eigen::Index i = 0; i < y.size(); ++i) y.data()[i] = static_cast<float>(rng.normal());
    Matrix out(ids.count(), d), dOut(ids.count(), d);
    QVERIFY(b->gather(ids, out.data()).isOk());
    tasks::mseLoss(out.data(), y.data(), ids.count(), d, maskZero ? ids.ids : nullptr, dOut.data(), nullptr);
    compute::RowGradient grad;
    QVERIFY(b->scatterGradient(ids, dOut.data(), grad).isOk());
    const Matrix analytic = grad.toDense();
    Matrix table;
    QVERIFY(b->readTable(table).isOk());
    const double h = 1e-2;
    for (std::int64_t r = 0; r < v; ++r)
      for (std::int64_t k = 0; k < d; ++k) {
        Matrix t = table;
        t(r, k) += static_cast<float>(h);
        setTable(*b, t);
        const double up = regressionLoss(*b, ids, y);
        t(r, k) -= static_cast<float>(2 * h);
        setTable(*b, t);
        const double down = regressionLoss(*b, ids, y);
        const double fd = (up - down) / (2 * h);
        QVERIFY2(std::abs(fd - analytic(r, k)) < 2e-4, qPrintable(QString("row %1 col %2: fd %3 analytic %4")
                                                                      .arg(r).arg(k).arg(fd).arg(analytic(r, k))));
      }
  }

  void classifyGradientMatchesFiniteDifferences_data() {
    QTest::addColumn<bool>("maskZero");
    QTest::newRow("mask_zero") << true;
    QTest::newRow("no mask (padding rows dilute the mean)") << false;
  }
  void classifyGradientMatchesFiniteDifferences() {
    QFETCH(bool, maskZero);
    const std::int64_t v = 6, d = 4, classes = 3, length = 5;
    auto b = makeBackend(v, d, maskZero, 5);
    std::vector<std::int64_t> idv = {1, 2, 2, 0, 0, 3, 4, 5, 1, 0, 5, 5, 5, 5, 5};
    IdBatch ids{idv.data(), 3, length};
    std::vector<std::int64_t> labels = {0, 2, 1};
    compute::DenseHead head;
    auto k = initializeMatrix(initializerSpec("glorot_uniform"), d, classes, 11);
    QVERIFY(k.isOk());
    head.kernel = *k;
    head.bias = Matrix::Constant(1, classes, 0.1f);
    head.bias(0, 1) = -0.2f;

    Matrix pooled(ids.rows, d), dPooled;
    Eigen::VectorXf counts(ids.rows);
    QVERIFY(b->maskedMeanPool(ids, maskZero, pooled.data(), counts.data()).isOk());
    compute::DenseHead headGrad;
    tasks::denseSoftmaxLoss(pooled, head, labels.data(), &dPooled, &headGrad, nullptr);
    compute::RowGradient grad;
    QVERIFY(b->scatterPooledGradient(ids, maskZero, dPooled.data(), counts.data(), grad).isOk());
    const Matrix analytic = grad.toDense();
    if (maskZero) QCOMPARE(analytic.row(0).norm(), 0.0f);  // padding gets no gradient through the mask
    Matrix table;
    QVERIFY(b->readTable(table).isOk());
    const double h = 1e-2;
    for (std::int64_t r = 0; r < v; ++r)
      for (std::int64_t c = 0; c < d; ++c) {
        Matrix t = table;
        t(r, c) += static_cast<float>(h);
        setTable(*b, t);
        const double up = classifyLoss(*b, ids, labels, head);
        t(r, c) -= static_cast<float>(2 * h);
        setTable(*b, t);
        const double down = classifyLoss(*b, ids, labels, head);
        QVERIFY2(std::abs((up - down) / (2 * h) - analytic(r, c)) < 1e-3 + 1e-2 * std::abs(analytic(r, c)), qPrintable(QString("table %1,%2").arg(r).arg(c)));
      }
    setTable(*b, table);
    // The head's kernel and bias.
    for (std::int64_t r = 0; r < d; ++r)
      for (std::int64_t c = 0; c < classes; ++c) {
        compute::DenseHead hh = head;
        hh.kernel(r, c) += static_cast<float>(h);
        const double up = classifyLoss(*b, ids, labels, hh);
        hh.kernel(r, c) -= static_cast<float>(2 * h);
        const double down = classifyLoss(*b, ids, labels, hh);
        QVERIFY(std::abs((up - down) / (2 * h) - headGrad.kernel(r, c)) < 1e-3);
      }
    for (std::int64_t c = 0; c < classes; ++c) {
      compute::DenseHead hh = head;
      hh.bias(0, c) += static_cast<float>(h);
      const double up = classifyLoss(*b, ids, labels, hh);
      hh.bias(0, c) -= static_cast<float>(2 * h);
      const double down = classifyLoss(*b, ids, labels, hh);
      QVERIFY(std::abs((up - down) / (2 * h) - headGrad.bias(0, c)) < 1e-3);
    }
  }

  void poolingFollowsKeras() {
    const std::int64_t v = 5, d = 3, length = 6;
    auto masked = makeBackend(v, d, true, 1);
    Matrix table;
    QVERIFY(masked->readTable(table).isOk());
    std::vector<std::int64_t> idv = {1, 2, 3, 0, 0, 0, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    IdBatch ids{idv.data(), 3, length};
    Matrix withMask(3, d), withoutMask(3, d);
    Eigen::VectorXf cm(3), cn(3);
    QVERIFY(masked->maskedMeanPool(ids, true, withMask.data(), cm.data()).isOk());
    QVERIFY(masked->maskedMeanPool(ids, false, withoutMask.data(), cn.data()).isOk());
    QCOMPARE(cm[0], 3.0f);
    QCOMPARE(cn[0], 6.0f);
    const Eigen::RowVectorXf mean0 = (table.row(1) + table.row(2) + table.row(3)) / 3.0f;
    QVERIFY((withMask.row(0) - mean0).cwiseAbs().maxCoeff() < 1e-6f);
    // Without the mask the padding rows (id 0) count: (valid·masked mean + padding·E[0]) / L.
    for (int b = 0; b < 2; ++b) {
      const float valid = cm[b];
      const Eigen::RowVectorXf diluted = (valid * withMask.row(b) + (length - valid) * table.row(0)) / float(length);
      QVERIFY((withoutMask.row(b) - diluted).cwiseAbs().maxCoeff() < 1e-6f);
    }
    // An all-padding row under mask_zero is 0/0 = NaN, as Keras gives.
    QCOMPARE(cm[2], 0.0f);
    QVERIFY(std::isnan(withMask(2, 0)));
    QVERIFY((withoutMask.row(2) - table.row(0)).cwiseAbs().maxCoeff() < 1e-6f);
  }

  void scatterSumsDuplicates() {
    auto b = makeBackend(4, 2, false, 1);
    std::vector<std::int64_t> idv = {3, 1, 3, 3};
    IdBatch ids{idv.data(), 1, 4};
    Matrix dOut(4, 2);
    dOut << 1, 2, 10, 20, 100, 200, 1000, 2000;
    compute::RowGradient g;
    QVERIFY(b->scatterGradient(ids, dOut.data(), g).isOk());
    QCOMPARE(g.rows, (std::vector<std::int64_t>{1, 3}));
    QCOMPARE(g.values(0, 0), 10.0f);
    QCOMPARE(g.values(1, 0), 1101.0f);
    QCOMPARE(g.values(1, 1), 2202.0f);
  }
};

QTEST_APPLESS_MAIN(TestTaskHeads)
#include "test_task_heads.moc"
