// The hook the main window calls: five tabs, wired to each other and to the context.
#include <QComboBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QtTest>

#include "ui/inspect/engines_view.h"
#include "ui/inspect/heatmap_widget.h"
#include "ui/inspect/inspect_model.h"
#include "ui/inspect/inspector_context.h"
#include "ui/inspect/inspector_tabs.h"
#include "ui/inspect/mask_view.h"
#include "ui/inspect/matrix_view.h"
#include "ui/inspect/memory_view.h"
#include "ui/inspect/step_view.h"

using namespace embedscope;
using namespace embedscope::ui::inspect;

class TestInspectTabs : public QObject {
  Q_OBJECT

 private slots:
  void tabsAreHostedAndWired() {
    QTabWidget tabs;
    InspectorContext ctx;
    InspectorViews v = createInspectorTabs(&tabs, ctx);
    QCOMPARE(tabs.count(), 5);
    for (const char* name : {"stepView", "maskView", "matrixView", "memoryView", "enginesView"})
      QVERIFY2(tabs.findChild<QWidget*>(name), name);
    QVERIFY(v.mask->currentRun());  // the mask view shows a preset batch from the start

    // A step in the step-through moves the Mask and Matrix views to that batch.
    QSignalSpy stepped(v.step, &StepView::stepped);
    QTest::mouseClick(v.step->findChild<QPushButton*>("stepNext"), Qt::LeftButton);
    QTRY_COMPARE(stepped.count(), 1);
    QCOMPARE(v.mask->batch().ids, v.step->record()->batch.ids);
    std::vector<std::int64_t> ids = v.step->record()->batch.ids;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    QCOMPARE(v.matrix->heatmap()->highlightedRows(), ids);

    // The main window's configuration reaches the Memory view's what-if.
    LayerConfig layer;
    layer.inputDim = 123456;
    layer.outputDim = 32;
    ctx.setLayerConfig(layer);
    QCOMPARE(v.memory->whatIf().inputDim, std::int64_t{123456});
    QCOMPARE(v.memory->findChild<QSpinBox*>("whatIfOutputDim")->value(), 32);

    // A trainer snapshot reaches the Matrix view, without a copy of the table.
    auto snap = std::make_shared<session::Snapshot>();
    snap->globalStep = 77;
    snap->table = Matrix::Random(50, 8);
    snap->rowsTouched = {3, 9, 41};
    snap->rowDelta.assign(50, 0.0f);
    snap->rowDelta[3] = 0.1f;
    snap->rowDelta[10] = 0.2f;  // dense: a row outside the batch moved
    ctx.publishSnapshot(snap);
    QCOMPARE(v.matrix->heatmap()->highlightedRows(), (std::vector<std::int64_t>{3, 9, 41}));
    QCOMPARE(v.matrix->heatmap()->matrix(), &snap->table);
    QCOMPARE(v.matrix->rowsMoved(), std::int64_t{2});
    QCOMPARE(v.matrix->untouchedRowsMoved(), std::int64_t{1});

    // A step-through setup change resets the model and the views that show it.
    v.step->findChild<QSpinBox*>("stepOutputDim")->setValue(5);
    QCOMPARE(v.model->layerConfig().outputDim, std::int64_t{5});
    QCOMPARE(v.matrix->heatmap()->matrix()->cols(), 5);
    QCOMPARE(v.mask->currentRun()->pooled.cols(), 5);
  }

  void enginesSideBySide() {
    QTabWidget tabs;
    InspectorViews v = createInspectorTabs(&tabs);
    QVERIFY(v.context);
    v.engines->findChild<QSpinBox*>("enginesSteps")->setValue(3);
    Status s = v.engines->run();
    if (!s.isOk()) {
      // No Vulkan engine in this build or no device: said so, in words.
      QVERIFY2(s.message().find("Vulkan") != std::string::npos, s.message().c_str());
      if (testing_requireVulkan()) QFAIL(s.message().c_str());
      QSKIP("no Vulkan engine here");
    }
    QVERIFY2(v.engines->maxDifference() <= 1e-5f, qPrintable(QString::number(v.engines->maxDifference())));
    QCOMPARE(static_cast<Eigen::Index>(v.engines->rowMaxDifference().size()), v.model->table()->rows());
  }

 private:
  static bool testing_requireVulkan() { return qgetenv("EMBEDSCOPE_REQUIRE_VULKAN") == "1"; }
};

QTEST_MAIN(TestInspectTabs)
#include "test_inspect_tabs.moc"
