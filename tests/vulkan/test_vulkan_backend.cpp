// The Vulkan backend against the CPU backend (the oracle): primitives on odd shapes with duplicate
// ids, and whole trainings — 2 epochs of regression for every optimizer (dense and lazy), and
// classify with its Dense head — within 1e-5; out-of-range ids; state export/import; the engine
// choice rules; and a table sharded by the storage-range cap.
#include <QtTest>

#include "engine/compute/backend_registry.h"
#include "engine/compute/vulkan/vulkan_backend.h"
#include "engine/core/rng.h"
#include "engine/layer/initializers.h"
#include "engine/layer/lora.h"
#include "engine/optim/optimizer_config.h"
#include "engine/tasks/classify_task.h"
#include "engine/tasks/regression_task.h"
#include "tests/support/vulkan_test_main.h"

using namespace embedscope;
using compute::Backend;
using compute::BackendSetup;

namespace {

BackendSetup setupFor(std::int64_t v, std::int64_t d, const OptimizerConfig& opt, bool maskZero = false) {
  BackendSetup s;
  s.layer.inputDim = v;
  s.layer.outputDim = d;
  s.layer.maskZero = maskZero;
  s.layer.seed = 3;
  s.table = initializeTable(s.layer).value();
  s.optimizer = opt;
  return s;
}

std::unique_ptr<Backend> cpuBackend(const BackendSetup& s) { return std::move(compute::createCpuBackend(s).value()); }

std::unique_ptr<Backend> vulkanBackend(const BackendSetup& s) {
  auto b = compute::createVulkanBackend(s);
  if (!b) qFatal("vulkan backend: %s", b.status().message().c_str());
  return std::move(b).value();
}

double maxAbsDiff(const Matrix& a, const Matrix& b) { return a.size() == 0 ? 0.0 : double((a - b).cwiseAbs().maxCoeff()); }

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
  return *c;
}

data::IdMatrix randomIds(std::int64_t rows, std::int64_t length, std::int64_t vocab, Rng& rng) {
  data::IdMatrix m;
  m.rows = rows;
  m.length = length;
  m.ids.resize(static_cast<std::size_t>(rows * length));
  for (auto& id : m.ids) id = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(vocab)));
  return m;
}

Status trainRegression(Backend& b, const data::IdMatrix& ids, const Matrix& targets, int epochs) {
  tasks::RegressionOptions o;
  o.batchSize = 8;
  o.seed = 5;
  auto task = tasks::RegressionTask::create(ids, targets, o);
  if (!task) return task.status();
  EMBEDSCOPE_TRY((*task)->prepare(b));
  for (int e = 0; e < epochs; ++e) {
    (*task)->startEpoch(e);
    for (std::int64_t s = 0; s < (*task)->stepsPerEpoch(); ++s) {
      auto r = (*task)->step(b, s, nullptr);
      if (!r) return r.status();
    }
  }
  return Status::ok();
}

}  // namespace

