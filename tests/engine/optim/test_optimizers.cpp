// The six Keras 3 optimizers against an independent double-precision transcription of Keras's
// formulas (keras/src/optimizers/*.py), over several steps with duplicate ids and rows that are
// never or only sometimes looked up, in dense (Keras) and lazy modes, with every clipping option.
// GCC 12 + -march=native: false (maybe-)uninitialized warnings in Eigen's AVX-512 kernels; the
// location is in the intrinsics headers, so the pragma precedes every include.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <QtTest>
#include <cmath>
#include <map>

#include "engine/core/rng.h"
#include "engine/layer/embedding_ops.h"
#include "engine/layer/object_spec.h"
#include "engine/optim/optimizer.h"

using namespace embedscope;

namespace {

using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A literal transcription of Keras 3's update steps on the whole (dense) variable, in double.
struct Reference {
  OptimizerConfig c;
  MatD w;
  std::map<std::string, MatD> s;
  long t = 0;

  Reference(OptimizerConfig cfg, const Matrix& w0) : c(std::move(cfg)), w(w0.cast<double>()) {
    const auto z = MatD::Zero(w.rows(), w.cols());
    if (c.name == "sgd" && c.momentum != 0) s["momentum"] = z;
    if (c.name == "rmsprop") {
      s["velocity"] = z;
      if (c.momentum > 0) s["momentum"] = z;
      if (c.centered) s["average_gradient"] = z;
    }
    if (c.name == "adam" || c.name == "adamw") {
      s["momentum"] = z;
      s["velocity"] = z;
      if (c.amsgrad) s["velocity_hat"] = z;
    }
    if (c.name == "adagrad") s["accumulator"] = MatD::Constant(w.rows(), w.cols(), c.initialAccumulatorValue);
    if (c.name == "ftrl") {
      s["accumulator"] = MatD::Constant(w.rows(), w.cols(), c.initialAccumulatorValue);
      s["linear"] = z;
    }
  }

