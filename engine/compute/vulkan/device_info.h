#pragma once
// What the engine knows about each Vulkan physical device, probed without creating a logical
// device: type, API version, memory heaps (with budgets), the limits that drive sharding, and
// the features kernels rely on. `embedscope devices` prints this; placement plans are made from it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace embedscope::vk {

enum class DeviceType { Discrete, Integrated, Virtual, Cpu, Other };

// "discrete-gpu", "integrated-gpu", "virtual-gpu", "cpu", "other".
const char* deviceTypeName(DeviceType t);
// Real GPUs are what `--engine auto` may use; a CPU-type device (lavapipe) only when asked for.
bool isRealGpu(DeviceType t);

struct MemoryHeapInfo {
  std::uint32_t index = 0;
  std::uint64_t size = 0;
  std::uint64_t budget = 0;    // bytes the engine lets itself use on this heap
  std::uint64_t usage = 0;     // reported by VK_EXT_memory_budget, else 0
  bool deviceLocal = false;
  bool budgetFromExtension = false;
  std::string budgetRule;      // how `budget` was obtained, in words
};

struct MemoryTypeInfo {
  std::uint32_t index = 0;
  std::uint32_t heapIndex = 0;
  std::uint32_t propertyFlags = 0;  // VkMemoryPropertyFlags
};

// VkMemoryPropertyFlags as names: {"DEVICE_LOCAL", "HOST_VISIBLE", ...}.
std::vector<std::string> memoryFlagNames(std::uint32_t propertyFlags);

struct DeviceLimits {
  std::uint64_t maxStorageBufferRange = 0;
  std::uint64_t maxMemoryAllocationSize = 0;
  std::uint64_t maxBufferSize = 0;
  std::uint32_t maxComputeWorkGroupCount[3] = {0, 0, 0};
  std::uint32_t maxComputeWorkGroupInvocations = 0;
  std::uint32_t maxComputeSharedMemorySize = 0;
  std::uint32_t maxPushConstantsSize = 0;
  std::uint32_t maxPerStageDescriptorStorageBuffers = 0;
  std::uint32_t maxPushDescriptors = 0;
  std::uint64_t minStorageBufferOffsetAlignment = 0;
  std::uint64_t nonCoherentAtomSize = 0;
  std::uint32_t subgroupSize = 0;
  float timestampPeriod = 0;
};

struct DeviceFeatures {
  bool shaderInt64 = false;
  bool shaderFloat64 = false;  // the orthogonal regularizer's kernel runs in double where it is
  bool bufferDeviceAddress = false;
  bool storageBufferArrayDynamicIndexing = false;
  bool storageBufferArrayNonUniformIndexing = false;
  bool shaderBufferFloat32AtomicAdd = false;
  bool memoryBudget = false;      // VK_EXT_memory_budget
  bool pushDescriptor = false;    // VK_KHR_push_descriptor
};

struct DeviceInfo {
  std::uint32_t index = 0;   // position in enumeration order = the index `embedscope devices` shows
  std::string name;
  DeviceType type = DeviceType::Other;
  std::uint32_t apiVersion = 0;
  std::string apiVersionText;  // "1.3.230"
  std::uint32_t vendorId = 0;
  std::uint32_t deviceId = 0;
  std::string driverName;
  std::string driverInfo;
  std::uint32_t computeQueueFamily = 0;
  std::vector<MemoryHeapInfo> heaps;
  std::vector<MemoryTypeInfo> memoryTypes;
  DeviceLimits limits;
  DeviceFeatures features;
  bool usable = false;          // the engine can run on it
  std::string unusableReason;   // why not, when !usable

  // The largest byte range one buffer may have for our kernels: the minimum of
  // maxStorageBufferRange, maxMemoryAllocationSize and maxBufferSize, lowered by the test-only
  // cap EMBEDSCOPE_VK_MAX_RANGE=bytes when set.
  std::uint64_t maxShardBytes() const;
  // Honest words for the memory: "system RAM" for CPU-type devices.
  std::string memoryDescription() const;
};

// Where a buffer should live. Device: the fastest memory for kernels (DEVICE_LOCAL, mapped
// directly when the device also makes it host-visible, as UMA and lavapipe do). Host: host-visible
// coherent memory the kernels reach over the bus (the "host-visible" placement decision).
enum class MemoryPlace { Device, Host };

// Memory types acceptable for a place, best first (ggml-style preference lists). Only coherent
// host-visible types are ever mapped, so no flush/invalidate bookkeeping is needed. The planner and
// the allocator share this, so the plan names the type the allocator will take.
std::vector<MemoryTypeInfo> preferredMemoryTypes(const DeviceInfo& info, MemoryPlace place);

// Every physical device the loader reports, in enumeration order. An error only when Vulkan
// itself is missing (no loader, no ICD): zero devices is an empty list.
Result<std::vector<DeviceInfo>> enumerateDevices();

struct DeviceChoice {
  std::optional<std::uint32_t> index;  // empty: nothing to use
  std::string reason;                  // why this one, or why none
};

// The device `--engine vulkan` uses: EMBEDSCOPE_VULKAN_DEVICE (an index in `embedscope devices`
// or a case-insensitive substring of the name) when set, else the best usable one ranked
// discrete > integrated > virtual > CPU-type.
DeviceChoice chooseVulkanDevice(const std::vector<DeviceInfo>& devices);
// The device `--engine auto` uses: as above but a CPU-type device is never chosen (unless
// EMBEDSCOPE_VULKAN_DEVICE names it explicitly); none means the CPU engine.
DeviceChoice chooseAutoDevice(const std::vector<DeviceInfo>& devices);

// Parses EMBEDSCOPE_VK_MAX_RANGE (bytes); 0 when unset or invalid.
std::uint64_t maxRangeOverride();

}  // namespace embedscope::vk
