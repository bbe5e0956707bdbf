// The Vulkan engine's fused steps (engine/compute/vulkan/step_program.h) against the CPU engine's
// steps, step by step: regression (mse, mask_zero, activity regularizer) and classify (masked
// mean pooling, Dense head, softmax cross-entropy) on odd shapes (1, 7, 127 rows; D not a
// multiple of 4; duplicate ids; all-padding rows), every optimizer dense and lazy, the embeddings
// regularizers (l1/l2, also under clipnorm/global_clipnorm, and the orthogonal one) and
// constraints (fused steps and applyGradient), a sharded table, the command
// buffers recorded once per shape, and the loss read back every N steps. Reductions (loss,
// metric, penalties) within 1e-6 relative; tables, slots and heads within 1e-5 absolute.
#include "tests/vulkan/fused_step_case.h"
#include "tests/support/vulkan_test_main.h"

using namespace embedscope;
using namespace embedscope::testing::fused;

class TestFusedSteps : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { compute::registerVulkanFactory(); }

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
    // The regularizer's gradient is dense: clipnorm/global_clipnorm take the norm over every row.
    QTest::addRow("l2, adam clipnorm") << "adam+clipnorm=0.1" << "l2:0.01" << "" << false;
    QTest::addRow("l1l2, sgd global_clipnorm lazy") << "sgd+global_clipnorm=0.05:lazy" << "l1l2:l1=0.001,l2=0.01" << ""
                                                    << false;
    QTest::addRow("l1l2, sgd global_clipnorm, classify") << "sgd+global_clipnorm=0.05" << "l1l2:l1=0.001,l2=0.01" << ""
                                                         << true;
    QTest::addRow("l2 + unit_norm, ftrl clipnorm, classify") << "ftrl+clipnorm=0.1" << "l2:0.01" << "unit_norm" << true;
    // The orthogonal regularizer, rows (V x V) and columns (D x D).
    QTest::addRow("orthogonal, adam") << "adam" << "orthogonal_regularizer:factor=0.1" << "" << false;
    QTest::addRow("orthogonal, sgd lazy") << "sgd:lazy" << "orthogonal_regularizer:factor=0.1" << "" << false;
    QTest::addRow("orthogonal columns, rmsprop, classify") << "rmsprop" << "orthogonal_regularizer:factor=0.1,mode=columns"
                                                           << "" << true;
    QTest::addRow("orthogonal + max_norm axis 1, adam clipnorm, classify")
        << "adam+clipnorm=0.1" << "orthogonal_regularizer:factor=0.1" << "max_norm:max_value=0.06,axis=1" << true;
    QTest::addRow("orthogonal columns, sgd global_clipnorm, classify")
        << "sgd+global_clipnorm=0.05" << "orthogonal_regularizer:factor=0.1,mode=columns" << "" << true;
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
    QVERIFY(asVulkan(*gpu)->recordedPrograms() > 0);  // the fused steps ran
  }

  // applyGradient (the primitives' path) with a regularizer and a constraint: the fused update
  // stage, the table's gradient norm (dense, with the regularizer's part) in the statistics.
  void applyGradientWithTableTerms_data() {
    QTest::addColumn<QString>("opt");
    QTest::addColumn<QString>("reg");
    QTest::addColumn<QString>("constraint");
    QTest::addRow("l1l2 + max_norm, adam") << "adam" << "l1l2:l1=0.001,l2=0.01" << "max_norm:max_value=0.07,axis=1";
    QTest::addRow("l2, adam clipnorm") << "adam+clipnorm=0.05" << "l2:0.01" << "";
    QTest::addRow("l1, sgd global_clipnorm") << "sgd+global_clipnorm=0.02" << "l1:0.001" << "";
    QTest::addRow("orthogonal, adam clipnorm") << "adam+clipnorm=0.05" << "orthogonal_regularizer:factor=0.1" << "";
    QTest::addRow("orthogonal columns + unit_norm, sgd")
        << "sgd" << "orthogonal_regularizer:factor=0.1,mode=columns" << "unit_norm";
  }
  void applyGradientWithTableTerms() {
    QFETCH(QString, opt);
    QFETCH(QString, reg);
    QFETCH(QString, constraint);
    LayerOptions lo;
    lo.reg = reg;
    lo.constraint = constraint;
    auto setup = setupFor(19, 5, optimizerFor(opt), lo);
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
      std::vector<UpdateStats> statsCpu, stats;
      auto pa = cpu->applyGradient(ga, {}, &statsCpu);
      auto pb = gpu->applyGradient(gb, {}, &stats);
      QVERIFY2(pa.isOk() && pb.isOk(), pb.isOk() ? "" : pb.status().message().c_str());
      QVERIFY2(closeRel(*pa, *pb), qPrintable(QString("penalty %1 vs %2").arg(*pa).arg(*pb)));
      QCOMPARE(stats.size(), std::size_t(1));
      QCOMPARE(stats[0].rowsMoved, std::int64_t(19));
      QCOMPARE(statsCpu.size(), std::size_t(1));
      QVERIFY2(closeRel(statsCpu[0].gradNorm, stats[0].gradNorm),
               qPrintable(QString("step %1 gradient norm %2 vs %3").arg(s).arg(statsCpu[0].gradNorm).arg(stats[0].gradNorm)));
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

  // The orthogonal regularizer's kernel reads the whole table as one buffer: a sharded table is
  // declined (Unavailable, so auto would use the CPU engine), saying why.
  void shardedTableOrthogonalIsDeclined() {
    qputenv("EMBEDSCOPE_VK_MAX_RANGE", QByteArray::number(32 * 6 * 4));
    LayerOptions lo;
    lo.reg = "orthogonal_regularizer:factor=0.1";
    auto setup = setupFor(120, 6, optimizerFor("adam"), lo);
    auto made = compute::createVulkanBackend(setup);
    qunsetenv("EMBEDSCOPE_VK_MAX_RANGE");
    QVERIFY(!made.isOk());
    QCOMPARE(made.status().code(), StatusCode::Unavailable);
    QVERIFY2(made.status().message().find("orthogonal") != std::string::npos, made.status().message().c_str());
    QVERIFY2(made.status().message().find("4 shards") != std::string::npos, made.status().message().c_str());
  }

  // The orthogonal regularizer's float kernel (devices without shaderFloat64), forced here: with
  // SGD (the update is linear in the gradient, so float rounding stays at its own size) it gives
  // the CPU engine's answers, rows and columns mode, fused steps and applyGradient.
  void orthogonalFloatKernel_data() {
    QTest::addColumn<QString>("reg");
    QTest::addColumn<bool>("classify");
    QTest::addRow("rows, regression") << "orthogonal_regularizer:factor=0.1" << false;
    QTest::addRow("columns, classify") << "orthogonal_regularizer:factor=0.1,mode=columns" << true;
  }
  void orthogonalFloatKernel() {
    QFETCH(QString, reg);
    QFETCH(bool, classify);
    LayerOptions lo;
    lo.maskZero = true;
    lo.reg = reg;
    auto setup = setupFor(7, 5, optimizerFor("sgd+global_clipnorm=0.05"), lo);
    qputenv("EMBEDSCOPE_VK_FLOAT64", "0");
    auto gpu = vulkanBackend(setup);
    qunsetenv("EMBEDSCOPE_VK_FLOAT64");
    QVERIFY(!asVulkan(*gpu)->orthogonalInDouble());
    auto cpu = cpuBackend(setup);
    if (classify) classifySteps(*cpu, *gpu, 7, 6, 5, 3, 6, 37);
    else regressionSteps(*cpu, *gpu, 7, 5, 6, 5, 6, 37);
    compareState(*cpu, *gpu);
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