  // g: the dense gradient (duplicates already summed); rows: which rows a lazy step may touch.
  void step(MatD g, const std::vector<bool>& hasGrad) {
    ++t;
    const double lr = c.learningRate;
    // clip
    if (c.clipnorm && *c.clipnorm > 0) {
      const double n = std::sqrt(g.squaredNorm());
      g = g * *c.clipnorm / std::max(n, *c.clipnorm);
    } else if (c.globalClipnorm && *c.globalClipnorm > 0) {
      const double n = std::sqrt(g.squaredNorm());
      g = g * (*c.globalClipnorm * std::min(1.0 / n, 1.0 / *c.globalClipnorm));
    } else if (c.clipvalue && *c.clipvalue > 0) {
      g = g.cwiseMax(-*c.clipvalue).cwiseMin(*c.clipvalue);
    }
    const bool lazy = c.updates == UpdateMode::Lazy;
    for (Eigen::Index r = 0; r < w.rows(); ++r) {
      if (lazy && !hasGrad[static_cast<std::size_t>(r)]) continue;
      for (Eigen::Index j = 0; j < w.cols(); ++j) {
        double& x = w(r, j);
        const double gi = g(r, j);
        if (c.weightDecay) x = x - x * *c.weightDecay * lr;
        if (c.name == "sgd") {
          if (c.momentum != 0) {
            double& m = s["momentum"](r, j);
            m = -gi * lr + m * c.momentum;
            x += c.nesterov ? (-gi * lr + m * c.momentum) : m;
          } else {
            x -= gi * lr;
          }
        } else if (c.name == "rmsprop") {
          double& v = s["velocity"](r, j);
          v = c.rho * v + (1 - c.rho) * gi * gi;
          double den = v + c.epsilon;
          if (c.centered) {
            double& a = s["average_gradient"](r, j);
            a = c.rho * a + (1 - c.rho) * gi;
            den = v - a * a + c.epsilon;
          }
          const double inc = lr * gi / std::sqrt(den);
          if (c.momentum > 0) {
            double& m = s["momentum"](r, j);
            m = c.momentum * m + inc;
            x -= m;
          } else {
            x -= inc;
          }
        } else if (c.name == "adam" || c.name == "adamw") {
          const double alpha = lr * std::sqrt(1 - std::pow(c.beta2, t)) / (1 - std::pow(c.beta1, t));
          double& m = s["momentum"](r, j);
          double& v = s["velocity"](r, j);
          m += (gi - m) * (1 - c.beta1);
          v += (gi * gi - v) * (1 - c.beta2);
          double vu = v;
          if (c.amsgrad) {
            double& vh = s["velocity_hat"](r, j);
            vh = std::max(vh, v);
            vu = vh;
          }
          x -= m * alpha / (std::sqrt(vu) + c.epsilon);
        } else if (c.name == "adagrad") {
          double& a = s["accumulator"](r, j);
          a += gi * gi;
          x -= lr * gi / std::sqrt(a + c.epsilon);
        } else if (c.name == "ftrl") {
          double& n = s["accumulator"](r, j);
          double& z = s["linear"](r, j);
          const double p = c.learningRatePower;
          const double l2 = c.l2RegularizationStrength + c.beta / (2 * lr);
          const double gUse = gi + 2 * c.l2ShrinkageRegularizationStrength * x;
          const double nNew = n + gi * gi;
          z += gUse - (std::pow(nNew, -p) - std::pow(n, -p)) / lr * x;
          const double q = std::pow(nNew, -p) / lr + 2 * l2;
          const double l1 = c.l1RegularizationStrength;
          x = (std::clamp(z, -l1, l1) - z) / q;
          n = nNew;
        }
      }
    }
  }
};

OptimizerConfig configFor(const QString& spec) {
  // "name[,key=value...]" for the test table.
  const QStringList parts = spec.split(',');
  std::vector<std::pair<std::string, std::string>> args;
  UpdateMode mode = UpdateMode::Dense;
  for (int i = 1; i < parts.size(); ++i) {
    const QStringList kv = parts[i].split('=');
    if (kv[0] == "updates") {
      mode = kv[1] == "lazy" ? UpdateMode::Lazy : UpdateMode::Dense;
      continue;
    }
    args.emplace_back(kv[0].toStdString(), kv.size() > 1 ? kv[1].toStdString() : std::string("true"));
  }
  auto c = makeOptimizerConfig(parts[0].toStdString(), args);
  if (!c) qFatal("bad test config %s: %s", qPrintable(spec), c.status().message().c_str());
  c->updates = mode;
  return *c;
}

// The steps every trajectory runs: duplicates (3 twice, 1 twice), row 6 never looked up, rows
// 0 / 2 / 5 looked up only in some steps.
const std::vector<std::vector<std::int64_t>> kSteps = {{1, 3, 3, 0, 1}, {2, 3, 5}, {4, 4, 4, 1}, {0, 2, 3, 3}};
constexpr int kV = 7, kD = 5;

}  // namespace

