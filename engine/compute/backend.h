#pragma once
// Backend: the operations of one training step on the embedding table, behind one interface so the
// CPU engine (the oracle) and the Vulkan engine are interchangeable (ARCHITECTURE.md, Backends).
//
// A backend owns the trainable state: the embedding table (V x D), the LoRA factors when LoRA is
// on, any dense head variables registered with it, and the optimizer with its slots for all of
// them (one optimizer, one step counter and one global clip over every variable, as Keras's
// model.optimizer). Callers hand it validated ids (int64 in [0, V): the layer's validateIds runs
// before a backend sees an id) and host buffers.
//
// Primitives (gather, masked pooling, scatter, apply) are what a step is built from. The fused task
// steps (regressionStep, classifyStep) have default implementations written with the primitives;
// a device backend overrides them to run a whole step on the device (ids and labels or targets
// uploaded, loss read back) and is held against the defaults of the CPU backend.
//
// Every operation returns a Status; nothing throws. A backend is used from one thread at a time
// (the training worker that created it); it may use more threads inside an operation.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/core/matrix.h"
#include "engine/core/status.h"
#include "engine/layer/embedding_ops.h"
#include "engine/layer/layer_config.h"
#include "engine/layer/lora.h"
#include "engine/optim/optimizer_config.h"
#include "engine/optim/update_stats.h"

namespace embedscope::compute {

// A (rows, length) batch of validated ids in C order.
struct IdBatch {
  const std::int64_t* ids = nullptr;
  std::int64_t rows = 0;
  std::int64_t length = 1;
  std::int64_t count() const { return rows * length; }
};

// The row-sparse gradient of the table is the layer's SparseRowGrad: rows strictly ascending,
// duplicates summed in position order (deterministic), one row of D floats per entry.
using RowGradient = ::embedscope::SparseRowGrad;

// What a backend is built from. `table` is the initial table (the layer's initializeTable or
// `weights`); under LoRA it is the frozen base and `lora` holds A and B.
struct BackendSetup {
  LayerConfig layer;
  Matrix table;
  std::optional<LoraWeights> lora;
  OptimizerConfig optimizer;
  int threads = 1;  // CPU threads inside an operation; results never depend on it
};

// A dense variable trained beside the table (the classify head's kernel and bias).
struct DenseVariable {
  int id = -1;            // from Backend::addDenseVariable
  Matrix* value = nullptr;
  const Matrix* grad = nullptr;
};

// The Dense(C) head of the classify task: kernel (D, C) glorot_uniform, bias (1, C) zeros.
struct DenseHead {
  Matrix kernel;
  Matrix bias;
  int kernelVariable = -1;  // ids in the backend's optimizer
  int biasVariable = -1;
};

struct StepResult {
  double loss = 0.0;            // the batch's loss as Keras computes it, regularizers included
  double regularization = 0.0;  // the embeddings + activity regularizer part of loss
  double metricSum = 0.0;       // classify: correct predictions; regression: summed squared error
  std::int64_t examples = 0;    // batch rows
  // Steps this result reports: 1, except on a device backend that reads its loss back only every
  // N steps (the Vulkan engine's EMBEDSCOPE_VK_LOSS_EVERY): steps between read-backs report 0 with
  // examples 0 (nothing to add), and the reading step reports the sums of all of them (loss and
  // regularization as their examples-weighted mean, metricSum and examples summed).
  std::int64_t steps = 1;
};

struct BackendInfo {
  std::string engine;  // "cpu" or "vulkan"
  std::string device;  // "CPU (2 threads)" or the Vulkan device name and type
  int threads = 1;
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual BackendInfo info() const = 0;
  virtual const LayerConfig& layerConfig() const = 0;
  std::int64_t inputDim() const { return layerConfig().inputDim; }
  std::int64_t outputDim() const { return layerConfig().outputDim; }

  // --- state ------------------------------------------------------------------------------------
  // The effective table: E, or E + (alpha/rank)·A·B under LoRA (the table Keras saves).
  virtual Status readTable(Matrix& out) const = 0;
  virtual Status readRows(std::span<const std::int64_t> rows, Matrix& out) const = 0;
  // The trainable pieces for checkpoints: "embeddings" (the base under LoRA), "lora_a", "lora_b",
  // then the optimizer's slots as "<variable>/<slot>" and "iterations" (1 x 1).
  virtual Status exportState(std::vector<std::pair<std::string, Matrix>>& out) const = 0;
  virtual Status importState(const std::vector<std::pair<std::string, Matrix>>& state) = 0;
  // Registers a dense variable with the optimizer (before the first step); returns its id.
  virtual int addDenseVariable(const std::string& name, std::int64_t rows, std::int64_t cols) = 0;
  virtual std::int64_t iterations() const = 0;

