#include "engine/compute/vulkan/device_info.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

#include "engine/compute/vulkan/device_probe.h"
#include "engine/compute/vulkan/instance.h"
#include "engine/compute/vulkan/vk_status.h"

namespace embedscope::vk {
namespace {

constexpr std::uint64_t kGiB = 1024ull * 1024ull * 1024ull;

bool hasDeviceExtension(VkPhysicalDevice pd, const char* name) {
  std::uint32_t n = 0;
  if (vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, nullptr) != VK_SUCCESS) return false;
  std::vector<VkExtensionProperties> ext(n);
  if (vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, ext.data()) != VK_SUCCESS) return false;
  for (const auto& e : ext)
    if (std::strcmp(e.extensionName, name) == 0) return true;
  return false;
}

DeviceType toType(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return DeviceType::Discrete;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return DeviceType::Integrated;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return DeviceType::Virtual;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return DeviceType::Cpu;
    default: return DeviceType::Other;
  }
}

int rank(DeviceType t) {
  switch (t) {
    case DeviceType::Discrete: return 0;
    case DeviceType::Integrated: return 1;
    case DeviceType::Virtual: return 2;
    case DeviceType::Cpu: return 3;
    default: return 4;
  }
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// EMBEDSCOPE_VULKAN_DEVICE: an index, or a name substring. Returns a choice when the variable is
// set (possibly an empty one with the reason it matched nothing).
std::optional<DeviceChoice> fromEnvironment(const std::vector<DeviceInfo>& devices) {
  const char* env = std::getenv("EMBEDSCOPE_VULKAN_DEVICE");
  if (!env || !*env) return std::nullopt;
  std::string want = env;
  DeviceChoice c;
  bool numeric = std::all_of(want.begin(), want.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); });
  if (numeric) {
    unsigned long idx = std::strtoul(want.c_str(), nullptr, 10);
    if (idx >= devices.size()) {
      c.reason = "EMBEDSCOPE_VULKAN_DEVICE=" + want + " but there are only " + std::to_string(devices.size()) +
                 " Vulkan device(s)";
      return c;
    }
    const auto& d = devices[idx];
    if (!d.usable) {
      c.reason = "EMBEDSCOPE_VULKAN_DEVICE=" + want + " names " + d.name + ", which cannot be used: " + d.unusableReason;
      return c;
    }
    c.index = d.index;
    c.reason = "EMBEDSCOPE_VULKAN_DEVICE=" + want + " selects device " + std::to_string(d.index) + " (" + d.name + ")";
    return c;
  }
  for (const auto& d : devices) {
    if (lower(d.name).find(lower(want)) == std::string::npos) continue;
    if (!d.usable) continue;
    c.index = d.index;
    c.reason = "EMBEDSCOPE_VULKAN_DEVICE=" + want + " matches device " + std::to_string(d.index) + " (" + d.name + ")";
    return c;
  }
  c.reason = "EMBEDSCOPE_VULKAN_DEVICE=" + want + " matches no usable Vulkan device";
  return c;
}

DeviceChoice best(const std::vector<DeviceInfo>& devices, bool allowCpu) {
  DeviceChoice c;
  const DeviceInfo* pick = nullptr;
  for (const auto& d : devices) {
    if (!d.usable) continue;
    if (!allowCpu && !isRealGpu(d.type)) continue;
    if (!pick || rank(d.type) < rank(pick->type)) pick = &d;
  }
  if (!pick) {
    if (devices.empty()) c.reason = "no Vulkan device found";
    else if (!allowCpu) {
      bool anyCpu = std::any_of(devices.begin(), devices.end(), [](const auto& d) { return d.usable; });
      c.reason = anyCpu ? "no GPU found; CPU-type Vulkan devices (such as lavapipe) are used only with --engine vulkan"
                        : "no usable Vulkan device found";
    } else {
      c.reason = "no usable Vulkan device found";
      for (const auto& d : devices) c.reason += "; " + d.name + ": " + d.unusableReason;
    }
    return c;
  }
  c.index = pick->index;
  c.reason = std::string("the highest-ranked usable device (discrete > integrated > virtual > CPU-type) is a ") +
             deviceTypeName(pick->type) + ": " + pick->name;
  return c;
}

}  // namespace

