#pragma once
// The fused training steps of the Vulkan engine: a whole regression or classify step (gather →
// loss and dOut → sparse backward → reductions → optimizer → constraint) as one command buffer,
// recorded once per batch shape and resubmitted. What changes from step to step is written into
// buffers before the submit, never into the recording: the ids, targets or labels, the sorted
// segments (the host sorts positions by id, as the primitives do), and the step buffer (unique-row
// count, ring slot, the optimizer's scalars for step t). The loss, metric, regularizer sums and
// gradient norms are reduced on the device into an accumulator and copied to a ring slot the host
// reads when it wants them (VulkanBackend: every EMBEDSCOPE_VK_LOSS_EVERY steps).
//
// Kernels: shaders/step_*.comp and segment_sum.comp. Sharded tables are reached one dispatch per
// shard with the shard a push constant (no descriptor is indexed by a non-uniform value). Reductions
// are one workgroup with a fixed tree (no float atomics), so a step's results do not depend on
// timing. An embeddings regularizer makes the table's gradient dense: its part is added in the
// update kernel (l1/l2 from the weights; the orthogonal regularizer's from a (V, D) buffer its own
// kernel fills each step, in double where the device has shaderFloat64), and
// clipnorm/global_clipnorm then take the norm over every row. Variants are specialization
// constants chosen per device (kernelShapeFor: a row per invocation with 16-byte loads on CPU-type
// devices, a workgroup per row on GPUs).
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

#include "engine/compute/backend.h"
#include "engine/compute/vulkan/device_variable.h"
#include "engine/compute/vulkan/kernel_cache.h"
#include "engine/layer/layer_config.h"
#include "engine/optim/optimizer_config.h"

namespace embedscope::vk {

// Apply: only the update stage (regularizer sums, optimizer, constraint) with a gradient the host
// gives (Backend::applyGradient on a table with an embeddings regularizer or constraint).
enum class StepKind : std::uint32_t { Regression, RegressionEval, Classify, ClassifyEval, Apply };

// shaders/step_common.glsl ACC_*: the accumulator's (and each ring slot's) floats.
enum AccSlot : std::uint32_t {
  kAccLoss = 0,
  kAccMetric = 1,
  kAccActAbs = 2,
  kAccActSq = 3,
  kAccRegAbs = 4,
  kAccRegSq = 5,
  kAccGsqTable = 6,
  kAccGsqKernel = 7,
  kAccGsqBias = 8,
  kAccRegOrtho = 9,  // orthogonal embeddings regularizer: sum over i != j of |P_ij|
  kAccCount = 16,
};

// InvalidArgument/Unavailable with the reason when the fused kernels cannot run this configuration
// (LoRA). StepEngine::create also declines an orthogonal embeddings regularizer on a sharded table.
Status fusedStepSupports(const LayerConfig& layer, const OptimizerConfig& optimizer);

class StepEngine {
 public:
  // ringSlots = how many steps' sums the ring holds (the loss read-back interval).
  static Result<std::unique_ptr<StepEngine>> create(KernelCache& kernels, DeviceVariable& table,
                                                    const LayerConfig& layer, const OptimizerConfig& optimizer,
                                                    std::uint32_t ringSlots);
  ~StepEngine();

  struct Inputs {
    StepKind kind = StepKind::Regression;
    compute::IdBatch ids;
    const float* targets = nullptr;         // regression: ids.count() x D
    const std::int64_t* labels = nullptr;   // classify: ids.rows
    DeviceVariable* kernel = nullptr;       // classify: the head (D x C) and bias (1 x C)
    DeviceVariable* bias = nullptr;
    std::uint32_t slot = 0;                 // ring slot for this step's sums
    std::int64_t t = 1;                     // the optimizer step (1-based) for its scalars
  };
  // Writes the inputs (waiting first for the previous submit), then submits without waiting.
  // uniqueRows (may be null) receives the rows that get a gradient (for UpdateStats).
  Status submit(const Inputs& in, std::vector<std::int64_t>* uniqueRows = nullptr);
  // The update stage alone for a host gradient (rows ascending, unique; values rows.size() x D),
  // step t; gsq = the squared gradient norms for clipping (table, dense variables, 0). Ring slot 0.
  Status submitApply(const std::vector<std::int64_t>& rows, const Matrix& values, const float gsq[3], std::int64_t t);
  // The sums of a ring slot; call after VulkanContext::wait().
  std::array<float, kAccCount> slotSums(std::uint32_t slot) const;
  // The embeddings regularizer's penalty on the table before the step, from a slot's sums.
  double tablePenalty(const std::array<float, kAccCount>& sums) const;
  std::uint32_t ringSlots() const { return m_ringSlots; }
  // Recorded programs (one per kind and shape), for tests and the bench.
  std::size_t programCount() const { return m_programs.size(); }
  // Whether the orthogonal regularizer's kernel is the double variant (tests).
  bool orthogonalInDouble() const { return m_orthoDouble; }

 private:
  struct Program;
  StepEngine() = default;
  Result<Program*> programFor(const Inputs& in, std::uint64_t applyCapacity = 0);
  Status writeStep(std::uint32_t uniqueCount, std::uint32_t slot, float lossScale, std::int64_t t);
  Status record(Program& p, const Inputs& in);

  KernelCache* m_kernels = nullptr;
  DeviceVariable* m_table = nullptr;
  LayerConfig m_layer;
  OptimizerConfig m_optimizer;
  OptimizerKernel m_opt;
  KernelShape m_shape;
  bool m_tableDense = false;  // the table's update visits every row
  std::uint32_t m_regKind = 0;  // shaders/table_gradient.glsl REG: 0 none, 1 l1/l2, 2 orthogonal
  // The orthogonal regularizer's Y (the table or its transpose): n rows of m, their strides in the
  // table, and c = factor / 2 / pairs (the penalty is c * sum |P_ij|).
  std::uint32_t m_orthoN = 0, m_orthoM = 0, m_orthoRowStride = 0, m_orthoElemStride = 0;
  double m_orthoC = 0;
  bool m_orthoDouble = false;  // step_orthogonal_f64 (the device has shaderFloat64)
  std::uint32_t m_clipKind = 0;
  float m_clipC = 0;
  std::uint32_t m_ringSlots = 1;
  std::unique_ptr<Buffer> m_step, m_acc, m_accInit, m_ring, m_colSq, m_dummy;
  std::unique_ptr<Buffer> m_rowSq;  // a regularizer: each row's |g|^2, for clipnorm's norm
  // The orthogonal regularizer's: yn, norms and dyn in its kernel's precision; regGrad (V, D) float.
  std::unique_ptr<Buffer> m_orthoYn, m_orthoNorms, m_orthoDyn, m_regGrad, m_orthoPartial;
  std::unique_ptr<ShardedMatrix> m_rowMap;
  std::map<std::tuple<std::uint32_t, std::int64_t, std::int64_t, std::uint64_t>, std::unique_ptr<Program>> m_programs;
  std::vector<std::uint32_t> m_hostPerm, m_hostOffsets, m_hostUnique, m_hostIds;
};

}  // namespace embedscope::vk
