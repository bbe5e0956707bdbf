// val_loss as Keras's evaluate computes it: the data loss plus model.losses, that is the
// embeddings regularizer's penalty of the weights and the activity regularizer's penalty of each
// batch's output divided by that batch's size, averaged over batches weighted by batch size. Every
// expected figure below is worked out by hand from the table in the comments.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 false positive in Eigen's AVX-512 code
#endif
#include <QtTest>
#include <cmath>

#include "engine/compute/backend.h"
#include "engine/layer/object_spec.h"
#include "engine/tasks/classify_task.h"
#include "engine/tasks/regression_task.h"

using namespace embedscope;

namespace {

// E = [[0, 0], [1, 2], [-1, 0.5], [3, -1]]: Σ E² = 1 + 4 + 1 + 0.25 + 9 + 1 = 16.25.
Matrix handTable() {
  Matrix e(4, 2);
  e << 0, 0, 1, 2, -1, 0.5f, 3, -1;
  return e;
}

// Examples (L = 2): [1, 1], [2, 3], [1, 2], [3, 3]; validation_split 0.5 keeps the last two,
// [1, 2] (rows (1, 2), (-1, 0.5)) and [3, 3] (rows (3, -1), (3, -1)).
data::IdMatrix handIds() { return {4, 2, {1, 1, 2, 3, 1, 2, 3, 3}}; }

std::unique_ptr<compute::Backend> backend(const char* embeddingsReg, const char* activityReg) {
  compute::BackendSetup s;
  s.layer.inputDim = 4;
  s.layer.outputDim = 2;
  if (embeddingsReg) s.layer.embeddingsRegularizer = *parseRegularizerSpec(embeddingsReg);
  if (activityReg) s.layer.activityRegularizer = *parseRegularizerSpec(activityReg);
  s.table = handTable();
  s.optimizer = OptimizerConfig::defaults("sgd");
  auto b = compute::createCpuBackend(std::move(s));
  if (!b) qFatal("%s", b.status().message().c_str());
  return std::move(b).value();
}

}  // namespace

class TestValidationLoss : public QObject {
  Q_OBJECT
 private slots:
  void regressionValLossHoldsBothPenalties_data() {
    QTest::addColumn<QString>("embeddingsReg");
    QTest::addColumn<QString>("activityReg");
    QTest::addColumn<qint64>("batchSize");
    QTest::addColumn<double>("valLoss");
    // Targets are zero, so mse = Σ out² / (B · L · D). Example [1, 2]: Σ out² = 6.25, Σ |out| = 4.5;
    // example [3, 3]: Σ out² = 20, Σ |out| = 8. l2:0.1 on E gives 0.1 · 16.25 = 1.625.
    // Batches of 1: (6.25/4 + 1.625 + 0.2·4.5/1) and (20/4 + 1.625 + 0.2·8/1), mean 6.15625.
    QTest::newRow("no regularizer, batches of 1") << "" << "" << qint64(1) << (6.25 / 4 + 20.0 / 4) / 2;
    QTest::newRow("embeddings l2, batches of 1") << "l2:0.1" << "" << qint64(1) << (6.25 / 4 + 20.0 / 4) / 2 + 1.625;
    QTest::newRow("activity l1, batches of 1") << "" << "l1:0.2" << qint64(1) << (6.25 / 4 + 0.9 + 5 + 1.6) / 2;
    QTest::newRow("both, batches of 1") << "l2:0.1" << "l1:0.2" << qint64(1) << 6.15625;
    // One batch of 2: mse 26.25 / 8, activity 0.2 · 12.5 / 2 = 1.25.
    QTest::newRow("both, one batch of 2") << "l2:0.1" << "l1:0.2" << qint64(2) << 26.25 / 8 + 1.25 + 1.625;
    // l1l2 on E: 0.01 · Σ|E| + 0.02 · Σ E² = 0.01 · 8.5 + 0.02 · 16.25 = 0.41.
    QTest::newRow("embeddings l1l2, one batch of 2") << "l1l2:0.01,0.02" << "" << qint64(2) << 26.25 / 8 + 0.41;
  }
  void regressionValLossHoldsBothPenalties() {
    QFETCH(QString, embeddingsReg);
    QFETCH(QString, activityReg);
    QFETCH(qint64, batchSize);
    QFETCH(double, valLoss);
    const std::string e = embeddingsReg.toStdString(), a = activityReg.toStdString();
    auto b = backend(e.empty() ? nullptr : e.c_str(), a.empty() ? nullptr : a.c_str());
    tasks::RegressionOptions o;
    o.batchSize = batchSize;
    o.validationSplit = 0.5;
    o.shuffle = false;
    auto task = tasks::RegressionTask::create(handIds(), Matrix::Zero(8, 2), o);
    QVERIFY(task.isOk());
    QVERIFY((*task)->prepare(*b).isOk());
    auto v = (*task)->validate(*b);
    QVERIFY(v.isOk());
    QCOMPARE((*v).examples, std::int64_t(2));
    QVERIFY2(std::abs((*v).loss - valLoss) < 1e-9, qPrintable(QString::number((*v).loss, 'g', 12)));
    // The metric (mse) is the data term alone, whatever the regularizers: 26.25 / 8.
    QVERIFY(std::abs((*v).metric - 26.25 / 8) < 1e-9);
  }