const char* deviceTypeName(DeviceType t) {
  switch (t) {
    case DeviceType::Discrete: return "discrete-gpu";
    case DeviceType::Integrated: return "integrated-gpu";
    case DeviceType::Virtual: return "virtual-gpu";
    case DeviceType::Cpu: return "cpu";
    default: return "other";
  }
}

bool isRealGpu(DeviceType t) {
  return t == DeviceType::Discrete || t == DeviceType::Integrated || t == DeviceType::Virtual;
}

std::vector<std::string> memoryFlagNames(std::uint32_t f) {
  std::vector<std::string> out;
  if (f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) out.push_back("DEVICE_LOCAL");
  if (f & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) out.push_back("HOST_VISIBLE");
  if (f & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT) out.push_back("HOST_COHERENT");
  if (f & VK_MEMORY_PROPERTY_HOST_CACHED_BIT) out.push_back("HOST_CACHED");
  if (f & VK_MEMORY_PROPERTY_LAZILY_ALLOCATED_BIT) out.push_back("LAZILY_ALLOCATED");
  if (f & VK_MEMORY_PROPERTY_PROTECTED_BIT) out.push_back("PROTECTED");
  return out;
}

std::uint64_t maxRangeOverride() {
  const char* env = std::getenv("EMBEDSCOPE_VK_MAX_RANGE");
  if (!env || !*env) return 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(env, &end, 10);
  if (!end || *end != '\0') return 0;
  return v;
}

std::uint64_t DeviceInfo::maxShardBytes() const {
  std::uint64_t m = limits.maxStorageBufferRange;
  if (limits.maxMemoryAllocationSize) m = std::min(m, limits.maxMemoryAllocationSize);
  if (limits.maxBufferSize) m = std::min(m, limits.maxBufferSize);
  if (std::uint64_t cap = maxRangeOverride(); cap > 0) m = std::min(m, cap);
  return m;
}

std::string DeviceInfo::memoryDescription() const {
  if (type == DeviceType::Cpu) return "a CPU device: its \"device-local\" memory is system RAM";
  if (type == DeviceType::Integrated) return "an integrated GPU: its memory is shared with the host";
  return "device memory";
}

std::vector<MemoryTypeInfo> preferredMemoryTypes(const DeviceInfo& info, MemoryPlace place) {
  const std::uint32_t DL = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  const std::uint32_t HV = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  const bool dgpu = info.type == DeviceType::Discrete || info.type == DeviceType::Virtual;
  std::vector<std::uint32_t> prefs;
  if (place == MemoryPlace::Device) prefs = dgpu ? std::vector<std::uint32_t>{DL, DL | HV} : std::vector<std::uint32_t>{DL | HV, DL};
  else prefs = {HV | VK_MEMORY_PROPERTY_HOST_CACHED_BIT, HV};
  std::vector<MemoryTypeInfo> out;
  for (std::uint32_t want : prefs)
    for (const auto& t : info.memoryTypes) {
      if ((t.propertyFlags & want) != want) continue;
      // On a dGPU, device placement skips the small host-visible BAR window while plain DL exists;
      // host placement keeps to system RAM (non-device-local heaps) when there is one.
      if (place == MemoryPlace::Device && dgpu && want == DL && (t.propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT))
        continue;
      if (std::any_of(out.begin(), out.end(), [&](const MemoryTypeInfo& o) { return o.index == t.index; })) continue;
      out.push_back(t);
    }
  if (place == MemoryPlace::Host && dgpu)
    std::stable_partition(out.begin(), out.end(), [&](const MemoryTypeInfo& t) {
      return t.heapIndex < info.heaps.size() && !info.heaps[t.heapIndex].deviceLocal;
    });
  return out;
}

