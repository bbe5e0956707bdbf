// Training from the window: play / pause / step / x10 / reset through the real buttons, curves that
// grow, and a window closed during training that returns promptly.
#include <QComboBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>
#include <qcustomplot.h>

#include "ui/controllers/training_controller.h"
#include "ui/explorer_app.h"
#include "ui/main_window.h"
#include "ui/panels/task_panel.h"
#include "ui/panels/training_panel.h"
#include "ui/views/embedding_explorer.h"

using namespace embedscope::ui;
using State = TrainingController::State;

class TestTraining : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QSettings().clear();
    initResources();
  }

  void playPauseStepReset() {
    MainWindow w;
    w.show();
    w.openDemo(0);
    // A budget the run cannot exhaust while the test clicks, however fast the machine.
    TaskSettings t = w.taskPanel()->settings();
    t.maxSteps = 10000000;
    w.taskPanel()->editSettings(t, "steps");
    TrainingController* c = w.trainingController();
    auto* play = w.findChild<QPushButton*>("playButton");
    QVERIFY(play && play->isEnabled());
    QTest::mouseClick(play, Qt::LeftButton);
    QTRY_COMPARE(c->state(), State::Running);
    auto* loss = w.findChild<QCustomPlot*>("lossPlot");
    QVERIFY(loss);
    QTRY_VERIFY_WITH_TIMEOUT(loss->graph(0)->dataCount() >= 3, 15000);
    // The validation curve too: the engine validates at each epoch's end, as Keras's fit() does.
    QTRY_VERIFY_WITH_TIMEOUT(loss->graph(1)->dataCount() >= 3, 15000);
    QVERIFY(w.findChild<QCustomPlot*>("metricPlot")->graph(0)->dataCount() >= 3);
    // The explorer receives live snapshots.
    QTRY_VERIFY_WITH_TIMEOUT(w.explorer()->timelineSize() >= 2, 15000);
    QTest::mouseClick(play, Qt::LeftButton);  // now "Pause"
    QTRY_COMPARE(c->state(), State::Paused);
    const long long paused = c->step();
    QVERIFY(paused > 0);
    QTest::qWait(200);
    QCOMPARE(c->step(), paused);  // really paused

    QTest::mouseClick(w.findChild<QPushButton*>("stepButton"), Qt::LeftButton);
    QTRY_COMPARE(c->step(), paused + 1);
    QTRY_COMPARE(c->state(), State::Paused);
    QTest::mouseClick(w.findChild<QPushButton*>("step10Button"), Qt::LeftButton);
    QTRY_COMPARE(c->step(), paused + 11);
    QTRY_COMPARE(c->state(), State::Paused);
    const int points = w.trainingPanel()->curvePoints();
    QTest::mouseClick(w.findChild<QPushButton*>("step100Button"), Qt::LeftButton);
    QTRY_COMPARE(c->step(), paused + 111);
    QTRY_VERIFY(w.trainingPanel()->curvePoints() > points);

    QTest::mouseClick(w.findChild<QPushButton*>("resetButton"), Qt::LeftButton);
    QTRY_COMPARE(c->state(), State::Idle);
    QCOMPARE(c->step(), 0LL);
    QCOMPARE(w.trainingPanel()->curvePoints(), 0);
  }

  void lossGoesDown() {
    MainWindow w;
    w.openDemo(0);
    TrainingController* c = w.trainingController();
    QList<double> losses;
    connect(c, &TrainingController::progress, this, [&](const TrainingProgress& p) { losses << p.valLoss; });
    c->stepBy(400);
    QTRY_VERIFY_WITH_TIMEOUT(c->step() == 400 && c->state() == State::Paused, 30000);
    QVERIFY(losses.size() >= 1);
    QVERIFY2(losses.last() < 0.8 * std::log(6.0), qPrintable(QString::number(losses.last())));
  }

  void engineTrainerRunsAPreset() {
    // The engine's session (buildRun + Trainer) behind the same buttons: the sentiment preset.
    MainWindow w;
    w.show();
    auto* combo = w.findChild<QComboBox*>("presetCombo");
    QVERIFY(combo);
    const int idx = combo->findData("sentiment");
    QVERIFY(idx > 0);
    combo->setCurrentIndex(idx);
    emit combo->activated(idx);
    QCOMPARE(w.taskPanel()->settings().preset, QString("sentiment"));
    TrainingController* c = w.trainingController();
    CorpusPtr corpus;
    connect(c, &TrainingController::corpusReady, this, [&](const CorpusPtr& p, const QString&) { corpus = p; });
    QTest::mouseClick(w.findChild<QPushButton*>("step100Button"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(corpus != nullptr || c->state() == State::Idle, 30000);
    QVERIFY2(corpus, qPrintable(w.findChild<QLabel*>("trainingStatus")->text()));
    QTRY_VERIFY_WITH_TIMEOUT(c->step() == 100 && c->state() == State::Paused, 30000);
    QVERIFY(corpus->tokens.contains("good"));
    QVERIFY(w.trainingPanel()->curvePoints() >= 1);
    QTRY_VERIFY(w.explorer()->timelineSize() >= 2);
    QVERIFY(!w.findChild<QLabel*>("engineDescription")->text().isEmpty());
  }

  void closeDuringTrainingDoesNotHang() {
    auto* w = new MainWindow;
    w->show();
    w->openDemo(0);
    w->trainingController()->play();
    QTRY_VERIFY(w->trainingController()->step() > 10);
    QElapsedTimer t;
    t.start();
    w->close();
    delete w;  // the controller cancels, quits and waits for its thread
    QVERIFY2(t.elapsed() < 3000, qPrintable(QString::number(t.elapsed())));
  }
};

QTEST_MAIN(TestTraining)
#include "test_training.moc"
