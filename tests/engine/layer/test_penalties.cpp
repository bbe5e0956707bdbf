// Regularizers (loss and gradient, embeddings and activity) and constraints (both axes).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 + Eigen AVX-512 false positives
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <QtTest>
#include <cmath>

#include "engine/core/rng.h"
#include "engine/layer/constraints.h"
#include "engine/layer/regularizers.h"

using namespace embedscope;

namespace {
Matrix randomMatrix(int r, int c, std::uint64_t seed, float lo = -1, float hi = 1) {
  Rng rng(seed);
  Matrix m(r, c);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(lo, hi);
  return m;
}

// Keras's OrthogonalRegularizer written out naively in double.
double orthogonalNaive(const Matrix& x, double factor, bool columns) {
  Eigen::MatrixXd y = x.cast<double>();
  if (columns) y.transposeInPlace();
  for (Eigen::Index i = 0; i < y.rows(); ++i) y.row(i) /= std::sqrt(std::max(y.row(i).squaredNorm(), 1e-14));
  const Eigen::Index n = y.rows();
  double s = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j)
      if (i != j) s += std::abs(y.row(i).dot(y.row(j)));
  return factor * 0.5 * s / (n * (n - 1) / 2.0);
}
}  // namespace

class TestPenalties : public QObject {
  Q_OBJECT
 private slots:
  void regularizerLossAndGradient_data() {
    QTest::addColumn<QString>("spec");
    QTest::newRow("l1") << "l1";
    QTest::newRow("l2 0.3") << "l2:0.3";
    QTest::newRow("l1l2") << "l1l2:0.01,0.02";
    QTest::newRow("orthogonal rows") << "orthogonal_regularizer:factor=0.1";
    QTest::newRow("orthogonal columns") << "orthogonal_regularizer:factor=0.1,mode=columns";
  }
  void regularizerLossAndGradient() {
    QFETCH(QString, spec);
    const RegularizerSpec s = *parseRegularizerSpec(spec.toStdString());
    Matrix x = randomMatrix(9, 5, 1);
    x(2, 3) = 0.0f;  // l1's gradient at 0 is sign(0) = 0
    const double loss = regularizerLoss(s, x);
    double want = 0;
    if (s.name == "orthogonal_regularizer") {
      want = orthogonalNaive(x, s.number("factor"), s.text("mode") == "columns");
    } else {
      const double l1 = s.name == "l2" ? 0 : s.number("l1"), l2 = s.name == "l1" ? 0 : s.number("l2");
      want = l1 * x.cast<double>().cwiseAbs().sum() + l2 * x.cast<double>().squaredNorm();  // no 1/2 on L2
    }
    QVERIFY2(std::abs(loss - want) < 1e-9 * (1 + std::abs(want)), qPrintable(QString("%1 vs %2").arg(loss).arg(want)));
    // Gradient against central finite differences of the loss.
    Matrix g = Matrix::Zero(9, 5);
    addRegularizerGradient(s, x, g);
    for (int i = 0; i < 9; ++i)
      for (int j = 0; j < 5; ++j) {
        if (i == 2 && j == 3) {
          if (s.name != "orthogonal_regularizer") QCOMPARE(g(i, j), float(2 * s.number("l2") * 0.0));
          continue;
        }
        const float h = 1e-3f;
        Matrix xp = x, xm = x;
        xp(i, j) += h;
        xm(i, j) -= h;
        const double fd = (regularizerLoss(s, xp) - regularizerLoss(s, xm)) / (double(xp(i, j)) - double(xm(i, j)));
        QVERIFY2(std::abs(fd - g(i, j)) < 2e-4 * (1 + std::abs(fd)),
                 qPrintable(QString("(%1,%2) fd %3 analytic %4").arg(i).arg(j).arg(fd).arg(g(i, j))));
      }
  }

