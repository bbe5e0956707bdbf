// Step-through: every number it narrates is the engine's for that step. A twin CPU backend built
// from the same table, head and optimizer runs the engine's own fused classify step on the same
// batch; loss, table and head must agree.
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QtTest>
#include <cmath>

#include "engine/compute/backend.h"
#include "ui/inspect/inspect_model.h"
#include "ui/inspect/step_view.h"

using namespace embedscope;
using namespace embedscope::ui::inspect;

class TestInspectStep : public QObject {
  Q_OBJECT

 private slots:
  void numbersEqualTheEngines_data() {
    QTest::addColumn<QString>("optimizer");
    QTest::addColumn<bool>("lazy");
    QTest::addColumn<bool>("maskZero");
    QTest::newRow("adam dense, mask_zero") << "adam" << false << true;
    QTest::newRow("adam lazy, mask_zero") << "adam" << true << true;
    QTest::newRow("sgd, no mask") << "sgd" << false << false;
    QTest::newRow("rmsprop dense, mask_zero") << "rmsprop" << false << true;
  }
  void numbersEqualTheEngines() {
    QFETCH(QString, optimizer);
    QFETCH(bool, lazy);
    QFETCH(bool, maskZero);
    auto model = std::make_shared<InspectModel>();
    StepView view;
    StepSetup setup;
    setup.optimizer = optimizer;
    setup.lazy = lazy;
    setup.maskZero = maskZero;
    setup.batchSize = 5;
    setup.learningRate = 0.05;
    view.setEngine(model);
    view.setSetup(setup);
    QCOMPARE(view.setup(), setup);

    // The twin: same initial table and head, same optimizer, the engine's fused step.
    compute::BackendSetup bs;
    bs.layer = model->layerConfig();
    bs.table = model->initialTable();
    Result<OptimizerConfig> opt = makeOptimizerConfig(optimizer.toStdString(), {{"learning_rate", "0.05"}});
    QVERIFY(opt.isOk());
    bs.optimizer = *opt;
    bs.optimizer.updates = lazy ? UpdateMode::Lazy : UpdateMode::Dense;
    Result<std::unique_ptr<compute::Backend>> twin = compute::createCpuBackend(bs);
    QVERIFY(twin.isOk());
    compute::DenseHead head = model->head();
    head.kernelVariable = (*twin)->addDenseVariable("dense/kernel", head.kernel.rows(), head.kernel.cols());
    head.biasVariable = (*twin)->addDenseVariable("dense/bias", 1, head.bias.cols());

    QSignalSpy stepped(&view, &StepView::stepped);
    auto* next = view.findChild<QPushButton*>("stepNext");
    QVERIFY(next);
    for (int step = 0; step < 3; ++step) {
      QTest::mouseClick(next, Qt::LeftButton);
      QTRY_COMPARE(stepped.count(), step + 1);
      const StepRecord& r = *view.record();
      QCOMPARE(r.step, static_cast<std::int64_t>(step));
      QCOMPARE(r.batch.batch, 5);
      std::vector<std::int64_t> labels(r.batch.labels.begin(), r.batch.labels.end());
      compute::IdBatch ib{r.batch.ids.data(), r.batch.batch, r.batch.length};
      std::vector<UpdateStats> stats;
      Result<compute::StepResult> res = (*twin)->classifyStep(ib, labels.data(), head, &stats);
      QVERIFY2(res.isOk(), res.isOk() ? "" : res.status().message().c_str());
      QVERIFY2(std::fabs(res->loss - r.loss) <= 1e-6 * std::max(1.0, std::fabs(res->loss)),
               qPrintable(QString("loss %1 vs engine %2").arg(r.loss, 0, 'g', 17).arg(res->loss, 0, 'g', 17)));
      Matrix twinTable;
      QVERIFY((*twin)->readTable(twinTable).isOk());
      float maxDiff = 0;
      for (Eigen::Index i = 0; i < twinTable.size(); ++i)
        maxDiff = std::max(maxDiff, std::fabs(twinTable.data()[i] - model->table()->data()[i]));
      QVERIFY2(maxDiff <= 1e-6f, qPrintable(QString("table differs from the engine's by %1").arg(maxDiff)));
      // The rows the update stage shows are the table's rows now.
      for (size_t i = 0; i < r.gradientRows.size(); ++i)
        for (Eigen::Index d = 0; d < r.rowsAfter.cols(); ++d)
          QCOMPARE(r.rowsAfter(static_cast<Eigen::Index>(i), d), (*model->table())(r.gradientRows[i], d));
      // Rows moved: what the engine's UpdateStats says.
      QVERIFY(!stats.empty());
      QCOMPARE(r.rowsMoved, stats.front().rowsMoved);
      if (lazy) QCOMPARE(r.untouchedRowsMoved, std::int64_t{0});
      // Selected rows: the distinct ids of the batch; gradient rows: those of its valid positions,
      // with their multiplicities (under mask_zero row 0 gets none).
      std::vector<std::int64_t> ids = r.batch.ids, validIds;
      for (size_t p = 0; p < ids.size(); ++p)
        if (!maskZero || ids[p] != 0) validIds.push_back(ids[p]);
      const std::int64_t validCount = static_cast<std::int64_t>(validIds.size());
      for (auto* v : {&ids, &validIds}) {
        std::sort(v->begin(), v->end());
        v->erase(std::unique(v->begin(), v->end()), v->end());
      }
      QCOMPARE(r.selectedRows, ids);
      QCOMPARE(r.gradientRows, validIds);
      std::int64_t total = 0;
      for (auto c : r.gradientCounts) total += c;
      QCOMPARE(total, validCount);
      if (maskZero && ids.front() == 0) QVERIFY(r.gradientRows.front() != 0);
      // The loss is the mean of -log p(label) of the probabilities shown.
      double ce = 0;
      for (int e = 0; e < r.batch.batch; ++e) ce -= std::log(static_cast<double>(r.probabilities(e, r.batch.labels[static_cast<size_t>(e)])));
      QVERIFY(std::fabs(ce / r.batch.batch - r.loss) < 1e-5);
    }
    // Dense Adam moves rows outside the batch from step 2 on; lazy never does.
    if (optimizer == "adam" && !lazy) QVERIFY(view.record()->untouchedRowsMoved > 0);
  }