class TestOptimizers : public QObject {
  Q_OBJECT
 private slots:
  void trajectoryMatchesKerasFormulas_data() {
    QTest::addColumn<QString>("spec");
    const char* rows[] = {
        "sgd,learning_rate=0.1",
        "sgd,learning_rate=0.1,momentum=0.9",
        "sgd,learning_rate=0.1,momentum=0.9,nesterov",
        "sgd,learning_rate=0.1,weight_decay=0.05",
        "rmsprop,learning_rate=0.01",
        "rmsprop,learning_rate=0.01,momentum=0.5",
        "rmsprop,learning_rate=0.01,momentum=0.5,centered",
        "rmsprop,learning_rate=0.01,rho=0.8,centered",
        "adam,learning_rate=0.01",
        "adam,learning_rate=0.01,amsgrad",
        "adam,learning_rate=0.01,beta_1=0.5,beta_2=0.9,epsilon=0.001",
        "adamw,learning_rate=0.01",
        "adamw,learning_rate=0.01,weight_decay=0.1,amsgrad",
        "adagrad,learning_rate=0.1",
        "adagrad,learning_rate=0.1,initial_accumulator_value=0.5,epsilon=0.01",
        "ftrl,learning_rate=0.1",
        "ftrl,learning_rate=0.1,l1_regularization_strength=0.01,l2_regularization_strength=0.02",
        "ftrl,learning_rate=0.1,l2_shrinkage_regularization_strength=0.05,beta=0.3,learning_rate_power=-0.7",
        "adam,learning_rate=0.01,clipnorm=0.5",
        "adam,learning_rate=0.01,global_clipnorm=0.5",
        "sgd,learning_rate=0.1,clipvalue=0.2",
        "rmsprop,learning_rate=0.01,clipnorm=0.3,momentum=0.2",
    };
    for (const char* r : rows) {
      QTest::newRow((QString(r) + " dense").toUtf8().constData()) << QString(r);
      QTest::newRow((QString(r) + " lazy").toUtf8().constData()) << (QString(r) + ",updates=lazy");
    }
  }
  void trajectoryMatchesKerasFormulas() {
    QFETCH(QString, spec);
    const OptimizerConfig cfg = configFor(spec);
    auto opt = Optimizer::create(cfg);
    QVERIFY2(opt.isOk(), opt.status().message().c_str());
    Rng rng(11);
    Matrix w(kV, kD);
    for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = rng.uniform(-0.5f, 0.5f);
    Reference ref(cfg, w);
    const int var = (*opt)->addVariable("embeddings", kV, kD);
    for (std::size_t s = 0; s < kSteps.size(); ++s) {
      const auto& ids = kSteps[s];
      Matrix dOut(static_cast<Eigen::Index>(ids.size()), kD);
      for (Eigen::Index i = 0; i < dOut.size(); ++i) dOut.data()[i] = rng.uniform(-1.0f, 1.0f);
      const SparseRowGrad g = accumulateRowGrad(ids, dOut.data(), kD, kV);
      MatD dense = g.toDense().cast<double>();
      std::vector<bool> has(kV, false);
      for (auto r : g.rows) has[static_cast<std::size_t>(r)] = true;
      ref.step(dense, has);
      VariableGrad vg{var, &w, &g, nullptr};
      std::vector<UpdateStats> st;
      QVERIFY((*opt)->apply(std::span<const VariableGrad>(&vg, 1), &st).isOk());
      QCOMPARE(st.size(), std::size_t{1});
      if (cfg.updates == UpdateMode::Lazy) QCOMPARE(st[0].rowsMovedWithoutGrad, std::int64_t{0});
      // Keras's dense Adam: from the second step on, rows without a gradient keep moving.
      if (cfg.updates == UpdateMode::Dense && cfg.name == "adam" && s > 0) QVERIFY(st[0].rowsMovedWithoutGrad > 0);
      for (int r = 0; r < kV; ++r) {
        if (cfg.updates == UpdateMode::Lazy && !has[static_cast<std::size_t>(r)])
          QCOMPARE(st[0].rowDelta[static_cast<std::size_t>(r)], 0.0f);  // lazy: untouched rows never move
        for (int j = 0; j < kD; ++j) {
          const double want = ref.w(r, j), got = w(r, j);
          if (std::abs(want - got) > 2e-5 * (1 + std::abs(want)))
            QFAIL(qPrintable(QString("step %1 row %2 col %3: got %4 want %5").arg(s).arg(r).arg(j).arg(got, 0, 'g', 9)
                                 .arg(want, 0, 'g', 9)));
        }
      }
      for (const auto& [name, m] : ref.s) {
        const Matrix* slot = (*opt)->slot(var, name);
        QVERIFY2(slot != nullptr, name.c_str());
        QVERIFY2((slot->cast<double>() - m).cwiseAbs().maxCoeff() < 2e-5 * (1 + m.cwiseAbs().maxCoeff()), name.c_str());
      }
    }
    QCOMPARE((*opt)->iterations(), std::int64_t(kSteps.size()));
  }

