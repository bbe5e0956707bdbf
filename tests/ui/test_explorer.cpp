// The Embedding view and the application habits: search and select, neighbours, export of a
// chart and a selection, labels that never overlap, the palette switch, settings that survive a
// restart, and a 100,000-point cloud that still draws.
#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QDropEvent>
#include <QMimeData>
#include <QLabel>
#include <QFile>
#include <QLineEdit>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <QWheelEvent>

#include "engine/core/rng.h"
#include "ui/controllers/training_controller.h"
#include "ui/explorer_app.h"
#include "ui/main_window.h"
#include "ui/panels/layer_panel.h"
#include "ui/panels/neighbours_panel.h"
#include "ui/views/compare_view.h"
#include "ui/views/embedding_explorer.h"

using namespace embedscope::ui;

class TestExplorer : public QObject {
  Q_OBJECT
 private:
  // A window on the demo, trained a little, with a projection on screen.
  static std::unique_ptr<MainWindow> trainedDemo(int steps = 150) {
    auto w = std::make_unique<MainWindow>();
    w->resize(1400, 900);
    w->show();
    w->openDemo(steps);
    auto* c = w->trainingController();
    if (!QTest::qWaitFor([&] { return c->step() == steps && c->state() == TrainingController::State::Paused; }, 30000))
      return nullptr;
    EmbeddingExplorer* e = w->explorer();
    if (!QTest::qWaitFor([&] { return e->projectionsShown() > 0 && !e->projecting(); }, 15000)) return nullptr;
    QTest::qWait(500);  // let the transition animation finish
    return w;
  }

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QSettings().clear();
    initResources();
  }

  void searchAndSelect() {
    auto w = trainedDemo();
    QVERIFY(w);
    EmbeddingExplorer* e = w->explorer();
    auto* field = e->findChild<QLineEdit*>("searchField");
    QVERIFY(field);
    QTest::keyClicks(field, "ka");
    const auto sel = e->selectedIds();
    QVERIFY(!sel.empty());
    for (int id : sel) QVERIFY(w->explorer()->canvas()->ids().size() > 0 && id >= 2);  // padding/OOV excluded
    // A regex.
    e->findChild<QLineEdit*>("searchField")->clear();
    const int n = e->search("^(ba|ko)", true);
    QVERIFY(n > 0);
    QCOMPARE(int(e->selectedIds().size()), n);
    e->clearSelection();
    QVERIFY(e->selectedIds().empty());
    // A box drag over the whole canvas selects every point.
    EmbeddingCanvas* c = e->canvas();
    QTest::mousePress(c, Qt::LeftButton, {}, QPoint(2, 2));
    QTest::mouseMove(c, QPoint(c->width() / 2, c->height() / 2));
    QTest::mouseRelease(c, Qt::LeftButton, {}, QPoint(c->width() - 2, c->height() - 2));
    QVERIFY(e->selectedIds().size() > size_t(c->pointCount()) / 2);
  }

  void openNeighbours() {
    auto w = trainedDemo();
    QVERIFY(w);
    EmbeddingExplorer* e = w->explorer();
    EmbeddingCanvas* c = e->canvas();
    // Click the first point where it is drawn.
    QTest::mouseClick(c, Qt::LeftButton, {}, c->screenPos(0).toPoint());
    auto* list = e->findChild<QTreeWidget*>("neighbourList");
    QVERIFY(list);
    QTRY_COMPARE(list->topLevelItemCount(), 10);
    const auto& nb = e->neighbours()->neighbours();
    for (size_t i = 1; i < nb.size(); ++i) QVERIFY(nb[i - 1].distance <= nb[i].distance);
    // Trained on planted classes, most neighbours share the class of the query.
    const int query = e->neighbours()->currentId();
    QVERIFY(query >= 2);
    int same = 0;
    for (const auto& n : nb) same += (n.id - 2) % 6 == (query - 2) % 6;
    QVERIFY2(same >= 5, qPrintable(QString::number(same)));
  }

  void exportChartAndSelection() {
    auto w = trainedDemo();
    QVERIFY(w);
    EmbeddingExplorer* e = w->explorer();
    QTemporaryDir dir;
    for (const char* ext : {"png", "svg", "pdf"}) {
      const QString path = dir.filePath(QString("chart.%1").arg(ext));
      QCOMPARE(e->exportChart(path), QString());
      QFile f(path);
      QVERIFY(f.open(QIODevice::ReadOnly));
      QVERIFY(f.size() > 1000);
    }
    QImage img(dir.filePath("chart.png"));
    QVERIFY(!img.isNull());
    const int n = e->search("a", false);
    QVERIFY(n > 0);
    QCOMPARE(e->exportSelection(dir.filePath("sel.tsv")), QString());
    QFile f(dir.filePath("sel.tsv"));
    QVERIFY(f.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), n + 1);
    QCOMPARE(lines[0], QString("id\ttoken\tx\ty\tz"));
    QVERIFY(lines[1].split('\t').value(1).contains('a'));
    QCOMPARE(e->exportProjectorTsv(dir.filePath("vectors.tsv"), dir.filePath("metadata.tsv")), QString());
    QFile v(dir.filePath("vectors.tsv"));
    QVERIFY(v.open(QIODevice::ReadOnly));
    const QStringList rows = QString::fromUtf8(v.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(rows.size(), 2000 - 2);  // padding and OOV excluded by default
    QCOMPARE(rows[0].split('\t').size(), 16);
  }

  void openAVectorsFile() {
    auto w = trainedDemo();
    QVERIFY(w);
    QTemporaryDir dir;
    QCOMPARE(w->explorer()->exportProjectorTsv(dir.filePath("vectors.tsv"), dir.filePath("metadata.tsv")), QString());
    MainWindow other;
    other.show();
    QCOMPARE(other.openFile(dir.filePath("vectors.tsv")), QString());
    EmbeddingExplorer* e = other.explorer();
    QTRY_VERIFY_WITH_TIMEOUT(e->projectionsShown() > 0, 15000);
    QCOMPARE(e->canvas()->pointCount(), 2000 - 2);  // a projector file has no padding row: all rows shown
    QCOMPARE(e->corpus()->tokens.value(0), w->explorer()->corpus()->tokens.value(2));
    QVERIFY(other.recentFiles().value(0).endsWith("vectors.tsv"));
    // A bad file is an error with the engine's message, and nothing changes.
    QFile bad(dir.filePath("bad.npy"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("not numpy");
    bad.close();
    QVERIFY(!other.openFile(dir.filePath("bad.npy")).isEmpty());
    QCOMPARE(e->canvas()->pointCount(), 2000 - 2);
  }

  // Dropping a file onto the window opens it. The events go straight to the window (no real
  // drag, which offscreen platforms cannot run reliably): what the window does with them is tested.
  void droppingAFileOpensIt() {
    QTemporaryDir dir;
    const QString path = dir.filePath("dropped.txt");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("4 3\nalpha 0.1 0.2 0.3\nbeta 0.4 0.5 0.6\ngamma -0.1 0.0 0.9\ndelta 1 2 3\n");
    f.close();
    MainWindow w;
    w.show();
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(path)});
    const QPoint at(w.width() / 2, w.height() / 2);
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &drop);
    EmbeddingExplorer* e = w.explorer();
    QVERIFY(e->corpus());
    QCOMPARE(e->corpus()->tokens, QStringList({"alpha", "beta", "gamma", "delta"}));
    QTRY_VERIFY_WITH_TIMEOUT(e->projectionsShown() > 0, 15000);
    QCOMPARE(e->canvas()->pointCount(), 4);
    QVERIFY(w.windowTitle().endsWith("dropped.txt"));
    QVERIFY(w.recentFiles().value(0).endsWith("dropped.txt"));

    // Text without URLs is not a file: the drag is refused and nothing changes.
    QMimeData text;
    text.setText("alpha");
    QDragEnterEvent refused(at, Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
    refused.setAccepted(false);
    QApplication::sendEvent(&w, &refused);
    QVERIFY(!refused.isAccepted());
  }

  // The window fits a 1366 x 768 laptop screen: no minimum width past it, and the training
  // controls at the right edge stay inside the window.
  void fitsA1366x768Screen() {
    MainWindow w;
    w.show();
    w.resize(1366, 740);
    QVERIFY2(w.minimumSizeHint().width() <= 1366, qPrintable(QString::number(w.minimumSizeHint().width())));
    QVERIFY2(w.minimumSizeHint().height() <= 740, qPrintable(QString::number(w.minimumSizeHint().height())));
    QTRY_COMPARE(w.width(), 1366);
    for (const char* name : {"playButton", "resetButton", "step100Button"}) {
      auto* b = w.findChild<QWidget*>(name);
      QVERIFY(b && b->isVisible());
      const QRect r(b->mapTo(&w, QPoint(0, 0)), b->size());
      QVERIFY2(w.rect().contains(r), qPrintable(QString("%1 at %2,%3 %4x%5").arg(name).arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height())));
    }
    for (const char* name : {"layerDock", "trainingDock"})  // the task dock is tabbed behind the layer dock
      if (auto* d = w.findChild<QDockWidget*>(name)) {
        const QRect r(d->mapTo(&w, QPoint(0, 0)), d->size());
        QVERIFY2(w.rect().contains(r), qPrintable(QString("%1 at %2,%3 %4x%5 in %6x%7").arg(d->objectName()).arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height()).arg(w.width()).arg(w.height())));
      }
  }

  void noTwoVisibleLabelsOverlap() {
    auto w = trainedDemo();
    QVERIFY(w);
    EmbeddingCanvas* c = w->explorer()->canvas();
    c->repaint();
    const QList<QRectF>& rects = c->labelRects();
    QVERIFY2(rects.size() >= 20, qPrintable(QString::number(rects.size())));
    for (int i = 0; i < rects.size(); ++i) {
      QVERIFY(QRectF(c->rect()).contains(rects[i]));
      for (int j = i + 1; j < rects.size(); ++j)
        QVERIFY2(!rects[i].intersects(rects[j]), qPrintable(QString("%1 and %2").arg(c->drawnLabels()[i], c->drawnLabels()[j])));
    }
    // After zooming in, still none overlap.
    QWheelEvent wheel(QPointF(c->width() / 2.0, c->height() / 2.0), c->mapToGlobal(QPointF(c->width() / 2.0, c->height() / 2.0)),
                      QPoint(), QPoint(0, 480), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(c, &wheel);
    c->repaint();
    const QList<QRectF>& zoomed = c->labelRects();
    for (int i = 0; i < zoomed.size(); ++i)
      for (int j = i + 1; j < zoomed.size(); ++j) QVERIFY(!zoomed[i].intersects(zoomed[j]));
  }

  void twoSnapshotsSideBySide() {
    auto w = trainedDemo();
    QVERIFY(w);
    const auto& timeline = w->explorer()->timeline();
    QVERIFY(timeline.size() >= 3);
    CompareView* cv = w->compareView();
    w->tabs()->setCurrentWidget(cv);  // fills the lists from the timeline
    cv->compare(0, int(timeline.size()) - 1);
    QCOMPARE(cv->left()->pointCount(), 2000 - 2);
    QCOMPARE(cv->right()->pointCount(), 2000 - 2);
    double mean = 0;
    for (float o : cv->overlap()) mean += o;
    mean /= double(cv->overlap().size());
    QVERIFY2(mean < 0.9, qPrintable(QString::number(mean)));  // training rearranged the neighbourhoods
    cv->compare(1, 1);
    for (float o : cv->overlap()) QCOMPARE(o, 1.0f);  // a snapshot against itself keeps everything
    QVERIFY(cv->findChild<QTreeWidget*>("neighbourhoodChanges")->topLevelItemCount() > 0);
  }

  void tsneProjectionRuns() {
    auto w = trainedDemo(60);
    QVERIFY(w);
    EmbeddingExplorer* e = w->explorer();
    const int before = e->projectionsShown();
    e->findChild<QComboBox*>("projectionMethod")->setCurrentText("t-SNE");
    QTRY_VERIFY_WITH_TIMEOUT(e->projectionsShown() > before && !e->projecting(), 60000);
    QVERIFY(e->findChild<QLabel*>("projectionInfo")->text().startsWith("t-SNE"));
    QCOMPARE(e->canvas()->pointCount(), 2000 - 2);
  }

  void paletteSwitches() {
    MainWindow w;
    w.show();
    w.setDarkPalette(true);
    QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 80);
    QVERIFY(w.darkPalette());
    w.setDarkPalette(false);
    QVERIFY(QApplication::palette().color(QPalette::Window).lightness() > 160);
  }

  void settingsSurviveARestart() {
    QSize saved;
    {
      MainWindow w;
      w.show();
      auto* out = w.findChild<QLineEdit*>("field_output_dim");
      out->selectAll();
      QTest::keyClick(out, Qt::Key_Backspace);
      QTest::keyClicks(out, "48");
      w.setDarkPalette(true);
      w.explorer()->setColorBy("norm");
      w.resize(1300, 760);
      saved = w.size();  // the window's minimum may enlarge it; the restored size must match
      w.findChild<QDockWidget*>("trainingDock")->hide();
      w.close();
    }
    MainWindow again;
    QCOMPARE(again.findChild<QLineEdit*>("field_output_dim")->text(), QString("48"));
    QVERIFY(again.darkPalette());
    QCOMPARE(again.explorer()->colorBy(), QString("norm"));
    QCOMPARE(again.size(), saved);
    QVERIFY(again.findChild<QDockWidget*>("trainingDock")->isHidden());  // the dock layout too
    again.setDarkPalette(false);
    QSettings().clear();
  }

  void hundredThousandPointsDraw() {
    EmbeddingCanvas c;
    c.resize(1200, 800);
    c.show();
    const int n = 100000;
    embedscope::Matrix coords(n, 3);
    std::vector<int> ids(n);
    embedscope::Rng rng(1);
    for (int i = 0; i < n; ++i) {
      ids[size_t(i)] = i;
      coords(i, 0) = float(rng.normal());
      coords(i, 1) = float(rng.normal());
      coords(i, 2) = 0;
    }
    c.setPoints(ids, coords, false);
    const QPixmap shot = c.grab();  // paints through paintEvent, exposed or not
    QVERIFY(c.lastRasterMs() > 0);
    // Points were drawn: many pixels differ from the background.
    const QImage img = shot.toImage();
    const QRgb bg = img.pixel(2, 2);
    int drawn = 0;
    for (int y = 0; y < img.height(); y += 4)
      for (int x = 0; x < img.width(); x += 4) drawn += img.pixel(x, y) != bg;
    QVERIFY2(drawn > 1000, qPrintable(QString::number(drawn)));
    qInfo("100k points raster: %.1f ms", c.lastRasterMs());
  }
};

QTEST_MAIN(TestExplorer)
#include "test_explorer.moc"
