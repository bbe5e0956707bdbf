// PCA against an independent eigen-decomposition; t-SNE and UMAP recover planted clusters, are
// bit-reproducible for a seed on one thread, animate step by step, and survive the rows that
// break other tools (all-zero, duplicate).
// GCC 12 reports false (maybe-)uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <Eigen/Eigenvalues>
#include <QtTest>
#include <cmath>

#include "engine/analysis/pca.h"
#include "engine/analysis/tsne.h"
#include "engine/analysis/umap.h"
#include "tests/engine/analysis/analysis_fixtures.h"

using namespace embedscope;
using namespace embedscope::analysis;

Q_DECLARE_METATYPE(embedscope::analysis::TsneMethod)
Q_DECLARE_METATYPE(embedscope::analysis::PcaSolver)

namespace {

// Rows with a known covariance spectrum: independent columns scaled by decreasing factors, then
// mixed by a fixed rotation.
Matrix anisotropic(int n, int d, std::uint64_t seed) {
  Rng rng(seed);
  Matrix z(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) z(i, j) = static_cast<float>(rng.normal() * (12.0 / (1 + j)) + (j == 0 ? 5.0 : 0.0));
  Eigen::MatrixXd g(d, d);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) g(i, j) = rng.normal();
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
  const Eigen::MatrixXd rot = qr.householderQ();
  return (z.cast<double>() * rot).cast<float>();
}

bool allFinite(const Matrix& m) { return m.allFinite(); }

}  // namespace

class TestProjections : public QObject {
  Q_OBJECT
 private slots:
  void pcaMatchesEigenDecomposition_data() {
    QTest::addColumn<PcaSolver>("solver");
    QTest::addColumn<int>("dims");
    QTest::newRow("exact, 12 columns") << PcaSolver::Exact << 12;
    QTest::newRow("randomized, 40 columns") << PcaSolver::Randomized << 40;
    QTest::newRow("auto picks randomized past 512 columns") << PcaSolver::Auto << 600;
  }
  void pcaMatchesEigenDecomposition() {
    QFETCH(PcaSolver, solver);
    QFETCH(int, dims);
    const Matrix x = anisotropic(1500, dims, 4);
    // Reference: the covariance's eigen-decomposition in double, computed here independently.
    const Eigen::MatrixXd xd = x.cast<double>();
    const Eigen::MatrixXd c = xd.rowwise() - xd.colwise().mean();
    const Eigen::MatrixXd cov = c.transpose() * c / double(x.rows() - 1);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(cov);
    const double total = cov.trace();
    PcaOptions o;
    o.solver = solver;
    o.components = {0, 2};
    auto r = pca(x, o);
    QVERIFY(r.isOk());
    QCOMPARE(r->randomized, solver != PcaSolver::Exact);
    QCOMPARE(r->coordinates.rows(), x.rows());
    QCOMPARE(r->coordinates.cols(), Eigen::Index(2));
    QCOMPARE(r->varianceExplained.size(), std::size_t(10));
    for (int comp = 0; comp < 4; ++comp) {
      const Eigen::VectorXd ref = es.eigenvectors().col(dims - 1 - comp);
      const double cosAngle = std::abs(ref.dot(r->axes.row(comp).cast<double>().transpose()));
      QVERIFY2(cosAngle > 0.999, qPrintable(QString("component %1: |cos| %2").arg(comp).arg(cosAngle)));
      const double refRatio = es.eigenvalues()[dims - 1 - comp] / total;
      QVERIFY(std::abs(r->varianceExplained[static_cast<std::size_t>(comp)] - refRatio) < 1e-3 * refRatio + 1e-6);
    }
    // The returned coordinates are the projections on components 0 and 2 of the centred rows.
    const Eigen::VectorXd proj = c * r->axes.row(2).cast<double>().transpose();
    QVERIFY((proj - r->coordinates.col(1).cast<double>()).cwiseAbs().maxCoeff() < 1e-2);
  }

  void pcaSpherizeAndDegenerateInputs() {
    const Matrix x = anisotropic(300, 6, 8);
    PcaOptions o;
    o.spherize = true;
    auto r = pca(x, o);
    QVERIFY(r.isOk());
    // Spherized rows have unit norm, so their projections can never exceed 1.
    QVERIFY(r->coordinates.cwiseAbs().maxCoeff() <= 1.0f + 1e-5f);
    double sum = 0;
    for (double v : r->varianceExplained) sum += v;
    QVERIFY(sum <= 1.0 + 1e-9);

    // All-zero table and a single row: zeros, no NaN.
    for (const Matrix& m : {Matrix(Matrix::Zero(50, 5)), Matrix(Matrix::Ones(1, 5))}) {
      auto z = pca(m, PcaOptions{});
      QVERIFY(z.isOk());
      QVERIFY(allFinite(z->coordinates));
      for (double v : z->varianceExplained) QCOMPARE(v, 0.0);
    }
    // Fewer columns than components: the missing ones are zero, not garbage.
    PcaOptions o3;
    o3.components = {0, 1, 2};
    auto narrow = pca(anisotropic(100, 2, 1), o3);
    QVERIFY(narrow.isOk());
    QVERIFY(narrow->coordinates.col(2).isZero());
    // Bad requests are Keras-style invalid arguments.
    PcaOptions bad;
    bad.components = {0, 10};
    QCOMPARE(pca(x, bad).status().code(), StatusCode::InvalidArgument);
  }