  void activityDividedByBatch() {
    const RegularizerSpec s = *parseRegularizerSpec("l2:0.5");
    const Matrix out = randomMatrix(4 * 10, 8, 2);  // (4, 10, 8)
    const std::int64_t shape[] = {4, 10, 8};
    Matrix d = Matrix::Zero(40, 8);
    auto loss = activityRegularization(s, out.data(), shape, d.data());
    QVERIFY(loss.isOk());
    QVERIFY(std::abs(*loss - 0.5 * out.cast<double>().squaredNorm() / 4.0) < 1e-9);
    QVERIFY((d - (2 * 0.5f / 4.0f) * out).cwiseAbs().maxCoeff() < 1e-7f);
    const RegularizerSpec o = *parseRegularizerSpec("orthogonal_regularizer");
    auto bad = activityRegularization(o, out.data(), shape, nullptr);
    QCOMPARE(bad.status().message(),
             std::string("Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape=(4, 10, 8)"));
    const std::int64_t flat[] = {40, 8};
    QVERIFY(activityRegularization(o, out.data(), flat, nullptr).isOk());
  }

  void constraints_data() {
    QTest::addColumn<QString>("spec");
    QTest::newRow("max_norm axis 0 (columns)") << "max_norm:1.5";
    QTest::newRow("max_norm axis 1 (tokens)") << "max_norm:1:1";
    QTest::newRow("max_norm axis -1") << "max_norm:max_value=1,axis=-1";
    QTest::newRow("unit_norm axis 0") << "unit_norm";
    QTest::newRow("unit_norm axis 1") << "unit_norm:axis=1";
    QTest::newRow("min_max_norm axis 0") << "min_max_norm:min_value=2,max_value=3";
    QTest::newRow("min_max_norm axis 1 rate 0.5") << "min_max_norm:min_value=0.5,max_value=1,rate=0.5,axis=1";
    QTest::newRow("non_neg") << "non_neg";
  }
  void constraints() {
    QFETCH(QString, spec);
    const ConstraintSpec s = *parseConstraintSpec(spec.toStdString());
    const Matrix w0 = randomMatrix(20, 6, 3, -0.9f, 0.9f);
    Matrix w = w0;
    std::vector<float> delta;
    applyConstraint(s, w, &delta);
    // Keras's formula per slice, in double: w * desired / (1e-7 + norm).
    const bool rows = constraintAxis(s) == 1;
    Eigen::MatrixXd want = w0.cast<double>();
    if (s.name == "non_neg") {
      want = want.cwiseMax(0.0);
    } else {
      const Eigen::Index slices = rows ? want.rows() : want.cols();
      for (Eigen::Index k = 0; k < slices; ++k) {
        const double norm = rows ? want.row(k).norm() : want.col(k).norm();
        double desired = 1.0;
        if (s.name == "max_norm") desired = std::clamp(norm, 0.0, s.number("max_value"));
        if (s.name == "min_max_norm")
          desired = s.number("rate") * std::clamp(norm, s.number("min_value"), s.number("max_value")) +
                    (1 - s.number("rate")) * norm;
        const double f = desired / (1e-7 + norm);
        if (rows) want.row(k) *= f; else want.col(k) *= f;
      }
    }
    QVERIFY((w.cast<double>() - want).cwiseAbs().maxCoeff() < 1e-6);
    if (s.name == "unit_norm") {
      for (Eigen::Index k = 0; k < (rows ? w.rows() : w.cols()); ++k)
        QVERIFY(std::abs((rows ? w.row(k).norm() : w.col(k).norm()) - 1.0f) < 1e-5f);
    }
    for (Eigen::Index r = 0; r < w.rows(); ++r)
      QVERIFY(std::abs(delta[static_cast<std::size_t>(r)] - (w.row(r) - w0.row(r)).norm()) < 1e-5f);
  }

  // The axis trap: axis 0 leaves token norms unconstrained.
  void defaultAxisConstrainsColumns() {
    Matrix w = Matrix::Zero(100, 2);
    w.col(0).setConstant(0.5f);  // column norm 5, each token norm 0.5
    applyConstraint(constraintSpec("max_norm"), w);  // max_value 2 on columns
    QVERIFY(std::abs(w.col(0).norm() - 2.0f) < 1e-4f);
    QVERIFY(std::abs(w(0, 0) - 0.2f) < 1e-6f);
  }
};

QTEST_APPLESS_MAIN(TestPenalties)
#include "test_penalties.moc"
