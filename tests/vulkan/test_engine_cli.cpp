// The Vulkan engine through the CLI: the same training gives the CPU engine's table, and an
// out-of-range id is rejected with the CPU engine's message and exit code.
#include <QtTest>

#include "tests/support/test_support.h"
#include "tests/support/vulkan_test_main.h"

using embedscope::testing::runCli;
using embedscope::testing::runPython;

class TestEngineCli : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  void sameTableAsCpu() {
    const QString a = m_dir.filePath("cpu.npy"), b = m_dir.filePath("vulkan.npy");
    for (const auto& [engine, out] : {std::pair{QString("cpu"), a}, std::pair{QString("vulkan"), b}}) {
      auto r = runCli({"train", "--task", "regression", "--preset", "keras-example", "--optimizer", "adam", "--epochs", "2",
                       "--engine", engine, "--save", out, "--quiet"});
      QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    }
    auto cmp = runPython("import numpy as np,sys; a=np.load(sys.argv[1]); b=np.load(sys.argv[2]); print(float(abs(a-b).max()))",
                         {a, b});
    QCOMPARE(cmp.exitCode, 0);
    QVERIFY2(cmp.out.trimmed().toDouble() <= 1e-5, qPrintable(cmp.out));
  }

  void outOfRangeIdSameMessage() {
    const QString ids = m_dir.filePath("ids.npy"), targets = m_dir.filePath("y.npy");
    auto mk = runPython("import numpy as np,sys; i=np.zeros((4,3),dtype=np.int64); i[2,1]=50; np.save(sys.argv[1], i);"
                        "np.save(sys.argv[2], np.zeros((4,3,8),dtype=np.float32))",
                        {ids, targets});
    QCOMPARE(mk.exitCode, 0);
    QString errs[2];
    int codes[2];
    int k = 0;
    for (const char* engine : {"cpu", "vulkan"}) {
      auto r = runCli({"train", "--task", "regression", "--ids", ids, "--targets", targets, "--input-dim", "50",
                       "--output-dim", "8", "--engine", engine, "--save", m_dir.filePath("never.npy"), "--quiet"});
      errs[k] = r.err;
      codes[k] = r.exitCode;
      ++k;
    }
    QCOMPARE(codes[0], 1);
    QCOMPARE(codes[1], codes[0]);
    QVERIFY2(errs[0].contains("indices[2,1] = 50 is not in [0, 50)"), qPrintable(errs[0]));
    QCOMPARE(errs[1], errs[0]);
    QVERIFY(!QFile::exists(m_dir.filePath("never.npy")));
  }

 private:
  QTemporaryDir m_dir;
};

EMBEDSCOPE_VULKAN_TEST_MAIN(TestEngineCli)
#include "test_engine_cli.moc"