  void stagesShowTheRecord() {
    auto model = std::make_shared<InspectModel>();
    StepView view;
    view.setEngine(model);
    StepSetup setup;
    setup.batchSize = 3;
    view.setSetup(setup);
    QVERIFY(view.nextStep().isOk());
    const StepRecord& r = *view.record();
    auto* table = view.findChild<QTableWidget*>("stepTable");
    auto* narration = view.findChild<QLabel*>("stepNarration");
    auto* stages = view.findChild<QListWidget*>("stepStages");
    QVERIFY(table && narration && stages);
    QCOMPARE(stages->count(), static_cast<int>(StepView::StageCount));

    view.showStage(StepView::Ids);
    QCOMPARE(table->rowCount(), r.batch.batch);
    for (int e = 0; e < r.batch.batch; ++e)
      for (int t = 0; t < r.batch.length; ++t) QCOMPARE(table->item(e, t)->data(Qt::UserRole).toLongLong(), r.batch.id(e, t));

    stages->setCurrentRow(StepView::Output);  // clicking the list moves the stage
    QCOMPARE(view.stage(), static_cast<int>(StepView::Output));
    QVERIFY(narration->text().contains(QString("(%1, %2, %3)").arg(r.batch.batch).arg(r.batch.length).arg(r.gathered.cols())));
    QCOMPARE(table->rowCount(), r.batch.batch * r.batch.length);
    for (int p = 0; p < table->rowCount(); ++p) {
      const bool valid = r.mask[static_cast<size_t>(p)] != 0;
      QCOMPARE(table->item(p, 0)->data(Qt::UserRole).toBool(), valid);
      QCOMPARE(table->item(p, 1)->data(Qt::UserRole).toDouble(), static_cast<double>(r.gathered(p, 0)));
      QCOMPARE(table->item(p, 1)->background().style() != Qt::NoBrush, !valid);  // masked positions greyed
      // The output is the table row of that id (before the step).
      const std::int64_t id = r.batch.ids[static_cast<size_t>(p)];
      QCOMPARE(r.gathered(p, 0), model->initialTable()(id, 0));
    }

    view.showStage(StepView::Loss);
    QVERIFY(narration->text().contains(QString::number(r.loss, 'f', 6)));

    view.showStage(StepView::Rows);
    QCOMPARE(table->rowCount(), static_cast<int>(r.selectedRows.size()));
    for (int i = 0; i < table->rowCount(); ++i) {
      const std::int64_t id = r.selectedRows[static_cast<size_t>(i)];
      QCOMPARE(table->item(i, 0)->data(Qt::UserRole).toLongLong(), id);
      QCOMPARE(table->item(i, 2)->data(Qt::UserRole).toDouble(), static_cast<double>(model->initialTable()(id, 0)));
    }

    view.showStage(StepView::Gradient);
    QCOMPARE(table->rowCount(), static_cast<int>(r.gradientRows.size()));
    for (int i = 0; i < table->rowCount(); ++i) {
      QCOMPARE(table->item(i, 0)->data(Qt::UserRole).toLongLong(), r.gradientRows[static_cast<size_t>(i)]);
      QCOMPARE(table->item(i, 3)->data(Qt::UserRole).toDouble(), static_cast<double>(r.gradient(i, 0)));
    }
    view.showStage(StepView::Update);
    QVERIFY(narration->text().contains(QString("<b>%1</b> rows moved").arg(r.rowsMoved)));
    auto* nextStage = view.findChild<QPushButton*>("stepStageNext");
    QVERIFY(!nextStage->isEnabled());  // the last stage
  }
};

QTEST_MAIN(TestInspectStep)
#include "test_inspect_step.moc"
