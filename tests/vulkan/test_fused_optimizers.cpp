// The Vulkan engine's fused regression step against the CPU engine for every optimizer, dense and
// lazy, with mask_zero and an activity regularizer: 2 epochs through the RegressionTask, the loss
// compared at every step (1e-6 relative), the table and every slot after (1e-5), and one recorded
// command buffer per batch shape.
#include "tests/vulkan/fused_step_case.h"
#include "tests/support/vulkan_test_main.h"

using namespace embedscope;
using namespace embedscope::testing::fused;

class TestFusedOptimizers : public QObject {
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

};

EMBEDSCOPE_VULKAN_TEST_MAIN(TestFusedOptimizers)
#include "test_fused_optimizers.moc"
