// Trust metrics on cases with known answers (and against scikit-learn when it is installed), and
// Procrustes alignment of consecutive layouts.
// GCC 12 reports false (maybe-)uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <QtTest>
#include <cmath>
#include <fstream>

#include "engine/analysis/procrustes.h"
#include "engine/analysis/trust.h"
#include "tests/engine/analysis/analysis_fixtures.h"
#include "tests/support/test_support.h"

using namespace embedscope;
using namespace embedscope::analysis;

namespace {

Matrix randomMatrix(int n, int d, std::uint64_t seed) {
  Rng rng(seed);
  Matrix m(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) m(i, j) = static_cast<float>(rng.normal());
  return m;
}

}  // namespace

class TestTrust : public QObject {
  Q_OBJECT
 private slots:
  void perfectPictureScoresOne() {
    const Matrix x = randomMatrix(200, 2, 1);
    TrustOptions o;
    auto r = trustMetrics(x, x, o);
    QVERIFY(r.isOk());
    QCOMPARE(r->trustworthiness, 1.0);
    QCOMPARE(r->continuity, 1.0);
    QCOMPARE(r->meanPreservation, 1.0);
    auto pres = neighbourhoodPreservation(x, x, 5);
    QVERIFY(pres.isOk());
    for (float v : *pres) QCOMPARE(v, 1.f);
    // A rotated and scaled picture preserves every neighbourhood too.
    Matrix rot(2, 2);
    rot << 0.6f, -0.8f, 0.8f, 0.6f;
    auto r2 = trustMetrics(x, Matrix(3.f * x * rot), o);
    QVERIFY(r2.isOk());
    QCOMPARE(r2->trustworthiness, 1.0);
  }

  void handComputedSwap() {
    // Points on a line at 0,1,...,9; the picture swaps the two end points 0 and 9. With k = 1:
    // point 0's picture neighbour is 8 (true rank 8), point 9's is 1 (true rank 8), point 1's is
    // 2 (rank 1 ties with 0: kept by the stable order? 1's true ranks: 0 and 2 both at distance 1,
    // the lower row first, so 0 has rank 1 and 2 rank 2), point 8's picture neighbour is 7 or 0.
    Matrix high(10, 1), low(10, 1);
    for (int i = 0; i < 10; ++i) {
      high(i, 0) = float(i);
      low(i, 0) = float(i);
    }
    low(0, 0) = 9.4f;   // 0 moves next to 9's old place
    low(9, 0) = -0.4f;  // 9 moves next to 0's old place
    TrustOptions o;
    o.k = 1;
    auto r = trustMetrics(high, low, o);
    QVERIFY(r.isOk());
    // Penalties (rank - k): point 0 -> picture nn 9? low: 0 at 9.4, nearest is 8 at 8 (1.4) vs
    // 9 at -0.4: so 8, true rank of 8 from 0 is 8 -> 7. Point 9 -> 1 at distance 1.4, rank 8 -> 7.
    // Point 1 -> 2 (0 moved away): rank 2 -> 1. Point 8 -> 7 (0 at 1.4 is farther): rank 1 -> 0
    // but ties: 7 and 9 are both at distance 1 from 8 in high; 7 is the lower row, rank 1.
    // Total 15; trust = 1 - 2 / (n k (2n - 3k - 1)) * 15 = 1 - 2/(10*1*16)*15.
    QVERIFY2(std::abs(r->trustworthiness - (1.0 - 30.0 / 160.0)) < 1e-12,
             qPrintable(QString::number(r->trustworthiness, 'g', 12)));
  }

