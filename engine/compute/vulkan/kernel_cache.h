#pragma once
// Pipelines built once per (shader, specialization) and kept for the life of a context, plus the
// per-device kernel shape: one row per invocation on CPU-type devices (lavapipe measured fastest
// that way), a subgroup-wide workgroup walking each row's columns on GPUs (coalesced).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/compute/vulkan/pipeline.h"

namespace embedscope::vk {

struct KernelShape {
  std::uint32_t workgroupSize = 64;
  std::uint32_t mode = 0;  // 0 row per invocation, 1 workgroup per row group
  std::uint32_t rowsPerGroup = 64;
};

// EMBEDSCOPE_VK_KERNEL_SHAPE=gpu|cpu forces one layout (tests run the GPU variants on lavapipe).
KernelShape kernelShapeFor(const DeviceInfo& info);

class KernelCache {
 public:
  explicit KernelCache(VulkanContext& ctx) : m_ctx(&ctx) {}
  // `name` must be a shader in embedscope::shaders::all().
  Result<Pipeline*> get(const std::string& name, const std::vector<std::uint32_t>& bindingCounts,
                        std::uint32_t pushConstantBytes, const std::vector<std::uint32_t>& specialization);
  VulkanContext& context() { return *m_ctx; }

 private:
  VulkanContext* m_ctx;
  std::map<std::string, std::unique_ptr<Pipeline>> m_pipelines;
};

}  // namespace embedscope::vk
