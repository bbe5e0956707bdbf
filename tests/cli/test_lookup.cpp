// `embedscope lookup`: the Keras docs' seed example end to end, checked with numpy, on the CPU and
// Vulkan engines, and its failures (exit codes, messages, nothing written).
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "support/test_support.h"

using namespace embedscope::testing;

class TestLookup : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;
  QString path(const QString& name) const { return m_dir.filePath(name); }

  void makeIds() {
    auto r = runPython("import numpy as np, sys\n"
                       "rng = np.random.default_rng(1)\n"
                       "np.save(sys.argv[1], rng.integers(1000, size=(32, 10)))\n"
                       "np.save(sys.argv[2], np.arange(1000))\n",
                       {path("ids.npy"), path("all.npy")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
  }

 private slots:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    makeIds();
  }

  void seedExampleOnTheCpu() {
    auto r = runCli({"lookup", "--input-dim", "1000", "--output-dim", "64", "--ids", path("ids.npy"), "--save",
                     path("out.npy"), "--mask-zero", "--mask-save", path("mask.npy"), "--engine", "cpu"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    // The whole table, through a lookup of every id, then each output row checked against it.
    r = runCli({"lookup", "--input-dim", "1000", "--output-dim", "64", "--ids", path("all.npy"), "--save",
                path("table.npy"), "--engine", "cpu"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    auto py = runPython(
        "import numpy as np, sys\n"
        "ids, out, mask, table = (np.load(p) for p in sys.argv[1:5])\n"
        "assert out.shape == (32, 10, 64), out.shape\n"
        "assert out.dtype == np.float32, out.dtype\n"
        "assert out.min() >= -0.05 and out.max() < 0.05, (out.min(), out.max())\n"
        "assert table.shape == (1000, 64)\n"
        "assert np.array_equal(out, table[ids])\n"
        "assert mask.dtype == np.bool_ and mask.shape == ids.shape\n"
        "assert np.array_equal(mask, ids != 0)\n"
        "u = table.ravel()\n"
        "assert abs(u.mean()) < 0.002 and abs(u.std() - 0.1 / np.sqrt(12)) < 0.001, (u.mean(), u.std())\n",
        {path("ids.npy"), path("out.npy"), path("mask.npy"), path("table.npy")});
    QVERIFY2(py.exitCode == 0, qPrintable(py.err));
  }

  void vulkanIsBitIdentical() {
    auto r = runCli({"lookup", "--input-dim", "1000", "--output-dim", "64", "--ids", path("ids.npy"), "--save",
                     path("out-vk.npy"), "--engine", "vulkan"});
    if (r.exitCode == 1 && r.err.contains("no usable Vulkan device")) {
      if (vulkanRequired()) QFAIL(qPrintable("EMBEDSCOPE_REQUIRE_VULKAN=1 but: " + r.err));
      QSKIP(qPrintable(r.err));
    }
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    r = runCli({"lookup", "--input-dim", "1000", "--output-dim", "64", "--ids", path("ids.npy"), "--save",
                path("out-cpu.npy"), "--engine", "cpu"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QFile a(path("out-vk.npy")), b(path("out-cpu.npy"));
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    const QByteArray va = a.readAll();
    QVERIFY(va.size() > 32 * 10 * 64 * 4);
    QCOMPARE(va, b.readAll());
  }

  void seedChangesTheTable() {
    auto r = runCli({"lookup", "--input-dim", "1000", "--output-dim", "64", "--seed", "5", "--ids", path("ids.npy"),
                     "--save", path("out5.npy"), "--engine", "cpu"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    auto py = runPython("import numpy as np, sys\nassert not np.array_equal(np.load(sys.argv[1]), np.load(sys.argv[2]))\n",
                        {path("out.npy"), path("out5.npy")});
    QVERIFY2(py.exitCode == 0, qPrintable(py.err));
  }

  void initSetsTheShape() {
    auto py = runPython("import numpy as np, sys\n"
                        "np.save(sys.argv[1], np.arange(50 * 8, dtype=np.float64).reshape(50, 8))\n"
                        "np.save(sys.argv[2], np.array([[3.9, -1.0], [0.0, 49.0]]))\n",
                        {path("w.npy"), path("fids.npy")});
    QVERIFY2(py.exitCode == 0, qPrintable(py.err));
    auto r = runCli({"lookup", "--weights", path("w.npy"), "--ids", path("fids.npy"), "--save", path("wout.npy")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    // Floats truncate (3.9 -> 3), -1 is the last row (Keras >= 3.3).
    py = runPython("import numpy as np, sys\n"
                   "w = np.arange(400, dtype=np.float32).reshape(50, 8)\n"
                   "out = np.load(sys.argv[1])\n"
                   "assert out.shape == (2, 2, 8), out.shape\n"
                   "assert np.array_equal(out, w[[[3, 49], [0, 49]]])\n",
                   {path("wout.npy")});
    QVERIFY2(py.exitCode == 0, qPrintable(py.err));
  }

  void failures_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    const QString ids = path("ids.npy");
    QTest::newRow("id out of range names the id and the range")
        << QStringList{"--input-dim", "50", "--output-dim", "8", "--ids", ids} << 1 << "is not in [0, 50)";
    QTest::newRow("input_dim=0 in Keras's words")
        << QStringList{"--input-dim", "0", "--output-dim", "8", "--ids", ids} << 2
        << "`input_dim` must be a positive integer. Received: input_dim=0 (of type int).";
    QTest::newRow("float output_dim") << QStringList{"--input-dim", "1000", "--output-dim", "3.7", "--ids", ids} << 2
                                      << "Received: output_dim=3.7 (of type float).";
    QTest::newRow("weights of another shape")
        << QStringList{"--input-dim", "40", "--output-dim", "8", "--init", path("w.npy"), "--ids", ids} << 2
        << "is not compatible with provided weight shape (50, 8)";
    QTest::newRow("missing ids file") << QStringList{"--input-dim", "10", "--output-dim", "8", "--ids", path("nope.npy")}
                                      << 1 << "nope.npy";
    QTest::newRow("unknown flag") << QStringList{"--input-dim", "10", "--output-dim", "8", "--ids", ids, "--bogus"} << 2
                                  << "unrecognized argument: --bogus";
    QTest::newRow("bad engine") << QStringList{"--input-dim", "1000", "--output-dim", "8", "--ids", ids, "--engine", "tpu"}
                                << 2 << "invalid choice: 'tpu'";
  }
  void failures() {
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    const QString out = path("fail-out.npy");
    QFile::remove(out);
    auto r = runCli(QStringList{"lookup"} + args + QStringList{"--save", out});
    QVERIFY(!r.crashed);
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY2(r.err.startsWith("embedscope: error: "), qPrintable(r.err));
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QVERIFY2(!QFile::exists(out), "a failed command wrote its output");
    QVERIFY(!QFile::exists(out + ".partial"));
  }

  void outOfRangeMessageHasThePosition() {
    auto py = runPython("import numpy as np, sys\nids = np.zeros((20, 3), dtype=np.int32)\nids[17, 2] = 54\nnp.save(sys.argv[1], ids)\n",
                        {path("bad.npy")});
    QVERIFY2(py.exitCode == 0, qPrintable(py.err));
    for (const QString engine : {"cpu", "vulkan"}) {
      auto r = runCli({"lookup", "--input-dim", "50", "--output-dim", "4", "--ids", path("bad.npy"), "--save",
                       path("bad-out.npy"), "--engine", engine});
      if (engine == "vulkan" && r.err.contains("no usable Vulkan device") && !vulkanRequired()) continue;
      QCOMPARE(r.exitCode, 1);
      QVERIFY2(r.err.contains("indices[17,2] = 54 is not in [0, 50)"), qPrintable(r.err));
      QVERIFY(!QFile::exists(path("bad-out.npy")));
    }
  }
};

QTEST_GUILESS_MAIN(TestLookup)
#include "test_lookup.moc"
