#pragma once
// What regression and classify share: (N, L) id sequences, Keras's validation_split (the last
// examples before any shuffle), the seeded epoch order, batches copied row by row, and Keras's
// evaluate loop (batch losses, regularizers included, averaged weighted by batch size).
#include <cstdint>
#include <vector>

#include "engine/data/batching.h"
#include "engine/data/sequences.h"
#include "engine/tasks/task.h"

namespace embedscope::tasks {

// Keras's fit arguments a sequence task takes.
struct SequenceOptions {
  std::int64_t batchSize = 32;
  bool shuffle = true;
  double validationSplit = 0.0;
  std::uint64_t seed = 0;  // the shuffles (and a task's own initializers)
};

class SequenceTask : public Task {
 public:
  void startEpoch(std::int64_t epoch) override { m_order.startEpoch(epoch); }
  std::int64_t stepsPerEpoch() const override { return m_order.batchCount(); }
  bool hasValidation() const override { return m_split.validationCount > 0; }
  // Keras's evaluate on the validation examples, in batches of batch_size: each batch's loss is the
  // data loss plus model.losses (the embeddings regularizer's penalty of the weights and the
  // activity regularizer's penalty of that batch's output / its size), and val_loss is their mean
  // weighted by batch size. The weights do not change while evaluating, so the embeddings penalty
  // is computed once per pass.
  Result<EvalResult> validate(compute::Backend& backend) override;
  std::int64_t trainExamples() const override { return m_split.trainCount; }

  const data::IdMatrix& ids() const { return m_ids; }

 protected:
  // The checks every sequence task's create() makes, in Keras's words: at least one example, a
  // positive batch_size, a validation split that leaves both sides non-empty.
  static Result<data::Split> checkedSplit(std::int64_t examples, std::int64_t batchSize, double validationSplit);
  SequenceTask(data::IdMatrix ids, data::Split split, const SequenceOptions& options);

  // Copies the examples' id rows into the batch, then their targets (loadTargets).
  void loadBatch(const std::vector<std::int64_t>& examples);
  // The batch loadBatch filled.
  compute::IdBatch batch() const;
  // The task's per-example data (labels, target rows) for the examples just loaded.
  virtual void loadTargets(const std::vector<std::int64_t>& examples) = 0;
  // The loaded batch through the backend's evaluate, with the pass's embeddings penalty.
  virtual Result<compute::StepResult> evaluateBatch(compute::Backend& backend, double embeddingsPenalty) = 0;

  data::IdMatrix m_ids;
  data::Split m_split;
  data::EpochOrder m_order;
  std::vector<std::int64_t> m_batchIds;
  std::int64_t m_batchRows = 0;
};

}  // namespace embedscope::tasks
