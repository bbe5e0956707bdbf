// `embedscope train --task skipgram` end to end: the topics preset and a UTF-8 file train and
// write word2vec text plus the metrics keys; bad UTF-8 exits 1 naming the byte offset, a bad
// configuration exits 2, and neither writes anything. --checkpoint / --resume: a run stopped by
// Ctrl-C after a checkpoint and resumed saves the same table, byte for byte, as an uninterrupted
// run on one thread; resuming with another configuration exits 2.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <csignal>

#include "support/test_support.h"

using namespace embedscope::testing;

namespace {
QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& content) {
  const QString path = dir.filePath(name);
  QFile f(path);
  f.open(QIODevice::WriteOnly);
  f.write(content);
  return path;
}
}  // namespace

class TestTrainSkipgram : public QObject {
  Q_OBJECT
 private slots:
  void presetToWord2vecText() {
    QTemporaryDir dir;
    const QString save = dir.filePath("topics.vec"), metrics = dir.filePath("m.json");
    auto r = runCli({"train", "--task", "skipgram", "--preset", "topics", "--epochs", "2", "--output-dim", "32",
                     "--threads", "2", "--save", save, "--metrics", metrics, "--seed", "5"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QFile f(save);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> header = f.readLine().trimmed().split(' ');
    QCOMPARE(header.size(), 2);
    QVERIFY(header[0].toInt() > 300);  // the preset's ~316 ids
    QCOMPARE(header[1].toInt(), 32);
    QFile m(metrics);
    QVERIFY(m.open(QIODevice::ReadOnly));
    const auto doc = QJsonDocument::fromJson(m.readAll()).object();
    for (const char* key : {"task", "engine", "device", "seed", "steps", "seconds", "epochs", "words_per_second"})
      QVERIFY2(doc.contains(key), key);
    QCOMPARE(doc["task"].toString(), QString("skipgram"));
    QCOMPARE(doc["epochs"].toArray().size(), 2);
    QVERIFY(doc["words_per_second"].toDouble() > 0);
  }

  void corpusFile() {
    QTemporaryDir dir;
    QByteArray text;
    for (int i = 0; i < 400; ++i) text += "Der Hund läuft. Le chien court! Собака бежит.\n";
    const QString corpus = writeFile(dir, "c.txt", text), save = dir.filePath("c.npy");
    auto r = runCli({"train", "--task", "skipgram", "--corpus", corpus, "--epochs", "1", "--output-dim", "8",
                     "--min-count", "1", "--save", save});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(QFile::exists(save));
  }

  void badInputWritesNothing_data() {
    QTest::addColumn<QByteArray>("corpus");
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    QTest::newRow("invalid UTF-8 is a data error")
        << QByteArray("fine text\nbad \xC3\x28 here\n") << QStringList{} << 1 << "invalid UTF-8 at byte 14";
    QTest::newRow("window 0 is a configuration error")
        << QByteArray("a b c\n") << QStringList{"--window", "0"} << 2 << "`window` must be a positive integer";
    QTest::newRow("no word reaches min_count")
        << QByteArray("a b c\n") << QStringList{"--min-count", "5"} << 1 << "nothing to train on";
  }
  void badInputWritesNothing() {
    QFETCH(QByteArray, corpus);
    QFETCH(QStringList, extra);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const QString path = writeFile(dir, "c.txt", corpus), save = dir.filePath("out.vec"),
                  metrics = dir.filePath("m.json");
    auto r = runCli(QStringList{"train", "--task", "skipgram", "--corpus", path, "--save", save, "--metrics", metrics} +
                    extra);
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QVERIFY2(r.err.startsWith("embedscope: error: "), qPrintable(r.err));
    QVERIFY(!QFile::exists(save));
    QVERIFY(!QFile::exists(metrics));
  }

  void ctrlCThenResumeEqualsAnUninterruptedRun() {
    QTemporaryDir dir;
    const QStringList base{"train", "--task", "skipgram", "--preset", "topics", "--epochs", "3", "--output-dim", "16",
                           "--seed", "7", "--threads", "1", "--quiet"};
    auto whole = runCli(base + QStringList{"--save", dir.filePath("whole.npy")});
    QVERIFY2(whole.exitCode == 0, qPrintable(whole.err));

    const QString ckpt = dir.filePath("run.embscope");
    QProcess p;
    p.start(embedscopeBin(), base + QStringList{"--checkpoint", ckpt, "--checkpoint-every", "5", "--save",
                                                dir.filePath("stopped.npy")});
    QVERIFY(p.waitForStarted());
    // Ctrl-C as soon as the first checkpoint (50,000 words of ~3 million) is on disk.
    QElapsedTimer t;
    t.start();
    while (!QFile::exists(ckpt) && t.elapsed() < 20000 && p.state() == QProcess::Running) QTest::qWait(5);
    ::kill(static_cast<pid_t>(p.processId()), SIGINT);
    QVERIFY(p.waitForFinished(20000));
    QCOMPARE(p.exitCode(), 130);
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains("interrupted"));

    auto resumed = runCli(base + QStringList{"--resume", ckpt, "--save", dir.filePath("resumed.npy"), "--metrics",
                                             dir.filePath("m.json")});
    QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.err));
    auto bytes = [](const QString& path) {
      QFile f(path);
      return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    };
    QVERIFY(!bytes(dir.filePath("whole.npy")).isEmpty());
    QVERIFY(bytes(dir.filePath("stopped.npy")) != bytes(dir.filePath("whole.npy")));
    QVERIFY(bytes(dir.filePath("resumed.npy")) == bytes(dir.filePath("whole.npy")));
    QFile m(dir.filePath("m.json"));
    QVERIFY(m.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(m.readAll()).object()["epochs"].toArray().size(), 3);

    // Another window changes the run: refused as a configuration error, nothing written.
    auto other = runCli(base + QStringList{"--window", "3", "--resume", ckpt, "--save", dir.filePath("other.npy")});
    QCOMPARE(other.exitCode, 2);
    QVERIFY2(other.err.contains("must repeat the configuration"), qPrintable(other.err));
    QVERIFY(!QFile::exists(dir.filePath("other.npy")));
  }
};

QTEST_GUILESS_MAIN(TestTrainSkipgram)
#include "test_train_skipgram.moc"
