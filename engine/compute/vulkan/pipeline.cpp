#include "engine/compute/vulkan/pipeline.h"

#include "engine/compute/vulkan/vk_status.h"

namespace embedscope::vk {

Result<std::unique_ptr<Pipeline>> Pipeline::create(VulkanContext& ctx, const std::uint32_t* words, std::size_t wordCount,
                                                   const std::vector<std::uint32_t>& bindingCounts,
                                                   std::uint32_t pushConstantBytes,
                                                   const std::vector<std::uint32_t>& specialization) {
  std::unique_ptr<Pipeline> p(new Pipeline(ctx));
  p->m_pushBytes = pushConstantBytes;
  if (pushConstantBytes > ctx.info().limits.maxPushConstantsSize)
    return Status::unavailable("a kernel needs " + std::to_string(pushConstantBytes) +
                               " bytes of push constants; the device allows " +
                               std::to_string(ctx.info().limits.maxPushConstantsSize));
  VkShaderModuleCreateInfo smi{};
  smi.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
  smi.codeSize = wordCount * sizeof(std::uint32_t);
  smi.pCode = words;
  EMBEDSCOPE_TRY(check(vkCreateShaderModule(ctx.device(), &smi, nullptr, &p->m_module), "vkCreateShaderModule"));

  std::vector<VkDescriptorSetLayoutBinding> b(bindingCounts.size());
  for (std::size_t i = 0; i < bindingCounts.size(); ++i) {
    b[i].binding = static_cast<std::uint32_t>(i);
    b[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    b[i].descriptorCount = bindingCounts[i];
    b[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo dli{};
  dli.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
  dli.flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR;
  dli.bindingCount = static_cast<std::uint32_t>(b.size());
  dli.pBindings = b.data();
  EMBEDSCOPE_TRY(check(vkCreateDescriptorSetLayout(ctx.device(), &dli, nullptr, &p->m_setLayout),
                       "vkCreateDescriptorSetLayout"));

  VkPushConstantRange pcr{VK_SHADER_STAGE_COMPUTE_BIT, 0, pushConstantBytes};
  VkPipelineLayoutCreateInfo pli{};
  pli.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
  pli.setLayoutCount = 1;
  pli.pSetLayouts = &p->m_setLayout;
  pli.pushConstantRangeCount = pushConstantBytes ? 1 : 0;
  pli.pPushConstantRanges = pushConstantBytes ? &pcr : nullptr;
  EMBEDSCOPE_TRY(check(vkCreatePipelineLayout(ctx.device(), &pli, nullptr, &p->m_layout), "vkCreatePipelineLayout"));

  std::vector<VkSpecializationMapEntry> entries(specialization.size());
  for (std::size_t i = 0; i < specialization.size(); ++i)
    entries[i] = {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i * 4), 4};
  VkSpecializationInfo spec{};
  spec.mapEntryCount = static_cast<std::uint32_t>(entries.size());
  spec.pMapEntries = entries.data();
  spec.dataSize = specialization.size() * 4;
  spec.pData = specialization.data();

  VkComputePipelineCreateInfo ci{};
  ci.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
  ci.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  ci.stage.module = p->m_module;
  ci.stage.pName = "main";
  ci.stage.pSpecializationInfo = specialization.empty() ? nullptr : &spec;
  ci.layout = p->m_layout;
  EMBEDSCOPE_TRY(check(vkCreateComputePipelines(ctx.device(), ctx.pipelineCache(), 1, &ci, nullptr, &p->m_pipeline),
                       "vkCreateComputePipelines"));
  return p;
}

Pipeline::~Pipeline() {
  VkDevice d = m_ctx->device();
  if (m_pipeline) vkDestroyPipeline(d, m_pipeline, nullptr);
  if (m_layout) vkDestroyPipelineLayout(d, m_layout, nullptr);
  if (m_setLayout) vkDestroyDescriptorSetLayout(d, m_setLayout, nullptr);
  if (m_module) vkDestroyShaderModule(d, m_module, nullptr);
}

void Pipeline::bind(VkCommandBuffer cmd) const { vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, m_pipeline); }

void Pipeline::pushBuffers(VkCommandBuffer cmd, const std::vector<BufferBinding>& bindings) const {
  // Consecutive elements of one array binding go in a single write: lavapipe 22.3 honours
  // dstArrayElement of a push-descriptor write only as the start of a contiguous run (separate
  // writes per element left elements > 0 unbound, reading zeros).
  std::vector<VkDescriptorBufferInfo> infos(bindings.size());
  std::vector<VkWriteDescriptorSet> writes;
  std::vector<std::size_t> firstInfo;
  for (std::size_t i = 0; i < bindings.size(); ++i) {
    infos[i] = {bindings[i].buffer, bindings[i].offset, bindings[i].range};
    if (!writes.empty() && writes.back().dstBinding == bindings[i].binding &&
        writes.back().dstArrayElement + writes.back().descriptorCount == bindings[i].arrayElement &&
        firstInfo.back() + writes.back().descriptorCount == i) {
      ++writes.back().descriptorCount;
      continue;
    }
    VkWriteDescriptorSet w{};
    w.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
    w.dstBinding = bindings[i].binding;
    w.dstArrayElement = bindings[i].arrayElement;
    w.descriptorCount = 1;
    w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes.push_back(w);
    firstInfo.push_back(i);
  }
  for (std::size_t k = 0; k < writes.size(); ++k) writes[k].pBufferInfo = &infos[firstInfo[k]];
  m_ctx->pushDescriptorSet()(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, m_layout, 0, static_cast<std::uint32_t>(writes.size()),
                             writes.data());
}

void Pipeline::pushConstants(VkCommandBuffer cmd, const void* data, std::uint32_t bytes) const {
  vkCmdPushConstants(cmd, m_layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, bytes, data);
}

}  // namespace embedscope::vk
