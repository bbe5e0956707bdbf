// The memory planner on described devices (no device needed): lavapipe's limits, an H200-like
// discrete GPU, and the storage-range cap; plus `embedscope plan --json` on the real device.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <vulkan/vulkan.h>

#include "engine/compute/vulkan/device_info.h"
#include "engine/placement/memory_plan.h"
#include "tests/support/test_support.h"

using namespace embedscope;

namespace {

constexpr std::uint64_t MiB = 1024ull * 1024;
constexpr std::uint64_t GiB = 1024ull * MiB;

vk::DeviceInfo lavapipeLike() {
  vk::DeviceInfo d;
  d.name = "llvmpipe (LLVM 15.0.6, 256 bits)";
  d.type = vk::DeviceType::Cpu;
  d.limits.maxStorageBufferRange = 128 * MiB;
  d.limits.maxMemoryAllocationSize = 2 * GiB;
  d.limits.maxBufferSize = 0xffffffffull;
  d.heaps.push_back({0, 2 * GiB, 1 * GiB, 0, true, false, "half of a heap under 4 GiB"});
  d.memoryTypes.push_back({0, 0, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                     VK_MEMORY_PROPERTY_HOST_COHERENT_BIT | VK_MEMORY_PROPERTY_HOST_CACHED_BIT});
  d.usable = true;
  return d;
}

vk::DeviceInfo discreteLike(std::uint64_t vram, std::uint64_t ram) {
  vk::DeviceInfo d;
  d.name = "Big GPU";
  d.type = vk::DeviceType::Discrete;
  d.limits.maxStorageBufferRange = 0xffffffffull;
  d.limits.maxMemoryAllocationSize = 0xffffffffull;
  d.limits.maxBufferSize = 1ull << 40;
  d.heaps.push_back({0, vram, vram / 10 * 8, 0, true, false, "80%"});
  d.heaps.push_back({1, ram, ram / 2, 0, false, false, "half"});
  d.memoryTypes.push_back({0, 0, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT});
  d.memoryTypes.push_back({1, 1, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT});
  d.memoryTypes.push_back({2, 0, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                     VK_MEMORY_PROPERTY_HOST_COHERENT_BIT});
  d.usable = true;
  return d;
}

placement::PlanRequest request(std::int64_t v, std::int64_t dim, const std::string& opt) {
  placement::PlanRequest r;
  r.inputDim = v;
  r.outputDim = dim;
  r.optimizer.name = opt;
  return r;
}

}  // namespace

class TestPlacement : public QObject {
  Q_OBJECT
 private slots:
  void adamOnLavapipeNeedsFourShardsAndTheCpu() {
    auto plan = placement::planVulkan(request(2000000, 64, "adam"), lavapipeLike());
    QVERIFY2(plan.isOk(), plan.status().message().c_str());
    for (const char* name : {"table", "slot:m", "slot:v"}) {
      const auto* a = plan->find(name);
      QVERIFY2(a, name);
      QCOMPARE(a->bytes, std::uint64_t(512000000));
      QCOMPARE(a->shards, 4u);
      QCOMPARE(a->addressing, std::string("descriptor"));
      QCOMPARE(a->heap, 0u);
    }
    QVERIFY(!plan->fits);
    QCOMPARE(plan->decision, std::string("cpu"));
    QCOMPARE(plan->devicesNeeded, std::uint64_t(2));
    QVERIFY(plan->reason.find("2 such devices") != std::string::npos);
    QVERIFY(plan->deviceName.find("system RAM") != std::string::npos);
  }

  void sgdOnLavapipeFits() {
    auto plan = placement::planVulkan(request(2000000, 64, "sgd"), lavapipeLike());
    QVERIFY(plan.isOk());
    QVERIFY(plan->fits);
    QCOMPARE(plan->decision, std::string("device"));
    QVERIFY(plan->find("slot:m") == nullptr);
    QVERIFY(plan->find("gradient:row-map") == nullptr);  // plain SGD never touches rows without gradient
    std::uint64_t sum = 0;
    for (const auto& a : plan->allocations) sum += a.bytes;
    QCOMPARE(plan->totalBytes, sum);
  }

  void slotsPerOptimizer_data() {
    QTest::addColumn<QString>("opt");
    QTest::addColumn<double>("momentum");
    QTest::addColumn<bool>("amsgrad");
    QTest::addColumn<QStringList>("expected");
    QTest::addRow("sgd") << "sgd" << 0.0 << false << QStringList{};
    QTest::addRow("sgd momentum") << "sgd" << 0.9 << false << QStringList{"slot:momentum"};
    QTest::addRow("adam") << "adam" << 0.0 << false << QStringList{"slot:m", "slot:v"};
    QTest::addRow("adam amsgrad") << "adam" << 0.0 << true << QStringList{"slot:m", "slot:v", "slot:vhat"};
    QTest::addRow("adagrad") << "adagrad" << 0.0 << false << QStringList{"slot:accumulator"};
    QTest::addRow("rmsprop") << "rmsprop" << 0.0 << false << QStringList{"slot:velocity"};
    QTest::addRow("ftrl") << "ftrl" << 0.0 << false << QStringList{"slot:accumulator", "slot:linear"};
  }
  void slotsPerOptimizer() {
    QFETCH(QString, opt);
    QFETCH(double, momentum);
    QFETCH(bool, amsgrad);
    QFETCH(QStringList, expected);
    OptimizerConfig o;
    o.name = opt.toStdString();
    o.momentum = momentum;
    o.amsgrad = amsgrad;
    QStringList got;
    for (const auto& s : placement::tableSlotNames(o)) got << QString::fromStdString(s);
    QCOMPARE(got, expected);
  }

