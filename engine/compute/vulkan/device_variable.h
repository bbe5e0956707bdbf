#pragma once
// A trainable variable on the device: its value and its optimizer slots, sharded alike, and the
// optimizer step as kernels (shaders/optimizer.comp) mirroring engine/optim/update_rules.h.
// Keras 3 dense semantics run every row each step (rows without gradient with g = 0), through a
// row map that tells the dense pass which gradient row belongs to each table row; lazy mode, and
// optimizers whose untouched rows never move (plain SGD, Adagrad without weight decay), update
// only the rows with a gradient.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/compute/vulkan/kernel_cache.h"
#include "engine/compute/vulkan/sharded_matrix.h"
#include "engine/core/matrix.h"
#include "engine/optim/optimizer_config.h"

namespace embedscope::vk {

struct OptimizerKernel {
  std::uint32_t opt = 0;    // optimizer.comp OPT
  std::uint32_t flags = 0;  // optimizer.comp FLAGS
  std::vector<std::string> slotNames;  // Keras's slot names, the CPU optimizer's order
  std::vector<float> slotInit;         // initial value of each slot
};
// InvalidArgument for an optimizer name the kernels do not know.
Result<OptimizerKernel> optimizerKernelFor(const OptimizerConfig& config);
// True when a step must visit every row (Keras 3 dense statistics, or weight decay).
bool needsDensePass(const OptimizerConfig& config);

// Per-step scalars (push constants of optimizer.comp).
struct StepScalars {
  std::uint32_t clipKind = 0;  // 0 none, 1 clipnorm, 2 global clipnorm, 3 clipvalue
  float lr = 0, a = 0, b = 0, c = 0, d = 0;
  float clipC = 0, clipD = 0;
  float wd = 0;
};
// The optimizer's scalars for step t (1-based), as the CPU optimizer's beginStep computes them;
// clipping left for the caller (it needs the gradient's norm).
StepScalars stepScalarsFor(const OptimizerConfig& config, std::int64_t t);

class DeviceVariable {
 public:
  static Result<std::unique_ptr<DeviceVariable>> create(KernelCache& kernels, std::string name, std::uint64_t rows,
                                                        std::uint64_t cols, const OptimizerConfig& config,
                                                        MemoryPlace place = MemoryPlace::Device);
  const std::string& name() const { return m_name; }
  ShardedMatrix& value() { return *m_value; }
  const ShardedMatrix& value() const { return *m_value; }
  std::size_t slotCount() const { return m_slots.size(); }
  const std::string& slotName(std::size_t i) const { return m_kernel.slotNames[i]; }
  ShardedMatrix& slot(std::size_t i) { return *m_slots[i]; }
  const ShardedMatrix& slot(std::size_t i) const { return *m_slots[i]; }

  // One step: rows (ascending, unique, < rows()) with their gradient rows values (rows.size() x cols).
  Status apply(const std::vector<std::int64_t>& rows, const Matrix& values, const StepScalars& scalars);

 private:
  DeviceVariable() = default;
  KernelCache* m_kernels = nullptr;
  std::string m_name;
  OptimizerConfig m_config;
  OptimizerKernel m_kernel;
  bool m_dense = false;
  std::unique_ptr<ShardedMatrix> m_value;
  std::vector<std::unique_ptr<ShardedMatrix>> m_slots;
  std::unique_ptr<ShardedMatrix> m_rowMap;  // uint32 per row, 0xffffffff = no gradient
  ScratchBuffer m_grad, m_items;
};

}  // namespace embedscope::vk
