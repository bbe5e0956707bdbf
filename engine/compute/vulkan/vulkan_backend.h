#pragma once
// The Vulkan engine's Backend: the table and every optimizer slot live on the device (sharded
// past the storage-buffer range). The fused steps (regressionStep, classifyStep and their
// evaluations) run whole on the device as one command buffer recorded once per batch shape
// (step_program.h): gather, mse or masked mean pooling + Dense head + softmax cross-entropy, the
// sparse backward (host sort into segments, one workgroup per unique row, no float atomics), the
// embeddings regularizer's gradient, the optimizer (dense Keras 3 or lazy) and the embeddings
// constraint, with the loss reduced on the device and read back every `lossEvery` steps. The
// primitives (gather, scatter, applyGradient) run as kernels too. Its answers are held against
// the CPU backend (tests/vulkan). Not on the device: LoRA, and the orthogonal embeddings
// regularizer on a table in more than one shard — the factory declines those configurations
// (auto then uses the CPU engine, saying why).
#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/compute/backend.h"
#include "engine/compute/vulkan/device_variable.h"
#include "engine/compute/vulkan/segment_sum.h"
#include "engine/compute/vulkan/step_program.h"
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
  // Read the fused steps' loss back every N steps (0: EMBEDSCOPE_VK_LOSS_EVERY, default 1). With
  // N > 1 the steps between read-backs return StepResult.steps = 0 and the N-th the sums of all
  // (see StepResult); a non-finite loss is then seen up to N - 1 steps late (the device skipped
  // that step's update, as the CPU does, but later steps used the next Adam step count), and the
  // classify head passed to classifyStep is refreshed on the host at each read-back (it must
  // outlive it; any other call on the backend reads back first).
  std::uint32_t lossEvery = 0;
};

// Builds the Vulkan backend, or says why not (Unavailable: no device, a CPU-type device under auto,
// a plan that does not fit; InvalidArgument: a bad configuration).
Result<std::unique_ptr<Backend>> createVulkanBackend(BackendSetup setup, const VulkanBackendOptions& options = {});

namespace vulkan {

class VulkanBackend final : public Backend {
 public:
  static Result<std::unique_ptr<VulkanBackend>> create(BackendSetup setup, std::unique_ptr<vk::VulkanContext> ctx,
                                                       placement::MemoryPlan plan, std::uint32_t lossEvery = 1);
  ~VulkanBackend() override;

  BackendInfo info() const override;
  const LayerConfig& layerConfig() const override { return m_layer; }

  Status readTable(Matrix& out) const override;
  Status readRows(std::span<const std::int64_t> rows, Matrix& out) const override;
  Status exportState(std::vector<std::pair<std::string, Matrix>>& out) const override;
  Status importState(const std::vector<std::pair<std::string, Matrix>>& state) override;
  int addDenseVariable(const std::string& name, std::int64_t rows, std::int64_t cols) override;
  std::int64_t iterations() const override {
    (void)syncPending();  // a skipped (non-finite) deferred step does not count
    return m_iterations;
  }

  Status gather(const IdBatch& ids, float* out) override;
  Status maskedMeanPool(const IdBatch& ids, bool maskZero, float* pooled, float* validCounts) override;
  Status scatterGradient(const IdBatch& ids, const float* dOut, RowGradient& grad) override;
  Status scatterPooledGradient(const IdBatch& ids, bool maskZero, const float* dPooled, const float* validCounts,
                               RowGradient& grad) override;
  Result<double> applyGradient(const RowGradient& grad, std::span<const DenseVariable> dense,
                               std::vector<UpdateStats>* stats) override;

  Result<StepResult> regressionStep(const IdBatch& ids, const float* targets, std::vector<UpdateStats>* stats) override;
  Result<StepResult> regressionEvaluate(const IdBatch& ids, const float* targets,
                                        const double* embeddingsPenalty = nullptr) override;
  Result<StepResult> classifyStep(const IdBatch& ids, const std::int64_t* labels, DenseHead& head,
                                  std::vector<UpdateStats>* stats) override;
  Result<StepResult> classifyEvaluate(const IdBatch& ids, const std::int64_t* labels, const DenseHead& head,
                                      const double* embeddingsPenalty = nullptr) override;

  std::uint32_t lossEvery() const { return m_lossEvery; }
  // Command buffers recorded so far (one per step kind and batch shape), for tests and the bench.
  std::size_t recordedPrograms() const { return m_steps ? m_steps->programCount() : 0; }
  bool orthogonalInDouble() const { return m_steps && m_steps->orthogonalInDouble(); }

  // The plan the backend was built from, and what the context holds per heap now (bytes).
  const placement::MemoryPlan& plan() const { return m_plan; }
  std::vector<std::uint64_t> measuredHeapUsage() const { return m_ctx->heapUsage(); }
  const vk::VulkanContext& context() const { return *m_ctx; }

 private:
  VulkanBackend() = default;
  // Device usable, and every submitted step finished and accounted (its sums read, the host head
  // refreshed): what any host read of device state needs first.
  Status checkUsable() const;
  Status checkLost() const;
  Status syncPending() const;
  struct Pending {
    vk::StepKind kind;
    std::uint32_t slot;
    std::int64_t rows, valid;
    DenseHead* head;
  };
  StepResult resultOf(const Pending& p, const std::array<float, vk::kAccCount>& sums) const;
  Result<StepResult> withEvaluationPenalty(Result<StepResult> r, const IdBatch& ids, const double* embeddingsPenalty);
  Result<StepResult> runStep(vk::StepEngine::Inputs in, DenseHead* head, std::vector<UpdateStats>* stats);
  Status syncHead(const DenseHead& head);
  Status headStats(const DenseHead& head, std::vector<UpdateStats>& stats) const;

  LayerConfig m_layer;
  OptimizerConfig m_optimizer;
  placement::MemoryPlan m_plan;
  vk::MemoryPlace m_place = vk::MemoryPlace::Device;
  std::unique_ptr<vk::VulkanContext> m_ctx;
  std::unique_ptr<vk::KernelCache> m_kernels;
  std::unique_ptr<vk::SegmentSummer> m_summer;
  std::vector<std::unique_ptr<vk::DeviceVariable>> m_vars;  // 0 = the table ("embeddings"), then dense variables
  mutable std::int64_t m_iterations = 0;
  Matrix m_gathered;
  std::unique_ptr<vk::StepEngine> m_steps;
  std::uint32_t m_lossEvery = 1;
  mutable std::vector<Pending> m_pending;
  mutable std::vector<StepResult> m_unreported;  // read back, not yet returned by a step
  std::map<int, Matrix> m_headShadow;            // each head variable as the device last had it
};

}  // namespace vulkan
}  // namespace embedscope::compute
