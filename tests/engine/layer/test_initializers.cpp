// Every Keras initializer: moments and bounds against its formula, with Keras's fans (fan_in = V,
// fan_out = D), the worked values for Embedding(1000, 64), determinism by seed.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 + Eigen AVX-512 false positives
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <QtTest>
#include <cmath>

#include "engine/layer/initializers.h"

using namespace embedscope;

namespace {
struct Moments {
  double mean = 0, var = 0, min = 1e300, max = -1e300;
};
Moments moments(const Matrix& m) {
  Moments r;
  const double n = static_cast<double>(m.size());
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    const double v = m.data()[i];
    r.mean += v;
    r.min = std::min(r.min, v);
    r.max = std::max(r.max, v);
  }
  r.mean /= n;
  for (Eigen::Index i = 0; i < m.size(); ++i) r.var += (m.data()[i] - r.mean) * (m.data()[i] - r.mean);
  r.var /= n;
  return r;
}
constexpr double kTruncVarFactor = 0.87962566103423978 * 0.87962566103423978;  // Var of N(0,1) cut at +-2
}  // namespace

class TestInitializers : public QObject {
  Q_OBJECT
 private slots:
  // kind: u = uniform with bound `a` (variance a^2/3); n = normal with stddev a; t = normal
  // truncated at 2 stddev a (variance a^2 * 0.8796^2).
  void distributions_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<double>("a");
    QTest::addColumn<double>("mean");
    const double V = 400, D = 300;
    QTest::newRow("uniform (default)") << "uniform" << "u" << 0.05 << 0.0;
    QTest::newRow("random_uniform min max") << "random_uniform:minval=0,maxval=2" << "u" << 1.0 << 1.0;
    QTest::newRow("normal") << "normal" << "n" << 0.05 << 0.0;
    QTest::newRow("random_normal mean") << "random_normal:mean=1,stddev=0.5" << "n" << 0.5 << 1.0;
    QTest::newRow("truncated_normal") << "truncated_normal" << "t" << 0.05 << 0.0;
    QTest::newRow("truncated_normal 0.02") << "truncated_normal:stddev=0.02" << "t" << 0.02 << 0.0;
    QTest::newRow("glorot_uniform") << "glorot_uniform" << "u" << std::sqrt(6 / (V + D)) << 0.0;
    QTest::newRow("he_uniform") << "he_uniform" << "u" << std::sqrt(6 / V) << 0.0;
    QTest::newRow("lecun_uniform") << "lecun_uniform" << "u" << std::sqrt(3 / V) << 0.0;
    QTest::newRow("glorot_normal") << "glorot_normal" << "t" << std::sqrt(2 / (V + D)) / 0.87962566103423978 << 0.0;
    QTest::newRow("he_normal") << "he_normal" << "t" << std::sqrt(2 / V) / 0.87962566103423978 << 0.0;
    QTest::newRow("lecun_normal") << "lecun_normal" << "t" << std::sqrt(1 / V) / 0.87962566103423978 << 0.0;
    QTest::newRow("variance_scaling default (fan_in, truncated)")
        << "variance_scaling" << "t" << std::sqrt(1 / V) / 0.87962566103423978 << 0.0;
    QTest::newRow("variance_scaling fan_out uniform")
        << "variance_scaling:scale=3,mode=fan_out,distribution=uniform" << "u" << std::sqrt(9 / D) << 0.0;
    QTest::newRow("variance_scaling normal means truncated")
        << "variance_scaling:mode=fan_avg,distribution=normal" << "t" << std::sqrt(2 / (V + D)) / 0.87962566103423978
        << 0.0;
    QTest::newRow("variance_scaling untruncated") << "variance_scaling:scale=2,distribution=untruncated_normal" << "n"
                                                  << std::sqrt(2 / V) << 0.0;
  }
  void distributions() {
    QFETCH(QString, spec);
    QFETCH(QString, kind);
    QFETCH(double, a);
    QFETCH(double, mean);
    auto s = parseInitializerSpec(spec.toStdString());
    QVERIFY2(s.isOk(), s.status().message().c_str());
    auto m = initializeMatrix(*s, 400, 300, 1234);
    QVERIFY(m.isOk());
    QCOMPARE(m->rows(), Eigen::Index(400));
    QCOMPARE(m->cols(), Eigen::Index(300));
    const Moments r = moments(*m);
    const double n = 120000;
    double var = a * a;
    if (kind == "u") var = a * a / 3.0;
    if (kind == "t") var = a * a * kTruncVarFactor;
    QVERIFY2(std::abs(r.mean - mean) < 5 * std::sqrt(var / n), qPrintable(QString("mean %1").arg(r.mean)));
    QVERIFY2(std::abs(r.var / var - 1) < 0.02, qPrintable(QString("var %1 want %2").arg(r.var).arg(var)));
    if (kind == "u") {
      QVERIFY(r.min >= mean - a - 1e-7);
      QVERIFY(r.max < mean + a);
      QVERIFY(r.max > mean + 0.99 * a);  // fills its interval
    }
    if (kind == "t") {
      QVERIFY(r.min >= mean - 2 * a * (1 + 1e-6));
      QVERIFY(r.max <= mean + 2 * a * (1 + 1e-6));
      QVERIFY(r.max > mean + 1.9 * a);
    }
    if (kind == "n") QVERIFY(r.max > mean + 3.5 * a);  // not truncated
  }

  void kerasWorkedValues_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<double>("value");
    QTest::newRow("glorot_uniform limit") << "glorot_uniform" << 0.0750939;
    QTest::newRow("he_uniform limit") << "he_uniform" << 0.0774597;
    QTest::newRow("lecun_uniform limit") << "lecun_uniform" << 0.0547723;
    QTest::newRow("glorot_normal stddev") << "glorot_normal" << 0.0492886;
    QTest::newRow("he_normal stddev") << "he_normal" << 0.0508414;
    QTest::newRow("lecun_normal stddev") << "lecun_normal" << 0.0359503;
  }
  void kerasWorkedValues() {
    QFETCH(QString, name);
    QFETCH(double, value);
    auto r = resolveVarianceScaling(initializerSpec(name.toStdString()), 1000, 64);
    QVERIFY(r.isOk());
    const double got = r->distribution == "uniform" ? r->limit : r->stddev;
    QVERIFY2(std::abs(got - value) < 5e-7, qPrintable(QString::number(got, 'g', 9)));
  }

  void orthogonal_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<double>("gain");
    QTest::newRow("tall 200x16") << 200 << 16 << 1.0;
    QTest::newRow("wide 8x50") << 8 << 50 << 1.0;
    QTest::newRow("square gain 2") << 12 << 12 << 2.0;
  }
  void orthogonal() {
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(double, gain);
    InitializerSpec s = initializerSpec("orthogonal");
    s.set("gain", gain);
    auto m = initializeMatrix(s, rows, cols, 3);
    QVERIFY(m.isOk());
    const Eigen::MatrixXd q = m->cast<double>();
    const Eigen::MatrixXd gram = rows >= cols ? Eigen::MatrixXd(q.transpose() * q) : Eigen::MatrixXd(q * q.transpose());
    const Eigen::MatrixXd want = gain * gain * Eigen::MatrixXd::Identity(gram.rows(), gram.cols());
    QVERIFY((gram - want).cwiseAbs().maxCoeff() < 1e-5);
  }

  void constants() {
    auto id = initializeMatrix(*parseInitializerSpec("identity:gain=3"), 4, 6, 0);
    QVERIFY(id.isOk());
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 6; ++c) QCOMPARE((*id)(r, c), r == c ? 3.0f : 0.0f);
    QVERIFY(initializeMatrix(initializerSpec("zeros"), 3, 3, 0)->isZero());
    QVERIFY(initializeMatrix(initializerSpec("one"), 3, 3, 0)->isOnes());
    const Matrix c = *initializeMatrix(*parseInitializerSpec("constant:value=0.3"), 2, 5, 0);
    QVERIFY((c.array() == 0.3f).all());
  }

  void seeded() {
    const InitializerSpec u = initializerSpec("uniform");
    const Matrix a = *initializeMatrix(u, 50, 7, 1), b = *initializeMatrix(u, 50, 7, 1), c = *initializeMatrix(u, 50, 7, 2);
    QVERIFY(a == b);
    QVERIFY(a != c);
    // A seed given in the spec wins over the layer's.
    auto s = parseInitializerSpec("random_uniform:seed=9");
    QVERIFY(*initializeMatrix(*s, 50, 7, 1) == *initializeMatrix(*s, 50, 7, 2));
    // Row-major draw order: the first row of a taller table is the same draws.
    const Matrix tall = *initializeMatrix(u, 80, 7, 1);
    QVERIFY(tall.topRows(50) == a);
  }

  void tableFromConfig() {
    LayerConfig c;
    c.inputDim = 1000;
    c.outputDim = 64;
    c.seed = 42;
    auto t = initializeTable(c);
    QVERIFY(t.isOk());
    QVERIFY(t->minCoeff() >= -0.05f && t->maxCoeff() < 0.05f);
    c.weights = Matrix::Constant(1000, 64, 0.5f);
    QVERIFY(*initializeTable(c) == *c.weights);
    c.outputDim = 0;
    QCOMPARE(initializeTable(c).status().code(), StatusCode::InvalidArgument);
  }
};

QTEST_APPLESS_MAIN(TestInitializers)
#include "test_initializers.moc"
