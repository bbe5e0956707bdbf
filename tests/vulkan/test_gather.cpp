// Gather parity: the Vulkan gather against the CPU's (row copies), exact equality, on odd shapes,
// duplicate ids, and shard boundaries forced with EMBEDSCOPE_VK_MAX_RANGE.
#include <QtTest>

#include <cstdlib>
#include <cstring>

#include "engine/compute/vulkan/gather.h"
#include "engine/core/rng.h"
#include "tests/support/vulkan_test_main.h"

using embedscope::Matrix;

namespace {

Matrix randomTable(std::int64_t rows, std::int64_t cols, std::uint64_t seed) {
  embedscope::Rng rng(seed);
  Matrix m(rows, cols);
  for (std::int64_t i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(-0.05f, 0.05f);
  return m;
}

std::vector<std::int64_t> randomIds(std::int64_t n, std::int64_t rows, std::uint64_t seed) {
  embedscope::Rng rng(seed);
  std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
  for (auto& id : ids) id = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(rows)));
  return ids;
}

// The CPU engine's gather is a row copy; compare bytes so -0.0/NaN payloads count too.
void expectExact(const Matrix& table, const std::vector<std::int64_t>& ids, const std::vector<float>& got) {
  const auto cols = table.cols();
  QCOMPARE(got.size(), ids.size() * static_cast<std::size_t>(cols));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const float* want = table.data() + ids[i] * cols;
    if (std::memcmp(want, got.data() + i * cols, static_cast<std::size_t>(cols) * 4) != 0)
      QFAIL(qPrintable(QString("row %1 (id %2) differs").arg(i).arg(ids[i])));
  }
}

}  // namespace

class TestGather : public QObject {
  Q_OBJECT
 private slots:
  void parity_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("lookups");
    QTest::addRow("1 row, D=1") << 1 << 1 << 5;
    QTest::addRow("7 rows, D=3") << 7 << 3 << 20;
    QTest::addRow("127 rows, D=5") << 127 << 5 << 300;
    QTest::addRow("127 rows, D=64") << 127 << 64 << 1;
    QTest::addRow("1000 rows, D=67, many lookups") << 1000 << 67 << 5000;
    QTest::addRow("keras seed example 1000x64, 320 ids") << 1000 << 64 << 320;
  }
  void parity() {
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, lookups);
    Matrix table = randomTable(rows, cols, 11);
    auto ids = randomIds(lookups, rows, 5);
    auto got = embedscope::vulkanGather(table, ids);
    QVERIFY2(got.isOk(), got.status().message().c_str());
    expectExact(table, ids, *got);
  }

  void duplicatesAndSpecialValues() {
    Matrix table = randomTable(7, 6, 3);
    table(2, 0) = -0.0f;
    table(2, 1) = std::numeric_limits<float>::infinity();
    table(2, 2) = std::numeric_limits<float>::quiet_NaN();
    table(2, 3) = std::numeric_limits<float>::denorm_min();
    std::vector<std::int64_t> ids = {2, 2, 2, 0, 6, 2, 6, 6, 0};
    auto got = embedscope::vulkanGather(table, ids);
    QVERIFY2(got.isOk(), got.status().message().c_str());
    expectExact(table, ids, *got);
  }

  void emptyIds() {
    Matrix table = randomTable(3, 4, 1);
    auto got = embedscope::vulkanGather(table, {});
    QVERIFY2(got.isOk(), got.status().message().c_str());
    QVERIFY(got->empty());
  }

  // A storage-range cap of a few rows makes the table span several shards (and the output
  // several chunks), so every shard boundary is crossed on a tiny table.
  void shardBoundaries_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("capBytes");
    QTest::addRow("127x5, 7 rows per shard -> 15 shards") << 105 << 5 << 7 * 5 * 4;
    QTest::addRow("127x3, cap not a row multiple") << 127 << 3 << 100;
    QTest::addRow("64x64, 16 shards exactly") << 64 << 64 << 4 * 64 * 4;
  }
  void shardBoundaries() {
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, capBytes);
    qputenv("EMBEDSCOPE_VK_MAX_RANGE", QByteArray::number(capBytes));
    Matrix table = randomTable(rows, cols, 9);
    std::vector<std::int64_t> ids;
    for (int i = rows - 1; i >= 0; --i) ids.push_back(i);  // every row, crossing each boundary
    auto more = randomIds(200, rows, 4);
    ids.insert(ids.end(), more.begin(), more.end());
    auto got = embedscope::vulkanGather(table, ids);
    qunsetenv("EMBEDSCOPE_VK_MAX_RANGE");
    QVERIFY2(got.isOk(), got.status().message().c_str());
    expectExact(table, ids, *got);
  }

  void tooManyShardsIsAnError() {
    qputenv("EMBEDSCOPE_VK_MAX_RANGE", "16");
    Matrix table = randomTable(100, 4, 9);  // 1 row per shard -> 100 shards
    auto got = embedscope::vulkanGather(table, {0, 1});
    qunsetenv("EMBEDSCOPE_VK_MAX_RANGE");
    QVERIFY(!got.isOk());
    QVERIFY2(got.status().message().find("shards") != std::string::npos, got.status().message().c_str());
  }
};

EMBEDSCOPE_VULKAN_TEST_MAIN(TestGather)
#include "test_gather.moc"
