// The context itself: the validation layer's messages are counted (a deliberate misuse is seen),
// device choice by EMBEDSCOPE_VULKAN_DEVICE, the test main's skip/require rules, and
// `embedscope devices` / `plan` on this device.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <unistd.h>

#include "engine/compute/vulkan/buffer.h"
#include "engine/compute/vulkan/validation.h"
#include "tests/support/test_support.h"
#include "tests/support/vulkan_test_main.h"

using namespace embedscope;

namespace {
QString selfPath() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? QString::fromLocal8Bit(buf, static_cast<int>(n)) : QString();
}
}  // namespace

class TestContext : public QObject {
  Q_OBJECT
 private slots:
  void validationMessagesAreCounted() {
    if (!vk::validationRequested()) QSKIP("EMBEDSCOPE_VK_VALIDATION is not set");
    auto ctx = vk::VulkanContext::create();
    QVERIFY(ctx.isOk());
    QVERIFY((*ctx)->validationEnabled());
    const auto before = vk::validationIssueCount();
    // A zero-sized buffer is invalid usage (VUID-VkBufferCreateInfo-size-00912).
    VkBufferCreateInfo ci{};
    ci.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    ci.size = 0;
    ci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    VkBuffer b = VK_NULL_HANDLE;
    const VkResult r = vkCreateBuffer((*ctx)->device(), &ci, nullptr, &b);
    if (r == VK_SUCCESS && b != VK_NULL_HANDLE) vkDestroyBuffer((*ctx)->device(), b, nullptr);
    const auto provoked = vk::validationIssueCount() - before;
    QVERIFY2(provoked >= 1, "the validation layer's error was not counted");
    QVERIFY(vk::lastValidationIssue().find("00912") != std::string::npos);
    vk::discountValidationIssues(provoked);
    QCOMPARE(vk::validationIssueCount(), before);
  }

  void deviceOverride() {
    auto devices = vk::enumerateDevices();
    QVERIFY(devices.isOk());
    QVERIFY(!devices->empty());
    qputenv("EMBEDSCOPE_VULKAN_DEVICE", "0");
    auto byIndex = vk::chooseVulkanDevice(*devices);
    qputenv("EMBEDSCOPE_VULKAN_DEVICE", QByteArray::fromStdString((*devices)[0].name.substr(0, 4)));
    auto byName = vk::chooseVulkanDevice(*devices);
    qputenv("EMBEDSCOPE_VULKAN_DEVICE", "no such device anywhere");
    auto none = vk::chooseVulkanDevice(*devices);
    auto ctxNone = vk::VulkanContext::create();
    qputenv("EMBEDSCOPE_VULKAN_DEVICE", "99");
    auto outOfRange = vk::chooseVulkanDevice(*devices);
    qunsetenv("EMBEDSCOPE_VULKAN_DEVICE");
    QVERIFY(byIndex.index && *byIndex.index == 0);
    QVERIFY(byName.index && *byName.index == 0);
    QVERIFY(!none.index);
    QVERIFY(none.reason.find("matches no usable Vulkan device") != std::string::npos);
    QVERIFY(!ctxNone.isOk());
    QCOMPARE(ctxNone.status().code(), StatusCode::Unavailable);
    QVERIFY(!outOfRange.index);
  }

  void rankingPrefersGpus() {
    std::vector<vk::DeviceInfo> d(4);
    const vk::DeviceType types[] = {vk::DeviceType::Cpu, vk::DeviceType::Virtual, vk::DeviceType::Integrated,
                                    vk::DeviceType::Discrete};
    for (std::uint32_t i = 0; i < 4; ++i) {
      d[i].index = i;
      d[i].type = types[i];
      d[i].usable = true;
      d[i].name = vk::deviceTypeName(types[i]);
    }
    QCOMPARE(*vk::chooseVulkanDevice(d).index, 3u);
    d[3].usable = false;
    QCOMPARE(*vk::chooseVulkanDevice(d).index, 2u);
    d[2].usable = d[1].usable = false;
    QCOMPARE(*vk::chooseVulkanDevice(d).index, 0u);  // the CPU-type device, asked for
    QVERIFY(!vk::chooseAutoDevice(d).index);           // never under auto
  }

  // The test main: no device -> exit 77 (skip); with EMBEDSCOPE_REQUIRE_VULKAN=1 -> a failure.
  void testMainSkipAndRequire() {
    if (qEnvironmentVariableIsSet("EMBEDSCOPE_TEST_CHILD")) QSKIP("child run");
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("VK_ICD_FILENAMES", "/nonexistent/icd.json");
    env.insert("VK_DRIVER_FILES", "/nonexistent/icd.json");
    env.insert("EMBEDSCOPE_TEST_CHILD", "1");
    env.remove("EMBEDSCOPE_REQUIRE_VULKAN");
    p.setProcessEnvironment(env);
    p.start(selfPath(), {});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 77);
    env.insert("EMBEDSCOPE_REQUIRE_VULKAN", "1");
    p.setProcessEnvironment(env);
    p.start(selfPath(), {});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 1);
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains("EMBEDSCOPE_REQUIRE_VULKAN=1"));
  }

  void devicesCommand() {
    auto r = embedscope::testing::runCli({"devices", "--json"});
    QCOMPARE(r.exitCode, 0);
    auto o = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QVERIFY(o["devices"].toArray().size() >= 1);
    auto d = o["devices"].toArray().at(0).toObject();
    for (const char* k : {"index", "name", "type", "api_version", "heaps", "limits", "features", "usable"})
      QVERIFY2(d.contains(k), k);
    QVERIFY(d["limits"].toObject()["maxStorageBufferRange"].toDouble() > 0);
    QVERIFY(o["vulkan"].toObject().contains("reason"));
    QVERIFY(o["auto"].toObject().contains("engine"));
    auto text = embedscope::testing::runCli({"devices"});
    QCOMPARE(text.exitCode, 0);
    QVERIFY(text.out.contains("--engine auto uses:"));
  }

  void planOnThisDevice() {
    auto r = embedscope::testing::runCli({"plan", "--input-dim", "2000000", "--output-dim", "64", "--optimizer", "adam",
                                          "--engine", "vulkan", "--json"});
    QCOMPARE(r.exitCode, 0);
    auto o = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(o["engine"].toString(), QString("vulkan"));
    int seen = 0;
    for (const auto& a : o["allocations"].toArray()) {
      const auto x = a.toObject();
      const QString name = x["name"].toString();
      if (name != "table" && name != "slot:m" && name != "slot:v") continue;
      ++seen;
      QCOMPARE(x["bytes"].toDouble(), 512000000.0);
      if (x["addressing"].toString() == "descriptor") {
        const double range = 134217728.0;
        if (o["device"].toObject()["type"].toString() == "cpu") QCOMPARE(x["shards"].toInt(), int(std::ceil(512000000.0 / (std::floor(range / 256) * 256))));
      }
    }
    QCOMPARE(seen, 3);
    QVERIFY(!o["reason"].toString().isEmpty());
    auto sgd = embedscope::testing::runCli({"plan", "--input-dim", "2000000", "--output-dim", "64", "--optimizer", "sgd",
                                            "--engine", "vulkan", "--json"});
    QCOMPARE(sgd.exitCode, 0);
    QVERIFY(QJsonDocument::fromJson(sgd.out.toUtf8()).object()["fits"].toBool());
  }
};

EMBEDSCOPE_VULKAN_TEST_MAIN(TestContext)
#include "test_context.moc"
