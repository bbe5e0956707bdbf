#include "engine/compute/vulkan/kernel_cache.h"

#include <cstdlib>
#include <cstring>

#include "embedscope/shaders/registry.h"

namespace embedscope::vk {

KernelShape kernelShapeFor(const DeviceInfo& info) {
  KernelShape k;
  // EMBEDSCOPE_VK_KERNEL_SHAPE=gpu|cpu (tests): the other layout on this device, so the GPU
  // variants are held against the CPU engine on lavapipe too.
  const char* forced = std::getenv("EMBEDSCOPE_VK_KERNEL_SHAPE");
  const bool gpuShape = forced ? std::strcmp(forced, "gpu") == 0
                               : !(info.type == DeviceType::Cpu || info.type == DeviceType::Other);
  if (!gpuShape) return k;
  k.workgroupSize = info.limits.subgroupSize >= 8 && info.limits.subgroupSize <= 128 ? info.limits.subgroupSize : 32;
  k.mode = 1;
  k.rowsPerGroup = 8;
  return k;
}

Result<Pipeline*> KernelCache::get(const std::string& name, const std::vector<std::uint32_t>& bindingCounts,
                                   std::uint32_t pushConstantBytes, const std::vector<std::uint32_t>& specialization) {
  std::string key = name;
  for (auto v : specialization) key += ":" + std::to_string(v);
  auto it = m_pipelines.find(key);
  if (it != m_pipelines.end()) return it->second.get();
  for (const auto& s : shaders::all()) {
    if (s.name != name) continue;
    auto p = Pipeline::create(*m_ctx, s.words, s.wordCount, bindingCounts, pushConstantBytes, specialization);
    if (!p) return p.status();
    Pipeline* raw = p->get();
    m_pipelines.emplace(key, std::move(*p));
    return raw;
  }
  return Status::internal("no embedded shader named " + name);
}

}  // namespace embedscope::vk
