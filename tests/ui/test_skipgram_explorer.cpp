// Skip-gram in the explorer: picking the "skipgram" task in the Task panel trains word2vec SGNS on
// the topics preset through the real buttons; the embedding view gets the vocabulary's words
// (labelled by token, coloured by planted topic), the loss curve grows, Pause holds, Step trains one
// chunk, and the finished table's neighbour purity is high.
// With EMBEDSCOPE_SCREENSHOT_DIR set it also saves the finished run as explorer-skipgram.png:
//   EMBEDSCOPE_SCREENSHOT_DIR=docs xvfb-run -s "-screen 0 1600x1000x24" build/tests/ui_test_skipgram_explorer
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>
#include <qcustomplot.h>

#include "engine/data/topics_preset.h"
#include "engine/data/vocabulary.h"
#include "engine/tasks/skipgram_eval.h"
#include "ui/controllers/training_controller.h"
#include "ui/explorer_app.h"
#include "ui/main_window.h"
#include "ui/panels/task_panel.h"
#include "ui/panels/training_panel.h"
#include "ui/views/embedding_explorer.h"

using namespace embedscope;
using namespace embedscope::ui;
using State = TrainingController::State;

namespace {

void pickSkipGram(MainWindow& w, int maxSteps) {
  auto* task = w.findChild<QComboBox*>("field_task");
  QVERIFY(task);
  const int idx = task->findData("skipgram");
  QVERIFY(idx >= 0);
  task->setCurrentIndex(idx);
  QCOMPARE(w.taskPanel()->settings().task, QString("skipgram"));
  // word2vec's own schedule: the Keras optimizer does not apply.
  auto* optimizer = w.taskPanel()->findChild<QComboBox*>("field_optimizer");
  QVERIFY(optimizer);
  QVERIFY(!optimizer->isEnabled());
  TaskSettings t = w.taskPanel()->settings();
  t.maxSteps = maxSteps;
  t.snapshotEvery = 5;
  w.taskPanel()->editSettings(t, "steps");
}

}  // namespace

class TestSkipGramExplorer : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QSettings().clear();
    initResources();
  }

  void trainsTopicsToHighPurity() {
    MainWindow w;
    w.show();
    pickSkipGram(w, 120);  // ~5 epochs of the explorer's topics corpus
    TrainingController* c = w.trainingController();
    CorpusPtr corpus;
    connect(c, &TrainingController::corpusReady, this, [&](const CorpusPtr& p, const QString&) { corpus = p; });
    QTest::mouseClick(w.findChild<QPushButton*>("playButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(c->state() == State::Finished || c->state() == State::Idle, 120000);
    QCOMPARE(c->state(), State::Finished);
    QVERIFY(corpus);

    // The view holds the vocabulary's words, labelled by token and coloured by planted topic.
    const data::TopicsPreset preset = data::generateTopicsPreset({});
    QCOMPARE(w.explorer()->corpus(), corpus);
    QVERIFY(corpus->tokens.size() > 100);
    int coloured = 0;
    for (int id = 0; id < corpus->tokens.size(); ++id) {
      const auto it = preset.clusterOf.find(corpus->tokens[id].toStdString());
      const int expected = it == preset.clusterOf.end() ? -1 : it->second;
      QCOMPARE(corpus->cluster[size_t(id)], expected);
      if (expected >= 0) ++coloured;
    }
    QCOMPARE(coloured, int(preset.clusterOf.size()));
    const SnapshotPtr last = w.explorer()->currentSnapshot();
    QVERIFY(last);
    QCOMPARE(last->table.rows(), Eigen::Index(corpus->tokens.size()));
    QVERIFY(w.explorer()->timelineSize() >= 3);  // initial, periodic snapshots, final
    QVERIFY(w.trainingPanel()->curvePoints() >= 3);
    QVERIFY(w.findChild<QCustomPlot*>("lossPlot")->graph(0)->dataCount() >= 3);

    // The final table recovered the planted topics (the engine's own purity, vocabulary rebuilt
    // from the view's tokens).
    std::vector<std::string> words;
    for (int id = 2; id < corpus->tokens.size(); ++id) words.push_back(corpus->tokens[id].toStdString());
    auto vocab = data::Vocabulary::fromWords(words);
    QVERIFY(vocab.isOk());
    const NeighbourPurity purity = neighbourPurity(last->table, vocab.value(), preset.clusterOf, 5);
    QCOMPARE(purity.evaluated, std::int64_t(preset.clusterOf.size()));
    qInfo("neighbour purity@5 after %lld steps: %.3f", last->step, purity.purity);
    QVERIFY2(purity.purity >= 0.8, qPrintable(QString::number(purity.purity)));
    // ...which the random start did not have (the check can fail).
    const NeighbourPurity before = neighbourPurity(w.explorer()->timeline().front()->table, vocab.value(),
                                                   preset.clusterOf, 5);
    QVERIFY2(before.purity < 0.5, qPrintable(QString::number(before.purity)));

    const QString dir = qEnvironmentVariable("EMBEDSCOPE_SCREENSHOT_DIR");
    if (!dir.isEmpty()) {
      w.resize(1600, 1000);
      for (QWidget* p = w.taskPanel(); p; p = p->parentWidget())  // show the Task tab, with "skipgram"
        if (auto* dock = qobject_cast<QDockWidget*>(p)) {
          dock->raise();
          break;
        }
      QTest::qWait(300);
      QTRY_VERIFY_WITH_TIMEOUT(!w.explorer()->projecting(), 30000);
      QTest::qWait(500);
      QVERIFY(w.grab().save(QDir(dir).filePath("explorer-skipgram.png")));
    }
  }

  void pauseHoldsAndStepTrainsOneChunk() {
    MainWindow w;
    w.show();
    pickSkipGram(w, 100000);  // a budget the run cannot exhaust while the test clicks
    TrainingController* c = w.trainingController();
    auto* play = w.findChild<QPushButton*>("playButton");
    QTest::mouseClick(play, Qt::LeftButton);
    QTRY_COMPARE(c->state(), State::Running);
    QTRY_VERIFY_WITH_TIMEOUT(c->step() >= 3, 30000);
    QTest::mouseClick(play, Qt::LeftButton);  // now "Pause"
    QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Paused, 10000);
    const long long paused = c->step();
    const int points = w.trainingPanel()->curvePoints();
    QTest::qWait(300);
    QCOMPARE(c->step(), paused);  // really paused
    QCOMPARE(w.trainingPanel()->curvePoints(), points);

    const int snapshots = w.explorer()->timelineSize();
    QTest::mouseClick(w.findChild<QPushButton*>("stepButton"), Qt::LeftButton);
    QTRY_COMPARE(c->step(), paused + 1);
    QTRY_COMPARE(c->state(), State::Paused);
    QTRY_VERIFY(w.explorer()->timelineSize() > snapshots);  // the view shows the stepped table
    QTRY_COMPARE(w.explorer()->currentSnapshot()->step, paused + 1);
    QTest::mouseClick(w.findChild<QPushButton*>("step10Button"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(c->step(), paused + 11, 15000);
    QTRY_COMPARE(c->state(), State::Paused);
    QTest::qWait(200);
    QCOMPARE(c->step(), paused + 11);

    QTest::mouseClick(w.findChild<QPushButton*>("resetButton"), Qt::LeftButton);
    QTRY_COMPARE(c->state(), State::Idle);
    QCOMPARE(c->step(), 0LL);
    QCOMPARE(w.trainingPanel()->curvePoints(), 0);
  }
};

QTEST_MAIN(TestSkipGramExplorer)
#include "test_skipgram_explorer.moc"
