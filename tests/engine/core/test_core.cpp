// The engine's core types: Status/Result, the seeded generator, NdArray conversions, atomic writes.
#include <QtTest>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "engine/core/atomic_file.h"
#include "engine/core/ndarray.h"
#include "engine/core/rng.h"
#include "engine/core/status.h"

using namespace embedscope;

class TestCore : public QObject {
  Q_OBJECT
 private slots:
  void exitCodes_data() {
    QTest::addColumn<int>("code");
    QTest::addColumn<int>("exit");
    QTest::newRow("ok") << int(StatusCode::Ok) << 0;
    QTest::newRow("invalid argument is a usage error") << int(StatusCode::InvalidArgument) << 2;
    QTest::newRow("out of range is a data error") << int(StatusCode::OutOfRange) << 1;
    QTest::newRow("io") << int(StatusCode::IoError) << 1;
    QTest::newRow("cancelled") << int(StatusCode::Cancelled) << 130;
  }
  void exitCodes() {
    QFETCH(int, code);
    QFETCH(int, exit);
    QCOMPARE(exitCodeFor(Status(StatusCode(code), "m")), exit);
  }

  void resultCarriesValueOrStatus() {
    Result<int> good = 3;
    QVERIFY(good.isOk());
    QCOMPARE(*good, 3);
    Result<int> bad = Status::dataError("broken");
    QVERIFY(!bad.isOk());
    QCOMPARE(bad.status().message(), std::string("broken"));
    QCOMPARE(bad.status().withContext("f.npy").message(), std::string("f.npy: broken"));
  }

  void rngIsSeededAndBounded() {
    Rng a(42), b(42), c(43);
    bool differs = false;
    for (int i = 0; i < 1000; ++i) {
      const float x = a.uniform(-0.05f, 0.05f);
      QCOMPARE(x, b.uniform(-0.05f, 0.05f));
      differs |= x != c.uniform(-0.05f, 0.05f);
      QVERIFY(x >= -0.05f && x < 0.05f);
    }
    QVERIFY(differs);
    // Moments of U[0,1) and N(0,1) from 200k draws.
    Rng r(7);
    double s = 0, s2 = 0, n1 = 0, n2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
      const double u = r.uniform01();
      s += u;
      s2 += u * u;
      const double z = r.normal();
      n1 += z;
      n2 += z * z;
    }
    QVERIFY(std::abs(s / n - 0.5) < 0.005);
    QVERIFY(std::abs(s2 / n - s / n * s / n - 1.0 / 12) < 0.002);
    QVERIFY(std::abs(n1 / n) < 0.01);
    QVERIFY(std::abs(n2 / n - 1.0) < 0.02);
    for (int i = 0; i < 1000; ++i) QVERIFY(r.below(7) < 7);
  }

  void ndarrayConversions() {
    const float f[] = {1.9f, -2.7f, 0.0f, 3.0f};
    NdArray a = NdArray::fromFloat32({2, 2}, f);
    QCOMPARE(a.shapeString(), std::string("(2, 2)"));
    auto ids = a.toInt64();
    QVERIFY(ids.isOk());
    QCOMPARE((*ids)[0], std::int64_t(1));   // truncates toward zero, as Keras's cast
    QCOMPARE((*ids)[1], std::int64_t(-2));
    const float bad[] = {NAN};
    QVERIFY(!NdArray::fromFloat32({1}, bad).toInt64().isOk());
    QCOMPARE(shapeString({5}), std::string("(5,)"));
  }

  void atomicWriteLeavesOldFileOnFailure() {
    const auto dir = std::filesystem::temp_directory_path() / ("es_atomic_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "f.txt").string();
    QVERIFY(writeFileAtomically(path, [](std::ostream& o) { o << "good"; return Status::ok(); }).isOk());
    const Status s = writeFileAtomically(path, [](std::ostream& o) { o << "half"; return Status::ioError("boom"); });
    QVERIFY(!s.isOk());
    std::ifstream in(path);
    std::string content;
    in >> content;
    QCOMPARE(content, std::string("good"));
    QCOMPARE(std::distance(std::filesystem::directory_iterator(dir), {}), 1L);  // no temporary left
    std::filesystem::remove_all(dir);
  }
};

QTEST_APPLESS_MAIN(TestCore)
#include "test_core.moc"
