#pragma once
// Shared by the fused-step parity tests (test_fused_steps, test_fused_optimizers): backends built
// from one setup on both engines, and step-by-step comparisons (reductions 1e-6 relative; tables,
// slots and heads 1e-5 absolute).
#include <QtTest>

#include <cmath>

#include "engine/compute/backend_registry.h"
#include "engine/compute/vulkan/vulkan_backend.h"
#include "engine/core/rng.h"
#include "engine/layer/initializers.h"
#include "engine/optim/optimizer_config.h"
#include "engine/tasks/classify_task.h"
#include "engine/tasks/regression_task.h"

namespace embedscope::testing::fused {

using compute::Backend;
using compute::BackendSetup;

inline OptimizerConfig optimizerFor(const QString& spec) {
  const QStringList parts = spec.split(':');
  std::vector<std::pair<std::string, std::string>> args;
  const QStringList bits = parts[0].split('+');
  for (const auto& b : bits.mid(1)) {
    const auto kv = b.split('=');
    args.emplace_back(kv[0].toStdString(), kv.size() > 1 ? kv[1].toStdString() : "true");
  }
  auto c = makeOptimizerConfig(bits[0].toStdString(), args);
  if (!c) qFatal("optimizer %s: %s", qPrintable(spec), c.status().message().c_str());
  if (parts.size() > 1 && parts[1] == "lazy") c->updates = UpdateMode::Lazy;
  c->learningRate = c->name == "sgd" ? 0.5 : 0.05;
  return *c;
}

struct LayerOptions {
  bool maskZero = false;
  QString reg, act, constraint;  // spec texts, empty = none
};

inline BackendSetup setupFor(std::int64_t v, std::int64_t d, const OptimizerConfig& opt, const LayerOptions& lo = {}) {
  BackendSetup s;
  s.layer.inputDim = v;
  s.layer.outputDim = d;
  s.layer.maskZero = lo.maskZero;
  s.layer.seed = 3;
  if (!lo.reg.isEmpty()) s.layer.embeddingsRegularizer = parseRegularizerSpec(lo.reg.toStdString()).value();
  if (!lo.act.isEmpty()) s.layer.activityRegularizer = parseRegularizerSpec(lo.act.toStdString()).value();
  if (!lo.constraint.isEmpty()) s.layer.embeddingsConstraint = parseConstraintSpec(lo.constraint.toStdString()).value();
  s.table = initializeTable(s.layer).value();
  s.optimizer = opt;
  return s;
}

inline std::unique_ptr<Backend> cpuBackend(const BackendSetup& s) { return std::move(compute::createCpuBackend(s).value()); }

inline std::unique_ptr<Backend> vulkanBackend(const BackendSetup& s, std::uint32_t lossEvery = 1) {
  compute::VulkanBackendOptions o;
  o.lossEvery = lossEvery;
  auto b = compute::createVulkanBackend(s, o);
  if (!b) qFatal("vulkan backend: %s", b.status().message().c_str());
  return std::move(b).value();
}

inline compute::vulkan::VulkanBackend* asVulkan(Backend& b) { return dynamic_cast<compute::vulkan::VulkanBackend*>(&b); }

inline double maxAbsDiff(const Matrix& a, const Matrix& b) { return a.size() == 0 ? 0.0 : double((a - b).cwiseAbs().maxCoeff()); }

inline bool closeRel(double a, double b, double rel = 1e-6) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b)) + 1e-12;
}

inline std::vector<std::int64_t> randomIds(std::int64_t n, std::int64_t vocab, Rng& rng) {
  std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
  for (auto& id : ids) id = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(vocab)));
  return ids;
}

inline void compareState(Backend& cpu, Backend& gpu, double tol = 1e-5) {
  Matrix a, b;
  QVERIFY(cpu.readTable(a).isOk());
  QVERIFY(gpu.readTable(b).isOk());
  const double d = maxAbsDiff(a, b);
  QVERIFY2(d <= tol, qPrintable(QString("table: max |cpu - vulkan| = %1").arg(d)));
  std::vector<std::pair<std::string, Matrix>> sa, sb;
  QVERIFY(cpu.exportState(sa).isOk());
  QVERIFY(gpu.exportState(sb).isOk());
  QCOMPARE(sa.size(), sb.size());
  for (std::size_t i = 0; i < sa.size(); ++i) {
    QCOMPARE(sb[i].first, sa[i].first);
    const double ds = maxAbsDiff(sa[i].second, sb[i].second);
    QVERIFY2(ds <= tol, qPrintable(QString("%1: %2").arg(sa[i].first.c_str()).arg(ds)));
  }
  QCOMPARE(gpu.iterations(), cpu.iterations());
}

