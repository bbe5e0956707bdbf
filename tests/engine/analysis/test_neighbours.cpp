// Exact k-NN against brute force, approximate k-NN recall, analogies, and the rows that break
// neighbour search (all-zero, duplicate, NaN).
// GCC 12 reports false (maybe-)uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <QtTest>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine/analysis/analogy.h"
#include "engine/analysis/hnsw_index.h"
#include "engine/analysis/knn.h"
#include "engine/analysis/row_selection.h"
#include "tests/engine/analysis/analysis_fixtures.h"

using namespace embedscope;
using namespace embedscope::analysis;

Q_DECLARE_METATYPE(embedscope::analysis::Metric)

namespace {

Matrix randomMatrix(int n, int d, std::uint64_t seed) {
  Rng rng(seed);
  Matrix m(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) m(i, j) = static_cast<float>(rng.normal());
  return m;
}

// Brute force in double: (score, row), best first.
std::vector<std::pair<double, std::int64_t>> brute(const Matrix& data, const Eigen::RowVectorXf& q, Metric m,
                                                   std::int64_t self) {
  std::vector<std::pair<double, std::int64_t>> all;
  const Eigen::RowVectorXd qd = q.cast<double>();
  for (std::int64_t r = 0; r < data.rows(); ++r) {
    if (r == self) continue;
    const Eigen::RowVectorXd x = data.row(r).cast<double>();
    double s = 0;
    if (m == Metric::Euclidean)
      s = (x - qd).norm();
    else if (m == Metric::Dot)
      s = x.dot(qd);
    else
      s = (x.norm() > 0 && qd.norm() > 0) ? x.dot(qd) / (x.norm() * qd.norm()) : 0.0;
    all.emplace_back(s, r);
  }
  std::stable_sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
    return m == Metric::Euclidean ? a.first < b.first : a.first > b.first;
  });
  return all;
}

}  // namespace

