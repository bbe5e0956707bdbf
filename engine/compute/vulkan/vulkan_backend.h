#pragma once
// The Vulkan engine's Backend: the table and every optimizer slot live on the device (sharded
// past the storage-buffer range), the gather, the sparse backward (host sort into segments, one
// workgroup per unique row, no float atomics) and the optimizer step (dense Keras 3 or lazy) run
// as kernels, and the dense head's variables are device variables updated by the same kernels.
// Its answers are held against the CPU backend (tests/vulkan). Not yet on the device: LoRA,
// embeddings regularizers and constraints — the factory declines those configurations (auto
// then uses the CPU engine, saying why).
#include <memory>
#include <string>
#include <vector>

#include "engine/compute/backend.h"
#include "engine/compute/vulkan/device_variable.h"
#include "engine/compute/vulkan/segment_sum.h"
#include "engine/compute/vulkan/vulkan_context.h"
#include "engine/placement/memory_plan.h"

namespace embedscope::compute {

// Registers the "vulkan" engine factory with the backend registry (idempotent). The backends it
// makes are FailoverBackends around the VulkanBackend: host copies of the state every
// EMBEDSCOPE_VK_CHECKPOINT_EVERY steps (default 20) and the CPU engine on a device failure. Call once at
// start-up (main, test mains) so `--engine vulkan|auto` can find it: the engine is a static
// library, so a self-registering object file would not be linked in.
void registerVulkanFactory();

struct VulkanBackendOptions {
  std::optional<std::uint32_t> deviceIndex;  // empty: EMBEDSCOPE_VULKAN_DEVICE, then the ranking
  bool autoOnly = false;                     // decline CPU-type devices (`--engine auto`)
};

// Builds the Vulkan backend, or says why not (Unavailable: no device, a CPU-type device under auto,
// a plan that does not fit; InvalidArgument: a bad configuration).
Result<std::unique_ptr<Backend>> createVulkanBackend(BackendSetup setup, const VulkanBackendOptions& options = {});

namespace vulkan {

class VulkanBackend final : public Backend {
 public:
  static Result<std::unique_ptr<VulkanBackend>> create(BackendSetup setup, std::unique_ptr<vk::VulkanContext> ctx,
                                                       placement::MemoryPlan plan);
  ~VulkanBackend() override;

  BackendInfo info() const override;
  const LayerConfig& layerConfig() const override { return m_layer; }

  Status readTable(Matrix& out) const override;
  Status readRows(std::span<const std::int64_t> rows, Matrix& out) const override;
  Status exportState(std::vector<std::pair<std::string, Matrix>>& out) const override;
  Status importState(const std::vector<std::pair<std::string, Matrix>>& state) override;
  int addDenseVariable(const std::string& name, std::int64_t rows, std::int64_t cols) override;
  std::int64_t iterations() const override { return m_iterations; }

  Status gather(const IdBatch& ids, float* out) override;
  Status maskedMeanPool(const IdBatch& ids, bool maskZero, float* pooled, float* validCounts) override;
  Status scatterGradient(const IdBatch& ids, const float* dOut, RowGradient& grad) override;
  Status scatterPooledGradient(const IdBatch& ids, bool maskZero, const float* dPooled, const float* validCounts,
                               RowGradient& grad) override;
  Result<double> applyGradient(const RowGradient& grad, std::span<const DenseVariable> dense,
                               std::vector<UpdateStats>* stats) override;

  // The plan the backend was built from, and what the context holds per heap now (bytes).
  const placement::MemoryPlan& plan() const { return m_plan; }
  std::vector<std::uint64_t> measuredHeapUsage() const { return m_ctx->heapUsage(); }
  const vk::VulkanContext& context() const { return *m_ctx; }

 private:
  VulkanBackend() = default;
  Status checkUsable() const;

  LayerConfig m_layer;
  OptimizerConfig m_optimizer;
  placement::MemoryPlan m_plan;
  vk::MemoryPlace m_place = vk::MemoryPlace::Device;
  std::unique_ptr<vk::VulkanContext> m_ctx;
  std::unique_ptr<vk::KernelCache> m_kernels;
  std::unique_ptr<vk::SegmentSummer> m_summer;
  std::vector<std::unique_ptr<vk::DeviceVariable>> m_vars;  // 0 = the table ("embeddings"), then dense variables
  std::int64_t m_iterations = 0;
  Matrix m_gathered;
};

}  // namespace vulkan
}  // namespace embedscope::compute
