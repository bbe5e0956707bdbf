// `embedscope devices [--json]`: every Vulkan device the loader reports, with its type, API
// version, heaps (and budgets), limits and features, and which device `--engine vulkan` and
// `--engine auto` would use, and why.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cstdio>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/output.h"
#include "engine/compute/vulkan/device_info.h"
#include "engine/compute/vulkan/vulkan_backend.h"

namespace {

using embedscope::vk::DeviceInfo;

QString q(const std::string& s) { return QString::fromStdString(s); }

QJsonArray flagArray(std::uint32_t flags) {
  QJsonArray a;
  for (const auto& f : embedscope::vk::memoryFlagNames(flags)) a.append(q(f));
  return a;
}

std::string gib(std::uint64_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

QJsonObject deviceJson(const DeviceInfo& d) {
  QJsonObject o;
  o["index"] = static_cast<int>(d.index);
  o["name"] = q(d.name);
  o["type"] = embedscope::vk::deviceTypeName(d.type);
  o["api_version"] = q(d.apiVersionText);
  o["vendor_id"] = static_cast<qint64>(d.vendorId);
  o["device_id"] = static_cast<qint64>(d.deviceId);
  o["driver"] = q(d.driverName);
  o["driver_info"] = q(d.driverInfo);
  o["memory"] = q(d.memoryDescription());
  o["usable"] = d.usable;
  if (!d.usable) o["unusable_reason"] = q(d.unusableReason);
  QJsonArray heaps;
  for (const auto& h : d.heaps) {
    QJsonObject ho;
    ho["index"] = static_cast<int>(h.index);
    ho["size"] = static_cast<qint64>(h.size);
    ho["budget"] = static_cast<qint64>(h.budget);
    ho["usage"] = static_cast<qint64>(h.usage);
    ho["budget_rule"] = q(h.budgetRule);
    ho["flags"] = h.deviceLocal ? QJsonArray{"DEVICE_LOCAL"} : QJsonArray{};
    heaps.append(ho);
  }
  o["heaps"] = heaps;
  QJsonArray types;
  for (const auto& t : d.memoryTypes) {
    QJsonObject to;
    to["index"] = static_cast<int>(t.index);
    to["heap"] = static_cast<int>(t.heapIndex);
    to["flags"] = flagArray(t.propertyFlags);
    types.append(to);
  }
  o["memory_types"] = types;
  const auto& l = d.limits;
  QJsonObject lo;
  lo["maxStorageBufferRange"] = static_cast<qint64>(l.maxStorageBufferRange);
  lo["maxMemoryAllocationSize"] = static_cast<qint64>(l.maxMemoryAllocationSize);
  lo["maxBufferSize"] = static_cast<qint64>(l.maxBufferSize);
  lo["maxComputeWorkGroupCount"] = QJsonArray{static_cast<qint64>(l.maxComputeWorkGroupCount[0]),
                                              static_cast<qint64>(l.maxComputeWorkGroupCount[1]),
                                              static_cast<qint64>(l.maxComputeWorkGroupCount[2])};
  lo["maxComputeWorkGroupInvocations"] = static_cast<qint64>(l.maxComputeWorkGroupInvocations);
  lo["maxComputeSharedMemorySize"] = static_cast<qint64>(l.maxComputeSharedMemorySize);
  lo["maxPushConstantsSize"] = static_cast<qint64>(l.maxPushConstantsSize);
  lo["maxPerStageDescriptorStorageBuffers"] = static_cast<qint64>(l.maxPerStageDescriptorStorageBuffers);
  lo["maxPushDescriptors"] = static_cast<qint64>(l.maxPushDescriptors);
  lo["minStorageBufferOffsetAlignment"] = static_cast<qint64>(l.minStorageBufferOffsetAlignment);
  lo["nonCoherentAtomSize"] = static_cast<qint64>(l.nonCoherentAtomSize);
  lo["subgroupSize"] = static_cast<qint64>(l.subgroupSize);
  lo["timestampPeriod"] = static_cast<double>(l.timestampPeriod);
  lo["max_shard_bytes"] = static_cast<qint64>(d.maxShardBytes());
  o["limits"] = lo;
  const auto& f = d.features;
  QJsonObject fo;
  fo["shaderInt64"] = f.shaderInt64;
  fo["bufferDeviceAddress"] = f.bufferDeviceAddress;
  fo["shaderStorageBufferArrayDynamicIndexing"] = f.storageBufferArrayDynamicIndexing;
  fo["shaderStorageBufferArrayNonUniformIndexing"] = f.storageBufferArrayNonUniformIndexing;
  fo["shaderBufferFloat32AtomicAdd"] = f.shaderBufferFloat32AtomicAdd;
  fo["VK_EXT_memory_budget"] = f.memoryBudget;
  fo["VK_KHR_push_descriptor"] = f.pushDescriptor;
  o["features"] = fo;
  return o;
}

void printText(const std::vector<DeviceInfo>& devices) {
  std::printf("Vulkan devices: %zu\n", devices.size());
  for (const auto& d : devices) {
    std::printf("\n[%u] %s\n", d.index, d.name.c_str());
    std::printf("    type: %s, Vulkan %s, driver %s %s\n", embedscope::vk::deviceTypeName(d.type),
                d.apiVersionText.c_str(), d.driverName.c_str(), d.driverInfo.c_str());
    std::printf("    memory: %s\n", d.memoryDescription().c_str());
    for (const auto& h : d.heaps)
      std::printf("    heap %u: %s%s, budget %s (%s)\n", h.index, gib(h.size).c_str(), h.deviceLocal ? " DEVICE_LOCAL" : "",
                  gib(h.budget).c_str(), h.budgetRule.c_str());
    for (const auto& t : d.memoryTypes) {
      std::string flags;
      for (const auto& f : embedscope::vk::memoryFlagNames(t.propertyFlags)) flags += (flags.empty() ? "" : "|") + f;
      std::printf("    memory type %u: heap %u, %s\n", t.index, t.heapIndex, flags.empty() ? "(none)" : flags.c_str());
    }
    const auto& l = d.limits;
    std::printf("    limits: maxStorageBufferRange %llu, maxMemoryAllocationSize %llu, maxBufferSize %llu\n",
                static_cast<unsigned long long>(l.maxStorageBufferRange),
                static_cast<unsigned long long>(l.maxMemoryAllocationSize),
                static_cast<unsigned long long>(l.maxBufferSize));
    std::printf("            maxComputeWorkGroupCount %u/%u/%u, invocations %u, shared memory %u B, push constants %u B\n",
                l.maxComputeWorkGroupCount[0], l.maxComputeWorkGroupCount[1], l.maxComputeWorkGroupCount[2],
                l.maxComputeWorkGroupInvocations, l.maxComputeSharedMemorySize, l.maxPushConstantsSize);
    std::printf("            storage buffers per stage %u, push descriptors %u, subgroup %u, shard limit %llu B\n",
                l.maxPerStageDescriptorStorageBuffers, l.maxPushDescriptors, l.subgroupSize,
                static_cast<unsigned long long>(d.maxShardBytes()));
    const auto& f = d.features;
    std::printf("    features: int64 %s, buffer device address %s, memory budget %s, push descriptor %s, "
                "non-uniform indexing %s, float atomics %s\n",
                f.shaderInt64 ? "yes" : "no", f.bufferDeviceAddress ? "yes" : "no", f.memoryBudget ? "yes" : "no",
                f.pushDescriptor ? "yes" : "no", f.storageBufferArrayNonUniformIndexing ? "yes" : "no",
                f.shaderBufferFloat32AtomicAdd ? "yes" : "no");
    if (!d.usable) std::printf("    NOT USABLE: %s\n", d.unusableReason.c_str());
  }
}

int runDevices(const std::vector<std::string>& argv) {
  auto args = embedscope::cli::Args::parse(argv, {}, {"--json"});
  if (!args) return embedscope::cli::fail(args.status());
  auto listed = embedscope::vk::enumerateDevices();
  std::vector<DeviceInfo> devices;
  std::string loaderError;
  if (listed) devices = *listed;
  else loaderError = listed.status().message();

  auto vulkanChoice = embedscope::vk::chooseVulkanDevice(devices);
  auto autoChoice = embedscope::vk::chooseAutoDevice(devices);
  if (!loaderError.empty()) vulkanChoice.reason = autoChoice.reason = loaderError;

  if (args->has("--json")) {
    QJsonObject root;
    QJsonArray arr;
    for (const auto& d : devices) arr.append(deviceJson(d));
    root["devices"] = arr;
    if (!loaderError.empty()) root["error"] = q(loaderError);
    QJsonObject v;
    v["index"] = vulkanChoice.index ? QJsonValue(static_cast<int>(*vulkanChoice.index)) : QJsonValue();
    v["reason"] = q(vulkanChoice.reason);
    root["vulkan"] = v;
    QJsonObject a;
    a["engine"] = autoChoice.index ? "vulkan" : "cpu";
    a["index"] = autoChoice.index ? QJsonValue(static_cast<int>(*autoChoice.index)) : QJsonValue();
    a["reason"] = q(autoChoice.reason);
    root["auto"] = a;
    std::printf("%s", QJsonDocument(root).toJson(QJsonDocument::Indented).constData());
    return 0;
  }
  if (!loaderError.empty()) std::printf("Vulkan is not available: %s\n", loaderError.c_str());
  else printText(devices);
  std::printf("\n--engine vulkan uses: %s (%s)\n",
              vulkanChoice.index ? ("[" + std::to_string(*vulkanChoice.index) + "] " + devices[*vulkanChoice.index].name).c_str()
                                 : "nothing: it fails",
              vulkanChoice.reason.c_str());
  std::printf("--engine auto uses: %s (%s)\n",
              autoChoice.index ? ("Vulkan [" + std::to_string(*autoChoice.index) + "] " + devices[*autoChoice.index].name).c_str()
                               : "the CPU engine",
              autoChoice.reason.c_str());
  return 0;
}

// The engine is a static library, so its Vulkan factory registers here, in an object file the
// executable always links: `--engine vulkan|auto` then finds it in every command and the window.
const bool kVulkanEngineRegistered = (embedscope::compute::registerVulkanFactory(), true);

embedscope::cli::CommandRegistrar reg{{"devices", "list Vulkan devices, their heaps and limits, and which one is used",
                                       "usage: embedscope devices [--json]\n\n"
                                       "Lists every Vulkan device with its type, API version, memory heaps (with the budget\n"
                                       "the engine assumes), limits and features, and says which device `--engine vulkan`\n"
                                       "and `--engine auto` would use and why. `auto` never picks a CPU-type device such as\n"
                                       "lavapipe. EMBEDSCOPE_VULKAN_DEVICE=<index|name substring> overrides the choice.",
                                       &runDevices}};

}  // namespace
