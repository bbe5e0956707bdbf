// Renders each inspector view with a preset and checks the picture is a real one (not blank).
// With EMBEDSCOPE_SCREENSHOT_DIR set it also saves them as the docs' screenshots:
//   xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb EMBEDSCOPE_SCREENSHOT_DIR=docs
//   build/tests/ui_test_inspect_screenshots
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QtTest>
#include <set>

#include "ui/inspect/engines_view.h"
#include "ui/inspect/inspect_model.h"
#include "ui/inspect/inspector_context.h"
#include "ui/inspect/inspector_tabs.h"
#include "ui/inspect/mask_view.h"
#include "ui/inspect/matrix_view.h"
#include "ui/inspect/memory_view.h"
#include "ui/inspect/step_view.h"

using namespace embedscope;
using namespace embedscope::ui::inspect;

class TestInspectScreenshots : public QObject {
  Q_OBJECT

  QTabWidget* m_tabs = nullptr;
  InspectorContext* m_ctx = nullptr;
  InspectorViews m_views;

  void check(QWidget* w, const QString& name) {
    m_tabs->setCurrentWidget(w);
    QTest::qWait(50);
    QImage img = w->grab().toImage();
    QVERIFY(img.width() > 800 && img.height() > 500);
    std::set<QRgb> colours;
    for (int y = 0; y < img.height(); y += 7)
      for (int x = 0; x < img.width(); x += 7) colours.insert(img.pixel(x, y));
    QVERIFY2(colours.size() > 20, qPrintable(name + " looks blank"));
    const QString dir = QString::fromLocal8Bit(qgetenv("EMBEDSCOPE_SCREENSHOT_DIR"));
    if (!dir.isEmpty()) {
      QDir().mkpath(dir);
      QVERIFY(m_tabs->window()->grab().save(QDir(dir).filePath(name)));
    }
  }

 private slots:
  void initTestCase() {
    m_tabs = new QTabWidget;
    m_tabs->setDocumentMode(true);
    m_ctx = new InspectorContext(m_tabs);
    m_views = createInspectorTabs(m_tabs, *m_ctx);
    m_tabs->resize(1400, 860);
    m_tabs->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_tabs));
    StepSetup s;
    s.batchSize = 4;
    s.outputDim = 8;
    s.optimizer = "adam";
    s.learningRate = 0.05;
    m_views.step->setSetup(s);
  }
  void cleanupTestCase() { delete m_tabs; }

  void stepThrough() {
    for (int i = 0; i < 3; ++i) QVERIFY(m_views.step->nextStep().isOk());
    m_views.step->showStage(StepView::Output);
    check(m_views.step, "inspect-step-through.png");
    ClassroomSettings c;
    c.title = "Lesson: padding and the mask";
    c.notes = "Row 0 is looked up at every padding position. Watch the greyed rows: mask_zero keeps them out of the mean.";
    c.locked = {"stepPreset", "stepOptimizer", "stepUpdates", "stepSeed"};
    c.hidden = {"stepLearningRate"};
    m_views.step->applyClassroom(c);
    m_views.step->showStage(StepView::Update);
    check(m_views.step, "inspect-step-classroom.png");
  }
  void matrix() {
    // A bigger table so the heatmap has rows to show: 40 more steps, dense Adam.
    for (int i = 0; i < 40; ++i) QVERIFY(m_views.step->nextStep().isOk());
    check(m_views.matrix, "inspect-matrix.png");
  }
  void mask() {
    // Show the change mask_zero makes: run masked, then without the mask.
    m_views.mask->setMaskZero(true);
    m_views.mask->setBatch(m_views.model->presetBatch(0, 4));
    m_views.mask->setMaskZero(false);
    m_views.mask->setMaskZero(true);
    int e = 0;
    const TokenBatch& b = m_views.mask->batch();
    for (; e < b.batch; ++e)
      if (b.id(e, b.length - 1) == 0) break;
    m_views.mask->setSelectedExample(e < b.batch ? e : 0);
    check(m_views.mask, "inspect-mask.png");
  }
  void memory() {
    WhatIf w;
    w.inputDim = 2'000'000;
    w.outputDim = 64;
    w.optimizer = "adam";
    w.engine = "vulkan";
    m_views.memory->setWhatIf(w);
    if (!m_views.memory->plan()) {
      w.engine = "cpu";
      w.inputDim = 50'000'000;
      m_views.memory->setWhatIf(w);
    }
    m_views.memory->setMeasuredUse({std::nullopt});
    check(m_views.memory, "inspect-memory.png");
  }
  void engines() {
    if (!m_views.engines->run().isOk()) QSKIP("no Vulkan engine here");
    check(m_views.engines, "inspect-engines.png");
  }
};

QTEST_MAIN(TestInspectScreenshots)
#include "test_inspect_screenshots.moc"