class TestNeighbours : public QObject {
  Q_OBJECT
 private slots:
  void exactMatchesBruteForce_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("dims");
    QTest::addColumn<int>("k");
    QTest::addColumn<Metric>("metric");
    QTest::addColumn<int>("threads");
    for (Metric m : {Metric::Cosine, Metric::Euclidean, Metric::Dot}) {
      const QByteArray name = QByteArray::fromStdString(metricName(m));
      QTest::newRow(name + ": 7 rows, k larger than the table") << 7 << 3 << 10 << m << 1;
      QTest::newRow(name + ": 127 x 17, k 5") << 127 << 17 << 5 << m << 1;
      QTest::newRow(name + ": 3000 x 33 spans data blocks, 2 threads") << 3000 << 33 << 12 << m << 2;
      // t-SNE's 91 neighbours: the candidate buffer fills and is cut back many times per query.
      QTest::newRow(name + ": 4500 x 8, k 91, buffer cuts") << 4500 << 8 << 91 << m << 1;
    }
  }
  void exactMatchesBruteForce() {
    QFETCH(int, rows);
    QFETCH(int, dims);
    QFETCH(int, k);
    QFETCH(Metric, metric);
    QFETCH(int, threads);
    const Matrix data = randomMatrix(rows, dims, 11);
    RunControl rc;
    rc.threads = threads;
    auto g = exactAllKnn(data, k, metric, rc);
    QVERIFY(g.isOk());
    QCOMPARE(g->k, k);
    for (std::int64_t q = 0; q < rows; q += std::max(1, rows / 40)) {
      const auto truth = brute(data, data.row(q), metric, q);
      const int expect = std::min<int>(k, rows - 1);
      for (int j = 0; j < k; ++j) {
        if (j >= expect) {
          QCOMPARE(g->neighbours(q)[j], std::int64_t(-1));
          continue;
        }
        QCOMPARE(g->neighbours(q)[j], truth[static_cast<std::size_t>(j)].second);
        QVERIFY(std::abs(g->neighbourScores(q)[j] - truth[static_cast<std::size_t>(j)].first) <
                1e-4 * (1 + std::abs(truth[static_cast<std::size_t>(j)].first)));
      }
    }
  }

  void queriesHonourExclusions() {
    const Matrix data = randomMatrix(200, 8, 3);
    const Matrix q = data.topRows(2);
    auto g = exactKnn(data, q, 3, Metric::Cosine, {}, {{0, 5}, {}});
    QVERIFY(g.isOk());
    for (int j = 0; j < 3; ++j) {
      QVERIFY(g->neighbours(0)[j] != 0 && g->neighbours(0)[j] != 5);
    }
    QCOMPARE(g->neighbours(1)[0], std::int64_t(1));  // not excluded: a row is its own nearest
  }

  void zeroDuplicateAndNanRows() {
    Matrix data = randomMatrix(50, 6, 5);
    data.row(3).setZero();
    data.row(4).setZero();
    data.row(10) = data.row(11);
    data(20, 2) = std::numeric_limits<float>::quiet_NaN();
    data(21, 0) = std::numeric_limits<float>::infinity();
    for (Metric m : {Metric::Cosine, Metric::Euclidean, Metric::Dot}) {
      auto g = exactAllKnn(data, 49, m);
      QVERIFY(g.isOk());
      for (std::int64_t q = 0; q < 50; ++q) {
        for (int j = 0; j < 49; ++j) {
          const std::int64_t r = g->neighbours(q)[j];
          QVERIFY2(r != 20 && r != 21, "a non-finite row was returned as a neighbour");
          if (r >= 0) QVERIFY(std::isfinite(g->neighbourScores(q)[j]));
        }
      }
      if (m == Metric::Cosine) {
        // The zero row has cosine 0 with everything, and is no one's NaN.
        for (int j = 0; j < 47; ++j) QCOMPARE(g->neighbourScores(3)[j], 0.f);
      }
      if (m == Metric::Euclidean) {
        QCOMPARE(g->neighbours(10)[0], std::int64_t(11));  // duplicates find each other at distance 0
        QCOMPARE(g->neighbourScores(10)[0], 0.f);
      }
    }
  }

  void hnswRecallAndDeterminism_data() {
    QTest::addColumn<Metric>("metric");
    QTest::newRow("cosine") << Metric::Cosine;
    QTest::newRow("euclidean") << Metric::Euclidean;
  }
  void hnswRecallAndDeterminism() {
    QFETCH(Metric, metric);
    const auto p = testing::plantedClusters(4000, 24, 40, 2.0f, 9);
    HnswOptions ho;
    ho.metric = metric;
    auto idx = HnswIndex::build(p.x, ho);
    QVERIFY(idx.isOk());
    QCOMPARE(idx->size(), std::int64_t(4000));
    const Matrix queries = p.x.topRows(300);
    auto approx = idx->query(queries, 10, {}, true);
    QVERIFY(approx.isOk());
    std::vector<std::vector<std::int64_t>> self(300);
    for (int i = 0; i < 300; ++i) self[static_cast<std::size_t>(i)] = {i};
    auto exact = exactKnn(p.x, queries, 10, metric, {}, self);
    QVERIFY(exact.isOk());
    const double recall = knnRecall(*approx, *exact);
    QVERIFY2(recall >= 0.95, qPrintable(QString("recall@10 %1").arg(recall)));
    // A second single-threaded build with the same seed answers identically.
    auto idx2 = HnswIndex::build(p.x, ho);
    QVERIFY(idx2.isOk());
    auto again = idx2->query(queries, 10, {}, true);
    QVERIFY(again.isOk());
    QVERIFY(again->indices == approx->indices);
  }

  void analogyRanksBMinusAPlusC() {
    // man : king :: woman : queen, in a 4-D space where the relation is an exact offset.
    Matrix t(6, 4);
    t << 1, 0, 0, 0.1f,         // 0 man
        1, 0, 1, 0.1f,          // 1 king
        0, 1, 0, 0.1f,          // 2 woman
        0, 1, 1, 0.1f,          // 3 queen
        0.2f, 0.1f, 0.9f, 0.f,  // 4 crown (close to king - man)
        0, 0, 0, 1;             // 5 unrelated
    auto r = analogy(t, AnalogyQuery{0, 1, 2}, 3);
    QVERIFY(r.isOk());
    QCOMPARE(r->front().first, std::int64_t(3));
    for (const auto& [row, score] : *r) {
      QVERIFY(row != 0 && row != 1 && row != 2);
      QVERIFY(std::isfinite(score));
    }
    // Excluding queen too gives the next best, never a query word.
    auto r2 = analogy(t, AnalogyQuery{0, 1, 2}, 1, {3});
    QVERIFY(r2.isOk());
    QVERIFY(r2->front().first == 4 || r2->front().first == 5);
  }

  void analogyRejectsZeroRows() {
    Matrix t = Matrix::Identity(4, 4);
    t.row(2).setZero();
    auto r = analogy(t, AnalogyQuery{0, 1, 2}, 2);
    QVERIFY(!r.isOk());
    QCOMPARE(r.status().code(), StatusCode::DataError);
    auto out = analogy(t, AnalogyQuery{0, 1, 9}, 2);
    QCOMPARE(out.status().code(), StatusCode::OutOfRange);
  }

  void rowSelectionExcludesDeclaredRows() {
    Matrix x = randomMatrix(6, 3, 1);
    x(4, 1) = std::numeric_limits<float>::quiet_NaN();
    const std::vector<bool> reserved{true, true, false, false, false, false};
    auto s = selectRows(x, reserved, false);
    QCOMPARE(s.fitted, (std::vector<std::int64_t>{2, 3, 5}));
    QCOMPARE(s.reservedCount, std::int64_t(2));
    QCOMPARE(s.nonFiniteCount, std::int64_t(1));
    auto inc = selectRows(x, reserved, true);
    QCOMPARE(inc.fitted, (std::vector<std::int64_t>{0, 1, 2, 3, 5}));
    auto bare = selectRows(x, {}, false);  // a bare matrix keeps every (finite) row
    QCOMPARE(bare.fitted.size(), std::size_t(5));
  }
};

QTEST_APPLESS_MAIN(TestNeighbours)
#include "test_neighbours.moc"
