// The Vulkan engine's fused steps (engine/compute/vulkan/step_program.h) against the CPU engine's
// steps, step by step: regression (mse, mask_zero, activity regularizer) and classify (masked
// mean pooling, Dense head, softmax cross-entropy) on odd shapes (1, 7, 127 rows; D not a
// multiple of 4; duplicate ids; all-padding rows), every optimizer dense and lazy, the embeddings
// regularizers and constraints (fused steps and applyGradient), a sharded table, the command
// buffers recorded once per shape, and the loss read back every N steps. Reductions (loss,
// metric, penalties) within 1e-6 relative; tables, slots and heads within 1e-5 absolute.
#include <QtTest>

#include <cmath>

#include "engine/compute/backend_registry.h"
#include "engine/compute/vulkan/vulkan_backend.h"
#include "engine/core/rng.h"
#include "engine/layer/initializers.h"
#include "engine/optim/optimizer_config.h"
#include "engine/tasks/classify_task.h"
#include "engine/tasks/regression_task.h"
#include "tests/support/vulkan_test_main.h"

using namespace embedscope;
using compute::Backend;
using compute::BackendSetup;

namespace {

OptimizerConfig optimizerFor(const QString& spec) {
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

BackendSetup setupFor(std::int64_t v, std::int64_t d, const OptimizerConfig& opt, const LayerOptions& lo = {}) {
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

std::unique_ptr<Backend> cpuBackend(const BackendSetup& s) { return std::move(compute::createCpuBackend(s).value()); }

std::unique_ptr<Backend> vulkanBackend(const BackendSetup& s, std::uint32_t lossEvery = 1) {
  compute::VulkanBackendOptions o;
  o.lossEvery = lossEvery;
  auto b = compute::createVulkanBackend(s, o);
  if (!b) qFatal("vulkan backend: %s", b.status().message().c_str());
  return std::move(b).value();
}

compute::vulkan::VulkanBackend* asVulkan(Backend& b) { return dynamic_cast<compute::vulkan::VulkanBackend*>(&b); }

double maxAbsDiff(const Matrix& a, const Matrix& b) { return a.size() == 0 ? 0.0 : double((a - b).cwiseAbs().maxCoeff()); }

bool closeRel(double a, double b, double rel = 1e-6) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b)) + 1e-12;
}

std::vector<std::int64_t> randomIds(std::int64_t n, std::int64_t vocab, Rng& rng) {
  std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
  for (auto& id : ids) id = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(vocab)));
  return ids;
}

