// `embedscope train` end to end: presets, the --metrics keys, --save formats, checkpoints and
// --resume, Ctrl-C, and every bad input exiting 2 (configuration) or 1 (data) with its message and
// nothing written.
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

QString npy(const QTemporaryDir& dir, const QString& name, const QString& pythonExpr) {
  const QString path = dir.filePath(name);
  auto r = runPython("import numpy as np, sys; np.save(sys.argv[1], " + pythonExpr + ")", {path});
  if (r.exitCode != 0) qFatal("python: %s", qPrintable(r.err));
  return path;
}

}  // namespace

class TestTrain : public QObject {
  Q_OBJECT
 private slots:
  void presetsWriteMetricsAndTables_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("saveName");
    QTest::addColumn<int>("rows");
    QTest::newRow("classify sentiment to word2vec text")
        << QStringList{"--task", "classify", "--preset", "sentiment", "--epochs", "3"} << "t.vec" << -1;
    QTest::newRow("regression keras-example to npy")
        << QStringList{"--task", "regression", "--preset", "keras-example", "--epochs", "2", "--validation-split", "0.1"}
        << "t.npy" << 1000;
  }
  void presetsWriteMetricsAndTables() {
    QFETCH(QStringList, args);
    QFETCH(QString, saveName);
    QFETCH(int, rows);
    QTemporaryDir dir;
    const QString save = dir.filePath(saveName), metrics = dir.filePath("m.json");
    auto r = runCli(QStringList{"train"} + args + QStringList{"--save", save, "--metrics", metrics, "--seed", "3"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QFile f(metrics);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto doc = QJsonDocument::fromJson(f.readAll()).object();
    for (const char* key : {"task", "engine", "device", "seed", "steps", "seconds", "epochs", "examples_per_second"})
      QVERIFY2(doc.contains(key), key);
    QCOMPARE(doc["engine"].toString(), QString("cpu"));
    QCOMPARE(doc["seed"].toInt(), 3);
    const auto epochs = doc["epochs"].toArray();
    QCOMPARE(epochs.size(), args[args.indexOf("--epochs") + 1].toInt());
    for (const char* key : {"epoch", "loss", "metric", "val_loss", "val_metric", "seconds"})
      QVERIFY2(epochs[0].toObject().contains(key), key);
    QVERIFY(epochs[0].toObject()["val_loss"].isDouble());
    QVERIFY(doc["examples_per_second"].toDouble() > 0);
    if (saveName.endsWith(".npy")) {
      auto p = runPython("import numpy as np, sys; a = np.load(sys.argv[1]); print(a.shape[0], a.shape[1], a.dtype)", {save});
      QCOMPARE(p.out.trimmed(), QString("%1 64 float32").arg(rows));
    } else {
      QFile v(save);
      QVERIFY(v.open(QIODevice::ReadOnly));
      const QString header = QString::fromUtf8(v.readLine()).trimmed();
      QVERIFY(header.endsWith(" 16"));
      QVERIFY(QString::fromUtf8(v.readLine()).startsWith("[PAD] "));
    }
  }

  void badInputExitsWithItsMessageAndWritesNothing_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    const QStringList cls{"--task", "classify", "--preset", "sentiment"};
    QTest::newRow("no task") << QStringList{} << 2 << "the following arguments are required: --task";
    QTest::newRow("unknown task") << QStringList{"--task", "x"} << 2 << "argument --task: invalid choice: 'x'";
    QTest::newRow("unknown flag") << (cls + QStringList{"--bogus"}) << 2 << "unrecognized argument: --bogus";
    QTest::newRow("input_dim 0") << (cls + QStringList{"--input-dim", "0"}) << 2
                                 << "`input_dim` must be a positive integer. Received: input_dim=0 (of type int).";
    QTest::newRow("float output_dim") << (cls + QStringList{"--output-dim", "3.7"}) << 2
                                      << "`output_dim` must be a positive integer. Received: output_dim=3.7 (of type float).";
    QTest::newRow("unknown initializer") << (cls + QStringList{"--embeddings-initializer", "foo"}) << 2
                                         << "Could not interpret initializer identifier: foo";
    QTest::newRow("argument the optimizer lacks") << (cls + QStringList{"--optimizer", "adam", "--rho", "0.5"}) << 2
                                                  << "Adam.__init__() got an unexpected keyword argument 'rho'";
    QTest::newRow("lora with a constraint") << (cls + QStringList{"--lora-rank", "2", "--embeddings-constraint", "non_neg"})
                                            << 2 << "Lora is incompatible with embedding constraints";
    QTest::newRow("validation split 1") << (cls + QStringList{"--validation-split", "1"}) << 2 << "`validation_split`";
    QTest::newRow("unknown preset") << QStringList{"--task", "classify", "--preset", "nope"} << 2 << "unknown preset 'nope'";
    QTest::newRow("bad engine") << (cls + QStringList{"--engine", "tpu"}) << 2 << "argument --engine: invalid choice: 'tpu'";
    QTest::newRow("bad save extension") << (cls + QStringList{"--save", "@DIR@/t.bin"}) << 2 << "unknown extension '.bin'";
    QTest::newRow("input_dim below the vocabulary") << (cls + QStringList{"--input-dim", "10"}) << 1 << "is not in [0, 10)";
    QTest::newRow("missing TSV") << QStringList{"--task", "classify", "--data", "@DIR@/none.tsv", "--output-dim", "8"} << 1
                                 << "cannot open";
    QTest::newRow("TSV without tabs") << QStringList{"--task", "classify", "--data", "@DIR@/bad.tsv", "--output-dim", "8"}
                                      << 1 << "bad.tsv:2: expected `label<TAB>text`, found no tab";
    QTest::newRow("id out of range") << QStringList{"--task", "regression", "--ids", "@DIR@/ids.npy", "--targets",
                                                    "@DIR@/y.npy", "--input-dim", "5"}
                                     << 1 << "indices[1,2] = 7 is not in [0, 5)";
    QTest::newRow("targets of the wrong shape") << QStringList{"--task", "regression", "--ids", "@DIR@/ids.npy", "--targets",
                                                               "@DIR@/y2.npy"}
                                                << 1 << "targets must have shape (N, L, output_dim)";
  }
  void badInputExitsWithItsMessageAndWritesNothing() {
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    QTemporaryDir dir;
    writeFile(dir, "bad.tsv", "pos\tgood\nneg bad\n");
    npy(dir, "ids.npy", "np.array([[1, 2, 3], [4, 0, 7]])");
    npy(dir, "y.npy", "np.zeros((2, 3, 4), np.float32)");
    npy(dir, "y2.npy", "np.zeros((2, 4), np.float32)");
    for (auto& a : args) a.replace("@DIR@", dir.path());
    const QString save = dir.filePath("out.npy"), metrics = dir.filePath("m.json");
    QStringList full{"train"};
    full += args;
    if (!args.contains("--save")) full += QStringList{"--save", save};
    full += QStringList{"--metrics", metrics};
    auto r = runCli(full);
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY2(r.err.contains("embedscope: error: "), qPrintable(r.err));
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QVERIFY(!QFile::exists(save));
    QVERIFY(!QFile::exists(metrics));
    QVERIFY(!QFile::exists(dir.filePath("t.bin")));
  }

  void tsvTrainsWithWarningsForEmptyExamples() {
    QTemporaryDir dir;
    QByteArray tsv;
    for (int i = 0; i < 60; ++i) tsv += (i % 2 ? "pos\tgood fine film " : "neg\tbad dull film ") + QByteArray::number(i) + "\n";
    tsv += "neg\t!!!\n";
    const QString data = writeFile(dir, "d.tsv", tsv);
    const QString save = dir.filePath("t.npy");
    auto r = runCli({"train", "--task", "classify", "--data", data, "--output-dim", "8", "--max-length", "3", "--mask-zero",
                     "--epochs", "2", "--save", save, "--quiet"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(r.err.contains("embedscope: warning: "));
    QVERIFY(r.err.contains("1 example has no tokens and was dropped (line 61)"));
    // input_dim defaults to the vocabulary size: [PAD], [UNK], film, bad, dull, fine, good, 0..59.
    auto p = runPython("import numpy as np, sys; print(np.load(sys.argv[1]).shape)", {save});
    QCOMPARE(p.out.trimmed(), QString("(67, 8)"));
  }

  void checkpointAndResumeMatchAnUninterruptedRun() {
    QTemporaryDir dir;
    const QStringList base{"train", "--task", "classify", "--preset", "sentiment", "--seed", "5", "--quiet"};
    auto whole = runCli(base + QStringList{"--epochs", "4", "--save", dir.filePath("whole.npy")});
    QVERIFY2(whole.exitCode == 0, qPrintable(whole.err));
    auto first = runCli(base + QStringList{"--epochs", "2", "--checkpoint", dir.filePath("run.embscope")});
    QVERIFY2(first.exitCode == 0, qPrintable(first.err));
    auto second = runCli(base + QStringList{"--epochs", "4", "--resume", dir.filePath("run.embscope"), "--save",
                                            dir.filePath("resumed.npy"), "--metrics", dir.filePath("m.json")});
    QVERIFY2(second.exitCode == 0, qPrintable(second.err));
    auto p = runPython("import numpy as np, sys; print(np.array_equal(np.load(sys.argv[1]), np.load(sys.argv[2])))",
                       {dir.filePath("whole.npy"), dir.filePath("resumed.npy")});
    QCOMPARE(p.out.trimmed(), QString("True"));
    QFile f(dir.filePath("m.json"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(f.readAll()).object()["epochs"].toArray().size(), 4);
  }

  void loraSavesTheMergedTable() {
    QTemporaryDir dir;
    const QString save = dir.filePath("t.npy"), ckpt = dir.filePath("c.embscope");
    auto r = runCli({"train", "--task", "classify", "--preset", "sentiment", "--lora-rank", "2", "--lora-alpha", "4",
                     "--epochs", "2", "--save", save, "--checkpoint", ckpt, "--quiet"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    // The session file holds E, A and B; the saved table must be E + (alpha/rank)·A·B.
    auto check = runPython(
        "import numpy as np, sys, struct\n"
        "d = open(sys.argv[1], 'rb').read()\n"
        "assert d.startswith(b'EMBEDSCOPE-SESSION\\n')\n"
        "p = len(b'EMBEDSCOPE-SESSION\\n') + 4\n"
        "n, = struct.unpack_from('<I', d, p); p += 4\n"
        "arrs = {}\n"
        "for _ in range(n):\n"
        "  kind = d[p:p+1]; p += 1\n"
        "  kl, = struct.unpack_from('<I', d, p); p += 4\n"
        "  key = d[p:p+kl].decode(); p += kl\n"
        "  if kind == b'T':\n"
        "    l, = struct.unpack_from('<Q', d, p); p += 8 + l\n"
        "  else:\n"
        "    dt, rank = d[p], d[p+1]; p += 2\n"
        "    dims = struct.unpack_from('<%dq' % rank, d, p); p += 8 * rank\n"
        "    l, = struct.unpack_from('<Q', d, p); p += 8\n"
        "    if dt == 10: arrs[key] = np.frombuffer(d[p:p+l], '<f4').reshape(dims)\n"
        "    p += l\n"
        "  p += 4\n"
        "E, A, B = arrs['weights/embeddings'], arrs['weights/lora_a'], arrs['weights/lora_b']\n"
        "t = np.load(sys.argv[2])\n"
        "print(A.shape[1], np.abs(B).max() > 0, np.allclose(t, E + 2.0 * A @ B, atol=1e-5))\n",
        {ckpt, save});
    QVERIFY2(check.exitCode == 0, qPrintable(check.err));
    QCOMPARE(check.out.trimmed(), QString("2 True True"));
  }

  void ctrlCSavesWhatItHasAndExits130() {
    QTemporaryDir dir;
    const QString save = dir.filePath("t.npy"), metrics = dir.filePath("m.json");
    QProcess p;
    p.start(embedscopeBin(), {"train", "--task", "regression", "--preset", "keras-example", "--epochs", "100000", "--save",
                              save, "--metrics", metrics, "--quiet"});
    QVERIFY(p.waitForStarted());
    QTest::qWait(700);
    ::kill(static_cast<pid_t>(p.processId()), SIGINT);
    QVERIFY(p.waitForFinished(20000));
    QCOMPARE(p.exitCode(), 130);
    QVERIFY(QFile::exists(save));
    QVERIFY(QFile::exists(metrics));
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains("interrupted"));
  }
};

QTEST_GUILESS_MAIN(TestTrain)
#include "test_train.moc"
