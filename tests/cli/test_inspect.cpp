// `embedscope inspect`: the JSON contract (format, shape, dtype, vocabulary size, norms, NaNs; Keras
// files list their Embedding layers), the human output, and errors with their exit codes.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <cmath>
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

  // The dtype is what the file stores: an .npz member's own, text parsed to float32.
  void dtypeIsWhatTheFileStores_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("dtype");
    QTest::addColumn<QString>("array");
    QTest::newRow("npz float64 embeddings") << "t.npz" << QStringList{} << "float64" << "array 'embeddings' of";
    QTest::newRow("npz int16 member named") << "t.npz::counts2d" << QStringList{} << "int16" << "array 'counts2d' of";
    QTest::newRow("word2vec text") << "t.txt" << QStringList{} << "float32 (parsed from text)" << "";
    QTest::newRow("fasttext") << "t.vec" << QStringList{} << "float32 (parsed from text)" << "";
    QTest::newRow("glove") << "g.txt" << QStringList{"--from", "glove"} << "float32 (parsed from text)" << "";
    QTest::newRow("projector tsv") << "vectors.tsv" << QStringList{} << "float32 (parsed from text)" << "";
    QTest::newRow("csv") << "t.csv" << QStringList{} << "float32 (parsed from text)" << "";
    QTest::newRow("word2vec binary") << "t.bin" << QStringList{} << "float32" << "";
  }
  void dtypeIsWhatTheFileStores() {
    QFETCH(QString, file);
    QFETCH(QStringList, extra);
    QFETCH(QString, dtype);
    QFETCH(QString, array);
    QTemporaryDir dir;
    auto py = runPython(R"PY(
import numpy as np, sys, os
d = sys.argv[1]
e = np.arange(12, dtype=np.float64).reshape(4, 3) / 8
np.savez(os.path.join(d, "t.npz"), embeddings=e, counts2d=np.arange(6, dtype=np.int16).reshape(3, 2))
rows = ["a", "b", "c", "d"]
text = "".join(r + " " + " ".join(str(x) for x in v) + "\n" for r, v in zip(rows, e))
open(os.path.join(d, "t.txt"), "w").write("4 3\n" + text)
open(os.path.join(d, "t.vec"), "w").write("4 3\n" + text)
open(os.path.join(d, "g.txt"), "w").write(text)
open(os.path.join(d, "vectors.tsv"), "w").write("".join("\t".join(str(x) for x in v) + "\n" for v in e))
open(os.path.join(d, "t.csv"), "w").write("".join(",".join(str(x) for x in v) + "\n" for v in e))
with open(os.path.join(d, "t.bin"), "wb") as f:
    f.write(b"4 3\n")
    for r, v in zip(rows, e): f.write(r.encode() + b" " + v.astype("<f4").tobytes() + b"\n")
)PY",
                        {dir.path()});
    QVERIFY2(py.exitCode == 0, qPrintable(py.err));
    auto r = runCli(QStringList{"inspect", dir.filePath(file), "--json"} + extra);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QJsonObject o = parseJson(r);
    QCOMPARE(o["dtype"].toString(), dtype);
    QCOMPARE(o["matrix_dtype"].toString(), QString("float32"));
    if (!array.isEmpty()) QVERIFY2(o["array"].toString().startsWith(array), qPrintable(o["array"].toString()));
    auto human = runCli(QStringList{"inspect", dir.filePath(file)} + extra);
    QVERIFY2(human.out.contains("dtype:       " + dtype + "\n"), qPrintable(human.out));
  }

  void quantizedKerasTableSaysSo() {
    QTemporaryDir dir;
    const QString p = dir.filePath("q.weights.h5");
    auto py = runPython(
        "import h5py, numpy as np, sys\n"
        "E = np.linspace(-0.05, 0.05, 40, dtype=np.float32).reshape(10, 4)\n"
        "scale = (127 / (np.abs(E).max(axis=-1) + 1e-7)).astype(np.float32)\n"
        "q = np.clip(np.round(E * scale[:, None]), -127, 127).astype(np.int8)\n"
        "with h5py.File(sys.argv[1], 'w') as f:\n"
        "    g = f.create_group('layers/embedding/vars'); g.attrs['name'] = 'tokens'\n"
        "    g['0'] = q; g['1'] = scale\n",
        {p});
    QVERIFY2(py.exitCode == 0, qPrintable(py.err));
    auto r = runCli({"inspect", p, "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QJsonObject o = parseJson(r);
    QCOMPARE(o["dtype"].toString(), QString("int8"));
    QCOMPARE(o["shape"].toArray(), (QJsonArray{10, 4}));
    const QJsonObject q = o["quantization"].toObject();
    QCOMPARE(q["mode"].toString(), QString("int8"));
    QCOMPARE(q["scale_shape"].toArray(), (QJsonArray{10}));
    QCOMPARE(q["dequantized"].toBool(), true);
    const QJsonObject e = o["embeddings"].toArray()[0].toObject();
    QCOMPARE(e["quantization"].toObject()["mode"].toString(), QString("int8"));
    // Dequantized values are back near the original +-0.05, not the int8 codes.
    QVERIFY2(std::abs(o["value_range"].toArray()[1].toDouble() - 0.05) < 1e-3, qPrintable(r.out));
    auto human = runCli({"inspect", p});
    QVERIFY2(human.out.contains("dtype:       int8 (int8-quantized, scale (10,), read dequantized"), qPrintable(human.out));
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