class TestVulkanBackend : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { compute::registerVulkanFactory(); }

  void primitives_data() {
    QTest::addColumn<int>("vocab");
    QTest::addColumn<int>("dim");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("length");
    QTest::addRow("1 row, D=3") << 1 << 3 << 1 << 1;
    QTest::addRow("7 rows, D=5, duplicates") << 7 << 5 << 3 << 6;
    QTest::addRow("127 rows, D=5") << 127 << 5 << 9 << 13;
  }
  void primitives() {
    QFETCH(int, vocab);
    QFETCH(int, dim);
    QFETCH(int, rows);
    QFETCH(int, length);
    auto setup = setupFor(vocab, dim, optimizerFor("adam"), true);
    auto cpu = cpuBackend(setup);
    auto gpu = vulkanBackend(setup);
    Rng rng(11);
    auto ids = randomIds(rows, length, vocab, rng);
    ids.ids[0] = 0;
    compute::IdBatch batch{ids.ids.data(), rows, length};
    Matrix a(batch.count(), dim), b(batch.count(), dim);
    QVERIFY(cpu->gather(batch, a.data()).isOk());
    QVERIFY(gpu->gather(batch, b.data()).isOk());
    QVERIFY(a == b);  // exact
    Matrix pa(rows, dim), pb(rows, dim);
    Eigen::VectorXf ca(rows), cb(rows);
    QVERIFY(cpu->maskedMeanPool(batch, true, pa.data(), ca.data()).isOk());
    QVERIFY(gpu->maskedMeanPool(batch, true, pb.data(), cb.data()).isOk());
    QVERIFY(ca == cb);
    for (Eigen::Index i = 0; i < pa.size(); ++i)
      QVERIFY((std::isnan(pa.data()[i]) && std::isnan(pb.data()[i])) || pa.data()[i] == pb.data()[i]);
    Matrix dOut(batch.count(), dim);
    for (Eigen::Index i = 0; i < dOut.size(); ++i) dOut.data()[i] = rng.uniform(-1.0f, 1.0f);
    compute::RowGradient ga, gb;
    QVERIFY(cpu->scatterGradient(batch, dOut.data(), ga).isOk());
    QVERIFY(gpu->scatterGradient(batch, dOut.data(), gb).isOk());
    QCOMPARE(ga.rows, gb.rows);
    QVERIFY(maxAbsDiff(ga.values, gb.values) <= 1e-6 * std::max(1.0, maxAbsDiff(ga.values, Matrix::Zero(ga.values.rows(), ga.values.cols()))));
    Matrix dPooled(rows, dim);
    for (Eigen::Index i = 0; i < dPooled.size(); ++i) dPooled.data()[i] = rng.uniform(-1.0f, 1.0f);
    for (int r = 0; r < rows; ++r) ca[r] = std::max(ca[r], 1.0f);
    QVERIFY(cpu->scatterPooledGradient(batch, true, dPooled.data(), ca.data(), ga).isOk());
    QVERIFY(gpu->scatterPooledGradient(batch, true, dPooled.data(), ca.data(), gb).isOk());
    QCOMPARE(ga.rows, gb.rows);
    QVERIFY(maxAbsDiff(ga.values, gb.values) <= 1e-6 * std::max(1.0, maxAbsDiff(ga.values, Matrix::Zero(ga.values.rows(), ga.values.cols()))));
  }

  void regressionTwoEpochs_data() {
    QTest::addColumn<QString>("opt");
    for (const char* o : {"sgd", "sgd+momentum=0.9", "sgd+momentum=0.9+nesterov", "rmsprop", "rmsprop+centered+momentum=0.5",
                          "adam", "adam+amsgrad", "adamw", "adagrad", "ftrl", "adam:lazy", "rmsprop:lazy",
                          "adam+clipnorm=0.1", "sgd+global_clipnorm=0.05", "adagrad+clipvalue=0.01"})
      QTest::addRow("%s", o) << QString(o);
  }
  void regressionTwoEpochs() {
    QFETCH(QString, opt);
    auto cfg = optimizerFor(opt);
    cfg.learningRate = cfg.name == "sgd" ? 0.5 : 0.05;
    auto setup = setupFor(37, 7, cfg);
    Rng rng(2);
    auto ids = randomIds(40, 5, 37, rng);
    Matrix targets(40 * 5, 7);
    for (Eigen::Index i = 0; i < targets.size(); ++i) targets.data()[i] = rng.uniform(-1.0f, 1.0f);
    auto cpu = cpuBackend(setup);
    auto gpu = vulkanBackend(setup);
    QVERIFY(trainRegression(*cpu, ids, targets, 2).isOk());
    auto st = trainRegression(*gpu, ids, targets, 2);
    QVERIFY2(st.isOk(), st.message().c_str());
    Matrix a, b;
    QVERIFY(cpu->readTable(a).isOk());
    QVERIFY(gpu->readTable(b).isOk());
    QVERIFY(maxAbsDiff(a, setup.table) > 1e-4);  // it trained
    const double d = maxAbsDiff(a, b);
    QVERIFY2(d <= 1e-5, qPrintable(QString("max |cpu - vulkan| = %1").arg(d)));
    QCOMPARE(gpu->iterations(), cpu->iterations());
    std::vector<std::pair<std::string, Matrix>> sa, sb;
    QVERIFY(cpu->exportState(sa).isOk());
    QVERIFY(gpu->exportState(sb).isOk());
    QCOMPARE(sa.size(), sb.size());
    for (std::size_t i = 0; i < sa.size(); ++i) {
      QCOMPARE(sb[i].first, sa[i].first);
      QVERIFY2(maxAbsDiff(sa[i].second, sb[i].second) <= 1e-5, sa[i].first.c_str());
    }
  }

  void classifyWithHead() {
    auto cfg = optimizerFor("adam");
    cfg.learningRate = 0.05;
    auto setup = setupFor(23, 5, cfg, true);
    Rng rng(4);
    auto ids = randomIds(30, 6, 23, rng);
    std::vector<std::int64_t> labels(30);
    for (auto& l : labels) l = static_cast<std::int64_t>(rng.below(3));
    auto run = [&](Backend& b) -> Matrix {
      tasks::ClassifyOptions o;
      o.batchSize = 8;
      auto task = tasks::ClassifyTask::create(ids, labels, 3, o);
      if (!task) qFatal("%s", task.status().message().c_str());
      if (!(*task)->prepare(b).isOk()) qFatal("prepare");
      for (int e = 0; e < 2; ++e) {
        (*task)->startEpoch(e);
        for (std::int64_t s = 0; s < (*task)->stepsPerEpoch(); ++s)
          if (auto r = (*task)->step(b, s, nullptr); !r) qFatal("step: %s", r.status().message().c_str());
      }
      Matrix t;
      (void)b.readTable(t);
      return t;
    };
    auto cpu = cpuBackend(setup);
    auto gpu = vulkanBackend(setup);
    Matrix a = run(*cpu), b = run(*gpu);
    const double d = maxAbsDiff(a, b);
    QVERIFY2(d <= 1e-5, qPrintable(QString("max |cpu - vulkan| = %1").arg(d)));
  }

  void shardedTableTrains() {
    qputenv("EMBEDSCOPE_VK_MAX_RANGE", QByteArray::number(32 * 6 * 4));  // 32 rows per shard; a batch fits one range
    auto cfg = optimizerFor("adam");
    auto setup = setupFor(120, 6, cfg);
    auto gpu = vulkanBackend(setup);
    qunsetenv("EMBEDSCOPE_VK_MAX_RANGE");
    auto* vb = dynamic_cast<compute::vulkan::VulkanBackend*>(gpu.get());
    QVERIFY(vb);
    QCOMPARE(vb->plan().find("table")->shards, 4u);
    auto cpu = cpuBackend(setup);
    Rng rng(9);
    auto ids = randomIds(24, 4, 120, rng);
    Matrix targets(24 * 4, 6);
    for (Eigen::Index i = 0; i < targets.size(); ++i) targets.data()[i] = rng.uniform(-1.0f, 1.0f);
    QVERIFY(trainRegression(*cpu, ids, targets, 2).isOk());
    QVERIFY(trainRegression(*gpu, ids, targets, 2).isOk());
    Matrix a, b;
    QVERIFY(cpu->readTable(a).isOk());
    QVERIFY(gpu->readTable(b).isOk());
    QVERIFY(maxAbsDiff(a, b) <= 1e-5);
  }

  void importRestoresState() {
    auto setup = setupFor(9, 3, optimizerFor("adam"));
    auto cpu = cpuBackend(setup);
    auto gpu = vulkanBackend(setup);
    Rng rng(1);
    auto ids = randomIds(8, 2, 9, rng);
    Matrix targets = Matrix::Constant(16, 3, 0.5f);
    QVERIFY(trainRegression(*cpu, ids, targets, 1).isOk());
    std::vector<std::pair<std::string, Matrix>> state;
    QVERIFY(cpu->exportState(state).isOk());
    QVERIFY(gpu->importState(state).isOk());
    std::vector<std::pair<std::string, Matrix>> back;
    QVERIFY(gpu->exportState(back).isOk());
    QCOMPARE(back.size(), state.size());
    for (std::size_t i = 0; i < back.size(); ++i) QVERIFY(back[i].second == state[i].second);
  }

  void engineChoice() {
    auto setup = setupFor(10, 4, optimizerFor("sgd"));
    auto vk = compute::createBackend(compute::EngineChoice::Vulkan, setup);
    QVERIFY2(vk.isOk(), vk.status().message().c_str());
    QCOMPARE(vk->backend->info().engine, std::string("vulkan"));
    auto autoChoice = compute::createBackend(compute::EngineChoice::Auto, setup);
    QVERIFY(autoChoice.isOk());
    auto devices = vk::enumerateDevices();
    bool gpu = false;
    for (const auto& d : *devices) gpu |= d.usable && vk::isRealGpu(d.type);
    if (!gpu && !qEnvironmentVariableIsSet("EMBEDSCOPE_VULKAN_DEVICE")) {
      QCOMPARE(autoChoice->backend->info().engine, std::string("cpu"));
      QVERIFY2(autoChoice->reason.find("CPU-type") != std::string::npos, autoChoice->reason.c_str());
    }
    // Configurations the device kernels do not cover: explicit vulkan fails, auto uses the CPU.
    auto lora = setup;
    lora.layer.loraRank = 2;
    lora.lora = initializeLora(lora.layer).value();
    auto refused = compute::createBackend(compute::EngineChoice::Vulkan, lora);
    QVERIFY(!refused.isOk());
    QCOMPARE(refused.status().code(), StatusCode::Unavailable);
    QVERIFY2(refused.status().message().find("LoRA") != std::string::npos, refused.status().message().c_str());
    auto autoLora = compute::createBackend(compute::EngineChoice::Auto, lora);
    QVERIFY(autoLora.isOk());
    QCOMPARE(autoLora->backend->info().engine, std::string("cpu"));
    // Constraints and the regularizers are on the device now: l1/l2, the orthogonal one, and a
    // regularizer with clipnorm.
    auto constrained = setup;
    constrained.layer.embeddingsConstraint = constraintSpec("non_neg");
    constrained.layer.embeddingsRegularizer = regularizerSpec("l2");
    auto ortho = setup;
    ortho.layer.embeddingsRegularizer = regularizerSpec("orthogonal_regularizer");
    auto clipped = constrained;
    clipped.optimizer.clipnorm = 0.1;
    for (const auto* s : {&constrained, &ortho, &clipped}) {
      auto accepted = compute::createBackend(compute::EngineChoice::Vulkan, *s);
      QVERIFY2(accepted.isOk(), accepted.status().message().c_str());
      QCOMPARE(accepted->backend->info().engine, std::string("vulkan"));
    }
  }

  void tooBigPlanIsRefused() {
    // 2,000,000 x 64 with Adam does not fit lavapipe's budget: the engine says so instead of trying.
    auto devices = vk::enumerateDevices();
    auto choice = vk::chooseVulkanDevice(*devices);
    if ((*devices)[*choice.index].heaps[0].budget > 2000000000ull) QSKIP("this device has room for it");
    BackendSetup s;
    s.layer.inputDim = 2000000;
    s.layer.outputDim = 64;
    s.table = Matrix::Zero(2000000, 64);
    s.optimizer = optimizerFor("adam");
    auto b = compute::createVulkanBackend(s);
    QVERIFY(!b.isOk());
    QVERIFY2(b.status().message().find("CPU") != std::string::npos, b.status().message().c_str());
  }
};

EMBEDSCOPE_VULKAN_TEST_MAIN(TestVulkanBackend)
#include "test_vulkan_backend.moc"