// `steps` regression steps on random batches, compared step by step.
inline void regressionSteps(Backend& cpu, Backend& gpu, std::int64_t vocab, std::int64_t dim, std::int64_t rows,
                     std::int64_t length, int steps, std::uint64_t seed, bool padRow = false) {
  Rng rng(seed);
  for (int s = 0; s < steps; ++s) {
    auto ids = randomIds(rows * length, vocab, rng);
    if (padRow) std::fill(ids.begin(), ids.begin() + length, 0);
    Matrix targets(rows * length, dim);
    for (Eigen::Index i = 0; i < targets.size(); ++i) targets.data()[i] = rng.uniform(-1.0f, 1.0f);
    compute::IdBatch batch{ids.data(), rows, length};
    auto a = cpu.regressionStep(batch, targets.data(), nullptr);
    auto b = gpu.regressionStep(batch, targets.data(), nullptr);
    QVERIFY2(a.isOk(), a.status().message().c_str());
    QVERIFY2(b.isOk(), b.status().message().c_str());
    QVERIFY2(closeRel(a->loss, b->loss), qPrintable(QString("step %1 loss %2 vs %3").arg(s).arg(a->loss, 0, 'g', 12).arg(b->loss, 0, 'g', 12)));
    QVERIFY2(closeRel(a->regularization, b->regularization),
             qPrintable(QString("step %1 regularization %2 vs %3").arg(s).arg(a->regularization).arg(b->regularization)));
    QVERIFY(closeRel(a->metricSum, b->metricSum));
    QCOMPARE(b->examples, a->examples);
    auto ea = cpu.regressionEvaluate(batch, targets.data());
    auto eb = gpu.regressionEvaluate(batch, targets.data());
    QVERIFY(ea.isOk() && eb.isOk());
    QVERIFY2(closeRel(ea->loss, eb->loss), qPrintable(QString("evaluate %1 vs %2").arg(ea->loss).arg(eb->loss)));
  }
}

struct Head {
  compute::DenseHead head;
  void init(Backend& b, std::int64_t classes, std::uint64_t seed) {
    head.kernel = initializeMatrix(initializerSpec("glorot_uniform"), b.outputDim(), classes, seed).value();
    head.bias.setZero(1, classes);
    head.kernelVariable = b.addDenseVariable("dense/kernel", b.outputDim(), classes);
    head.biasVariable = b.addDenseVariable("dense/bias", 1, classes);
  }
};

inline void classifySteps(Backend& cpu, Backend& gpu, std::int64_t vocab, std::int64_t rows, std::int64_t length,
                   std::int64_t classes, int steps, std::uint64_t seed, bool padRow = false) {
  Head hc, hg;
  hc.init(cpu, classes, seed);
  hg.init(gpu, classes, seed);
  Rng rng(seed);
  for (int s = 0; s < steps; ++s) {
    auto ids = randomIds(rows * length, vocab, rng);
    if (padRow && s == 1) std::fill(ids.begin(), ids.begin() + length, 0);  // an all-padding row
    std::vector<std::int64_t> labels(static_cast<std::size_t>(rows));
    for (auto& l : labels) l = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(classes)));
    compute::IdBatch batch{ids.data(), rows, length};
    auto a = cpu.classifyStep(batch, labels.data(), hc.head, nullptr);
    auto b = gpu.classifyStep(batch, labels.data(), hg.head, nullptr);
    QVERIFY2(a.isOk(), a.status().message().c_str());
    QVERIFY2(b.isOk(), b.status().message().c_str());
    QVERIFY2(closeRel(a->loss, b->loss), qPrintable(QString("step %1 loss %2 vs %3").arg(s).arg(a->loss, 0, 'g', 12).arg(b->loss, 0, 'g', 12)));
    QVERIFY2(closeRel(a->regularization, b->regularization),
             qPrintable(QString("step %1 regularization %2 vs %3").arg(s).arg(a->regularization, 0, 'g', 12).arg(b->regularization, 0, 'g', 12)));
    QCOMPARE(b->metricSum, a->metricSum);
    const double dk = maxAbsDiff(hc.head.kernel, hg.head.kernel), db = maxAbsDiff(hc.head.bias, hg.head.bias);
    QVERIFY2(dk <= 1e-5 && db <= 1e-5, qPrintable(QString("step %1 head kernel %2 bias %3").arg(s).arg(dk).arg(db)));
    auto ea = cpu.classifyEvaluate(batch, labels.data(), hc.head);
    auto eb = gpu.classifyEvaluate(batch, labels.data(), hg.head);
    QVERIFY(ea.isOk() && eb.isOk());
    QVERIFY2(closeRel(ea->loss, eb->loss), qPrintable(QString("evaluate %1 vs %2").arg(ea->loss).arg(eb->loss)));
    QCOMPARE(eb->metricSum, ea->metricSum);
  }
}

}  // namespace embedscope::testing::fused