  // Keras 3 is dense: a row looked up once keeps moving under Adam after its batch; lazy does not.
  void denseMovesUntouchedRowsLazyDoesNot() {
    for (UpdateMode mode : {UpdateMode::Dense, UpdateMode::Lazy}) {
      OptimizerConfig c = OptimizerConfig::defaults("adam");
      c.updates = mode;
      auto opt = Optimizer::create(c);
      QVERIFY(opt.isOk());
      Matrix w = Matrix::Constant(4, 3, 0.25f);
      const std::vector<std::int64_t> first{0, 1}, second{1};
      Matrix d = Matrix::Ones(2, 3);
      SparseRowGrad g1 = accumulateRowGrad(first, d.data(), 3, 4);
      QVERIFY((*opt)->applyTable(w, &g1).isOk());
      const Matrix afterFirst = w;
      SparseRowGrad g2 = accumulateRowGrad(second, d.data(), 3, 4);
      UpdateStats st;
      QVERIFY((*opt)->applyTable(w, &g2, nullptr, &st).isOk());
      QCOMPARE(st.gradRows, std::vector<std::int64_t>{1});
      if (mode == UpdateMode::Dense) {
        QVERIFY(w(0, 0) < afterFirst(0, 0));  // m of row 0 decays but is not zero: it moves again
        QVERIFY(st.rowDelta[0] > 0.0f);
        QCOMPARE(st.rowsMoved, std::int64_t{2});
        QCOMPARE(st.rowsMovedWithoutGrad, std::int64_t{1});
        // momentum of row 0 decayed by beta_1 exactly once
        QVERIFY(std::abs((*opt)->slot(0, "m")->coeff(0, 0) - 0.9f * 0.1f) < 1e-7f);
      } else {
        QCOMPARE(w(0, 0), afterFirst(0, 0));
        QCOMPARE(st.rowDelta[0], 0.0f);
        QCOMPARE(st.rowsMoved, std::int64_t{1});
        QCOMPARE(st.rowsMovedWithoutGrad, std::int64_t{0});
        QVERIFY(std::abs((*opt)->slot(0, "m")->coeff(0, 0) - 0.1f) < 1e-7f);
      }
      QCOMPARE(w(3, 0), 0.25f);  // never looked up: zero moments, no movement either way
      QCOMPARE(st.rowDelta[2], 0.0f);
    }
  }

  // Duplicates are summed before any statistic: Adagrad sees (g1 + g2)^2, not g1^2 + g2^2.
  void duplicatesSummedBeforeStatistics() {
    OptimizerConfig c = OptimizerConfig::defaults("adagrad");
    auto opt = Optimizer::create(c);
    QVERIFY(opt.isOk());
    Matrix w = Matrix::Zero(3, 1);
    const std::vector<std::int64_t> ids{2, 2};
    const float d[] = {0.5f, 1.5f};
    SparseRowGrad g = accumulateRowGrad(ids, d, 1, 3);
    QVERIFY((*opt)->applyTable(w, &g).isOk());
    QCOMPARE((*opt)->slot(0, "accumulator")->coeff(2, 0), 0.1f + 4.0f);
    QVERIFY(std::abs(w(2, 0) - (-0.001f * 2.0f / std::sqrt(4.1f + 1e-7f))) < 1e-9f);
  }

  // Ftrl recomputes every row from z, so a row never looked up becomes 0 after the first step
  // (dense); lazy mode leaves it alone.
  void ftrlZeroesUntouchedRowsWhenDense() {
    for (UpdateMode mode : {UpdateMode::Dense, UpdateMode::Lazy}) {
      OptimizerConfig c = OptimizerConfig::defaults("ftrl");
      c.updates = mode;
      auto opt = Optimizer::create(c);
      QVERIFY(opt.isOk());
      Matrix w = Matrix::Constant(3, 2, 0.3f);
      const std::vector<std::int64_t> ids{0};
      const float d[] = {1.0f, -1.0f};
      SparseRowGrad g = accumulateRowGrad(ids, d, 2, 3);
      QVERIFY((*opt)->applyTable(w, &g).isOk());
      QCOMPARE(w(2, 1), mode == UpdateMode::Dense ? 0.0f : 0.3f);
    }
  }

