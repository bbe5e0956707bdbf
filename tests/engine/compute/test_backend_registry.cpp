// Engine choice: cpu always works; vulkan without a registered engine is Unavailable; auto falls
// back to the CPU and says why; a registered factory is used (and may decline under auto).
#include <QtTest>

#include "engine/compute/backend_registry.h"

using namespace embedscope;
using namespace embedscope::compute;

namespace {

BackendSetup smallSetup() {
  BackendSetup s;
  s.layer.inputDim = 4;
  s.layer.outputDim = 3;
  s.table = Matrix::Constant(4, 3, 0.5f);
  s.optimizer = OptimizerConfig::defaults("sgd");
  return s;
}

}  // namespace

class TestBackendRegistry : public QObject {
  Q_OBJECT
 private slots:
  void parsesChoices() {
    QCOMPARE(*parseEngineChoice("cpu"), EngineChoice::Cpu);
    QCOMPARE(*parseEngineChoice("auto"), EngineChoice::Auto);
    auto bad = parseEngineChoice("gpu");
    QCOMPARE(bad.status().code(), StatusCode::InvalidArgument);
    QCOMPARE(QString::fromStdString(bad.status().message()),
             QString("argument --engine: invalid choice: 'gpu' (choose from 'cpu', 'vulkan', 'auto')"));
  }

  void cpuAndFallbacks() {
    if (hasEngineFactory("vulkan")) QSKIP("a Vulkan engine is linked into this build");
    auto cpu = createBackend(EngineChoice::Cpu, smallSetup());
    QVERIFY(cpu.isOk());
    QCOMPARE(cpu->backend->info().engine, std::string("cpu"));
    auto vk = createBackend(EngineChoice::Vulkan, smallSetup());
    QCOMPARE(vk.status().code(), StatusCode::Unavailable);
    auto autoChoice = createBackend(EngineChoice::Auto, smallSetup());
    QVERIFY(autoChoice.isOk());
    QCOMPARE(autoChoice->backend->info().engine, std::string("cpu"));
    QVERIFY(QString::fromStdString(autoChoice->reason).contains("using the CPU"));
  }

  void registeredFactoryIsUsedAndMayDecline() {
    int calls = 0;
    registerEngineFactory({"vulkan", [&](const BackendSetup& s, bool autoOnly) -> Result<std::unique_ptr<Backend>> {
                             ++calls;
                             if (autoOnly) return Status::unavailable("only a CPU-type device (lavapipe)");
                             return createCpuBackend(s);  // stands in for a device backend
                           }});
    auto asked = createBackend(EngineChoice::Vulkan, smallSetup());
    QVERIFY(asked.isOk());
    QCOMPARE(asked->reason, std::string("asked for"));
    auto autoChoice = createBackend(EngineChoice::Auto, smallSetup());
    QVERIFY(autoChoice.isOk());
    QCOMPARE(autoChoice->reason, std::string("auto: vulkan: only a CPU-type device (lavapipe); using the CPU"));
    QCOMPARE(calls, 2);
  }

  void cpuBackendRejectsAMismatchedTable() {
    auto s = smallSetup();
    s.table = Matrix::Zero(5, 3);
    auto b = createCpuBackend(s);
    QCOMPARE(b.status().code(), StatusCode::InvalidArgument);
  }
};

QTEST_APPLESS_MAIN(TestBackendRegistry)
#include "test_backend_registry.moc"
