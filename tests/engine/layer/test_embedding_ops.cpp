// Forward and backward of the layer: id validation in TensorFlow's words, negative ids (Keras >=
// 3.3), float ids truncated, the gather (bit-exact, thread-independent), the mask on raw ids,
// and the row-sparse gradient with duplicates summed in a fixed order.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 + Eigen AVX-512 false positives
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <QtTest>
#include <cstring>

#include "engine/core/rng.h"
#include "engine/layer/embedding_ops.h"
#include "engine/layer/initializers.h"

using namespace embedscope;

class TestEmbeddingOps : public QObject {
  Q_OBJECT
 private slots:
  void outOfRangeMessages_data() {
    QTest::addColumn<QList<qlonglong>>("shape");
    QTest::addColumn<qlonglong>("flat");
    QTest::addColumn<qlonglong>("value");
    QTest::addColumn<qlonglong>("inputDim");
    QTest::addColumn<QString>("message");
    QTest::newRow("rank 2") << QList<qlonglong>{20, 3} << 17LL * 3 + 2 << 54LL << 50LL
                            << "indices[17,2] = 54 is not in [0, 50)";
    QTest::newRow("rank 1, id == V") << QList<qlonglong>{8} << 5LL << 50LL << 50LL << "indices[5] = 50 is not in [0, 50)";
    QTest::newRow("below -V stays out of range after adding V")
        << QList<qlonglong>{2, 2} << 1LL << -51LL << 50LL << "indices[0,1] = -1 is not in [0, 50)";
    QTest::newRow("rank 3") << QList<qlonglong>{2, 3, 4} << 23LL << 9LL << 5LL << "indices[1,2,3] = 9 is not in [0, 5)";
    QTest::newRow("scalar") << QList<qlonglong>{} << 0LL << 7LL << 5LL << "indices = 7 is not in [0, 5)";
  }
  void outOfRangeMessages() {
    QFETCH(QList<qlonglong>, shape);
    QFETCH(qlonglong, flat);
    QFETCH(qlonglong, value);
    QFETCH(qlonglong, inputDim);
    QFETCH(QString, message);
    IdTensor t;
    std::int64_t n = 1;
    for (auto s : shape) {
      t.shape.push_back(s);
      n *= s;
    }
    t.values.assign(static_cast<std::size_t>(n), 1);
    t.values[static_cast<std::size_t>(flat)] = value;
    t.values.back() = inputDim + 100;  // a later bad id: the first in C order is reported
    if (flat == n - 1) t.values.back() = value;
    const Status s = validateIds(t, inputDim);
    QCOMPARE(s.code(), StatusCode::OutOfRange);
    QCOMPARE(QString::fromStdString(s.message()), message);
  }

  void negativeIdsWrap() {
    IdTensor t{{4}, {-1, -50, 0, 49}};
    QVERIFY(validateIds(t, 50).isOk());
    QCOMPARE(t.values, (std::vector<std::int64_t>{49, 0, 0, 49}));
  }

  void floatIdsTruncateAndMaskUsesRawValues() {
    const float raw[] = {3.7f, -0.5f, 0.0f, 0.3f, 2.0f};
    NdArray a;
    a.dtype = DType::Float32;
    a.shape = {5};
    a.bytes.resize(sizeof raw);
    std::memcpy(a.bytes.data(), raw, sizeof raw);
    auto ids = idsFromNdArray(a);
    QVERIFY(ids.isOk());
    QCOMPARE(ids->values, (std::vector<std::int64_t>{3, 0, 0, 0, 2}));
    QCOMPARE(computeMask(a), (std::vector<std::uint8_t>{1, 1, 0, 1, 1}));
    QCOMPARE(computeMask(ids->values), (std::vector<std::uint8_t>{1, 0, 0, 0, 1}));
    // Keras's own example: [2, 1, 0] -> [True, True, False]
    const std::int64_t k[] = {2, 1, 0};
    NdArray b = NdArray::fromInt64({3}, k);
    QCOMPARE(computeMask(b), (std::vector<std::uint8_t>{1, 1, 0}));
  }

  // The docs' example: Embedding(1000, 64) on randint(1000, size=(32, 10)).
  void seedExampleGather() {
    LayerConfig c;
    c.inputDim = 1000;
    c.outputDim = 64;
    c.seed = 7;
    const Matrix table = *initializeTable(c);
    Rng rng(1);
    IdTensor ids;
    ids.shape = {32, 10};
    for (int i = 0; i < 320; ++i) ids.values.push_back(static_cast<std::int64_t>(rng.below(1000)));
    Matrix out;
    QVERIFY(embeddingLookup(table, ids, out).isOk());
    QCOMPARE(out.rows(), Eigen::Index(320));
    QCOMPARE(out.cols(), Eigen::Index(64));
    for (int i = 0; i < 320; ++i)
      QVERIFY(std::memcmp(out.row(i).data(), table.row(ids.values[static_cast<std::size_t>(i)]).data(), 64 * 4) == 0);
    QVERIFY(out.minCoeff() >= -0.05f && out.maxCoeff() < 0.05f);
  }