  void classifyValLossHoldsBothPenalties() {
    // A zero head gives logits (0, 0), so the cross-entropy is ln 2 for every example whatever its
    // label. One batch of the 2 validation examples: activity l1:0.2 on the whole (2, 2, 2) output,
    // 0.2 · 12.5 / 2 = 1.25; l2:0.1 on E, 1.625.
    auto b = backend("l2:0.1", "l1:0.2");
    tasks::ClassifyOptions o;
    o.batchSize = 2;
    o.validationSplit = 0.5;
    o.shuffle = false;
    auto task = tasks::ClassifyTask::create(handIds(), {0, 1, 0, 1}, 2, o);
    QVERIFY(task.isOk());
    QVERIFY((*task)->prepare(*b).isOk());
    (*task)->mutableHead().kernel.setZero();
    auto v = (*task)->validate(*b);
    QVERIFY(v.isOk());
    QVERIFY2(std::abs((*v).loss - (std::log(2.0) + 1.25 + 1.625)) < 1e-6, qPrintable(QString::number((*v).loss, 'g', 12)));
    // Evaluate alone (no penalty handed in) computes the embeddings penalty itself.
    std::vector<std::int64_t> ids = {1, 2, 3, 3}, labels = {0, 1};
    auto r = b->classifyEvaluate({ids.data(), 2, 2}, labels.data(), (*task)->head());
    QVERIFY(r.isOk());
    QVERIFY(std::abs(r->regularization - (1.25 + 1.625)) < 1e-9);
    QVERIFY(std::abs(r->loss - (std::log(2.0) + 1.25 + 1.625)) < 1e-6);
  }

  void trainLossAndValLossAgreeOnTheSameBatch() {
    // Keras's train and test steps add the same model.losses: before any update, a step's loss on a
    // batch equals evaluate's on it (the step's penalty is that of the weights it started from).
    auto b = backend("l2:0.1", "l1:0.2");
    std::vector<std::int64_t> ids = {1, 2, 3, 3};
    Matrix y = Matrix::Zero(4, 2);
    auto ev = b->regressionEvaluate({ids.data(), 2, 2}, y.data());
    auto st = b->regressionStep({ids.data(), 2, 2}, y.data(), nullptr);
    QVERIFY(ev.isOk() && st.isOk());
    QVERIFY(std::abs(ev->loss - st->loss) < 1e-9);
    QVERIFY(std::abs(ev->regularization - st->regularization) < 1e-9);
  }

  void loraPenaltyIsOnAAndB() {
    // Keras gives A and B the embeddings regularizer under LoRA, the frozen base none. The CPU
    // backend's own answer and the generic one (exportState, what other backends inherit) agree.
    compute::BackendSetup s;
    s.layer.inputDim = 4;
    s.layer.outputDim = 2;
    s.layer.loraRank = 1;
    s.layer.embeddingsRegularizer = *parseRegularizerSpec("l2:0.5");
    s.table = handTable();
    LoraWeights w;
    w.a.resize(4, 1);
    w.a << 1, 2, 0, -1;  // Σ A² = 6
    w.b.resize(1, 2);
    w.b << 3, 0;  // Σ B² = 9
    w.scale = 1.0;
    s.lora = w;
    s.optimizer = OptimizerConfig::defaults("sgd");
    auto b = compute::createCpuBackend(std::move(s));
    QVERIFY(b.isOk());
    auto own = (*b)->embeddingsPenalty();
    auto generic = (*b)->compute::Backend::embeddingsPenalty();
    QVERIFY(own.isOk() && generic.isOk());
    QCOMPARE(*own, 0.5 * 15);
    QCOMPARE(*generic, 0.5 * 15);
  }
};

QTEST_APPLESS_MAIN(TestValidationLoss)
#include "test_validation_loss.moc"
