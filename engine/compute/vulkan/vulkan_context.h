#pragma once
// One Vulkan device ready for compute: instance (validated when EMBEDSCOPE_VK_VALIDATION=1), the
// chosen physical device, a logical device with one compute queue, a command pool and a fence for
// submit-and-wait. A context belongs to one thread (the training worker's). After a device loss
// every later call fails with Unavailable: device memory cannot be read after a loss, so the
// session falls back to its host copies.
#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "engine/compute/vulkan/device_info.h"
#include "engine/compute/vulkan/instance.h"
#include "engine/core/status.h"

namespace embedscope::vk {

struct Allocation {
  VkDeviceMemory memory = VK_NULL_HANDLE;
  std::uint32_t memoryTypeIndex = 0;
  std::uint32_t heapIndex = 0;
  std::uint32_t propertyFlags = 0;
  std::uint64_t size = 0;
};

class VulkanContext {
 public:
  struct Options {
    // Physical device index; empty = chooseVulkanDevice() (EMBEDSCOPE_VULKAN_DEVICE, then rank).
    std::optional<std::uint32_t> deviceIndex;
  };
  static Result<std::unique_ptr<VulkanContext>> create(const Options& options);
  static Result<std::unique_ptr<VulkanContext>> create() { return create(Options{}); }
  ~VulkanContext();
  VulkanContext(const VulkanContext&) = delete;
  VulkanContext& operator=(const VulkanContext&) = delete;

  const DeviceInfo& info() const { return m_info; }
  VkDevice device() const { return m_device; }
  VkPhysicalDevice physicalDevice() const { return m_physical; }
  bool validationEnabled() const { return m_instance->validationEnabled(); }
  bool lost() const { return m_lost; }
  // The reason the device was chosen.
  const std::string& choiceReason() const { return m_choiceReason; }

  // Allocates device memory for the requirements, trying memory types in the order the place
  // prefers; counts against the heap usage below. Subject to EMBEDSCOPE_FAULT=alloc:N.
  Result<Allocation> allocate(const VkMemoryRequirements& req, MemoryPlace place);
  void free(Allocation& a);
  // Bytes this context currently holds per heap (the "measured" column beside a plan).
  const std::vector<std::uint64_t>& heapUsage() const { return m_heapUsage; }

  // Records commands with `record` into a one-time command buffer, submits and waits.
  // Subject to EMBEDSCOPE_FAULT=device-lost:N.
  Status runOnce(const std::function<void(VkCommandBuffer)>& record);
  // Submits an already recorded command buffer and waits for it (after any pending submit).
  Status submitAndWait(VkCommandBuffer cmd);
  // Submits without waiting (the fused training step: the host prepares the next batch while
  // the device runs this one). At most one submit is pending; wait() ends it. Every other
  // submit, and every host read of device memory, must wait() first (VulkanBackend does).
  Status submit(VkCommandBuffer cmd);
  Status wait();
  bool pending() const { return m_pending; }
  // Command buffers recorded once and resubmitted (freed with the pool at destruction or by
  // freeCommandBuffer).
  Result<VkCommandBuffer> allocateCommandBuffer();
  void freeCommandBuffer(VkCommandBuffer cmd);

  PFN_vkCmdPushDescriptorSetKHR pushDescriptorSet() const { return m_pushDescriptorSet; }
  VkPipelineCache pipelineCache() const { return m_pipelineCache; }

  // Marks the device lost (used when any call returns VK_ERROR_DEVICE_LOST).
  Status markLost(const std::string& what);

 private:
  VulkanContext() = default;
  std::unique_ptr<Instance> m_instance;
  VkPhysicalDevice m_physical = VK_NULL_HANDLE;
  VkDevice m_device = VK_NULL_HANDLE;
  VkQueue m_queue = VK_NULL_HANDLE;
  VkCommandPool m_pool = VK_NULL_HANDLE;
  VkFence m_fence = VK_NULL_HANDLE;
  VkPipelineCache m_pipelineCache = VK_NULL_HANDLE;
  PFN_vkCmdPushDescriptorSetKHR m_pushDescriptorSet = nullptr;
  DeviceInfo m_info;
  std::string m_choiceReason;
  std::vector<std::uint64_t> m_heapUsage;
  bool m_lost = false;
  bool m_pending = false;
};

}  // namespace embedscope::vk
