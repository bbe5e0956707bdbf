#pragma once
// Shared by test_sharded_training (600,000 x 64) and test_sharded_training_slow (2,000,000 x 64):
// a table past the 128 MiB storage-buffer range trains a few SGD steps on the Vulkan engine and
// ends equal to the CPU engine.
#include <QElapsedTimer>
#include <QtTest>

#include "engine/compute/vulkan/vulkan_backend.h"
#include "engine/core/rng.h"
#include "engine/layer/initializers.h"
#include "engine/tasks/regression_task.h"

namespace embedscope::testing {

inline void runShardedSgd(std::int64_t rows) {
  QElapsedTimer timer;
  timer.start();
  compute::BackendSetup s;
  s.layer.inputDim = rows;
  s.layer.outputDim = 64;
  s.layer.seed = 1;
  s.table = initializeTable(s.layer).value();
  s.optimizer = makeOptimizerConfig("sgd", {{"learning_rate", "100"}}).value();
  auto gpu = compute::createVulkanBackend(s);
  QVERIFY2(gpu.isOk(), gpu.status().message().c_str());
  auto* vb = dynamic_cast<compute::vulkan::VulkanBackend*>(gpu->get());
  QVERIFY(vb);
  const auto* table = vb->plan().find("table");
  QVERIFY(table);
  QCOMPARE(table->bytes, static_cast<std::uint64_t>(rows) * 256u);
  const std::uint64_t rowsPerShard = vb->context().info().maxShardBytes() / 256;
  QCOMPARE(std::uint64_t(table->shards), (static_cast<std::uint64_t>(rows) + rowsPerShard - 1) / rowsPerShard);
  if (vb->context().info().limits.maxStorageBufferRange <= 134217728u) QVERIFY(table->shards >= 2);
  auto cpu = compute::createCpuBackend(s);
  QVERIFY(cpu.isOk());

  // Ids spread over the whole table, both sides of the first shard boundary, with duplicates.
  Rng rng(4);
  data::IdMatrix ids;
  ids.rows = 64;
  ids.length = 10;
  for (int i = 0; i < 640; ++i) ids.ids.push_back(static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(rows))));
  ids.ids[1] = ids.ids[0];
  ids.ids[2] = static_cast<std::int64_t>(rowsPerShard) - 1;  // last row of shard 0
  ids.ids[3] = static_cast<std::int64_t>(rowsPerShard);      // first row of shard 1
  ids.ids[4] = rows - 1;
  Matrix targets(640, 64);
  for (Eigen::Index i = 0; i < targets.size(); ++i) targets.data()[i] = rng.uniform(-1.0f, 1.0f);
  for (compute::Backend* b : {gpu->get(), cpu->get()}) {
    tasks::RegressionOptions o;
    o.batchSize = 16;
    auto task = tasks::RegressionTask::create(ids, targets, o);
    QVERIFY(task.isOk());
    QVERIFY((*task)->prepare(*b).isOk());
    (*task)->startEpoch(0);
    for (std::int64_t step = 0; step < (*task)->stepsPerEpoch(); ++step) {
      auto r = (*task)->step(*b, step, nullptr);
      QVERIFY2(r.isOk(), r.status().message().c_str());
    }
  }
  Matrix a, b;
  QVERIFY((*cpu)->readTable(a).isOk());
  QVERIFY((*gpu)->readTable(b).isOk());
  QVERIFY((a - s.table).cwiseAbs().maxCoeff() > 1e-3f);  // it trained
  const float d = (a - b).cwiseAbs().maxCoeff();
  QVERIFY2(d <= 1e-5f, qPrintable(QString("max |cpu - vulkan| = %1").arg(d)));
  qInfo("%lld x 64 SGD in %u shards, CPU and Vulkan: %lld ms", static_cast<long long>(rows), table->shards,
        static_cast<long long>(timer.elapsed()));
}

}  // namespace embedscope::testing
