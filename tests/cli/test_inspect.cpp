// `embedscope inspect`: the JSON contract (format, shape, dtype, vocabulary size, norms, NaNs; Keras
// files list their Embedding layers), the human output, and errors with their exit codes.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <fstream>

#include "support/test_support.h"

using namespace embedscope::testing;

namespace {
QJsonObject parseJson(const ProcessResult& r) {
  QJsonParseError e;
  const auto doc = QJsonDocument::fromJson(r.out.toUtf8(), &e);
  if (e.error != QJsonParseError::NoError) qWarning("bad JSON: %s\n%s", qPrintable(e.errorString()), qPrintable(r.out));
  return doc.object();
}
}  // namespace

class TestInspect : public QObject {
  Q_OBJECT
 private slots:
  void npyJson() {
    QTemporaryDir dir;
    const QString p = dir.filePath("t.npy");
    auto py = runPython("import numpy as np, sys\na = np.zeros((5, 4), '>f8'); a[1] = [3, 4, 0, 0]; a[2, 0] = np.nan\n"
                        "np.save(sys.argv[1], np.asfortranarray(a))\n",
                        {p});
    QVERIFY2(py.exitCode == 0, qPrintable(py.err));
    auto r = runCli({"inspect", p, "--json"});
    QCOMPARE(r.exitCode, 0);
    const QJsonObject o = parseJson(r);
    QCOMPARE(o["format"].toString(), QString("npy"));
    QCOMPARE(o["shape"].toArray(), (QJsonArray{5, 4}));
    QCOMPARE(o["dtype"].toString(), QString("float64"));
    QCOMPARE(o["nan_count"].toInt(), 1);
    QCOMPARE(o["zero_rows"].toInt(), 3);
    QCOMPARE(o["norms"].toObject()["max"].toDouble(), 5.0);
    QCOMPARE(o["fortran_order"].toBool(), true);
    QCOMPARE(o["byte_order"].toString(), QString("big"));
  }

  void word2vecHuman() {
    QTemporaryDir dir;
    const QString p = dir.filePath("w.txt");
    std::ofstream(p.toStdString()) << "3 2\n[PAD] 0 0\n[UNK] 1 1\ncat 3 4\n";
    auto r = runCli({"inspect", p});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("format:      word2vec"), qPrintable(r.out));
    QVERIFY(r.out.contains("shape:       (3, 2)"));
    QVERIFY(r.out.contains("vocabulary:  3 tokens, padding row 0, OOV row 1"));
    auto j = parseJson(runCli({"inspect", p, "--json"}));
    QCOMPARE(j["vocabulary_size"].toInt(), 3);
    QCOMPARE(j["padding_row"].toInt(), 0);
  }

  void kerasWeightsListEmbeddings() {
    QTemporaryDir dir;
    const QString p = dir.filePath("m.weights.h5");
    auto py = runPython(
        "import h5py, numpy as np, sys\n"
        "with h5py.File(sys.argv[1], 'w') as f:\n"
        "    f.create_group('vars').attrs['name'] = 'clf'\n"
        "    for key, name, shape in (('embedding', 'tokens', (50, 8)), ('embedding_1', 'positions', (12, 8)), ('dense', 'head', (8, 2))):\n"
        "        g = f.create_group('layers/' + key + '/vars'); g.attrs['name'] = name; g['0'] = np.ones(shape, np.float32)\n",
        {p});
    QVERIFY2(py.exitCode == 0, qPrintable(py.err));
    auto r = runCli({"inspect", p, "--json"});
    QCOMPARE(r.exitCode, 0);
    const QJsonObject o = parseJson(r);
    QCOMPARE(o["format"].toString(), QString("weights.h5"));
    const QJsonArray e = o["embeddings"].toArray();
    QCOMPARE(e.size(), 2);
    QCOMPARE(e[0].toObject()["name"].toString(), QString("tokens"));
    QCOMPARE(e[0].toObject()["shape"].toArray(), (QJsonArray{50, 8}));
    QCOMPARE(e[1].toObject()["name"].toString(), QString("positions"));
    QCOMPARE(e[1].toObject()["shape"].toArray(), (QJsonArray{12, 8}));
    // One layer named: its own figures.
    auto one = parseJson(runCli({"inspect", p + "::positions", "--json"}));
    QCOMPARE(one["shape"].toArray(), (QJsonArray{12, 8}));
    QCOMPARE(one["dtype"].toString(), QString("float32"));
    auto human = runCli({"inspect", p});
    QVERIFY2(human.out.contains("tokens") && human.out.contains("(50, 8)") && human.out.contains("::LAYER"), qPrintable(human.out));
  }

  void errors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exit");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing file") << QStringList{"inspect", "/nonexistent/x.npy"} << 1 << "cannot open /nonexistent/x.npy";
    QTest::newRow("unknown extension") << QStringList{"inspect", "x.foo"} << 2 << "cannot tell the format";
    QTest::newRow("unknown --from") << QStringList{"inspect", "x.txt", "--from", "nope"} << 2 << "unknown format 'nope'";
    QTest::newRow("no path") << QStringList{"inspect"} << 2 << "inspect takes one PATH";
  }
  void errors() {
    QFETCH(QStringList, args);
    QFETCH(int, exit);
    QFETCH(QString, message);
    auto r = runCli(args);
    QCOMPARE(r.exitCode, exit);
    QVERIFY2(r.err.startsWith("embedscope: error: "), qPrintable(r.err));
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
  }

  void hostileFileIsAnErrorWithOffset() {
    QTemporaryDir dir;
    const QString p = dir.filePath("bad.npy");
    std::ofstream(p.toStdString(), std::ios::binary) << std::string("\x93NUMPY\x01\x00\x76\x00", 10)
                                                     << "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 300), }"
                                                     << std::string(44, ' ') << "\n";
    auto r = runCli({"inspect", p});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("bad.npy: offset 128: truncated"), qPrintable(r.err));
  }
};

QTEST_GUILESS_MAIN(TestInspect)
#include "test_inspect.moc"