  void handComputedFirstSteps() {
    // SGD: w - lr g.
    {
      auto opt = Optimizer::create(OptimizerConfig::defaults("sgd"));
      Matrix w = Matrix::Constant(2, 2, 1.0f);
      const std::vector<std::int64_t> ids{1};
      const float d[] = {2.0f, -3.0f};
      SparseRowGrad g = accumulateRowGrad(ids, d, 2, 2);
      QVERIFY((*opt)->applyTable(w, &g).isOk());
      QCOMPARE(w(1, 0), 1.0f - 2.0f * 0.01f);
      QCOMPARE(w(1, 1), 1.0f + 3.0f * 0.01f);
      QCOMPARE(w(0, 0), 1.0f);
    }
    // Adam's first step moves each coordinate by about lr * sign(g).
    {
      auto opt = Optimizer::create(OptimizerConfig::defaults("adam"));
      Matrix w = Matrix::Zero(1, 3);
      const std::vector<std::int64_t> ids{0};
      const float d[] = {5.0f, -0.2f, 1e-3f};
      SparseRowGrad g = accumulateRowGrad(ids, d, 3, 1);
      QVERIFY((*opt)->applyTable(w, &g).isOk());
      QVERIFY(std::abs(w(0, 0) + 0.001f) < 1e-7f);
      QVERIFY(std::abs(w(0, 1) - 0.001f) < 1e-7f);
      // for a small |g| the epsilon shows: lr * g / (|g| + eps / sqrt(1 - beta_2))
      const double small = 0.001 * 1e-3 / (1e-3 + 1e-7 / std::sqrt(1 - 0.999));
      QVERIFY(std::abs(w(0, 2) + small) < 1e-8);
      QVERIFY(std::abs(w(0, 2) + 0.001f) > 1e-6f);
    }
    // clipnorm 1 on the gradient (3, 4): (0.6, 0.8).
    {
      OptimizerConfig c = OptimizerConfig::defaults("sgd");
      c.learningRate = 1.0;
      c.clipnorm = 1.0;
      auto opt = Optimizer::create(c);
      Matrix w = Matrix::Zero(1, 2);
      const std::vector<std::int64_t> ids{0};
      const float d[] = {3.0f, 4.0f};
      SparseRowGrad g = accumulateRowGrad(ids, d, 2, 1);
      UpdateStats st;
      QVERIFY((*opt)->applyTable(w, &g, nullptr, &st).isOk());
      QVERIFY(std::abs(w(0, 0) + 0.6f) < 1e-6f);
      QVERIFY(std::abs(w(0, 1) + 0.8f) < 1e-6f);
      QCOMPARE(st.gradNorm, 5.0);
      QVERIFY(std::abs(st.clipScale - 0.2) < 1e-7);
    }
  }

  // global_clipnorm uses the norm over every variable of the step; clipnorm each variable's own.
  void globalClipnormSpansVariables() {
    for (bool global : {true, false}) {
      OptimizerConfig c = OptimizerConfig::defaults("sgd");
      c.learningRate = 1.0;
      (global ? c.globalClipnorm : c.clipnorm) = 1.0;
      auto opt = Optimizer::create(c);
      Matrix a = Matrix::Zero(1, 1), b = Matrix::Zero(1, 1);
      const int va = (*opt)->addVariable("a", 1, 1), vb = (*opt)->addVariable("b", 1, 1);
      Matrix ga = Matrix::Constant(1, 1, 3.0f), gb = Matrix::Constant(1, 1, 4.0f);
      VariableGrad grads[] = {{va, &a, nullptr, &ga}, {vb, &b, nullptr, &gb}};
      QVERIFY((*opt)->apply(grads).isOk());
      if (global) {
        QVERIFY(std::abs(a(0, 0) + 0.6f) < 1e-6f);
        QVERIFY(std::abs(b(0, 0) + 0.8f) < 1e-6f);
      } else {
        QVERIFY(std::abs(a(0, 0) + 1.0f) < 1e-6f);
        QVERIFY(std::abs(b(0, 0) + 1.0f) < 1e-6f);
      }
    }
  }

