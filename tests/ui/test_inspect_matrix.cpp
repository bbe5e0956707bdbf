// Matrix view: the rows highlighted are exactly the rows the last batch looked up; |delta| is the
// engine's and shows dense Adam moving untouched rows where lazy Adam does not; a million-row
// table paints only what is visible; the initializer's histogram follows its formula.
#include <QImage>
#include <QScrollBar>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <set>

#include "engine/layer/initializers.h"
#include "ui/inspect/heatmap_widget.h"
#include "ui/inspect/initializer_density.h"
#include "ui/inspect/inspect_model.h"
#include "ui/inspect/matrix_view.h"

using namespace embedscope;
using namespace embedscope::ui::inspect;

class TestInspectMatrix : public QObject {
  Q_OBJECT

 private slots:
  void highlightsExactlyTheRowsOfTheLastBatch_data() {
    QTest::addColumn<QString>("optimizer");
    QTest::addColumn<bool>("lazy");
    QTest::newRow("adam dense") << "adam" << false;
    QTest::newRow("adam lazy") << "adam" << true;
    QTest::newRow("sgd") << "sgd" << false;
  }
  void highlightsExactlyTheRowsOfTheLastBatch() {
    QFETCH(QString, optimizer);
    QFETCH(bool, lazy);
    InspectModel model;
    StepSetup s;
    s.optimizer = optimizer;
    s.lazy = lazy;
    s.batchSize = 6;
    QVERIFY(model.reset(s).isOk());
    MatrixView view;
    view.resize(900, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    std::set<std::int64_t> everSeen;
    std::int64_t untouchedMovedSomewhere = 0;
    for (int step = 0; step < 4; ++step) {
      Result<StepRecord> r = model.next();
      QVERIFY(r.isOk());
      view.setFrame(model.frame());
      std::vector<std::int64_t> expected = r->batch.ids;
      std::sort(expected.begin(), expected.end());
      expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
      QCOMPARE(view.heatmap()->highlightedRows(), expected);
      everSeen.insert(r->gradientRows.begin(), r->gradientRows.end());

      // |delta| per row is the engine's UpdateStats, and agrees with the table's actual change.
      const auto& delta = view.deltaNorms();
      QCOMPARE(static_cast<Eigen::Index>(delta.size()), model.table()->rows());
      std::int64_t moved = 0, movedOutside = 0;
      const Matrix& prev = *model.frame().previous;
      for (Eigen::Index row = 0; row < model.table()->rows(); ++row) {
        const bool changed = model.table()->row(row) != prev.row(row);
        QCOMPARE(delta[static_cast<size_t>(row)] > 0, changed);
        moved += changed;
        if (changed && !std::binary_search(expected.begin(), expected.end(), static_cast<std::int64_t>(row))) ++movedOutside;
      }
      QCOMPARE(view.rowsMoved(), moved);
      QCOMPARE(view.untouchedRowsMoved(), movedOutside);
      QCOMPARE(r->untouchedRowsMoved, movedOutside);
      untouchedMovedSomewhere += movedOutside;
      if (lazy || optimizer == "sgd") QCOMPARE(movedOutside, std::int64_t{0});

      // What is drawn: the gutter marker of a highlighted row, and none on a row not looked up.
      const std::int64_t hot = expected.back();
      view.heatmap()->scrollToRow(hot);
      const std::int64_t first = view.heatmap()->firstVisibleRow();  // clamped near the end
      QVERIFY(first <= hot);
      QImage img = view.heatmap()->viewport()->grab().toImage();
      auto yOf = [&](std::int64_t row) { return 18 + static_cast<int>(row - first) * 4 + 2; };  // 4 px per row
      QVERIFY(yOf(hot) < img.height());
      QCOMPARE(QColor(img.pixel(50, yOf(hot))), QColor(255, 170, 0));
      for (std::int64_t row = first; row < model.table()->rows() && yOf(row) < img.height(); ++row)
        QCOMPARE(QColor(img.pixel(50, yOf(row))) == QColor(255, 170, 0),
                 std::binary_search(expected.begin(), expected.end(), row));
    }
    // Dense Adam: the moments of rows looked up earlier keep moving them after they leave the batch.
    if (optimizer == "adam" && !lazy) QVERIFY(untouchedMovedSomewhere > 0);
    // Cold rows: never given a gradient so far (under mask_zero row 0 is read but stays cold).
    const auto& touched = model.frame().everTouched;
    for (size_t row = 0; row < touched.size(); ++row) QCOMPARE(touched[row] != 0, everSeen.count(static_cast<std::int64_t>(row)) == 1);
  }

  void millionRowsPaintOnlyWhatIsVisible() {
    auto table = std::make_shared<Matrix>(Matrix::Zero(1'000'000, 16));
    for (Eigen::Index r = 0; r < table->rows(); r += 1000) (*table)(r, r % 16) = 1.0f;
    HeatmapWidget w;
    w.resize(700, 500);
    w.setMatrix(table);
    w.setRowPixels(4);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.viewport()->grab();
    const std::int64_t visibleLines = (w.viewport()->height() - 18) / 4 + 1;
    QVERIFY(w.lastPaintedRowCount() > 0);
    QVERIFY2(w.lastPaintedRowCount() <= visibleLines, qPrintable(QString::number(w.lastPaintedRowCount())));
    w.scrollToRow(654'321);
    QCOMPARE(w.firstVisibleRow(), std::int64_t{654'321});
    w.viewport()->grab();
    QVERIFY(w.lastPaintedRowCount() <= visibleLines);
    QCOMPARE(w.rowAt(18), std::int64_t{654'321});
    // The scroll range reaches the last row.
    w.verticalScrollBar()->setValue(w.verticalScrollBar()->maximum());
    QVERIFY(w.firstVisibleRow() + visibleLines >= table->rows());
    // Zoomed out to 4096 rows per line the whole table fits in a few hundred lines, and the row of
    // largest magnitude in each bucket is what shows (the planted ones are not averaged away).
    w.setRowsPerLine(4096);
    w.scrollToRow(0);
    w.viewport()->grab();
    QVERIFY(w.lastPaintedRowCount() <= static_cast<std::int64_t>(w.viewport()->height() - 18 + 1) * 4096);
    QImage img = w.viewport()->grab().toImage();
    QColor c(img.pixel(56 + 0 * 6 + 2, 18));  // row 0 has its 1.0 in column 0: full red
    QVERIFY2(c.red() > 150 && c.green() < 80, qPrintable(c.name()));
  }

  void initializerHistogramFollowsItsFormula_data() {
    QTest::addColumn<QString>("initializer");
    QTest::newRow("uniform (Keras default)") << "uniform";
    QTest::newRow("normal") << "normal";
    QTest::newRow("truncated_normal") << "truncated_normal";
    QTest::newRow("glorot_uniform") << "glorot_uniform";
    QTest::newRow("he_normal") << "he_normal";
  }
  void initializerHistogramFollowsItsFormula() {
    QFETCH(QString, initializer);
    const std::int64_t rows = 5000, cols = 64;
    InitializerSpec spec = initializerSpec(initializer.toStdString());
    Result<Matrix> table = initializeMatrix(spec, rows, cols, 7);
    QVERIFY(table.isOk());
    Result<InitializerDensity> density = initializerDensity(spec, rows, cols);
    QVERIFY2(density.isOk(), density.isOk() ? "" : density.status().message().c_str());
    MatrixView view;
    view.setInitializer(*table, *density);
    const auto& hist = view.histogramDensity();
    const auto& formula = view.formulaDensity();
    QCOMPARE(hist.size(), formula.size());
    double peak = *std::max_element(formula.begin(), formula.end());
    double worst = 0;
    for (size_t i = 0; i < hist.size(); ++i) worst = std::max(worst, std::fabs(hist[i] - formula[i]) / peak);
    // 320,000 samples in 60 bins: a bin's relative noise is a few percent of the peak.
    QVERIFY2(worst < 0.08, qPrintable(QString("worst bin off by %1 of the peak").arg(worst)));
    // Bounded initializers (Keras's truncated normals re-draw beyond 2 sigma) have no mass outside.
    if (initializer != "normal") QCOMPARE(density->pdf(density->hi + 1.0), 0.0);
  }

  void constantInitializersHaveNoDensity() {
    QVERIFY(!initializerDensity(initializerSpec("zeros"), 10, 4).isOk());
    QVERIFY(!initializerDensity(initializerSpec("orthogonal"), 10, 4).isOk());
  }
};

QTEST_MAIN(TestInspectMatrix)
#include "test_inspect_matrix.moc"
