// `embedscope convert IN OUT`: every readable to every writable format, PATH::LAYER for Keras,
// --from/--to, the real tools reading the results, and nothing written on failure.
#include <QtTest>
#include <fstream>

#include "support/test_support.h"

using namespace embedscope::testing;

class TestConvert : public QObject {
  Q_OBJECT
 private slots:
  void kerasLayerToProjectorAndWord2Vec() {
    QTemporaryDir dir;
    const QString h5 = dir.filePath("m.weights.h5");
    auto py = runPython(
        "import h5py, numpy as np, sys\n"
        "with h5py.File(sys.argv[1], 'w') as f:\n"
        "    f.create_group('vars').attrs['name'] = 'm'\n"
        "    for key, name, k in (('embedding', 'tokens', 0), ('embedding_1', 'positions', 100)):\n"
        "        g = f.create_group('layers/' + key + '/vars'); g.attrs['name'] = name\n"
        "        g['0'] = (np.arange(12, dtype=np.float32).reshape(4, 3) + k)\n",
        {h5});
    QVERIFY2(py.exitCode == 0, qPrintable(py.err));
    const QString tsv = dir.filePath("vectors.tsv");
    auto r = runCli({"convert", h5 + "::positions", tsv});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QFile f(tsv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(f.readLine()).trimmed(), QString("100\t101\t102"));
    const QString w2v = dir.filePath("p.txt");
    QCOMPARE(runCli({"convert", h5 + "::tokens", w2v}).exitCode, 0);
    auto g = runPython("import sys\nfrom gensim.models import KeyedVectors\nkv = KeyedVectors.load_word2vec_format(sys.argv[1])\n"
                       "print(kv.index_to_key, kv['3'].tolist())\n",
                       {w2v});
    QVERIFY2(g.exitCode == 0, qPrintable(g.err));
    QCOMPARE(g.out.trimmed(), QString("['0', '1', '2', '3'] [9.0, 10.0, 11.0]"));
    // Back to a Keras 3 .weights.h5 keeping the layer name, then numpy/h5py see the same table.
    const QString back = dir.filePath("back.weights.h5");
    QCOMPARE(runCli({"convert", h5 + "::positions", back}).exitCode, 0);
    auto chk = runPython("import h5py, sys, numpy as np\nf = h5py.File(sys.argv[1])\n"
                         "print(f['layers/embedding/vars'].attrs['name'], float(f['layers/embedding/vars/0'][3, 2]))\n",
                         {back});
    QCOMPARE(chk.out.trimmed(), QString("positions 111.0"));
    // Several layers and none named: a usage error listing them.
    auto amb = runCli({"convert", h5, dir.filePath("x.npy")});
    QCOMPARE(amb.exitCode, 2);
    QVERIFY2(amb.err.contains("'tokens', 'positions'"), qPrintable(amb.err));
  }

  void gloveTxtNeedsFrom() {
    QTemporaryDir dir;
    const QString in = dir.filePath("glove.txt");
    std::ofstream(in.toStdString()) << "the 0.1 0.2\ncat 0.3 0.4\n";
    const QString out = dir.filePath("g.npz");
    auto bad = runCli({"convert", in, out});
    QCOMPARE(bad.exitCode, 1);
    QVERIFY2(bad.err.contains("--from glove"), qPrintable(bad.err));
    QVERIFY(!QFile::exists(out));
    QCOMPARE(runCli({"convert", in, out, "--from", "glove"}).exitCode, 0);
    auto z = runPython("import numpy as np, sys\nz = np.load(sys.argv[1])\nprint(z['tokens'].tolist(), z['embeddings'].shape)\n", {out});
    QCOMPARE(z.out.trimmed(), QString("['the', 'cat'] (2, 2)"));
    // --from glove with a .txt output keeps GloVe (no header line).
    const QString txt = dir.filePath("again.txt");
    QCOMPARE(runCli({"convert", in, txt, "--from", "glove"}).exitCode, 0);
    QFile f(txt);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(f.readLine()).trimmed(), QString("the 0.1 0.2"));
  }

  void everyPairRoundTrips_data() {
    QTest::addColumn<QString>("mid");
    for (const char* m : {"a.npy", "a.npz", "a.txt", "a.bin", "a.vec", "vectors.tsv", "a.csv", "a.weights.h5"})
      QTest::newRow(m) << QString(m);
  }
  void everyPairRoundTrips() {
    QFETCH(QString, mid);
    QTemporaryDir dir;
    const QString src = dir.filePath("src.npy");
    auto py = runPython("import numpy as np, sys\nnp.save(sys.argv[1], (np.arange(35, dtype=np.float32).reshape(7, 5) / 3) - 4)\n", {src});
    QVERIFY2(py.exitCode == 0, qPrintable(py.err));
    const QString m = dir.filePath(mid), out = dir.filePath("out.npy");
    auto a = runCli({"convert", src, m});
    QVERIFY2(a.exitCode == 0, qPrintable(a.err));
    auto b = runCli({"convert", m, out});
    QVERIFY2(b.exitCode == 0, qPrintable(b.err));
    auto cmp = runPython("import numpy as np, sys\nprint(np.array_equal(np.load(sys.argv[1]), np.load(sys.argv[2])))\n", {src, out});
    QCOMPARE(cmp.out.trimmed(), QString("True"));
  }

  void usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exit");
    QTest::newRow("one path") << QStringList{"convert", "a.npy"} << 2;
    QTest::newRow("read-only output format") << QStringList{"convert", "a.npy", "b.keras"} << 2;
    QTest::newRow("unknown --to") << QStringList{"convert", "a.npy", "b.x", "--to", "parquet"} << 2;
    QTest::newRow("layer on a npy") << QStringList{"convert", "a.npy::x", "b.npy"} << 2;
  }
  void usageErrors() {
    QFETCH(QStringList, args);
    QFETCH(int, exit);
    QTemporaryDir dir;
    std::ofstream(dir.filePath("a.npy").toStdString()) << "x";
    QDir::setCurrent(dir.path());
    auto r = runCli(args);
    QCOMPARE(r.exitCode, exit);
    QVERIFY(r.err.startsWith("embedscope: error: "));
  }

  void failedConvertLeavesOldOutput() {
    QTemporaryDir dir;
    const QString out = dir.filePath("keep.npy");
    std::ofstream(out.toStdString()) << "previous";
    const QString in = dir.filePath("nan.txt");
    std::ofstream(in.toStdString()) << "1 2\na nan 1\n";
    auto r = runCli({"convert", in, out});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("nan.txt: line 2"), qPrintable(r.err));
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("previous"));
  }
};

QTEST_GUILESS_MAIN(TestConvert)
#include "test_convert.moc"
