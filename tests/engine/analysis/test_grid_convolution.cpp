// GridConvolution (the t-SNE interpolation grid's FFT, FFTW with the rows past the live block left
// out) against a direct circular convolution, on the live block it promises.
#include <QtTest>
#include <cmath>
#include <vector>

#include "engine/analysis/grid_convolution.h"
#include "engine/core/rng.h"

using embedscope::Rng;
using embedscope::analysis::GridConvolution;

class GridConvolutionTest : public QObject {
  Q_OBJECT
 private slots:
  void matchesDirectConvolution_data() {
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("live");
    QTest::addColumn<int>("threads");
    QTest::newRow("32, live 15") << 32 << 15 << 1;
    QTest::newRow("30 (not a power of two), live 12") << 30 << 12 << 1;
    QTest::newRow("16, live 16 (whole grid)") << 16 << 16 << 1;
    QTest::newRow("30, live 13, 2 threads") << 30 << 13 << 2;
    QTest::newRow("32, live 15, 3 threads") << 32 << 15 << 3;
  }
  void matchesDirectConvolution() {
    QFETCH(int, n);
    QFETCH(int, live);
    QFETCH(int, threads);
    const int grids = 3;
    GridConvolution conv(n, live, grids, threads);
    Rng rng(7);
    // An even kernel, as t-SNE's: k(a, b) = k(-a, -b) = k(-a, b), stored circulantly.
    auto kernelAt = [](int a, int b) { return float(1.0 / std::pow(1.0 + 0.3 * (a * a + b * b), 2)); };
    std::vector<float> k(std::size_t(n) * n);
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < n; ++c) {
        const int a = std::min(r, n - r), b = std::min(c, n - c);
        k[std::size_t(r) * n + c] = kernelAt(a, b);
      }
    std::copy(k.begin(), k.end(), conv.kernel());
    conv.setKernel();
    std::vector<std::vector<float>> in(grids, std::vector<float>(std::size_t(n) * n, 0.f));
    for (int g = 0; g < grids; ++g) {
      for (int r = 0; r < live; ++r)
        for (int c = 0; c < live; ++c) in[g][std::size_t(r) * n + c] = float(rng.uniform01() - 0.3);
      std::copy(in[g].begin(), in[g].end(), conv.grid(g));
    }
    conv.convolve();
    double worst = 0;
    for (int g = 0; g < grids; ++g)
      for (int r = 0; r < live; ++r)
        for (int c = 0; c < live; ++c) {
          double direct = 0;
          for (int r2 = 0; r2 < live; ++r2)
            for (int c2 = 0; c2 < live; ++c2)
              direct += double(in[g][std::size_t(r2) * n + c2]) *
                        double(k[std::size_t((r - r2 + n) % n) * n + std::size_t((c - c2 + n) % n)]);
          const double got = double(conv.grid(g)[std::size_t(r) * n + c]) / (double(n) * n);
          worst = std::max(worst, std::abs(got - direct) / (1.0 + std::abs(direct)));
        }
    QVERIFY2(worst < 1e-5, qPrintable(QString("worst relative error %1").arg(worst)));
  }
};

QTEST_MAIN(GridConvolutionTest)
#include "test_grid_convolution.moc"
