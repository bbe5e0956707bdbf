#pragma once
// The CPU backend: the oracle every other backend is held against. Row copies for the gather,
// position-ordered float sums for pooling and scatter (deterministic for any thread count), and
// the layer's optimizer for the update.
#include <memory>

#include "engine/compute/backend.h"
#include "engine/compute/cpu/thread_pool.h"
#include "engine/optim/optimizer.h"

namespace embedscope::compute::cpu {

class CpuBackend final : public Backend {
 public:
  static Result<std::unique_ptr<CpuBackend>> create(BackendSetup setup);

  BackendInfo info() const override;
  const LayerConfig& layerConfig() const override { return m_layer; }

  Status readTable(Matrix& out) const override;
  Status readRows(std::span<const std::int64_t> rows, Matrix& out) const override;
  Status exportState(std::vector<std::pair<std::string, Matrix>>& out) const override;
  Status importState(const std::vector<std::pair<std::string, Matrix>>& state) override;
  int addDenseVariable(const std::string& name, std::int64_t rows, std::int64_t cols) override;
  std::int64_t iterations() const override { return m_optimizer->iterations(); }

  Status gather(const IdBatch& ids, float* out) override;
  Status maskedMeanPool(const IdBatch& ids, bool maskZero, float* pooled, float* validCounts) override;
  Status scatterGradient(const IdBatch& ids, const float* dOut, RowGradient& grad) override;
  Status scatterPooledGradient(const IdBatch& ids, bool maskZero, const float* dPooled, const float* validCounts,
                               RowGradient& grad) override;
  Result<double> applyGradient(const RowGradient& grad, std::span<const DenseVariable> dense,
                               std::vector<UpdateStats>* stats) override;
  Result<double> embeddingsPenalty() const override;

  // The optimizer (tests read its slots).
  const Optimizer& optimizer() const { return *m_optimizer; }
  const Matrix& baseTable() const { return m_table; }
  const std::optional<LoraWeights>& lora() const { return m_lora; }

 private:
  CpuBackend(BackendSetup setup, std::unique_ptr<Optimizer> optimizer);
  // The row-sparse gradient of positions' rows: source row p (sourceStride 1) or p / length
  // (sourceStride 0: one row per sequence, the pooled gradient) times weights[p / length] (or 1).
  void buildRowGradient(const IdBatch& ids, bool maskZero, const float* source, std::int64_t sourceStride,
                        const float* weights, RowGradient& grad);

  LayerConfig m_layer;
  Matrix m_table;  // E (the frozen base under LoRA)
  std::optional<LoraWeights> m_lora;
  std::unique_ptr<Optimizer> m_optimizer;
  ThreadPool m_pool;
  int m_tableVariable = -1, m_loraAVariable = -1, m_loraBVariable = -1;
  Matrix m_regGrad, m_regGradB, m_lookupScratch;
  std::vector<std::int32_t> m_slotOf;  // per table row: its slot in this step's gradient, or -1
  std::vector<std::int32_t> m_positionSlot, m_order;
  std::vector<std::int64_t> m_unique;
  std::vector<float> m_rowWeights;
};

}  // namespace embedscope::compute::cpu
