#include "engine/compute/vulkan/vulkan_context.h"

#include "engine/compute/vulkan/device_probe.h"
#include "engine/compute/vulkan/fault_injection.h"
#include "engine/compute/vulkan/vk_status.h"

namespace embedscope::vk {

Result<std::unique_ptr<VulkanContext>> VulkanContext::create(const Options& options) {
  auto inst = Instance::create();
  if (!inst) return inst.status();
  std::unique_ptr<VulkanContext> ctx(new VulkanContext());
  ctx->m_instance = std::move(*inst);
  VkInstance instance = ctx->m_instance->handle();

  std::uint32_t n = 0;
  EMBEDSCOPE_TRY(check(vkEnumeratePhysicalDevices(instance, &n, nullptr), "vkEnumeratePhysicalDevices"));
  std::vector<VkPhysicalDevice> pds(n);
  EMBEDSCOPE_TRY(check(vkEnumeratePhysicalDevices(instance, &n, pds.data()), "vkEnumeratePhysicalDevices"));
  std::vector<DeviceInfo> infos;
  for (std::uint32_t i = 0; i < n; ++i) infos.push_back(probeDevice(pds[i], i));

  std::uint32_t index = 0;
  if (options.deviceIndex) {
    if (*options.deviceIndex >= n)
      return Status::unavailable("Vulkan device " + std::to_string(*options.deviceIndex) + " does not exist (" +
                                 std::to_string(n) + " found)");
    index = *options.deviceIndex;
    ctx->m_choiceReason = "device " + std::to_string(index) + " was asked for";
  } else {
    DeviceChoice choice = chooseVulkanDevice(infos);
    if (!choice.index) return Status::unavailable("no usable Vulkan device: " + choice.reason);
    index = *choice.index;
    ctx->m_choiceReason = choice.reason;
  }
  ctx->m_info = infos[index];
  if (!ctx->m_info.usable)
    return Status::unavailable("Vulkan device " + ctx->m_info.name + " cannot be used: " + ctx->m_info.unusableReason);
  ctx->m_physical = pds[index];
  ctx->m_heapUsage.assign(ctx->m_info.heaps.size(), 0);

  float priority = 1.0f;
  VkDeviceQueueCreateInfo qci{};
  qci.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
  qci.queueFamilyIndex = ctx->m_info.computeQueueFamily;
  qci.queueCount = 1;
  qci.pQueuePriorities = &priority;

  // Only what the kernels use: dynamically uniform indexing into the shard descriptor arrays, and
  // doubles where the device has them (step_orthogonal_f64.comp).
  VkPhysicalDeviceFeatures2 f2{};
  f2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
  f2.features.shaderStorageBufferArrayDynamicIndexing = VK_TRUE;
  f2.features.shaderFloat64 = ctx->m_info.features.shaderFloat64 ? VK_TRUE : VK_FALSE;

  std::vector<const char*> exts = {VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME};
  if (ctx->m_info.features.memoryBudget) exts.push_back(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);

  VkDeviceCreateInfo dci{};
  dci.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
  dci.pNext = &f2;
  dci.queueCreateInfoCount = 1;
  dci.pQueueCreateInfos = &qci;
  dci.enabledExtensionCount = static_cast<std::uint32_t>(exts.size());
  dci.ppEnabledExtensionNames = exts.data();
  EMBEDSCOPE_TRY(check(vkCreateDevice(ctx->m_physical, &dci, nullptr, &ctx->m_device), "vkCreateDevice"));
  vkGetDeviceQueue(ctx->m_device, ctx->m_info.computeQueueFamily, 0, &ctx->m_queue);

  ctx->m_pushDescriptorSet = reinterpret_cast<PFN_vkCmdPushDescriptorSetKHR>(
      vkGetDeviceProcAddr(ctx->m_device, "vkCmdPushDescriptorSetKHR"));
  if (!ctx->m_pushDescriptorSet) return Status::unavailable("vkCmdPushDescriptorSetKHR is not available");

  VkCommandPoolCreateInfo pci{};
  pci.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pci.queueFamilyIndex = ctx->m_info.computeQueueFamily;
  EMBEDSCOPE_TRY(check(vkCreateCommandPool(ctx->m_device, &pci, nullptr, &ctx->m_pool), "vkCreateCommandPool"));

  VkFenceCreateInfo fci{};
  fci.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  EMBEDSCOPE_TRY(check(vkCreateFence(ctx->m_device, &fci, nullptr, &ctx->m_fence), "vkCreateFence"));

  VkPipelineCacheCreateInfo cci{};
  cci.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO;
  EMBEDSCOPE_TRY(check(vkCreatePipelineCache(ctx->m_device, &cci, nullptr, &ctx->m_pipelineCache),
                       "vkCreatePipelineCache"));
  return ctx;
}

VulkanContext::~VulkanContext() {
  if (m_device != VK_NULL_HANDLE) {
    vkDeviceWaitIdle(m_device);
    if (m_pipelineCache) vkDestroyPipelineCache(m_device, m_pipelineCache, nullptr);
    if (m_fence) vkDestroyFence(m_device, m_fence, nullptr);
    if (m_pool) vkDestroyCommandPool(m_device, m_pool, nullptr);
    vkDestroyDevice(m_device, nullptr);
  }
}

Result<Allocation> VulkanContext::allocate(const VkMemoryRequirements& req, MemoryPlace place) {
  if (m_lost) return Status::unavailable("the Vulkan device was lost");
  for (const auto& t : preferredMemoryTypes(m_info, place)) {
    if (!(req.memoryTypeBits & (1u << t.index))) continue;
    {
      if (injectFault(FaultKind::Alloc))
        return Status::unavailable("vkAllocateMemory of " + std::to_string(req.size) +
                                   " bytes: VK_ERROR_OUT_OF_DEVICE_MEMORY (injected by EMBEDSCOPE_FAULT)");
      VkMemoryAllocateInfo ai{};
      ai.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
      ai.allocationSize = req.size;
      ai.memoryTypeIndex = t.index;
      Allocation a;
      VkResult r = vkAllocateMemory(m_device, &ai, nullptr, &a.memory);
      if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY) continue;  // next type
      if (r == VK_ERROR_DEVICE_LOST) return markLost("vkAllocateMemory");
      EMBEDSCOPE_TRY(check(r, "vkAllocateMemory"));
      a.memoryTypeIndex = t.index;
      a.heapIndex = t.heapIndex;
      a.propertyFlags = t.propertyFlags;
      a.size = req.size;
      m_heapUsage[t.heapIndex] += req.size;
      return a;
    }
  }
  return Status::unavailable("vkAllocateMemory of " + std::to_string(req.size) +
                             " bytes: no memory type has room (VK_ERROR_OUT_OF_DEVICE_MEMORY)");
}