DeviceInfo probeDevice(VkPhysicalDevice pd, std::uint32_t index) {
  DeviceInfo info;
  info.index = index;

  VkPhysicalDeviceProperties props{};
  vkGetPhysicalDeviceProperties(pd, &props);
  const bool v13 = props.apiVersion >= VK_API_VERSION_1_3;

  VkPhysicalDevicePushDescriptorPropertiesKHR pushProps{};
  pushProps.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PUSH_DESCRIPTOR_PROPERTIES_KHR;
  VkPhysicalDeviceMaintenance4Properties m4{};
  m4.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_4_PROPERTIES;
  m4.pNext = &pushProps;
  VkPhysicalDeviceMaintenance3Properties m3{};
  m3.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES;
  m3.pNext = v13 ? static_cast<void*>(&m4) : static_cast<void*>(&pushProps);
  VkPhysicalDeviceSubgroupProperties sub{};
  sub.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
  sub.pNext = &m3;
  VkPhysicalDeviceDriverProperties drv{};
  drv.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES;
  drv.pNext = &sub;
  VkPhysicalDeviceProperties2 p2{};
  p2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
  p2.pNext = &drv;
  vkGetPhysicalDeviceProperties2(pd, &p2);

  info.name = props.deviceName;
  info.type = toType(props.deviceType);
  info.apiVersion = props.apiVersion;
  info.apiVersionText = std::to_string(VK_API_VERSION_MAJOR(props.apiVersion)) + "." +
                        std::to_string(VK_API_VERSION_MINOR(props.apiVersion)) + "." +
                        std::to_string(VK_API_VERSION_PATCH(props.apiVersion));
  info.vendorId = props.vendorID;
  info.deviceId = props.deviceID;
  info.driverName = drv.driverName;
  info.driverInfo = drv.driverInfo;

  const auto& l = props.limits;
  info.limits.maxStorageBufferRange = l.maxStorageBufferRange;
  info.limits.maxMemoryAllocationSize = m3.maxMemoryAllocationSize;
  info.limits.maxBufferSize = v13 ? m4.maxBufferSize : 0;
  for (int i = 0; i < 3; ++i) info.limits.maxComputeWorkGroupCount[i] = l.maxComputeWorkGroupCount[i];
  info.limits.maxComputeWorkGroupInvocations = l.maxComputeWorkGroupInvocations;
  info.limits.maxComputeSharedMemorySize = l.maxComputeSharedMemorySize;
  info.limits.maxPushConstantsSize = l.maxPushConstantsSize;
  info.limits.maxPerStageDescriptorStorageBuffers = l.maxPerStageDescriptorStorageBuffers;
  info.limits.minStorageBufferOffsetAlignment = l.minStorageBufferOffsetAlignment;
  info.limits.nonCoherentAtomSize = l.nonCoherentAtomSize;
  info.limits.subgroupSize = sub.subgroupSize;
  info.limits.timestampPeriod = l.timestampPeriod;

  info.features.memoryBudget = hasDeviceExtension(pd, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  info.features.pushDescriptor = hasDeviceExtension(pd, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
  if (info.features.pushDescriptor) info.limits.maxPushDescriptors = pushProps.maxPushDescriptors;
  const bool atomicExt = hasDeviceExtension(pd, VK_EXT_SHADER_ATOMIC_FLOAT_EXTENSION_NAME);

  VkPhysicalDeviceShaderAtomicFloatFeaturesEXT af{};
  af.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_FLOAT_FEATURES_EXT;
  VkPhysicalDeviceVulkan12Features f12{};
  f12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
  f12.pNext = atomicExt ? &af : nullptr;
  VkPhysicalDeviceFeatures2 f2{};
  f2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
  f2.pNext = props.apiVersion >= VK_API_VERSION_1_2 ? &f12 : nullptr;
  vkGetPhysicalDeviceFeatures2(pd, &f2);
  info.features.shaderInt64 = f2.features.shaderInt64;
  info.features.shaderFloat64 = f2.features.shaderFloat64;
  info.features.storageBufferArrayDynamicIndexing = f2.features.shaderStorageBufferArrayDynamicIndexing;
  info.features.bufferDeviceAddress = f12.bufferDeviceAddress;
  info.features.storageBufferArrayNonUniformIndexing = f12.shaderStorageBufferArrayNonUniformIndexing;
  info.features.shaderBufferFloat32AtomicAdd = atomicExt && af.shaderBufferFloat32AtomicAdd;

  VkPhysicalDeviceMemoryBudgetPropertiesEXT budget{};
  budget.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT;
  VkPhysicalDeviceMemoryProperties2 mp2{};
  mp2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2;
  mp2.pNext = info.features.memoryBudget ? &budget : nullptr;
  vkGetPhysicalDeviceMemoryProperties2(pd, &mp2);
  const auto& mp = mp2.memoryProperties;
  for (std::uint32_t h = 0; h < mp.memoryHeapCount; ++h) {
    MemoryHeapInfo heap;
    heap.index = h;
    heap.size = mp.memoryHeaps[h].size;
    heap.deviceLocal = (mp.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) != 0;
    if (info.features.memoryBudget && budget.heapBudget[h] > 0) {
      heap.budget = budget.heapBudget[h];
      heap.usage = budget.heapUsage[h];
      heap.budgetFromExtension = true;
      heap.budgetRule = "VK_EXT_memory_budget";
    } else if (heap.size < 4 * kGiB) {
      // No budget extension (lavapipe has none): leave room for everything else in the process and
      // the driver. Half of a small heap, as ncnn does below 4 GiB.
      heap.budget = heap.size / 2;
      heap.budgetRule = "no VK_EXT_memory_budget: half of a heap under 4 GiB";
    } else {
      heap.budget = heap.size / 10 * 8;
      heap.budgetRule = "no VK_EXT_memory_budget: 80% of a heap of 4 GiB or more";
    }
    info.heaps.push_back(heap);
  }
  for (std::uint32_t t = 0; t < mp.memoryTypeCount; ++t)
    info.memoryTypes.push_back({t, mp.memoryTypes[t].heapIndex, mp.memoryTypes[t].propertyFlags});

  std::uint32_t qn = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(pd, &qn, nullptr);
  std::vector<VkQueueFamilyProperties> q(qn);
  vkGetPhysicalDeviceQueueFamilyProperties(pd, &qn, q.data());
  bool haveCompute = false;
  // Prefer a compute family without graphics (a dedicated compute queue on GPUs that have one).
  for (int pass = 0; pass < 2 && !haveCompute; ++pass)
    for (std::uint32_t i = 0; i < qn; ++i) {
      bool compute = q[i].queueFlags & VK_QUEUE_COMPUTE_BIT;
      bool graphics = q[i].queueFlags & VK_QUEUE_GRAPHICS_BIT;
      if (compute && (pass == 1 || !graphics) && q[i].queueCount > 0) {
        info.computeQueueFamily = i;
        haveCompute = true;
        break;
      }
    }

  info.usable = true;
  if (props.apiVersion < VK_API_VERSION_1_2) {
    info.usable = false;
    info.unusableReason = "Vulkan " + info.apiVersionText + " is older than the 1.2 the engine needs";
  } else if (!haveCompute) {
    info.usable = false;
    info.unusableReason = "no compute queue";
  } else if (!info.features.pushDescriptor) {
    info.usable = false;
    info.unusableReason = "VK_KHR_push_descriptor is missing";
  } else if (!info.features.storageBufferArrayDynamicIndexing) {
    info.usable = false;
    info.unusableReason = "shaderStorageBufferArrayDynamicIndexing is missing (sharded tables need it)";
  }
  return info;
}

Result<std::vector<DeviceInfo>> enumerateDevices() {
  auto inst = Instance::create();
  if (!inst) return inst.status();
  std::uint32_t n = 0;
  EMBEDSCOPE_TRY(check(vkEnumeratePhysicalDevices((*inst)->handle(), &n, nullptr), "vkEnumeratePhysicalDevices"));
  std::vector<VkPhysicalDevice> pds(n);
  EMBEDSCOPE_TRY(check(vkEnumeratePhysicalDevices((*inst)->handle(), &n, pds.data()), "vkEnumeratePhysicalDevices"));
  std::vector<DeviceInfo> out;
  for (std::uint32_t i = 0; i < n; ++i) out.push_back(probeDevice(pds[i], i));
  return out;
}

DeviceChoice chooseVulkanDevice(const std::vector<DeviceInfo>& devices) {
  if (auto env = fromEnvironment(devices)) return *env;
  return best(devices, /*allowCpu=*/true);
}

DeviceChoice chooseAutoDevice(const std::vector<DeviceInfo>& devices) {
  if (auto env = fromEnvironment(devices)) return *env;
  return best(devices, /*allowCpu=*/false);
}

}  // namespace embedscope::vk