  void tsneRecoversClusters_data() {
    QTest::addColumn<TsneMethod>("method");
    QTest::addColumn<int>("dims");
    QTest::newRow("exact") << TsneMethod::Exact << 2;
    QTest::newRow("barnes-hut 2-D") << TsneMethod::BarnesHut << 2;
    QTest::newRow("barnes-hut 3-D") << TsneMethod::BarnesHut << 3;
    QTest::newRow("fft interpolation") << TsneMethod::Fft << 2;
  }
  void tsneRecoversClusters() {
    QFETCH(TsneMethod, method);
    QFETCH(int, dims);
    const auto p = testing::plantedClusters(600, 20, 6, 1.0f, 21);
    TsneOptions o;
    o.method = method;
    o.dims = dims;
    o.iterations = 500;
    o.seed = 5;
    auto r = tsne(p.x, o);
    QVERIFY(r.isOk());
    QCOMPARE(r->method, method);
    QCOMPARE(r->layout.cols(), Eigen::Index(dims));
    QVERIFY(allFinite(r->layout));
    const double pur = testing::purity(r->layout, p.label);
    QVERIFY2(pur > 0.97, qPrintable(QString("purity %1").arg(pur)));
    QVERIFY(r->klDivergence > 0 && r->klDivergence < 3);
    // Bit-reproducible for a seed on one thread.
    auto again = tsne(p.x, o);
    QVERIFY(again.isOk());
    QVERIFY(testing::bitEqual(r->layout, again->layout));
  }

  void tsneStepsMatchOneRun() {
    const auto p = testing::plantedClusters(300, 10, 3, 1.0f, 2);
    TsneOptions o;
    o.iterations = 300;
    o.method = TsneMethod::BarnesHut;
    auto whole = tsne(p.x, o);
    QVERIFY(whole.isOk());
    auto t = Tsne::create(p.x, o);
    QVERIFY(t.isOk());
    int frames = 0;
    Matrix previous = t->layout();
    while (!t->done()) {
      QVERIFY(t->step(37).isOk());
      ++frames;
      QVERIFY(!testing::bitEqual(previous, t->layout()));  // every frame moves
      previous = t->layout();
    }
    QCOMPARE(frames, 9);
    QCOMPARE(t->iteration(), 300);
    QVERIFY(testing::bitEqual(t->layout(), whole->layout));
  }

  void tsneStartsFromAPreviousLayout() {
    const auto p = testing::plantedClusters(200, 8, 4, 1.0f, 3);
    TsneOptions o;
    o.iterations = 400;
    auto first = tsne(p.x, o);
    QVERIFY(first.isOk());
    TsneOptions cont = o;
    cont.initialLayout = first->layout;
    cont.iterations = 0;
    auto still = tsne(p.x, cont);
    QVERIFY(still.isOk());
    QVERIFY(testing::bitEqual(still->layout, first->layout));
    cont.iterations = 50;
    cont.exaggerationIterations = 0;
    auto moved = tsne(p.x, cont);
    QVERIFY(moved.isOk());
    // Continuing from a converged layout barely moves it (no jump), unlike a fresh start.
    const double shift = (moved->layout - first->layout).rowwise().norm().mean();
    const double scale = first->layout.rowwise().norm().mean();
    QVERIFY2(shift < 0.1 * scale, qPrintable(QString("shift %1 vs scale %2").arg(shift).arg(scale)));
  }

  void tsneSurvivesZeroAndDuplicateRows_data() {
    QTest::addColumn<TsneMethod>("method");
    QTest::newRow("exact") << TsneMethod::Exact;
    QTest::newRow("barnes-hut") << TsneMethod::BarnesHut;
    QTest::newRow("fft") << TsneMethod::Fft;
  }
  void tsneSurvivesZeroAndDuplicateRows() {
    QFETCH(TsneMethod, method);
    auto p = testing::plantedClusters(400, 8, 4, 1.0f, 7);
    for (int i = 0; i < 120; ++i) p.x.row(i).setZero();  // many identical all-zero rows
    for (int i = 200; i < 260; ++i) p.x.row(i) = p.x.row(199);
    TsneOptions o;
    o.method = method;
    o.iterations = 300;
    auto r = tsne(p.x, o);
    QVERIFY(r.isOk());
    QVERIFY(allFinite(r->layout));
    QVERIFY(std::isfinite(r->klDivergence));
    // An all-identical table has no direction at all: still finite.
    auto same = tsne(Matrix::Ones(300, 4), o);
    QVERIFY(same.isOk());
    QVERIFY(allFinite(same->layout));
  }