void VulkanContext::free(Allocation& a) {
  if (a.memory == VK_NULL_HANDLE) return;
  vkFreeMemory(m_device, a.memory, nullptr);
  m_heapUsage[a.heapIndex] -= a.size;
  a.memory = VK_NULL_HANDLE;
}

Status VulkanContext::markLost(const std::string& what) {
  m_lost = true;
  return Status::unavailable(what + ": VK_ERROR_DEVICE_LOST (the Vulkan device was lost)");
}

Result<VkCommandBuffer> VulkanContext::allocateCommandBuffer() {
  VkCommandBufferAllocateInfo ai{};
  ai.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  ai.commandPool = m_pool;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  EMBEDSCOPE_TRY(check(vkAllocateCommandBuffers(m_device, &ai, &cmd), "vkAllocateCommandBuffers"));
  return cmd;
}

void VulkanContext::freeCommandBuffer(VkCommandBuffer cmd) {
  if (cmd != VK_NULL_HANDLE) vkFreeCommandBuffers(m_device, m_pool, 1, &cmd);
}

Status VulkanContext::submit(VkCommandBuffer cmd) {
  EMBEDSCOPE_TRY(wait());
  if (m_lost) return Status::unavailable("the Vulkan device was lost");
  if (injectFault(FaultKind::DeviceLost)) return markLost("vkQueueSubmit (injected by EMBEDSCOPE_FAULT)");
  VkSubmitInfo si{};
  si.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd;
  VkResult r = vkQueueSubmit(m_queue, 1, &si, m_fence);
  if (r == VK_ERROR_DEVICE_LOST) return markLost("vkQueueSubmit");
  EMBEDSCOPE_TRY(check(r, "vkQueueSubmit"));
  m_pending = true;
  return Status::ok();
}

Status VulkanContext::wait() {
  if (!m_pending) return Status::ok();
  m_pending = false;
  VkResult r = vkWaitForFences(m_device, 1, &m_fence, VK_TRUE, UINT64_MAX);
  if (r == VK_ERROR_DEVICE_LOST) return markLost("vkWaitForFences");
  EMBEDSCOPE_TRY(check(r, "vkWaitForFences"));
  return check(vkResetFences(m_device, 1, &m_fence), "vkResetFences");
}

Status VulkanContext::submitAndWait(VkCommandBuffer cmd) {
  EMBEDSCOPE_TRY(submit(cmd));
  return wait();
}

Status VulkanContext::runOnce(const std::function<void(VkCommandBuffer)>& record) {
  auto cmd = allocateCommandBuffer();
  if (!cmd) return cmd.status();
  VkCommandBufferBeginInfo bi{};
  bi.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  Status s = check(vkBeginCommandBuffer(*cmd, &bi), "vkBeginCommandBuffer");
  if (s) {
    record(*cmd);
    s = check(vkEndCommandBuffer(*cmd), "vkEndCommandBuffer");
  }
  if (s) s = submitAndWait(*cmd);
  freeCommandBuffer(*cmd);
  return s;
}

}  // namespace embedscope::vk