  // --- forward ----------------------------------------------------------------------------------
  // out[p, :] = table[ids[p], :]; out holds ids.count() x D floats.
  virtual Status gather(const IdBatch& ids, float* out) = 0;
  // Keras GlobalAveragePooling1D on the gathered rows: pooled[b] = Σ_l where(mask, x, 0) / Σ mask,
  // mask = ids != 0 when maskZero, else all true. validCounts[b] = Σ mask (0 for an all-padding
  // row, whose pooled vector is then NaN, as Keras gives). pooled is (rows, D).
  virtual Status maskedMeanPool(const IdBatch& ids, bool maskZero, float* pooled, float* validCounts) = 0;

  // --- backward ---------------------------------------------------------------------------------
  // The table's gradient for dOut (ids.count() x D) through gather, duplicates summed.
  virtual Status scatterGradient(const IdBatch& ids, const float* dOut, RowGradient& grad) = 0;
  // The same through maskedMeanPool: valid position (b, l) receives dPooled[b] / validCounts[b].
  virtual Status scatterPooledGradient(const IdBatch& ids, bool maskZero, const float* dPooled,
                                       const float* validCounts, RowGradient& grad) = 0;

  // --- update -----------------------------------------------------------------------------------
  // One optimizer step: the table's gradient (plus the embeddings regularizer's dense gradient when
  // configured) and any dense variables, in one Keras apply (clip → weight decay → update, dense or
  // lazy → constraint → iterations + 1). stats (may be null) gets one entry per variable updated,
  // table first. Returns the embeddings-regularizer penalty of the table before the step.
  virtual Result<double> applyGradient(const RowGradient& grad, std::span<const DenseVariable> dense,
                                       std::vector<UpdateStats>* stats) = 0;

  // --- fused steps ------------------------------------------------------------------------------
  // Regression: out = gather(ids), mse against targets (ids.count() x D) with Keras's reduction
  // (masked positions excluded when maskZero), plus the activity regularizer, then the update.
  virtual Result<StepResult> regressionStep(const IdBatch& ids, const float* targets, std::vector<UpdateStats>* stats);
  // Classify: masked mean → Dense → softmax cross-entropy; updates the table and the head.
  virtual Result<StepResult> classifyStep(const IdBatch& ids, const std::int64_t* labels, DenseHead& head,
                                          std::vector<UpdateStats>* stats);
  // The same forward without an update, as Keras's test_step: loss = the data loss + model.losses,
  // that is the embeddings regularizer's penalty of the weights (embeddingsPenalty(), or the value
  // given, which a caller evaluating many batches of unchanged weights computes once) + the
  // activity regularizer's penalty of this batch's output / its rows. regularization holds that sum.
  virtual Result<StepResult> regressionEvaluate(const IdBatch& ids, const float* targets,
                                                const double* embeddingsPenalty = nullptr);
  virtual Result<StepResult> classifyEvaluate(const IdBatch& ids, const std::int64_t* labels, const DenseHead& head,
                                              const double* embeddingsPenalty = nullptr);

  // The embeddings regularizer's penalty of the current weights as Keras's model.losses holds it:
  // reg(E), or reg(A) + reg(B) under LoRA (the frozen base has none); 0 without a regularizer.
  // The default reads the weights through exportState; a backend may answer without a copy.
  virtual Result<double> embeddingsPenalty() const;

 protected:
  // Activity regularization of the Embedding output (rows, length, D): penalty / rows and, when
  // dOut is given, its gradient added there. 0 without an activity regularizer.
  Result<double> activityTerm(const IdBatch& ids, const float* out, float* dOut) const;
  // Evaluate's model.losses: the embeddings penalty (given, or embeddingsPenalty()) + activityTerm
  // of out, the (B, L, D) output (gathered here when out is null).
  Result<double> evaluationPenalty(const IdBatch& ids, const float* out, const double* embeddingsPenalty);

  // Scratch reused between steps, so a step allocates nothing once shapes are stable.
  Matrix m_scratchOut, m_scratchGrad, m_scratchFull, m_scratchFullGrad;
  Matrix m_headGradKernel, m_headGradBias;
  Eigen::VectorXf m_scratchCounts;
  RowGradient m_scratchRowGrad;
};

// Builds the CPU backend (engine/compute/cpu). Fails on an invalid optimizer config.
Result<std::unique_ptr<Backend>> createCpuBackend(BackendSetup setup);

}  // namespace embedscope::compute