  void matchesScikitLearn() {
    const auto p = testing::plantedClusters(300, 12, 5, 3.0f, 4);
    const Matrix low = p.x.leftCols(2);  // a poor picture: two raw columns
    TrustOptions o;
    o.k = 7;
    auto r = trustMetrics(p.x, low, o);
    QVERIFY(r.isOk());
    QVERIFY(r->trustworthiness < 0.99 && r->trustworthiness > 0.5);
    QTemporaryDir dir;
    const QString hi = dir.filePath("hi.txt"), lo = dir.filePath("lo.txt");
    for (const auto& [path, m] : {std::pair{hi, &p.x}, std::pair{lo, &low}}) {
      std::ofstream f(path.toStdString());
      f.precision(9);
      for (Eigen::Index i = 0; i < m->rows(); ++i) {
        for (Eigen::Index j = 0; j < m->cols(); ++j) f << (j ? " " : "") << (*m)(i, j);
        f << "\n";
      }
    }
    const auto py = testing::runPython(
        "import sys, numpy as np\n"
        "try:\n from sklearn.manifold import trustworthiness\n"
        "except ImportError:\n print('skip'); sys.exit(0)\n"
        "x=np.loadtxt(sys.argv[1],dtype=np.float32); y=np.loadtxt(sys.argv[2],dtype=np.float32)\n"
        "print(repr(trustworthiness(x,y,n_neighbors=7)))\n",
        {hi, lo});
    if (py.out.trimmed() == "skip" || py.exitCode != 0) QSKIP("scikit-learn is not available");
    const double ref = py.out.trimmed().toDouble();
    QVERIFY2(std::abs(ref - r->trustworthiness) < 1e-6,
             qPrintable(QString("%1 vs sklearn %2").arg(r->trustworthiness).arg(ref)));
  }

  void sampledEstimateIsClose() {
    const auto p = testing::plantedClusters(2000, 8, 5, 3.0f, 5);
    const Matrix low = p.x.leftCols(2);
    TrustOptions full;
    auto r = trustMetrics(p.x, low, full);
    TrustOptions sampled;
    sampled.maxQueries = 500;
    auto s = trustMetrics(p.x, low, sampled);
    QVERIFY(r.isOk() && s.isOk());
    QCOMPARE(s->queries, std::int64_t(500));
    QVERIFY(std::abs(r->trustworthiness - s->trustworthiness) < 0.02);
    QVERIFY(std::abs(r->continuity - s->continuity) < 0.02);
  }

  void rejectsBadShapes() {
    const Matrix x = randomMatrix(10, 3, 1);
    QCOMPARE(trustMetrics(x, x.topRows(9)).status().code(), StatusCode::InvalidArgument);
    TrustOptions o;
    o.k = 5;  // not < 10 / 2
    QCOMPARE(trustMetrics(x, x, o).status().code(), StatusCode::InvalidArgument);
  }

  void procrustesUndoesRotationAndShift() {
    const Matrix ref = randomMatrix(100, 2, 9);
    const float c = std::cos(1.1f), s = std::sin(1.1f);
    Matrix rot(2, 2);
    rot << c, -s, s, c;
    Matrix moved = ref * rot;
    moved.rowwise() += Eigen::RowVector2f(5.f, -3.f);
    auto r = alignProcrustes(ref, moved);
    QVERIFY(r.isOk());
    QVERIFY(r->residual < 1e-4);
    QVERIFY((r->aligned - ref).cwiseAbs().maxCoeff() < 1e-4f);
    // A mirror image is undone when reflections are allowed, and not otherwise.
    Matrix mirror = ref;
    mirror.col(0) *= -1.f;
    QVERIFY(alignProcrustes(ref, mirror)->residual < 1e-4);
    ProcrustesOptions noReflect;
    noReflect.allowReflection = false;
    QVERIFY(alignProcrustes(ref, mirror, noReflect)->residual > 0.1);
    // Scale only when asked.
    ProcrustesOptions scaled;
    scaled.scale = true;
    auto big = alignProcrustes(ref, Matrix(2.f * ref), scaled);
    QVERIFY(std::abs(big->scale - 0.5) < 1e-6);
    QVERIFY(alignProcrustes(ref, Matrix(2.f * ref))->residual > 0.1);
    // Degenerate layouts (all points equal) do not produce NaN.
    auto flat = alignProcrustes(ref, Matrix::Zero(100, 2));
    QVERIFY(flat.isOk());
    QVERIFY(flat->aligned.allFinite());
  }
};

QTEST_APPLESS_MAIN(TestTrust)
#include "test_trust.moc"
