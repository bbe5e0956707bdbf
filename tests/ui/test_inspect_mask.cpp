// Mask view: the grid is the batch, the mask row is ids != 0, and toggling mask_zero re-runs the
// batch so the pooled vectors shown are exactly the engine's masked GlobalAveragePooling1D.
#include <QCheckBox>
#include <QLabel>
#include <QSignalSpy>
#include <QTableWidget>
#include <QtTest>
#include <cmath>

#include "ui/inspect/inspect_model.h"
#include "ui/inspect/mask_view.h"

using namespace embedscope;
using namespace embedscope::ui::inspect;

class TestInspectMask : public QObject {
  Q_OBJECT

  std::shared_ptr<InspectModel> makeModel(bool maskZero) {
    auto m = std::make_shared<InspectModel>();
    StepSetup s;
    s.maskZero = maskZero;
    s.outputDim = 6;
    Status st = m->reset(s);
    if (!st.isOk()) qFatal("%s", st.message().c_str());
    return m;
  }

  // The engine's pooling of the batch, straight from the backend.
  static Matrix enginePooled(InspectModel& m, const TokenBatch& b, bool maskZero, std::vector<float>& counts) {
    std::vector<std::int64_t> ids = b.ids;
    compute::IdBatch ib{ids.data(), b.batch, b.length};
    Matrix pooled(b.batch, m.layerConfig().outputDim);
    counts.assign(static_cast<size_t>(b.batch), 0);
    Status s = m.backend()->maskedMeanPool(ib, maskZero, pooled.data(), counts.data());
    if (!s.isOk()) qFatal("%s", s.message().c_str());
    return pooled;
  }

 private slots:
  void gridMatchesBatch_data() {
    QTest::addColumn<bool>("maskZero");
    QTest::newRow("mask_zero=True") << true;
    QTest::newRow("mask_zero=False") << false;
  }
  void gridMatchesBatch() {
    QFETCH(bool, maskZero);
    auto model = makeModel(maskZero);
    MaskView view;
    view.setMaskZero(maskZero);
    view.setRunner([model](const TokenBatch& b, bool mz) { return model->runPooled(b, mz); });
    TokenBatch batch = model->presetBatch(0, 6);
    view.setBatch(batch);
    auto* grid = view.findChild<QTableWidget*>("maskGrid");
    QVERIFY(grid);
    const int rowsPer = maskZero ? 2 : 1;
    QCOMPARE(grid->rowCount(), batch.batch * rowsPer);
    QCOMPARE(grid->columnCount(), batch.length + 1);
    int padding = 0;
    for (int e = 0; e < batch.batch; ++e) {
      int valid = 0;
      for (int t = 0; t < batch.length; ++t) {
        QTableWidgetItem* cell = grid->item(e * rowsPer, t);
        QVERIFY(cell);
        const std::int64_t id = batch.id(e, t);
        QCOMPARE(cell->data(Qt::UserRole).toLongLong(), id);
        QVERIFY(cell->text().endsWith(QString::number(id)));
        QVERIFY(cell->text().startsWith(QString::fromStdString(batch.vocabulary[static_cast<size_t>(id)])));
        if (id == 0) {
          ++padding;
          QVERIFY2(cell->background().color() != QColor(Qt::white) && cell->background().style() != Qt::NoBrush,
                   "padding cells are marked");
        }
        if (maskZero) {
          QTableWidgetItem* m = grid->item(e * rowsPer + 1, t);
          QVERIFY(m);
          QCOMPARE(m->data(Qt::UserRole).toBool(), id != 0);
          QCOMPARE(m->text(), id != 0 ? QString("True") : QString("False"));
        }
        valid += id != 0;
      }
      // The valid count column: the divisor of the pooling.
      QString count = grid->item(e * rowsPer, batch.length)->text();
      QVERIFY2(count.startsWith(QString::number(maskZero ? valid : batch.length)), qPrintable(count));
    }
    QVERIFY2(padding > 0, "the sentiment preset pads its sentences");
  }

  void togglingMaskZeroRerunsExactlyAsTheEngine() {
    auto model = makeModel(true);
    MaskView view;
    view.setMaskZero(true);
    view.setRunner([model](const TokenBatch& b, bool mz) { return model->runPooled(b, mz); });
    TokenBatch batch = model->presetBatch(0, 8);
    view.setBatch(batch);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy spy(&view, &MaskView::batchRun);
    auto* toggle = view.findChild<QCheckBox*>("maskZeroToggle");
    QVERIFY(toggle && toggle->isChecked());

    const Matrix before = view.currentRun()->pooled;
    std::vector<float> counts;
    const Matrix engineMasked = enginePooled(*model, batch, true, counts);
    QVERIFY(before == engineMasked);

    QTest::mouseClick(toggle, Qt::LeftButton, {}, QPoint(8, toggle->height() / 2));
    QTRY_COMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toBool(), false);
    QVERIFY(!view.currentRun()->maskZero);
    const Matrix engineUnmasked = enginePooled(*model, batch, false, counts);
    QVERIFY2(view.currentRun()->pooled == engineUnmasked, "pooled output equals the engine's, bit for bit");
    for (float c : counts) QCOMPARE(c, static_cast<float>(batch.length));
    QVERIFY(view.previousRun() && view.previousRun()->pooled == engineMasked);

