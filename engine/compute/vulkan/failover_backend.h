#pragma once
// A Backend that runs on a device backend (Vulkan) and, when the device fails (allocation
// failure, device lost: any Unavailable status), moves the run to the CPU engine from the last
// good state, visibly and without losing a step. Device memory cannot be read after a loss, so it
// keeps a host copy of the state (exportState) every K optimizer steps plus the gradients applied
// since; on failure it builds the CPU backend, imports the copy, restores the dense variables,
// replays the logged steps and retries the failed operation there. The fused steps run on the
// device backend's own (device) implementation; since their gradients never reach the host, the
// log keeps their inputs (ids, targets or labels, the head) and the replay runs them again on the
// CPU engine.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/compute/backend.h"

namespace embedscope::compute {

class FailoverBackend final : public Backend {
 public:
  // checkpointEvery = K >= 1. `setup` is what the CPU backend is built from (its table is
  // replaced by the checkpoint).
  FailoverBackend(std::unique_ptr<Backend> device, BackendSetup setup, int checkpointEvery);

  BackendInfo info() const override;
  const LayerConfig& layerConfig() const override { return m_setup.layer; }
  Status readTable(Matrix& out) const override;
  Status readRows(std::span<const std::int64_t> rows, Matrix& out) const override;
  Status exportState(std::vector<std::pair<std::string, Matrix>>& out) const override;
  Status importState(const std::vector<std::pair<std::string, Matrix>>& state) override;
  int addDenseVariable(const std::string& name, std::int64_t rows, std::int64_t cols) override;
  std::int64_t iterations() const override { return active().iterations(); }
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

  bool fellBack() const { return m_cpu != nullptr; }
  // "the Vulkan device failed (...); continuing on the CPU engine from step N" once it happened.
  const std::string& fallbackNotice() const { return m_notice; }
  Backend* deviceBackend() const { return m_device.get(); }

 private:
  const Backend& active() const { return m_cpu ? *m_cpu : *m_device; }
  Backend& active() { return m_cpu ? *m_cpu : *m_device; }
  // Runs op on the device; on Unavailable falls back and runs it on the CPU.
  Status guarded(const std::function<Status(Backend&)>& op);
  Status fallBack(const Status& cause);
  Status checkpoint();

  enum class StepKind { Apply, Regression, Classify };
  struct LoggedStep {
    StepKind kind = StepKind::Apply;
    std::vector<std::int64_t> ids;  // fused steps: their inputs
    std::int64_t rows = 0, length = 0;
    std::vector<float> targets;
    std::vector<std::int64_t> labels;
    DenseHead* head = nullptr;
    RowGradient grad;
    std::vector<int> denseIds;
    std::vector<Matrix*> denseValues;
    std::vector<Matrix> denseGrads;
  };
  // After a step ran on the device: log it, and take a host copy every K steps.
  Status logged(LoggedStep step);
  void learnHead(DenseHead& head);
  struct DenseInfo {
    std::string name;
    std::int64_t rows = 0, cols = 0;
    Matrix* value = nullptr;  // learned from applyGradient
    Matrix saved;             // its value at the last checkpoint
  };

  std::unique_ptr<Backend> m_device;
  std::unique_ptr<Backend> m_cpu;
  BackendSetup m_setup;
  int m_every = 1;
  std::vector<std::pair<std::string, Matrix>> m_saved;  // the device state at the last checkpoint
  std::vector<LoggedStep> m_log;
  std::vector<DenseInfo> m_dense;
  std::string m_notice;
};

}  // namespace embedscope::compute