void compareState(Backend& cpu, Backend& gpu, double tol = 1e-5) {
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
void regressionSteps(Backend& cpu, Backend& gpu, std::int64_t vocab, std::int64_t dim, std::int64_t rows,
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

void classifySteps(Backend& cpu, Backend& gpu, std::int64_t vocab, std::int64_t rows, std::int64_t length,
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
    QVERIFY2(closeRel(a->regularization, b->regularization), qPrintable(QString("step %1 regularization").arg(s)));
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

}  // namespace

class TestFusedSteps : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { compute::registerVulkanFactory(); }

  // Every optimizer, dense and lazy, with mask_zero and an activity regularizer, through the
  // RegressionTask for 2 epochs (the acceptance's parity), losses compared step by step.
  void regressionEveryOptimizer_data() {
    QTest::addColumn<QString>("opt");
    for (const char* o : {"sgd", "sgd+momentum=0.9", "sgd+momentum=0.9+nesterov", "rmsprop", "rmsprop+centered",
                          "rmsprop+centered+momentum=0.5", "rmsprop+momentum=0.5", "adam", "adam+amsgrad", "adamw",
                          "adagrad", "ftrl", "adam+clipnorm=0.1", "sgd+global_clipnorm=0.05", "adagrad+clipvalue=0.01"}) {
      QTest::addRow("%s dense", o) << QString(o);
      QTest::addRow("%s lazy", o) << QString(o) + ":lazy";
    }
  }
  void regressionEveryOptimizer() {
    QFETCH(QString, opt);
    LayerOptions lo;
    lo.maskZero = true;
    lo.act = "l2:0.01";
    auto setup = setupFor(37, 7, optimizerFor(opt), lo);
    auto cpu = cpuBackend(setup);
    auto gpu = vulkanBackend(setup);
    Rng rng(2);
    data::IdMatrix ids;
    ids.rows = 43;  // 5 batches of 8 and one of 3: two recorded shapes
    ids.length = 5;
    ids.ids = randomIds(43 * 5, 37, rng);
    Matrix targets(43 * 5, 7);
    for (Eigen::Index i = 0; i < targets.size(); ++i) targets.data()[i] = rng.uniform(-1.0f, 1.0f);
    tasks::RegressionOptions o;
    o.batchSize = 8;
    o.seed = 5;
    auto tc = tasks::RegressionTask::create(ids, targets, o);
    auto tg = tasks::RegressionTask::create(ids, targets, o);
    QVERIFY((*tc)->prepare(*cpu).isOk());
    QVERIFY((*tg)->prepare(*gpu).isOk());
    for (int e = 0; e < 2; ++e) {
      (*tc)->startEpoch(e);
      (*tg)->startEpoch(e);
      for (std::int64_t s = 0; s < (*tc)->stepsPerEpoch(); ++s) {
        auto a = (*tc)->step(*cpu, s, nullptr);
        auto b = (*tg)->step(*gpu, s, nullptr);
        QVERIFY2(a.isOk() && b.isOk(), b.isOk() ? a.status().message().c_str() : b.status().message().c_str());
        QVERIFY2(closeRel(a->loss, b->loss), qPrintable(QString("epoch %1 step %2: %3 vs %4").arg(e).arg(s).arg(a->loss, 0, 'g', 12).arg(b->loss, 0, 'g', 12)));
      }
    }
    compareState(*cpu, *gpu);
    QCOMPARE(asVulkan(*gpu)->recordedPrograms(), std::size_t(2));  // one per batch shape, resubmitted
  }

  // Odd shapes: 1, 7, 127 rows; D = 3, 5, 6; duplicates; mask_zero with all-padding positions.
  void regressionOddShapes_data() {
    QTest::addColumn<int>("vocab");
    QTest::addColumn<int>("dim");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("length");
    QTest::addColumn<bool>("maskZero");
    QTest::addRow("1 row vocab, D=3") << 1 << 3 << 1 << 1 << false;
    QTest::addRow("7 rows, D=5, duplicates, mask") << 7 << 5 << 3 << 6 << true;
    QTest::addRow("127 rows, D=6, mask") << 127 << 6 << 9 << 13 << true;
    QTest::addRow("127 rows, D=8 (vec4 loads)") << 127 << 8 << 5 << 7 << false;
  }
  void regressionOddShapes() {
    QFETCH(int, vocab);
    QFETCH(int, dim);
    QFETCH(int, rows);
    QFETCH(int, length);
    QFETCH(bool, maskZero);
    LayerOptions lo;
    lo.maskZero = maskZero;
    auto setup = setupFor(vocab, dim, optimizerFor("adam"), lo);
    auto cpu = cpuBackend(setup);
    auto gpu = vulkanBackend(setup);
    regressionSteps(*cpu, *gpu, vocab, dim, rows, length, 4, 7, maskZero);
    compareState(*cpu, *gpu);
  }

  void classifyOddShapes_data() {
    QTest::addColumn<int>("vocab");
    QTest::addColumn<int>("dim");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("length");
    QTest::addColumn<int>("classes");
    QTest::addColumn<bool>("maskZero");
    QTest::addColumn<QString>("opt");
    QTest::addColumn<QString>("act");
    QTest::addRow("1 row vocab, D=3, 1 example") << 1 << 3 << 1 << 1 << 2 << false << "adam" << "";
    QTest::addRow("7 rows, D=5, duplicates, mask") << 7 << 5 << 4 << 6 << 3 << true << "adam" << "";
    QTest::addRow("127 rows, D=6, mask, rmsprop") << 127 << 6 << 9 << 13 << 5 << true << "rmsprop+centered+momentum=0.5" << "";
    QTest::addRow("127 rows, D=8, lazy adam") << 127 << 8 << 16 << 4 << 4 << false << "adam:lazy" << "";
    QTest::addRow("37 rows, D=7, mask, activity l1l2") << 37 << 7 << 8 << 5 << 3 << true << "adamw" << "l1l2:l1=0.01,l2=0.02";
    QTest::addRow("37 rows, D=7, global clipnorm") << 37 << 7 << 8 << 5 << 3 << true << "sgd+global_clipnorm=0.05" << "";
    QTest::addRow("37 rows, D=7, clipnorm ftrl") << 37 << 7 << 8 << 5 << 3 << false << "ftrl+clipnorm=0.1" << "";
  }
  void classifyOddShapes() {
    QFETCH(int, vocab);
    QFETCH(int, dim);
    QFETCH(int, rows);
    QFETCH(int, length);
    QFETCH(int, classes);
    QFETCH(bool, maskZero);
    QFETCH(QString, opt);
    QFETCH(QString, act);
    LayerOptions lo;
    lo.maskZero = maskZero;
    lo.act = act;
    auto setup = setupFor(vocab, dim, optimizerFor(opt), lo);
    auto cpu = cpuBackend(setup);
    auto gpu = vulkanBackend(setup);
    classifySteps(*cpu, *gpu, vocab, rows, length, classes, 5, 11);
    compareState(*cpu, *gpu);
  }

  // An all-padding row under mask_zero pools 0/0: the loss is NaN on both engines and neither
  // updates anything for that step; the next step trains again.
  void allPaddingRowSkipsTheStep() {
    LayerOptions lo;
    lo.maskZero = true;
    auto setup = setupFor(11, 5, optimizerFor("adam"), lo);
    auto cpu = cpuBackend(setup);
    auto gpu = vulkanBackend(setup);
    classifySteps(*cpu, *gpu, 11, 4, 3, 3, 4, 5, true);
    compareState(*cpu, *gpu);
    QCOMPARE(gpu->iterations(), std::int64_t(3));
  }

  // Embeddings regularizers and constraints, fused regression and classify steps.
  void regularizersAndConstraints_data() {
    QTest::addColumn<QString>("opt");
    QTest::addColumn<QString>("reg");
    QTest::addColumn<QString>("constraint");
    QTest::addColumn<bool>("classify");
    QTest::addRow("l1, adam") << "adam" << "l1:0.001" << "" << false;
    QTest::addRow("l2, sgd") << "sgd" << "l2:0.01" << "" << false;
    QTest::addRow("l1l2, adam lazy") << "adam:lazy" << "l1l2:l1=0.001,l2=0.01" << "" << false;
    QTest::addRow("l2, adagrad clipvalue, classify") << "adagrad+clipvalue=0.01" << "l2:0.01" << "" << true;
    QTest::addRow("max_norm axis 0, adam") << "adam" << "" << "max_norm:max_value=0.2" << false;
    QTest::addRow("max_norm axis 1, sgd") << "sgd" << "" << "max_norm:max_value=0.05,axis=1" << false;
    QTest::addRow("non_neg, adam lazy") << "adam:lazy" << "" << "non_neg" << false;
    QTest::addRow("unit_norm axis 0, rmsprop") << "rmsprop" << "" << "unit_norm" << false;
    QTest::addRow("unit_norm axis 1, classify") << "adam" << "" << "unit_norm:axis=1" << true;
    QTest::addRow("min_max_norm axis 0") << "adam" << "" << "min_max_norm:min_value=0.1,max_value=0.2" << false;
    QTest::addRow("min_max_norm axis 1 rate 0.5, clipnorm") << "adam+clipnorm=0.1" << ""
                                                           << "min_max_norm:min_value=0.05,max_value=0.08,rate=0.5,axis=1" << false;
    QTest::addRow("l2 + max_norm axis 1, classify") << "adamw" << "l2:0.01" << "max_norm:max_value=0.06,axis=1" << true;
  }
  void regularizersAndConstraints() {
    QFETCH(QString, opt);
    QFETCH(QString, reg);
    QFETCH(QString, constraint);
    QFETCH(bool, classify);
    LayerOptions lo;
    lo.maskZero = true;
    lo.reg = reg;
    lo.constraint = constraint;
    auto setup = setupFor(29, 6, optimizerFor(opt), lo);
    auto cpu = cpuBackend(setup);
    auto gpu = vulkanBackend(setup);
    if (classify) classifySteps(*cpu, *gpu, 29, 6, 5, 3, 6, 13);
    else regressionSteps(*cpu, *gpu, 29, 6, 6, 5, 6, 13);
    compareState(*cpu, *gpu);
  }

  // applyGradient (the primitives' path) with a regularizer and a constraint: the fused update stage.
  void applyGradientWithTableTerms() {
    LayerOptions lo;
    lo.reg = "l1l2:l1=0.001,l2=0.01";
    lo.constraint = "max_norm:max_value=0.07,axis=1";
    auto setup = setupFor(19, 5, optimizerFor("adam"), lo);
    auto cpu = cpuBackend(setup);
    auto gpu = vulkanBackend(setup);
    Rng rng(3);
    for (int s = 0; s < 4; ++s) {
      auto ids = randomIds(12, 19, rng);
      compute::IdBatch batch{ids.data(), 4, 3};
      Matrix dOut(12, 5);
      for (Eigen::Index i = 0; i < dOut.size(); ++i) dOut.data()[i] = rng.uniform(-0.1f, 0.1f);
      compute::RowGradient ga, gb;
      QVERIFY(cpu->scatterGradient(batch, dOut.data(), ga).isOk());
      QVERIFY(gpu->scatterGradient(batch, dOut.data(), gb).isOk());
      std::vector<UpdateStats> stats;
      auto pa = cpu->applyGradient(ga, {}, nullptr);
      auto pb = gpu->applyGradient(gb, {}, &stats);
      QVERIFY2(pa.isOk() && pb.isOk(), pb.isOk() ? "" : pb.status().message().c_str());
      QVERIFY2(closeRel(*pa, *pb), qPrintable(QString("penalty %1 vs %2").arg(*pa).arg(*pb)));
      QCOMPARE(stats.size(), std::size_t(1));
      QCOMPARE(stats[0].rowsMoved, std::int64_t(19));
    }
    compareState(*cpu, *gpu);
  }

  // A table in 4 shards (the storage-range cap) through the fused steps, classify and regression.
  void shardedTable() {
    qputenv("EMBEDSCOPE_VK_MAX_RANGE", QByteArray::number(32 * 6 * 4));
    LayerOptions lo;
    lo.maskZero = true;
    lo.reg = "l2:0.01";
    lo.constraint = "unit_norm";  // axis 0: column norms over all four shards
    auto setup = setupFor(120, 6, optimizerFor("adam"), lo);
    auto gpu = vulkanBackend(setup);
    auto gpu2 = vulkanBackend(setup);
    qunsetenv("EMBEDSCOPE_VK_MAX_RANGE");
    QCOMPARE(asVulkan(*gpu)->plan().find("table")->shards, 4u);
    auto cpu = cpuBackend(setup);
    auto cpu2 = cpuBackend(setup);
    regressionSteps(*cpu, *gpu, 120, 6, 6, 4, 4, 17);
    compareState(*cpu, *gpu);
    classifySteps(*cpu2, *gpu2, 120, 6, 4, 3, 4, 19);
    compareState(*cpu2, *gpu2);
  }

  // EMBEDSCOPE_VK_LOSS_EVERY = 3: steps between read-backs report nothing (steps 0), the third the
  // sums of three; the table is bit-identical to reading every step, and the losses add up.
  void lossReadEveryN() {
    auto setup = setupFor(23, 5, optimizerFor("adam"));
    auto every1 = vulkanBackend(setup, 1);
    auto every3 = vulkanBackend(setup, 3);
    QCOMPARE(asVulkan(*every3)->lossEvery(), 3u);
    Rng rng(8);
    double weighted1 = 0, weighted3 = 0;
    std::int64_t examples1 = 0, examples3 = 0;
    for (int s = 0; s < 7; ++s) {
      auto ids = randomIds(20, 23, rng);
      Matrix targets(20, 5);
      for (Eigen::Index i = 0; i < targets.size(); ++i) targets.data()[i] = rng.uniform(-1.0f, 1.0f);
      compute::IdBatch batch{ids.data(), 5, 4};
      auto a = every1->regressionStep(batch, targets.data(), nullptr);
      auto b = every3->regressionStep(batch, targets.data(), nullptr);
      QVERIFY(a.isOk() && b.isOk());
      QCOMPARE(a->steps, std::int64_t(1));
      QCOMPARE(b->steps, std::int64_t(s % 3 == 2 ? 3 : 0));
      weighted1 += a->loss * double(a->examples);
      examples1 += a->examples;
      weighted3 += b->loss * double(b->examples);
      examples3 += b->examples;
    }
    Matrix t1, t3;
    QVERIFY(every1->readTable(t1).isOk());
    QVERIFY(every3->readTable(t3).isOk());
    QVERIFY(t1 == t3);  // the same kernels; only the read-back differs
    QCOMPARE(examples3, std::int64_t(30));  // step 7 is read with the next step
    QCOMPARE(examples1, std::int64_t(35));
    QCOMPARE(every3->iterations(), std::int64_t(7));
    QVERIFY(weighted1 > weighted3);
  }

  // The GPU layout of the kernels (a subgroup-wide workgroup per row), forced on this device.
  void gpuKernelShape() {
    qputenv("EMBEDSCOPE_VK_KERNEL_SHAPE", "gpu");
    LayerOptions lo;
    lo.maskZero = true;
    lo.constraint = "max_norm:max_value=0.06,axis=1";
    auto setup = setupFor(41, 7, optimizerFor("adam"), lo);
    auto gpu = vulkanBackend(setup);
    auto gpu2 = vulkanBackend(setup);
    qunsetenv("EMBEDSCOPE_VK_KERNEL_SHAPE");
    if (asVulkan(*gpu)->context().info().type == vk::DeviceType::Cpu)
      QCOMPARE(vk::kernelShapeFor(asVulkan(*gpu)->context().info()).mode, 0u);  // back to this device's own
    auto cpu = cpuBackend(setup);
    auto cpu2 = cpuBackend(setup);
    regressionSteps(*cpu, *gpu, 41, 7, 5, 6, 3, 29);
    compareState(*cpu, *gpu);
    classifySteps(*cpu2, *gpu2, 41, 5, 6, 3, 3, 31);
    compareState(*cpu2, *gpu2);
  }

  // Through the FailoverBackend (what the factory makes): still the fused path, same answers.
  void factoryBackendUsesFusedSteps() {
    LayerOptions lo;
    lo.maskZero = true;
    auto setup = setupFor(31, 5, optimizerFor("adam"), lo);
    auto made = compute::createBackend(compute::EngineChoice::Vulkan, setup);
    QVERIFY2(made.isOk(), made.status().message().c_str());
    auto cpu = cpuBackend(setup);
    regressionSteps(*cpu, *made->backend, 31, 5, 4, 6, 3, 23);
    compareState(*cpu, *made->backend);
  }
};

EMBEDSCOPE_VULKAN_TEST_MAIN(TestFusedSteps)
#include "test_fused_steps.moc"