  // A dense part (the embeddings regularizer's gradient) reaches every row, in lazy mode too.
  void densePartTouchesEveryRow() {
    OptimizerConfig c = OptimizerConfig::defaults("sgd");
    c.learningRate = 0.5;
    c.updates = UpdateMode::Lazy;
    auto opt = Optimizer::create(c);
    Matrix w = Matrix::Constant(3, 2, 1.0f);
    Matrix reg = 0.02f * w;  // l2(0.01) gradient
    const std::vector<std::int64_t> ids{1};
    const float d[] = {1.0f, 1.0f};
    SparseRowGrad g = accumulateRowGrad(ids, d, 2, 3);
    UpdateStats st;
    QVERIFY((*opt)->applyTable(w, &g, &reg, &st).isOk());
    QCOMPARE(w(0, 0), 1.0f - 0.5f * 0.02f);
    QCOMPARE(w(1, 0), 1.0f - 0.5f * (0.02f + 1.0f));
    QCOMPARE(st.gradRows.size(), std::size_t{3});
    QCOMPARE(st.rowsMoved, std::int64_t{3});
  }

  // The constraint runs after the update, on the whole table, and is reported separately.
  void constraintAfterUpdate() {
    OptimizerConfig c = OptimizerConfig::defaults("sgd");
    c.learningRate = 1.0;
    auto opt = Optimizer::create(c);
    auto spec = parseConstraintSpec("max_norm:1:1");
    QVERIFY(spec.isOk());
    Matrix w = Matrix::Zero(2, 2);
    w(0, 0) = 0.5f;
    const std::vector<std::int64_t> ids{1};
    const float d[] = {-3.0f, -4.0f};  // row 1 becomes (3, 4), norm 5 > 1
    SparseRowGrad g = accumulateRowGrad(ids, d, 2, 2);
    UpdateStats st;
    QVERIFY((*opt)->applyTable(w, &g, nullptr, &st, *spec).isOk());
    QVERIFY(std::abs(w.row(1).norm() - 1.0f) < 1e-5f);
    QCOMPARE(w(0, 0), 0.5f);
    QCOMPARE(st.constraintRowDelta.size(), std::size_t{2});
    QVERIFY(st.constraintRowDelta[1] > 3.9f);
    QCOMPARE(st.constraintRowDelta[0], 0.0f);
  }

  void threadsDoNotChangeResults() {
    for (const char* name : {"adam", "rmsprop", "ftrl"}) {
      Matrix results[2];
      for (int k = 0; k < 2; ++k) {
        OptimizerConfig c = OptimizerConfig::defaults(name);
        c.threads = k == 0 ? 1 : 3;
        c.clipnorm = 0.1;
        auto opt = Optimizer::create(c);
        Rng rng(5);
        Matrix w(1000, 13);
        for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = rng.uniform(-1, 1);
        for (int s = 0; s < 3; ++s) {
          std::vector<std::int64_t> ids(300);
          for (auto& id : ids) id = static_cast<std::int64_t>(rng.below(1000));
          Matrix d(300, 13);
          for (Eigen::Index i = 0; i < d.size(); ++i) d.data()[i] = rng.uniform(-1, 1);
          SparseRowGrad g = accumulateRowGrad(ids, d.data(), 13, 1000);
          QVERIFY((*opt)->applyTable(w, &g).isOk());
        }
        results[k] = w;
      }
      QVERIFY2(results[0] == results[1], name);
    }
  }

  void slotsByName() {
    auto opt = Optimizer::create(OptimizerConfig::defaults("adam"));
    const int v = (*opt)->addVariable("embeddings", 4, 2);
    QCOMPARE((*opt)->slotNames(), (std::vector<std::string>{"momentum", "velocity"}));
    QVERIFY((*opt)->slot(v, "m") == (*opt)->slot(v, "momentum"));
    QVERIFY((*opt)->slot(v, "v") == (*opt)->slot(v, "velocity"));
    QVERIFY((*opt)->slot(v, "accumulator") == nullptr);
    QCOMPARE((*opt)->slot(v, "m")->rows(), Eigen::Index(4));
    auto ada = Optimizer::create(OptimizerConfig::defaults("adagrad"));
    const int a = (*ada)->addVariable("embeddings", 2, 2);
    QCOMPARE((*ada)->slot(a, "accumulator")->coeff(1, 1), 0.1f);
    QCOMPARE(OptimizerConfig::defaults("adamw").weightDecay.value_or(0), 0.004);
    QCOMPARE(OptimizerConfig::defaults("sgd").learningRate, 0.01);
  }