  void discreteGpuHoldsItInOneShard() {
    auto plan = placement::planVulkan(request(2000000, 64, "adam"), discreteLike(141 * GiB, 256 * GiB));
    QVERIFY(plan.isOk());
    QVERIFY(plan->fits);
    QCOMPARE(plan->decision, std::string("device"));
    QCOMPARE(plan->find("table")->shards, 1u);
    QCOMPARE(plan->find("table")->flags, std::vector<std::string>{"DEVICE_LOCAL"});
    QVERIFY(plan->find("staging") != nullptr);  // not host-visible: uploads are staged
  }

  void tooBigForVramGoesHostVisible() {
    // 2 GiB VRAM (budget 1.6 GiB), 64 GiB RAM: an Adam run of 1.5 GB... with a 2.5 GB table no.
    auto plan = placement::planVulkan(request(10000000, 64, "sgd"), discreteLike(2 * GiB, 64 * GiB));
    QVERIFY(plan.isOk());
    QVERIFY(!plan->fits);
    QCOMPARE(plan->decision, std::string("host-visible"));
    QCOMPARE(plan->find("table")->heap, 1u);
  }

  void rangeCapAddsShards() {
    qputenv("EMBEDSCOPE_VK_MAX_RANGE", "4096");
    auto plan = placement::planVulkan(request(100, 10, "sgd"), lavapipeLike());
    qunsetenv("EMBEDSCOPE_VK_MAX_RANGE");
    QVERIFY(plan.isOk());
    // 4096 / 40 = 102 rows per shard -> one shard; with 8 rows more there'd be 2.
    QCOMPARE(plan->find("table")->shards, 1u);
    qputenv("EMBEDSCOPE_VK_MAX_RANGE", "400");
    plan = placement::planVulkan(request(100, 10, "sgd"), lavapipeLike());
    qunsetenv("EMBEDSCOPE_VK_MAX_RANGE");
    QCOMPARE(plan->find("table")->shards, 10u);
  }

  void badRequestIsUsageError() {
    auto plan = placement::planVulkan(request(0, 64, "sgd"), lavapipeLike());
    QVERIFY(!plan.isOk());
    QCOMPARE(plan.status().code(), StatusCode::InvalidArgument);
  }

  void cpuPlanIsTheHost() {
    placement::HostMemory host{8 * GiB, 4 * GiB, 2};
    auto plan = placement::planCpu(request(1000, 64, "adam"), host);
    QVERIFY(plan.isOk());
    QCOMPARE(plan->engine, std::string("cpu"));
    QCOMPARE(plan->deviceType, std::string("host"));
    QVERIFY(plan->fits);
    QCOMPARE(plan->find("table")->bytes, std::uint64_t(256000));
  }

  // The CLI on whatever device is here; the key set is exactly the issue's.
  void planJsonKeys() {
    auto r = embedscope::testing::runCli({"plan", "--input-dim", "2000000", "--output-dim", "64", "--optimizer", "adam",
                                          "--engine", "cpu", "--json"});
    QCOMPARE(r.exitCode, 0);
    auto doc = QJsonDocument::fromJson(r.out.toUtf8());
    QVERIFY(doc.isObject());
    auto o = doc.object();
    QStringList keys = o.keys();
    keys.sort();
    QCOMPARE(keys, (QStringList{"allocations", "decision", "device", "engine", "fits", "reason", "total_bytes"}));
    QCOMPARE(o["device"].toObject().keys(), (QStringList{"heaps", "name", "type"}));
    auto heapKeys = o["device"].toObject()["heaps"].toArray().at(0).toObject().keys();
    QCOMPARE(heapKeys, (QStringList{"budget", "flags", "index", "size"}));
    for (const auto& a : o["allocations"].toArray())
      QCOMPARE(a.toObject().keys(), (QStringList{"addressing", "bytes", "flags", "heap", "name", "shards"}));
    QCOMPARE(o["allocations"].toArray().at(0).toObject()["bytes"].toDouble(), 512000000.0);
  }

  void planUsageErrors() {
    auto r = embedscope::testing::runCli({"plan", "--input-dim", "10", "--output-dim", "4", "--optimizer", "nope"});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.startsWith("embedscope: error: "));
    r = embedscope::testing::runCli({"plan", "--input-dim", "10", "--output-dim", "4", "--engine", "gpu"});
    QCOMPARE(r.exitCode, 2);
  }
};

QTEST_APPLESS_MAIN(TestPlacement)
#include "test_placement.moc"
