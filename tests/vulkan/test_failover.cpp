// Failure paths: EMBEDSCOPE_FAULT=alloc:N / device-lost:N. A failure at creation is an error for
// --engine vulkan and the CPU for auto; a lost device or a failed allocation in the middle of a
// run moves it to the CPU engine from the last host copy, and the result equals an all-CPU run.
#include <QtTest>

#include "engine/compute/backend_registry.h"
#include "engine/compute/vulkan/failover_backend.h"
#include "engine/compute/vulkan/fault_injection.h"
#include "engine/compute/vulkan/vulkan_backend.h"
#include "engine/core/rng.h"
#include "engine/layer/initializers.h"
#include "engine/tasks/classify_task.h"
#include "engine/tasks/regression_task.h"
#include "tests/support/vulkan_test_main.h"

using namespace embedscope;

namespace {

compute::BackendSetup setupFor(const std::string& opt) {
  compute::BackendSetup s;
  s.layer.inputDim = 31;
  s.layer.outputDim = 5;
  s.layer.maskZero = true;
  s.layer.seed = 2;
  s.table = initializeTable(s.layer).value();
  s.optimizer = makeOptimizerConfig(opt, {{"learning_rate", "0.05"}}).value();
  return s;
}

void setFault(const QByteArray& spec) {
  if (spec.isEmpty()) qunsetenv("EMBEDSCOPE_FAULT");
  else qputenv("EMBEDSCOPE_FAULT", spec);
  vk::resetFaultInjection();
}

struct Data {
  data::IdMatrix ids;
  Matrix targets;
  std::vector<std::int64_t> labels;
};

Data makeData() {
  Rng rng(6);
  Data d;
  d.ids.rows = 40;
  d.ids.length = 4;
  for (int i = 0; i < 160; ++i) d.ids.ids.push_back(static_cast<std::int64_t>(rng.below(31)));
  d.targets.resize(160, 5);
  for (Eigen::Index i = 0; i < d.targets.size(); ++i) d.targets.data()[i] = rng.uniform(-1.0f, 1.0f);
  for (int i = 0; i < 40; ++i) d.labels.push_back(static_cast<std::int64_t>(rng.below(3)));
  return d;
}

// 2 epochs of 5 steps; returns the final table.
Matrix train(compute::Backend& b, const Data& d, bool classify) {
  std::unique_ptr<tasks::Task> task;
  if (classify) {
    tasks::ClassifyOptions o;
    o.batchSize = 8;
    task = std::move(tasks::ClassifyTask::create(d.ids, d.labels, 3, o).value());
  } else {
    tasks::RegressionOptions o;
    o.batchSize = 8;
    task = std::move(tasks::RegressionTask::create(d.ids, d.targets, o).value());
  }
  if (!task->prepare(b).isOk()) qFatal("prepare failed");
  for (int e = 0; e < 2; ++e) {
    task->startEpoch(e);
    for (std::int64_t s = 0; s < task->stepsPerEpoch(); ++s)
      if (auto r = task->step(b, s, nullptr); !r) qFatal("step failed: %s", r.status().message().c_str());
  }
  Matrix t;
  if (!b.readTable(t).isOk()) qFatal("readTable failed");
  return t;
}

}  // namespace

class TestFailover : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { compute::registerVulkanFactory(); }
  void cleanup() { setFault({}); }

  void allocationFailureAtCreation() {
    setFault("alloc:1");
    auto v = compute::createBackend(compute::EngineChoice::Vulkan, setupFor("adam"));
    QVERIFY(!v.isOk());
    QCOMPARE(v.status().code(), StatusCode::Unavailable);
    QVERIFY2(v.status().message().find("VK_ERROR_OUT_OF_DEVICE_MEMORY") != std::string::npos, v.status().message().c_str());
    setFault("alloc:1");
    auto a = compute::createBackend(compute::EngineChoice::Auto, setupFor("adam"));
    QVERIFY(a.isOk());
    QCOMPARE(a->backend->info().engine, std::string("cpu"));
  }

  void midRunFailure_data() {
    QTest::addColumn<QString>("fault");   // which event fails, counted from the end of creation
    QTest::addColumn<int>("after");
    QTest::addColumn<QString>("opt");
    QTest::addColumn<bool>("classify");
    QTest::addColumn<int>("every");       // checkpoint every K steps
    QTest::addRow("device lost at submit 7, adam, K=3") << "device-lost" << 7 << "adam" << false << 3;
    // A fused step is one submit (step_program.h); 10 steps in all.
    QTest::addRow("device lost at submit 9, rmsprop, K=1") << "device-lost" << 9 << "rmsprop" << false << 1;
    QTest::addRow("device lost at submit 6, classify adam, K=4") << "device-lost" << 6 << "adam" << true << 4;
    QTest::addRow("allocation 2 of the run fails, sgd, K=5") << "alloc" << 2 << "sgd" << false << 5;
  }
  void midRunFailure() {
    QFETCH(QString, fault);
    QFETCH(int, after);
    QFETCH(QString, opt);
    QFETCH(bool, classify);
    QFETCH(int, every);
    const Data d = makeData();
    auto setup = setupFor(opt.toStdString());
    auto cpu = compute::createCpuBackend(setup);
    QVERIFY(cpu.isOk());
    const Matrix want = train(**cpu, d, classify);

    setFault({});
    auto device = compute::createVulkanBackend(setup);
    QVERIFY2(device.isOk(), device.status().message().c_str());
    const auto kind = fault == "alloc" ? vk::FaultKind::Alloc : vk::FaultKind::DeviceLost;
    const std::int64_t base = vk::faultEventCount(kind);
    qputenv("EMBEDSCOPE_FAULT", (fault + ":" + QString::number(base + after)).toUtf8());
    {
      // Re-read the variable but keep counting from where creation left off.
      vk::resetFaultInjection();
      for (std::int64_t i = 0; i < base; ++i) (void)vk::injectFault(kind);
    }
    compute::FailoverBackend b(std::move(*device), setup, every);
    const Matrix got = train(b, d, classify);
    QVERIFY2(b.fellBack(), "the injected fault did not happen");
    QVERIFY(b.fallbackNotice().find("CPU engine") != std::string::npos);
    QCOMPARE(b.info().engine, std::string("cpu"));
    const double diff = (got - want).cwiseAbs().maxCoeff();
    QVERIFY2(diff <= 1e-5, qPrintable(QString("max |failover - cpu| = %1").arg(diff)));
    QCOMPARE(b.iterations(), (*cpu)->iterations());
  }

  void noFaultStaysOnDevice() {
    const Data d = makeData();
    auto setup = setupFor("adam");
    auto v = compute::createBackend(compute::EngineChoice::Vulkan, setup);
    QVERIFY(v.isOk());
    (void)train(*v->backend, d, false);
    auto* f = dynamic_cast<compute::FailoverBackend*>(v->backend.get());
    QVERIFY(f);
    QVERIFY(!f->fellBack());
    QCOMPARE(f->info().engine, std::string("vulkan"));
  }
};

EMBEDSCOPE_VULKAN_TEST_MAIN(TestFailover)
#include "test_failover.moc"
