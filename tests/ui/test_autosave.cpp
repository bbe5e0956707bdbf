// Autosave and crash restore (issue 8): the real `embedscope` window trains, autosaves every
// interval, is killed with SIGKILL, and the next start restores the autosave and continues the
// run from the saved step with the saved table. Also: a declined restore forgets the files, a
// clean exit leaves nothing behind, and bookmarks and the selection survive in a session file.
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLabel>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "engine/io/session_file.h"
#include "engine/io/session_marks.h"
#include "tests/support/test_support.h"
#include "ui/controllers/autosave_store.h"
#include "ui/controllers/training_controller.h"
#include "ui/explorer_app.h"
#include "ui/main_window.h"
#include "ui/panels/task_panel.h"
#include "ui/views/embedding_explorer.h"

using namespace embedscope;
using namespace embedscope::ui;
using State = TrainingController::State;

namespace {

constexpr int kIntervalMs = 400;

long long stepOf(const io::SessionFile& f) {
  return QString::fromStdString(f.textOr(io::session_keys::kStep, "-1")).toLongLong();
}

}  // namespace

class TestAutosave : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QSettings().clear();
    initResources();
    qputenv("EMBEDSCOPE_AUTOSAVE_INTERVAL_MS", QByteArray::number(kIntervalMs));
  }

  void init() {
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    qputenv("EMBEDSCOPE_AUTOSAVE_DIR", m_dir->path().toLocal8Bit());
    qunsetenv("EMBEDSCOPE_RESTORE");
  }

  void killedRunIsRestoredAndContinues() {
    // 1. The real program, training the demo on and on, autosaving every 400 ms.
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    env.insert("EMBEDSCOPE_AUTOSAVE_DIR", m_dir->path());
    env.insert("EMBEDSCOPE_AUTOSAVE_INTERVAL_MS", QString::number(kIntervalMs));
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(testing::embedscopeBin(), {"--demo", "--play", "--max-steps", "100000000", "--no-restore"});
    QVERIFY2(p.waitForStarted(10000), qPrintable(testing::embedscopeBin()));
    const QString name = QString("session-%1").arg(p.processId());
    const QString sessionPath = m_dir->filePath(name + ".embscope");
    // Autosaves keep coming while it trains: wait for one, then for a later one with more steps.
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(sessionPath) && QFileInfo::exists(m_dir->filePath(name + ".running")),
                             30000);
    auto first = io::readSessionFile(sessionPath.toStdString());
    QVERIFY2(first, first ? "" : first.status().message().c_str());
    const long long firstStep = stepOf(*first);
    QTRY_VERIFY_WITH_TIMEOUT(stepOf(io::readSessionFile(sessionPath.toStdString()).value()) > firstStep, 30000);
    QTest::qWait(3 * kIntervalMs);

    // 2. SIGKILL: no destructor, no clean exit; the marker stays and the autosave is whole
    // (written atomically, so it is the last complete one).
    p.kill();
    QVERIFY(p.waitForFinished(10000));
    const QDateTime killedAt = QDateTime::currentDateTime();
    QCOMPARE(p.exitStatus(), QProcess::CrashExit);
    QVERIFY(QFileInfo::exists(m_dir->filePath(name + ".running")));
    auto saved = io::readSessionFile(sessionPath.toStdString());
    QVERIFY2(saved, saved ? "" : saved.status().message().c_str());
    const long long savedStep = stepOf(*saved);
    QVERIFY(savedStep > firstStep);
    const Matrix savedTable = saved->matrix(io::session_keys::kWeights).value();
    // At most the interval lost (plus the time the kill itself took, on a busy machine).
    const qint64 lostMs = QFileInfo(sessionPath).lastModified().msecsTo(killedAt);
    QVERIFY2(lostMs <= kIntervalMs + 1500,
             qPrintable(QString("the last autosave was %1 ms before the kill").arg(lostMs)));
    qInfo("the last autosave before the kill: step %lld, %lld ms old", savedStep, qint64(lostMs));
    const auto crashed = AutosaveStore::crashedSession();
    QVERIFY(crashed);
    QCOMPARE(crashed->sessionPath, QFileInfo(sessionPath).absoluteFilePath());

    // 3. The next start offers the autosave; accepting restores it and training continues.
    qputenv("EMBEDSCOPE_RESTORE", "accept");
    MainWindow w;
    w.show();
    TrainingController* c = w.trainingController();
    SnapshotPtr atRestore;
    connect(c, &TrainingController::snapshotReady, this, [&](const SnapshotPtr& s) {
      if (!atRestore) atRestore = s;
    });
    QVERIFY(w.offerCrashRestore());
    QCOMPARE(w.taskPanel()->settings().maxSteps, 100000000);  // the crashed run's configuration
    QTRY_VERIFY_WITH_TIMEOUT(atRestore != nullptr, 30000);
    QCOMPARE(atRestore->step, savedStep);
    QVERIFY(atRestore->table == savedTable);  // bit for bit the autosaved table
    QCOMPARE(c->state(), State::Running);
    QTRY_VERIFY_WITH_TIMEOUT(c->step() > savedStep + 50, 30000);
    QVERIFY(c->step() >= savedStep);
    // The crashed run's files are gone; this process autosaves the continued run under its own name.
    QVERIFY(!QFileInfo::exists(sessionPath));
    QVERIFY(!QFileInfo::exists(m_dir->filePath(name + ".running")));
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(AutosaveStore::sessionPath()), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(w.findChild<QLabel*>("autosaveLabel")->text().startsWith("autosaved "), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(
        stepOf(io::readSessionFile(AutosaveStore::sessionPath().toStdString()).value()) > savedStep, 10000);
    QVERIFY(!AutosaveStore::crashedSession());  // ours is alive
  }

  void declinedRestoreForgetsTheFiles() {
    // A marker of a process that cannot exist, beside a session: a crashed run.
    io::SessionFile f;
    f.setText(io::session_keys::kStep, "5");
    const QString base = m_dir->filePath("session-999999999");
    QVERIFY(io::writeSessionFile((base + ".embscope").toStdString(), f));
    QFile marker(base + ".running");
    QVERIFY(marker.open(QIODevice::WriteOnly));
    marker.close();
    QVERIFY(AutosaveStore::crashedSession());
    qputenv("EMBEDSCOPE_RESTORE", "decline");
    MainWindow w;
    QVERIFY(!w.offerCrashRestore());
    QVERIFY(!QFileInfo::exists(base + ".embscope"));
    QVERIFY(!QFileInfo::exists(base + ".running"));
    QVERIFY(!AutosaveStore::crashedSession());
  }

  void cleanExitLeavesNothing() {
    {
      MainWindow w;
      w.show();
      w.openDemo(0);
      TaskSettings t = w.taskPanel()->settings();
      t.maxSteps = 100000000;  // still training when the autosaves come
      w.taskPanel()->editSettings(t, "steps");
      QSignalSpy saved(w.trainingController(), &TrainingController::checkpointWritten);
      w.trainingController()->play();
      QTRY_VERIFY_WITH_TIMEOUT(saved.count() >= 2, 20000);
      QCOMPARE(saved.last().at(2).toString(), QString());  // no error
      QVERIFY(QFileInfo::exists(AutosaveStore::sessionPath()));
      QVERIFY(QFileInfo::exists(AutosaveStore::markerPath()));
      w.close();
    }
    QVERIFY(!QFileInfo::exists(AutosaveStore::sessionPath()));
    QVERIFY(!QFileInfo::exists(AutosaveStore::markerPath()));
    QVERIFY(!AutosaveStore::crashedSession());
  }

  void bookmarksAndSelectionPersistInTheSession() {
    const QString path = m_dir->filePath("mine.embscope");
    std::vector<int> selected, bookmarked;
    long long step = 0;
    {
      MainWindow w;
      w.resize(1300, 850);
      w.show();
      w.openDemo(120);
      TrainingController* c = w.trainingController();
      QTRY_VERIFY_WITH_TIMEOUT(c->step() == 120 && c->state() == State::Paused, 30000);
      EmbeddingExplorer* e = w.explorer();
      QTRY_VERIFY_WITH_TIMEOUT(e->projectionsShown() > 0 && !e->projecting(), 15000);
      QVERIFY(e->search("ka", false) > 0);
      bookmarked = e->selectedIds();
      e->addBookmark("ka words");
      e->clearSelection();
      QVERIFY(e->search("bo", false) > 0);
      selected = e->selectedIds();
      QSignalSpy written(c, &TrainingController::checkpointWritten);
      QCOMPARE(w.saveSession(path), QString());
      auto find = [&] {
        for (const auto& args : written)
          if (args.at(1).toString() == path) return args;
        return QList<QVariant>();
      };
      QTRY_VERIFY_WITH_TIMEOUT(!find().isEmpty(), 10000);
      QCOMPARE(find().at(2).toString(), QString());
      step = find().at(0).toLongLong();
      QCOMPARE(step, 120LL);
    }
    auto file = io::readSessionFile(path.toStdString());
    QVERIFY(file);
    // Stored in the session's own format (engine/io/session_marks.h), checked against the table.
    auto marks = io::readBookmarks(*file, 2000);
    QVERIFY2(marks, marks ? "" : marks.status().message().c_str());
    QCOMPARE(marks->size(), std::size_t(1));
    QCOMPARE(QString::fromStdString(marks->front().name), QString("ka words"));
    QCOMPARE(marks->front().selection, std::vector<std::int64_t>(bookmarked.begin(), bookmarked.end()));
    auto sels = io::readSelections(*file, 2000);
    QVERIFY(sels);
    QCOMPARE(sels->size(), std::size_t(1));
    QCOMPARE(sels->front().name, std::string(io::kCurrentSelection));
    QCOMPARE(sels->front().rows, std::vector<std::int64_t>(selected.begin(), selected.end()));

    MainWindow w;
    w.resize(1300, 850);
    w.show();
    QCOMPARE(w.openFile(path), QString());
    EmbeddingExplorer* e = w.explorer();
    QTRY_VERIFY_WITH_TIMEOUT(e->projectionsShown() > 0 && !e->projecting(), 30000);
    QCOMPARE(w.trainingController()->step(), step);
    QCOMPARE(w.trainingController()->state(), State::Paused);
    QCOMPARE(e->bookmarks().size(), 1);
    QCOMPARE(e->bookmarks().front().name, QString("ka words"));
    QTRY_VERIFY(e->selectedIds() == selected);
    e->restoreBookmark(0);
    QVERIFY(e->selectedIds() == bookmarked);  // the bookmark's own selection ("ka")
    QVERIFY(bookmarked != selected);
  }

 private:
  std::unique_ptr<QTemporaryDir> m_dir;
};

QTEST_MAIN(TestAutosave)
#include "test_autosave.moc"
