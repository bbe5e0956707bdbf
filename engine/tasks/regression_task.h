#pragma once
// regression: the Keras docs' example with a loss. Embedding → mse against (N, L, D) targets,
// batches of batch_size (the last one short, with its own B·L in the reduction).
#include <cstdint>

#include "engine/tasks/sequence_task.h"

namespace embedscope::tasks {

using RegressionOptions = SequenceOptions;

class RegressionTask final : public SequenceTask {
 public:
  // ids (N, L) validated against input_dim by the caller; targets (N·L, D). A count mismatch is a
  // DataError; a bad split an InvalidArgument/DataError in Keras's words.
  static Result<std::unique_ptr<RegressionTask>> create(data::IdMatrix ids, Matrix targets,
                                                        const RegressionOptions& options);

  std::string name() const override { return "regression"; }
  std::string metricName() const override { return "mse"; }
  Status prepare(compute::Backend& backend) override;
  Result<compute::StepResult> step(compute::Backend& backend, std::int64_t step,
                                   std::vector<UpdateStats>* stats) override;
  double metricFromSums(double metricSum, std::int64_t examples) const override;

 private:
  RegressionTask(data::IdMatrix ids, Matrix targets, const RegressionOptions& options, data::Split split);
  void loadTargets(const std::vector<std::int64_t>& examples) override;
  Result<compute::StepResult> evaluateBatch(compute::Backend& backend, double embeddingsPenalty) override;

  Matrix m_targets;
  std::int64_t m_dim = 0;
  Matrix m_batchTargets;
};

}  // namespace embedscope::tasks
