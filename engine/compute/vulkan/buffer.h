#pragma once
// RAII storage buffer with its own memory allocation. Host-visible memory is mapped persistently
// and read/written in place (UMA, lavapipe); otherwise upload/download go through a temporary
// staging buffer and a copy on the compute queue.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>

#include "engine/compute/vulkan/vulkan_context.h"
#include "engine/core/status.h"

namespace embedscope::vk {

class Buffer {
 public:
  // `bytes` may be 0 (a placeholder of 4 bytes is made: Vulkan forbids empty buffers).
  static Result<std::unique_ptr<Buffer>> create(VulkanContext& ctx, std::uint64_t bytes,
                                                MemoryPlace place = MemoryPlace::Device);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  VkBuffer handle() const { return m_buffer; }
  std::uint64_t size() const { return m_size; }  // requested bytes
  const Allocation& allocation() const { return m_alloc; }
  void* mapped() const { return m_mapped; }

  Status upload(const void* data, std::uint64_t bytes, std::uint64_t offset = 0);
  Status download(void* data, std::uint64_t bytes, std::uint64_t offset = 0) const;
  Status fillZero() { return fill(0); }
  Status fill(std::uint32_t word);

 private:
  explicit Buffer(VulkanContext& ctx) : m_ctx(&ctx) {}
  VulkanContext* m_ctx;
  VkBuffer m_buffer = VK_NULL_HANDLE;
  Allocation m_alloc;
  std::uint64_t m_size = 0;
  void* m_mapped = nullptr;
};

// A buffer reused from step to step for per-step data (ids, gradients, segment lists).
class ScratchBuffer {
 public:
  Result<Buffer*> ensure(VulkanContext& ctx, std::uint64_t bytes);
  Buffer* get() const { return m_buffer.get(); }
  void reset() { m_buffer.reset(); }

 private:
  std::unique_ptr<Buffer> m_buffer;
};

// A compute→compute (and transfer) memory barrier between dependent dispatches.
void computeBarrier(VkCommandBuffer cmd);

}  // namespace embedscope::vk