  void tsneRejectsBadOptionsAndCancels() {
    const auto p = testing::plantedClusters(50, 4, 2, 1.0f, 1);
    TsneOptions o;
    o.perplexity = 60;  // not less than the 50 rows
    QCOMPARE(tsne(p.x, o).status().code(), StatusCode::InvalidArgument);
    o.perplexity = 5;
    o.dims = 4;
    QCOMPARE(tsne(p.x, o).status().code(), StatusCode::InvalidArgument);
    o.dims = 2;
    CancelToken cancel;
    cancel.cancel();
    RunControl rc;
    rc.cancel = &cancel;
    QCOMPARE(tsne(p.x, o, rc).status().code(), StatusCode::Cancelled);
  }

  void umapCurveMatchesUmapLearn() {
    // umap-learn's find_ab_params(1.0, 0.1) = (1.5769, 0.8951); (1.0, 0.5) = (0.5830, 1.3340).
    auto [a, b] = umapCurveParameters(1.0, 0.1);
    QVERIFY2(std::abs(a - 1.577) < 0.01 && std::abs(b - 0.895) < 0.01, qPrintable(QString("%1 %2").arg(a).arg(b)));
    std::tie(a, b) = umapCurveParameters(1.0, 0.5);
    QVERIFY2(std::abs(a - 0.583) < 0.01 && std::abs(b - 1.334) < 0.01, qPrintable(QString("%1 %2").arg(a).arg(b)));
  }

  void umapRecoversClustersReproducibly_data() {
    QTest::addColumn<int>("dims");
    QTest::addColumn<int>("metric");
    QTest::newRow("2-D euclidean") << 2 << int(Metric::Euclidean);
    QTest::newRow("3-D cosine") << 3 << int(Metric::Cosine);
  }
  void umapRecoversClustersReproducibly() {
    QFETCH(int, dims);
    QFETCH(int, metric);
    const auto p = testing::plantedClusters(800, 16, 8, 1.0f, 13);
    UmapOptions o;
    o.dims = dims;
    o.metric = Metric(metric);
    o.epochs = 200;
    o.seed = 3;
    auto r = umap(p.x, o);
    QVERIFY(r.isOk());
    QVERIFY(allFinite(r->layout));
    const double pur = testing::purity(r->layout, p.label);
    QVERIFY2(pur > 0.97, qPrintable(QString("purity %1").arg(pur)));
    auto again = umap(p.x, o);
    QVERIFY(again.isOk());
    QVERIFY(testing::bitEqual(r->layout, again->layout));
    o.seed = 4;
    auto other = umap(p.x, o);
    QVERIFY(other.isOk());
    QVERIFY(!testing::bitEqual(r->layout, other->layout));  // the seed matters
  }

  void spectralLayoutSeparatesPlantedBlocks() {
    // Three dense blocks of 60 vertices joined by a handful of weak edges: the two leading
    // non-trivial eigenvectors of D^-1/2 W D^-1/2 separate them (each block its own place).
    const int blocks = 3, per = 60;
    const std::int64_t n = blocks * per;
    std::vector<std::int32_t> head, tail;
    std::vector<double> w;
    auto edge = [&](int i, int j, double v) {
      head.push_back(i), tail.push_back(j), w.push_back(v);
      head.push_back(j), tail.push_back(i), w.push_back(v);
    };
    Rng rng(11);
    for (int b = 0; b < blocks; ++b)
      for (int i = 0; i < per; ++i)
        for (int t = 0; t < 8; ++t) {
          const int j = static_cast<int>(rng.below(per));
          if (j != i) edge(b * per + i, b * per + j, 0.5 + 0.5 * rng.uniform01());
        }
    for (int b = 0; b < blocks; ++b) edge(b * per, ((b + 1) % blocks) * per + 1, 0.05);
    std::vector<int> label(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) label[static_cast<std::size_t>(i)] = static_cast<int>(i / per);
    auto sp = spectralLayout(n, head, tail, w, 2, 1);
    QVERIFY2(sp.isOk(), qPrintable(QString::fromStdString(sp.status().message())));
    QVERIFY(allFinite(*sp));
    const double pur = testing::purity(*sp, label);
    QVERIFY2(pur > 0.98, qPrintable(QString("purity %1").arg(pur)));
    // Deterministic for a seed.
    auto again = spectralLayout(n, head, tail, w, 2, 1);
    QVERIFY(again.isOk() && testing::bitEqual(*sp, *again));
    // Cut the weak edges: three components, no spectral layout (UMAP then falls back to PCA).
    std::vector<std::int32_t> h2, t2;
    std::vector<double> w2;
    for (std::size_t e = 0; e < head.size(); ++e)
      if (label[static_cast<std::size_t>(head[e])] == label[static_cast<std::size_t>(tail[e])])
        h2.push_back(head[e]), t2.push_back(tail[e]), w2.push_back(w[e]);
    QCOMPARE(spectralLayout(n, h2, t2, w2, 2, 1).status().code(), StatusCode::Unavailable);
  }

