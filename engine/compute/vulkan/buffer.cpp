#include "engine/compute/vulkan/buffer.h"

#include <algorithm>
#include <cstring>

#include "engine/compute/vulkan/vk_status.h"

namespace embedscope::vk {

Result<std::unique_ptr<Buffer>> Buffer::create(VulkanContext& ctx, std::uint64_t bytes, MemoryPlace place) {
  if (ctx.lost()) return Status::unavailable("the Vulkan device was lost");
  std::unique_ptr<Buffer> b(new Buffer(ctx));
  b->m_size = bytes;
  VkBufferCreateInfo ci{};
  ci.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  ci.size = bytes == 0 ? 4 : bytes;
  ci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  ci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  EMBEDSCOPE_TRY(check(vkCreateBuffer(ctx.device(), &ci, nullptr, &b->m_buffer),
                       "vkCreateBuffer of " + std::to_string(bytes) + " bytes"));
  VkMemoryRequirements req{};
  vkGetBufferMemoryRequirements(ctx.device(), b->m_buffer, &req);
  auto alloc = ctx.allocate(req, place);
  if (!alloc) return alloc.status();
  b->m_alloc = *alloc;
  EMBEDSCOPE_TRY(check(vkBindBufferMemory(ctx.device(), b->m_buffer, b->m_alloc.memory, 0), "vkBindBufferMemory"));
  if (b->m_alloc.propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)
    EMBEDSCOPE_TRY(check(vkMapMemory(ctx.device(), b->m_alloc.memory, 0, VK_WHOLE_SIZE, 0, &b->m_mapped), "vkMapMemory"));
  return b;
}

Buffer::~Buffer() {
  if (m_mapped) vkUnmapMemory(m_ctx->device(), m_alloc.memory);
  if (m_buffer) vkDestroyBuffer(m_ctx->device(), m_buffer, nullptr);
  m_ctx->free(m_alloc);
}

Status Buffer::upload(const void* data, std::uint64_t bytes, std::uint64_t offset) {
  if (bytes == 0) return Status::ok();
  if (m_ctx->lost()) return Status::unavailable("the Vulkan device was lost");
  if (m_mapped) {
    std::memcpy(static_cast<char*>(m_mapped) + offset, data, bytes);
    return Status::ok();
  }
  auto staging = Buffer::create(*m_ctx, bytes, MemoryPlace::Host);
  if (!staging) return staging.status();
  std::memcpy((*staging)->m_mapped, data, bytes);
  VkBuffer src = (*staging)->handle();
  return m_ctx->runOnce([&](VkCommandBuffer cmd) {
    VkBufferCopy c{0, offset, bytes};
    vkCmdCopyBuffer(cmd, src, m_buffer, 1, &c);
  });
}

Status Buffer::download(void* data, std::uint64_t bytes, std::uint64_t offset) const {
  if (bytes == 0) return Status::ok();
  if (m_ctx->lost()) return Status::unavailable("the Vulkan device was lost");
  if (m_mapped) {
    std::memcpy(data, static_cast<const char*>(m_mapped) + offset, bytes);
    return Status::ok();
  }
  auto staging = Buffer::create(*m_ctx, bytes, MemoryPlace::Host);
  if (!staging) return staging.status();
  VkBuffer dst = (*staging)->handle();
  EMBEDSCOPE_TRY(m_ctx->runOnce([&](VkCommandBuffer cmd) {
    VkBufferCopy c{offset, 0, bytes};
    vkCmdCopyBuffer(cmd, m_buffer, dst, 1, &c);
  }));
  std::memcpy(data, (*staging)->m_mapped, bytes);
  return Status::ok();
}

Status Buffer::fill(std::uint32_t word) {
  if (m_size == 0) return Status::ok();
  if (m_mapped) {
    auto* p = static_cast<std::uint32_t*>(m_mapped);
    std::fill(p, p + m_size / 4, word);
    return Status::ok();
  }
  return m_ctx->runOnce([&](VkCommandBuffer cmd) { vkCmdFillBuffer(cmd, m_buffer, 0, m_size / 4 * 4, word); });
}

// Grow-only: reallocates only when a step needs more than any step before.
Result<Buffer*> ScratchBuffer::ensure(VulkanContext& ctx, std::uint64_t bytes) {
  if (!m_buffer || m_buffer->size() < bytes) {
    m_buffer.reset();
    auto b = Buffer::create(ctx, std::max<std::uint64_t>(bytes, 4));
    if (!b) return b.status();
    m_buffer = std::move(*b);
  }
  return m_buffer.get();
}

void computeBarrier(VkCommandBuffer cmd) {
  VkMemoryBarrier mb{};
  mb.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                     VK_ACCESS_TRANSFER_WRITE_BIT;
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &mb, 0, nullptr, 0,
                       nullptr);
}

}  // namespace embedscope::vk
