#pragma once
// RAII compute pipeline from embedded SPIR-V, with a push-descriptor set layout (descriptors are
// recorded into the command buffer, so a recorded buffer replays without descriptor pools), one
// push-constant range, and specialization constants (constant_id 0, 1, ... in order).
#include <vulkan/vulkan.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/compute/vulkan/vulkan_context.h"
#include "engine/core/status.h"

namespace embedscope::vk {

struct BufferBinding {
  std::uint32_t binding = 0;
  std::uint32_t arrayElement = 0;
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceSize offset = 0;
  VkDeviceSize range = 0;  // explicit, never VK_WHOLE_SIZE (ranges past maxStorageBufferRange are invalid)
};

class Pipeline {
 public:
  // bindingCounts[i] = descriptor count of storage-buffer binding i (1, or K for a shard array).
  static Result<std::unique_ptr<Pipeline>> create(VulkanContext& ctx, const std::uint32_t* words, std::size_t wordCount,
                                                  const std::vector<std::uint32_t>& bindingCounts,
                                                  std::uint32_t pushConstantBytes,
                                                  const std::vector<std::uint32_t>& specialization = {});
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void bind(VkCommandBuffer cmd) const;
  void pushBuffers(VkCommandBuffer cmd, const std::vector<BufferBinding>& bindings) const;
  void pushConstants(VkCommandBuffer cmd, const void* data, std::uint32_t bytes) const;

 private:
  explicit Pipeline(VulkanContext& ctx) : m_ctx(&ctx) {}
  VulkanContext* m_ctx;
  VkShaderModule m_module = VK_NULL_HANDLE;
  VkDescriptorSetLayout m_setLayout = VK_NULL_HANDLE;
  VkPipelineLayout m_layout = VK_NULL_HANDLE;
  VkPipeline m_pipeline = VK_NULL_HANDLE;
  std::uint32_t m_pushBytes = 0;
};

}  // namespace embedscope::vk