  void gatherIndependentOfThreadsAndPrefetch_data() {
    QTest::addColumn<int>("threads");
    QTest::addColumn<int>("prefetch");
    QTest::addColumn<int>("dim");
    QTest::addColumn<int>("stores");  // GatherStores
    QTest::addColumn<int>("outOffset");  // floats past an aligned start: 1 makes every row unaligned
    const int cached = int(GatherStores::Cached), streaming = int(GatherStores::Streaming),
              automatic = int(GatherStores::Automatic);
    QTest::newRow("1 thread, no prefetch") << 1 << 0 << 64 << cached << 0;
    QTest::newRow("3 threads") << 3 << 8 << 64 << cached << 0;
    QTest::newRow("odd width 7, 2 threads") << 2 << 4 << 7 << cached << 0;
    QTest::newRow("width 1") << 4 << 16 << 1 << cached << 0;
    QTest::newRow("auto prefetch, auto stores") << 1 << -1 << 64 << automatic << 0;
    QTest::newRow("streaming, width 64") << 1 << -1 << 64 << streaming << 0;
    QTest::newRow("streaming, width 128, 3 threads") << 3 << -1 << 128 << streaming << 0;
    QTest::newRow("streaming, width 8 (256-bit stores)") << 2 << 4 << 8 << streaming << 0;
    QTest::newRow("streaming, width 4 (128-bit stores)") << 1 << 4 << 4 << streaming << 0;
    QTest::newRow("streaming, odd width 7 (memcpy fallback)") << 2 << -1 << 7 << streaming << 0;
    QTest::newRow("streaming, unaligned output") << 1 << -1 << 64 << streaming << 1;
    QTest::newRow("streaming, width 20 at a 16-byte offset") << 1 << -1 << 20 << streaming << 4;
  }
  void gatherIndependentOfThreadsAndPrefetch() {
    QFETCH(int, threads);
    QFETCH(int, prefetch);
    QFETCH(int, dim);
    QFETCH(int, stores);
    QFETCH(int, outOffset);
    Matrix table = *initializeMatrix(initializerSpec("normal"), 127, dim, 3);
    Rng rng(2);
    std::vector<std::int64_t> ids(5000);
    for (auto& id : ids) id = static_cast<std::int64_t>(rng.below(127));
    Matrix a(5000, dim);
    gatherRows(table, ids, a.data(), {1, 0, GatherStores::Cached});
    // A guard float either side of the output proves no store strays past the rows.
    std::vector<float> buffer(static_cast<std::size_t>(5000 * dim + outOffset + 32), -7.0f);
    float* b = buffer.data() + 16 + outOffset;
    gatherRows(table, ids, b, {threads, prefetch, static_cast<GatherStores>(stores)});
    QVERIFY(std::memcmp(a.data(), b, sizeof(float) * 5000 * static_cast<std::size_t>(dim)) == 0);
    QCOMPARE(b[-1], -7.0f);
    QCOMPARE(b[5000 * dim], -7.0f);
    for (int i = 0; i < 5000; i += 97) QVERIFY(a.row(i) == table.row(ids[static_cast<std::size_t>(i)]));
  }

  void gatherStreamsOnlyPastTheCache() {
    QVERIFY(!gatherStreams(GatherStores::Automatic, 256 * 32, 32));           // 1 MiB stays cached
    QVERIFY(gatherStreams(GatherStores::Automatic, 4096 * 32, 4096));          // 2 GiB streams
    QVERIFY(!gatherStreams(GatherStores::Cached, 4096 * 32, 4096));
    QVERIFY(gatherStreams(GatherStores::Streaming, 1, 1));
    QCOMPARE(gatherPrefetchRows(-1, 128), 16);
    QCOMPARE(gatherPrefetchRows(-1, 64), 32);
    QCOMPARE(gatherPrefetchRows(-1, 1), 64);
    QCOMPARE(gatherPrefetchRows(5, 64), 5);
  }

  void lookupRejectsBadIds() {
    Matrix table = Matrix::Zero(50, 4);
    IdTensor ids{{2, 3}, {1, 2, 3, 4, 50, 6}};
    Matrix out;
    const Status s = embeddingLookup(table, ids, out);
    QCOMPARE(s.message(), std::string("indices[1,1] = 50 is not in [0, 50)"));
  }

  // Two code paths (counting sort for a small vocabulary, comparison sort for a large one).
  void rowGradSumsDuplicatesDeterministically_data() {
    QTest::addColumn<qlonglong>("inputDim");
    QTest::newRow("small vocabulary") << 10LL;
    QTest::newRow("large vocabulary") << 1000000LL;
  }
  void rowGradSumsDuplicatesDeterministically() {
    QFETCH(qlonglong, inputDim);
    const std::vector<std::int64_t> ids{7, 3, 7, 0, 3, 7, 9};
    const int D = 3;
    Matrix dOut(7, D);
    Rng rng(4);
    for (Eigen::Index i = 0; i < dOut.size(); ++i) dOut.data()[i] = rng.uniform(-1, 1);
    const SparseRowGrad g = accumulateRowGrad(ids, dOut.data(), D, inputDim);
    QCOMPARE(g.rows, (std::vector<std::int64_t>{0, 3, 7, 9}));
    QCOMPARE(g.values.rows(), Eigen::Index(4));
    // In increasing position order, in float: bit-identical to this sum.
    Eigen::RowVectorXf seven = dOut.row(0);
    seven += dOut.row(2);
    seven += dOut.row(5);
    QVERIFY(g.values.row(2) == seven);
    Eigen::RowVectorXf three = dOut.row(1);
    three += dOut.row(4);
    QVERIFY(g.values.row(1) == three);
    QVERIFY(g.values.row(0) == dOut.row(3));
    if (inputDim == 10) {
      const Matrix dense = g.toDense();
      QVERIFY(dense.row(7) == seven);
      QVERIFY(dense.row(1).isZero());
    }
  }

  void rowGradEmpty() {
    const SparseRowGrad g = accumulateRowGrad({}, nullptr, 4, 10);
    QCOMPARE(g.nnzRows(), std::int64_t{0});
    QCOMPARE(g.values.cols(), Eigen::Index(4));
  }
};

QTEST_APPLESS_MAIN(TestEmbeddingOps)
#include "test_embedding_ops.moc"
