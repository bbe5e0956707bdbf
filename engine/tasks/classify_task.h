#pragma once
// classify: Embedding → GlobalAveragePooling1D (honouring the mask as Keras does) → Dense(C,
// glorot_uniform / zeros) → softmax, sparse categorical cross-entropy, accuracy.
#include <cstdint>
#include <memory>

#include "engine/tasks/sequence_task.h"

namespace embedscope::tasks {

// seed: the shuffles and the head's initializer.
using ClassifyOptions = SequenceOptions;

class ClassifyTask final : public SequenceTask {
 public:
  // ids (N, L) validated against input_dim; labels in [0, classes).
  static Result<std::unique_ptr<ClassifyTask>> create(data::IdMatrix ids, std::vector<std::int64_t> labels,
                                                      std::int64_t classes, const ClassifyOptions& options);

  std::string name() const override { return "classify"; }
  std::string metricName() const override { return "accuracy"; }
  Status prepare(compute::Backend& backend) override;
  Result<compute::StepResult> step(compute::Backend& backend, std::int64_t step,
                                   std::vector<UpdateStats>* stats) override;
  double metricFromSums(double metricSum, std::int64_t examples) const override {
    return examples ? metricSum / static_cast<double>(examples) : 0.0;
  }
  void exportState(std::vector<std::pair<std::string, Matrix>>& out) const override;
  Status importState(const std::vector<std::pair<std::string, Matrix>>& state) override;

  const compute::DenseHead& head() const { return m_head; }
  compute::DenseHead& mutableHead() { return m_head; }
  std::int64_t classes() const { return m_classes; }

 private:
  ClassifyTask(data::IdMatrix ids, std::vector<std::int64_t> labels, std::int64_t classes,
               const ClassifyOptions& options, data::Split split);
  void loadTargets(const std::vector<std::int64_t>& examples) override;
  Result<compute::StepResult> evaluateBatch(compute::Backend& backend, double embeddingsPenalty) override;

  std::vector<std::int64_t> m_labels;
  std::int64_t m_classes;
  ClassifyOptions m_options;
  compute::DenseHead m_head;
  std::vector<std::int64_t> m_batchLabels;
};

}  // namespace embedscope::tasks