    // The change is real wherever a sentence has padding, and nil where it has none.
    for (int e = 0; e < batch.batch; ++e) {
      bool hasPadding = false;
      for (int t = 0; t < batch.length; ++t) hasPadding |= batch.id(e, t) == 0;
      const bool changed = engineMasked.row(e) != engineUnmasked.row(e);
      QCOMPARE(changed, hasPadding);
    }

    // The pooling table shows those numbers for the selected example: sum, ÷ count, pooled, before, change.
    auto* pooling = view.findChild<QTableWidget*>("poolingTable");
    QVERIFY(pooling);
    int e = 0;
    for (; e < batch.batch; ++e)
      if (batch.id(e, batch.length - 1) == 0) break;
    QVERIFY(e < batch.batch);
    view.setSelectedExample(e);
    QCOMPARE(pooling->rowCount(), static_cast<int>(model->layerConfig().outputDim));
    QCOMPARE(pooling->columnCount(), 5);
    for (int d = 0; d < pooling->rowCount(); ++d) {
      QCOMPARE(pooling->item(d, 2)->data(Qt::UserRole).toDouble(), static_cast<double>(engineUnmasked(e, d)));
      QCOMPARE(pooling->item(d, 3)->data(Qt::UserRole).toDouble(), static_cast<double>(engineMasked(e, d)));
      // sum / count = pooled, with the count the grid shows.
      const double sum = pooling->item(d, 0)->data(Qt::UserRole).toDouble();
      QVERIFY(std::fabs(sum / batch.length - engineUnmasked(e, d)) < 1e-6);
    }
    // Toggle back: masked again, and the masked sums divide by the valid count.
    QTest::mouseClick(toggle, Qt::LeftButton, {}, QPoint(8, toggle->height() / 2));
    QTRY_COMPARE(spy.count(), 2);
    QVERIFY(view.currentRun()->pooled == engineMasked);
    int valid = 0;
    for (int t = 0; t < batch.length; ++t) valid += batch.id(e, t) != 0;
    QCOMPARE(view.currentRun()->validCount[static_cast<size_t>(e)], static_cast<float>(valid));
    for (int d = 0; d < pooling->rowCount(); ++d) {
      const double sum = pooling->item(d, 0)->data(Qt::UserRole).toDouble();
      QVERIFY(std::fabs(sum / valid - engineMasked(e, d)) < 1e-6);
    }
    // The prediction text names both runs.
    auto* prediction = view.findChild<QLabel*>("maskPrediction");
    QVERIFY(prediction->text().contains("mask_zero=True") && prediction->text().contains("mask_zero=False"));
  }

  void allPaddingRowGivesWhatKerasGives() {
    auto model = makeModel(true);
    MaskView view;
    view.setMaskZero(true);
    view.setRunner([model](const TokenBatch& b, bool mz) { return model->runPooled(b, mz); });
    TokenBatch batch = model->presetBatch(0, 2);
    for (int t = 0; t < batch.length; ++t) batch.ids[static_cast<size_t>(batch.length + t)] = 0;
    view.setBatch(batch);
    const PooledRun& run = *view.currentRun();
    QCOMPARE(run.validCount[1], 0.0f);
    for (int d = 0; d < run.pooled.cols(); ++d) QVERIFY2(std::isnan(run.pooled(1, d)), "0/0 is NaN, as in Keras");
    view.setMaskZero(false);
    for (int d = 0; d < view.currentRun()->pooled.cols(); ++d)
      QVERIFY(std::fabs(view.currentRun()->pooled(1, d) - (*model->table())(0, d)) < 1e-7f);  // the mean of row 0
  }

  void outOfRangeIdIsReportedNotClamped() {
    auto model = makeModel(true);
    MaskView view;
    view.setRunner([model](const TokenBatch& b, bool mz) { return model->runPooled(b, mz); });
    TokenBatch batch = model->presetBatch(0, 2);
    batch.ids[3] = model->layerConfig().inputDim + 5;
    view.setBatch(batch);
    QVERIFY(!view.currentRun());
    auto* err = view.findChild<QLabel*>("maskError");
    QVERIFY(!err->isHidden());
    QVERIFY2(err->text().contains("is not in [0, "), qPrintable(err->text()));
  }
};

QTEST_MAIN(TestInspectMask)
#include "test_inspect_mask.moc"
