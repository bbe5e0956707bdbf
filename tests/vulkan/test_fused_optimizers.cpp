// The Vulkan engine's fused regression step against the CPU engine for every optimizer, dense and
// lazy, with mask_zero and an activity regularizer, and with the embeddings regularizers whose
// gradient is dense over the table (l1/l2 under clipnorm/global_clipnorm, the orthogonal one):
// 2 epochs through the RegressionTask, the loss compared at every step (1e-6 relative), the table
// and every slot after (1e-5), and one recorded command buffer per batch shape.
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
    twoEpochs(setupFor(37, 7, optimizerFor(opt), lo));
  }

  // An embeddings regularizer makes the table's gradient dense: clipnorm/global_clipnorm take the
  // norm over every row of it, and the orthogonal regularizer's gradient is the (V x V or D x D)
  // product of its kernel. Odd shapes: 7 rows (every batch has duplicate ids) with D = 5, and
  // 37 rows with D = 7.
  void regressionDenseRegularizers_data() {
    QTest::addColumn<QString>("opt");
    QTest::addColumn<QString>("reg");
    QTest::addColumn<int>("vocab");
    QTest::addColumn<int>("dim");
    const char* ortho = "orthogonal_regularizer:factor=0.1";
    const char* orthoColumns = "orthogonal_regularizer:factor=0.1,mode=columns";
    const struct {
      const char *opt, *reg;
    } cases[] = {{"adam+clipnorm=0.1", "l2:0.01"},
                 {"sgd+global_clipnorm=0.05", "l1l2:l1=0.001,l2=0.01"},
                 {"rmsprop+clipnorm=0.05", "l1:0.001"},
                 {"adamw+global_clipnorm=0.1", "l2:0.01"},
                 {"adam", ortho},
                 {"sgd", ortho},
                 {"sgd+momentum=0.9", orthoColumns},
                 {"adagrad", orthoColumns},
                 {"ftrl", ortho},
                 {"adam+clipnorm=0.1", ortho},
                 {"sgd+global_clipnorm=0.05", orthoColumns}};
    for (const auto& c : cases)
      for (const char* mode : {"", ":lazy"})
        for (const auto& [v, d] : {std::pair{7, 5}, std::pair{37, 7}})
          QTest::addRow("%s%s %s %dx%d", c.opt, mode, c.reg, v, d)
              << QString(c.opt) + mode << QString(c.reg) << v << d;
  }
  void regressionDenseRegularizers() {
    QFETCH(QString, opt);
    QFETCH(QString, reg);
    QFETCH(int, vocab);
    QFETCH(int, dim);
    LayerOptions lo;
    lo.maskZero = true;
    lo.reg = reg;
    twoEpochs(setupFor(vocab, dim, optimizerFor(opt), lo));
  }

 private:
  // 2 epochs of regression through the RegressionTask on both engines, the loss compared at every
  // step; the state after; and the fused steps taken (vulkanBackend would have failed on a declined
  // configuration; one recorded program per batch shape shows the steps ran as programs).
  void twoEpochs(const BackendSetup& setup) {
    const std::int64_t vocab = setup.layer.inputDim, dim = setup.layer.outputDim;
    auto cpu = cpuBackend(setup);
    auto gpu = vulkanBackend(setup);
    QVERIFY(asVulkan(*gpu));
    Rng rng(2);
    data::IdMatrix ids;
    ids.rows = 43;  // 5 batches of 8 and one of 3: two recorded shapes
    ids.length = 5;
    ids.ids = randomIds(43 * 5, vocab, rng);
    Matrix targets(43 * 5, dim);
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
    const auto& reg = setup.layer.embeddingsRegularizer;
    if (reg && reg->name == "orthogonal_regularizer")  // in double wherever the device can
      QCOMPARE(asVulkan(*gpu)->orthogonalInDouble(), asVulkan(*gpu)->context().info().features.shaderFloat64);
  }
};

EMBEDSCOPE_VULKAN_TEST_MAIN(TestFusedOptimizers)
#include "test_fused_optimizers.moc"