  void umapStartsSpectralAndFallsBack() {
    // Touching clusters: one connected k-NN graph, so the start is spectral and already sorts
    // the points by cluster before any epoch.
    const auto close = testing::plantedClusters(600, 4, 3, 3.0f, 5);
    UmapOptions o;
    o.epochs = 200;
    auto u = Umap::create(close.x, o);
    QVERIFY(u.isOk());
    QCOMPARE(u->init(), UmapInit::Spectral);
    QCOMPARE(u->epoch(), 0);
    const Matrix start = u->layout();
    QVERIFY(allFinite(start));
    QVERIFY(start.minCoeff() >= -1e-3f && start.maxCoeff() <= 10.001f);  // umap-learn's [0, 10] box
    const double pur0 = testing::purity(start, close.label);
    QVERIFY2(pur0 > 0.9, qPrintable(QString("purity of the start %1").arg(pur0)));
    // Far-apart clusters: the graph falls apart into components, PCA start instead.
    const auto far = testing::plantedClusters(600, 16, 6, 0.5f, 5);
    auto v = Umap::create(far.x, o);
    QVERIFY(v.isOk());
    QCOMPARE(v->init(), UmapInit::Pca);
    o.init = UmapInit::Random;
    auto r = Umap::create(far.x, o);
    QVERIFY(r.isOk());
    QCOMPARE(r->init(), UmapInit::Random);
  }

  void umapStepsMatchOneRun() {
    const auto p = testing::plantedClusters(400, 8, 4, 2.0f, 9);
    UmapOptions o;
    o.epochs = 150;
    o.seed = 8;
    auto whole = umap(p.x, o);
    QVERIFY(whole.isOk());
    auto u = Umap::create(p.x, o);
    QVERIFY(u.isOk());
    QCOMPARE(u->totalEpochs(), 150);
    int frames = 0;
    Matrix previous = u->layout();
    std::vector<int> reported;
    RunControl rc;
    rc.progress = [&](const Progress& pr) { reported.push_back(pr.iteration); };
    while (!u->done()) {
      QVERIFY(u->step(23, rc).isOk());
      ++frames;
      QVERIFY(!testing::bitEqual(previous, u->layout()));  // every frame moves
      previous = u->layout();
    }
    QCOMPARE(frames, 7);
    QCOMPARE(u->epoch(), 150);
    QVERIFY(!reported.empty() && reported.back() == 150);
    QVERIFY(testing::bitEqual(u->layout(), whole->layout));
    QVERIFY(u->step(5).isOk());  // past the end: no change
    QVERIFY(testing::bitEqual(u->layout(), whole->layout));
    // Cancelled mid-run: the last whole epoch's layout stays.
    CancelToken cancel;
    cancel.cancel();
    RunControl stop;
    stop.cancel = &cancel;
    auto c = Umap::create(p.x, o);
    QVERIFY(c.isOk());
    QCOMPARE(c->step(10, stop).code(), StatusCode::Cancelled);
    QCOMPARE(c->epoch(), 0);
  }

  void umapSurvivesZeroAndDuplicateRows() {
    auto p = testing::plantedClusters(300, 8, 3, 1.0f, 7);
    for (int i = 0; i < 100; ++i) p.x.row(i).setZero();
    UmapOptions o;
    o.epochs = 100;
    for (Metric m : {Metric::Euclidean, Metric::Cosine}) {
      o.metric = m;
      auto r = umap(p.x, o);
      QVERIFY(r.isOk());
      QVERIFY(allFinite(r->layout));
    }
    auto tiny = umap(Matrix::Ones(3, 4), o);  // fewer rows than n_neighbors
    QVERIFY(tiny.isOk());
    QVERIFY(allFinite(tiny->layout));
  }
};

QTEST_APPLESS_MAIN(TestProjections)
#include "test_projections.moc"
