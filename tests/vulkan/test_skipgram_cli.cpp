// `embedscope train --task skipgram --engine vulkan` end to end on the device the engine uses:
// the topics preset trains to neighbour purity@10 >= 0.8 (scored by numpy from the saved word2vec
// text, not by the engine), the metrics name the Vulkan engine and device, the child process's
// validation layer stays silent; a Ctrl-C after a checkpoint and --resume finish the run on the
// device.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <csignal>

#include "tests/support/test_support.h"
#include "tests/support/vulkan_test_main.h"

using embedscope::testing::runCli;
using embedscope::testing::runPython;

class TestSkipGramCli : public QObject {
  Q_OBJECT
 private slots:
  void topicsOnVulkan() {
    QTemporaryDir dir;
    const QString vec = dir.filePath("t.vec"), metrics = dir.filePath("m.json");
    auto r = runCli({"train", "--task", "skipgram", "--preset", "topics", "--engine", "vulkan", "--epochs", "1",
                     "--output-dim", "24", "--seed", "2", "--save", vec, "--metrics", metrics, "--quiet"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(!r.err.contains("validation"), qPrintable(r.err));
    QFile m(metrics);
    QVERIFY(m.open(QIODevice::ReadOnly));
    const auto doc = QJsonDocument::fromJson(m.readAll()).object();
    QCOMPARE(doc["engine"].toString(), QString("vulkan"));
    QVERIFY(!doc["device"].toString().isEmpty());
    QVERIFY(doc["words_per_second"].toDouble() > 0);
    // Purity@10 of the topic words, computed here from the text file: the preset's topic words are
    // TOPIC + CONCEPT (+ he|she) for its first 16 topic names (engine/data/topics_preset.cpp), and
    // a word's 10 nearest by cosine (reserved rows excluded) should share its topic.
    auto p = runPython(
        "import numpy as np, sys, re\n"
        "lines = open(sys.argv[1], encoding='utf-8').read().split('\\n')[1:]\n"
        "words, rows = [], []\n"
        "for l in lines:\n"
        "  if not l.strip(): continue\n"
        "  t = l.split(' ')\n"
        "  words.append(t[0]); rows.append([float(x) for x in t[1:]])\n"
        "E = np.array(rows); E /= np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1e-12)\n"
        "names = 'ocean forest music sport kitchen space city farm school doctor storm garden train castle desert market'\n"
        "pat = re.compile('^(' + '|'.join(names.split()) + ')(ka|lo|mi|ru|te|zu|ne|po|si|va|do|fe)(he|she)?$')\n"
        "topic = {w: pat.match(w).group(1) for w in words if pat.match(w)}\n"
        "idx = [i for i, w in enumerate(words) if w in topic]\n"
        "S = E @ E.T\n"
        "tot = 0.0\n"
        "for i in idx:\n"
        "  s = S[i].copy(); s[i] = -9; s[:2] = -9\n"
        "  nn = np.argsort(-s)[:10]\n"
        "  tot += sum(1 for j in nn if topic.get(words[j]) == topic[words[i]]) / 10\n"
        "print(len(idx), tot / max(1, len(idx)))\n",
        {vec});
    QVERIFY2(p.exitCode == 0, qPrintable(p.err));
    const QStringList parts = p.out.trimmed().split(' ');
    QCOMPARE(parts.size(), 2);
    qInfo("topic words %s, purity@10 %s", qPrintable(parts[0]), qPrintable(parts[1]));
    QVERIFY(parts[0].toInt() > 100);
    QVERIFY2(parts[1].toDouble() >= 0.8, qPrintable(p.out));
  }

  void ctrlCThenResumeOnVulkan() {
    QTemporaryDir dir;
    const QStringList base{"train", "--task", "skipgram", "--preset", "topics", "--engine", "vulkan", "--epochs", "2",
                           "--output-dim", "16", "--seed", "4", "--quiet"};
    const QString ckpt = dir.filePath("run.embscope");
    QProcess p;
    p.start(embedscope::testing::embedscopeBin(),
            base + QStringList{"--checkpoint", ckpt, "--checkpoint-every", "5", "--save", dir.filePath("stopped.npy")});
    QVERIFY(p.waitForStarted());
    QElapsedTimer t;
    t.start();
    while (!QFile::exists(ckpt) && t.elapsed() < 60000 && p.state() == QProcess::Running) QTest::qWait(5);
    ::kill(static_cast<pid_t>(p.processId()), SIGINT);
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 130);
    auto resumed = runCli(base + QStringList{"--resume", ckpt, "--save", dir.filePath("resumed.npy"), "--metrics",
                                             dir.filePath("m.json")});
    QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.err));
    QVERIFY2(!resumed.err.contains("validation"), qPrintable(resumed.err));
    QFile m(dir.filePath("m.json"));
    QVERIFY(m.open(QIODevice::ReadOnly));
    const auto doc = QJsonDocument::fromJson(m.readAll()).object();
    QCOMPARE(doc["engine"].toString(), QString("vulkan"));
    QCOMPARE(doc["epochs"].toArray().size(), 2);
    QVERIFY(QFile::exists(dir.filePath("resumed.npy")));
  }
};

EMBEDSCOPE_VULKAN_TEST_MAIN(TestSkipGramCli)
#include "test_skipgram_cli.moc"
