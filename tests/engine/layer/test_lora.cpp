// LoRA as Keras's Embedding.enable_lora: A he_uniform (V, r), B zeros, base frozen, effective
// table E + (alpha/r) A B, merged on save; gradients of A and B against finite differences.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 + Eigen AVX-512 false positives
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <QtTest>
#include <cmath>

#include "engine/core/rng.h"
#include "engine/layer/initializers.h"
#include "engine/layer/lora.h"
#include "engine/optim/optimizer.h"

using namespace embedscope;

class TestLora : public QObject {
  Q_OBJECT
 private slots:
  void initialState() {
    LayerConfig c;
    c.inputDim = 600;
    c.outputDim = 16;
    c.loraRank = 4;
    auto l = initializeLora(c);
    QVERIFY(l.isOk());
    QCOMPARE(l->a.rows(), Eigen::Index(600));
    QCOMPARE(l->rank(), std::int64_t{4});
    QVERIFY(l->b.isZero());
    const float limit = std::sqrt(6.0f / 600.0f);  // he_uniform, fan_in = V
    QVERIFY(l->a.cwiseAbs().maxCoeff() < limit);
    QVERIFY(l->a.cwiseAbs().maxCoeff() > 0.9f * limit);
    QCOMPARE(l->scale, 1.0);
    const Matrix base = *initializeTable(c);
    QVERIFY(mergeLora(base, *l) == base);  // B = 0: no delta yet
    c.loraAlpha = 2.0;
    QCOMPARE(initializeLora(c)->scale, 0.5);
  }

  void mergeGatherAndBackward() {
    LayerConfig c;
    c.inputDim = 9;
    c.outputDim = 5;
    c.loraRank = 3;
    c.loraAlpha = 6.0;
    LoraWeights l = *initializeLora(c);
    Rng rng(3);
    for (Eigen::Index i = 0; i < l.b.size(); ++i) l.b.data()[i] = rng.uniform(-1, 1);
    const Matrix base = *initializeTable(c);
    const Matrix merged = mergeLora(base, l);
    QVERIFY((merged - (base + 2.0f * l.a * l.b)).cwiseAbs().maxCoeff() < 1e-6f);
    const std::vector<std::int64_t> ids{4, 1, 4, 8};
    Matrix out(4, 5);
    gatherLoraRows(base, l, ids, out.data());
    for (int i = 0; i < 4; ++i) QVERIFY((out.row(i) - merged.row(ids[static_cast<std::size_t>(i)])).norm() < 1e-6f);
    // loss = sum(out .* W) for a fixed W: dOut = W.
    Matrix W(4, 5);
    for (Eigen::Index i = 0; i < W.size(); ++i) W.data()[i] = rng.uniform(-1, 1);
    const SparseRowGrad dEff = accumulateRowGrad(ids, W.data(), 5, 9);
    const LoraGrad g = loraBackward(dEff, l);
    auto loss = [&](const LoraWeights& lw) {
      Matrix o(4, 5);
      gatherLoraRows(base, lw, ids, o.data());
      return double((o.array() * W.array()).sum());
    };
    const Matrix dA = g.a.toDense();
    for (int r = 0; r < 9; ++r)
      for (int k = 0; k < 3; ++k) {
        LoraWeights p = l, m = l;
        p.a(r, k) += 1e-2f;
        m.a(r, k) -= 1e-2f;
        const double fd = (loss(p) - loss(m)) / (double(p.a(r, k)) - double(m.a(r, k)));
        QVERIFY2(std::abs(fd - dA(r, k)) < 1e-3, qPrintable(QString("dA %1 %2: %3 vs %4").arg(r).arg(k).arg(fd).arg(dA(r, k))));
      }
    for (int k = 0; k < 3; ++k)
      for (int j = 0; j < 5; ++j) {
        LoraWeights p = l, m = l;
        p.b(k, j) += 1e-2f;
        m.b(k, j) -= 1e-2f;
        const double fd = (loss(p) - loss(m)) / (double(p.b(k, j)) - double(m.b(k, j)));
        QVERIFY(std::abs(fd - g.b(k, j)) < 1e-3);
      }
  }

  // Training A and B leaves the base table alone and moves the merged table.
  void baseStaysFrozen() {
    LayerConfig c;
    c.inputDim = 20;
    c.outputDim = 4;
    c.loraRank = 2;
    const Matrix base = *initializeTable(c);
    const Matrix baseCopy = base;
    LoraWeights l = *initializeLora(c);
    OptimizerConfig oc = OptimizerConfig::defaults("sgd");
    oc.learningRate = 0.5;
    auto opt = Optimizer::create(oc);
    const int va = (*opt)->addVariable("lora_a", 20, 2), vb = (*opt)->addVariable("lora_b", 2, 4);
    const std::vector<std::int64_t> ids{3, 5, 3};
    Matrix dOut = Matrix::Ones(3, 4);
    for (int step = 0; step < 3; ++step) {
      const SparseRowGrad dEff = accumulateRowGrad(ids, dOut.data(), 4, 20);
      LoraGrad g = loraBackward(dEff, l);
      VariableGrad grads[] = {{va, &l.a, &g.a, nullptr}, {vb, &l.b, nullptr, &g.b}};
      QVERIFY((*opt)->apply(grads).isOk());
    }
    QVERIFY(base == baseCopy);
    QVERIFY(!l.b.isZero());
    const Matrix merged = mergeLora(base, l);
    QVERIFY((merged.row(3) - base.row(3)).norm() > 1e-3f);
    QVERIFY((merged - (base + l.a * l.b)).cwiseAbs().maxCoeff() < 1e-6f);
  }
};

QTEST_APPLESS_MAIN(TestLora)
#include "test_lora.moc"