  void rejectsBadInput() {
    auto opt = Optimizer::create(OptimizerConfig::defaults("sgd"));
    Matrix w = Matrix::Zero(3, 2);
    (*opt)->addVariable("embeddings", 3, 2);
    Matrix wrong = Matrix::Zero(4, 2);
    const std::vector<std::int64_t> ids{0};
    const float d[] = {1, 1};
    SparseRowGrad g = accumulateRowGrad(ids, d, 2, 3);
    VariableGrad bad{0, &wrong, &g, nullptr};
    QCOMPARE((*opt)->apply(std::span<const VariableGrad>(&bad, 1)).code(), StatusCode::InvalidArgument);
    VariableGrad none{0, &w, nullptr, nullptr};
    QCOMPARE((*opt)->apply(std::span<const VariableGrad>(&none, 1)).message(),
             std::string("No gradients provided for any variable."));
    QCOMPARE((*opt)->iterations(), std::int64_t{0});
  }

  void configValidation_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown optimizer") << "nadamx" << "" << "" << "Could not interpret optimizer identifier: nadamx";
    QTest::newRow("argument of another optimizer")
        << "adam" << "rho" << "0.9" << "Adam.__init__() got an unexpected keyword argument 'rho'";
    QTest::newRow("sgd momentum above 1") << "sgd" << "momentum" << "1.5" << "`momentum` must be a float between [0, 1].";
    QTest::newRow("ftrl negative l1")
        << "ftrl" << "l1_regularization_strength" << "-1"
        << "`l1_regularization_strength` needs to be positive or zero. Received: l1_regularization_strength=-1.0.";
    QTest::newRow("ftrl positive power")
        << "ftrl" << "learning_rate_power" << "0.5"
        << "`learning_rate_power` needs to be negative or zero. Received: learning_rate_power=0.5.";
    QTest::newRow("ftrl negative accumulator")
        << "ftrl" << "initial_accumulator_value" << "-0.1"
        << "`initial_accumulator_value` needs to be positive or zero. Received: initial_accumulator_value=-0.1.";
    QTest::newRow("adamw without weight decay")
        << "adamw" << "weight_decay" << "None" << "Argument `weight_decay` must be a float. Received: weight_decay=None";
    QTest::newRow("not a number") << "adam" << "beta_1" << "x"
                                  << "Invalid value for argument `beta_1`: expected a number. Received: beta_1=x";
  }
  void configValidation() {
    QFETCH(QString, name);
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(QString, message);
    std::vector<std::pair<std::string, std::string>> args;
    if (!key.isEmpty()) args.emplace_back(key.toStdString(), value.toStdString());
    auto c = makeOptimizerConfig(name.toStdString(), args);
    QVERIFY(!c.isOk());
    QCOMPARE(c.status().code(), StatusCode::InvalidArgument);
    QCOMPARE(QString::fromStdString(c.status().message()), message);
  }

  void clipnormAndGlobalClipnormExclusive() {
    auto c = makeOptimizerConfig("adam", {{"clipnorm", "1"}, {"global_clipnorm", "2"}});
    QVERIFY(!c.isOk());
    QCOMPARE(c.status().message(),
             std::string("Only one of `clipnorm` and `global_clipnorm` can be set. Received: clipnorm=1.0, "
                         "global_clipnorm=2.0"));
  }

  void kerasRepr() {
    QCOMPARE(OptimizerConfig::defaults("rmsprop").toKerasRepr(),
             std::string("keras.optimizers.RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-07, "
                         "centered=False)"));
  }
};

QTEST_APPLESS_MAIN(TestOptimizers)
#include "test_optimizers.moc"
