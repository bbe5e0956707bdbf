#pragma once
// classify: Embedding → GlobalAveragePooling1D (honouring the mask as Keras does) → Dense(C,
// glorot_uniform / zeros) → softmax, sparse categorical cross-entropy, accuracy.
#include <cstdint>
#include <memory>

#include "engine/data/batching.h"
#include "engine/data/sequences.h"
#include "engine/tasks/task.h"

namespace embedscope::tasks {

struct ClassifyOptions {
  std::int64_t batchSize = 32;
  bool shuffle = true;
  double validationSplit = 0.0;
  std::uint64_t seed = 0;  // the head's initializer and the shuffles
};

class ClassifyTask final : public Task {
 public:
  // ids (N, L) validated against input_dim; labels in [0, classes).
  static Result<std::unique_ptr<ClassifyTask>> create(data::IdMatrix ids, std::vector<std::int64_t> labels,
                                                      std::int64_t classes, const ClassifyOptions& options);

  std::string name() const override { return "classify"; }
  std::string metricName() const override { return "accuracy"; }
  Status prepare(compute::Backend& backend) override;
  void startEpoch(std::int64_t epoch) override { m_order.startEpoch(epoch); }
  std::int64_t stepsPerEpoch() const override { return m_order.batchCount(); }
  Result<compute::StepResult> step(compute::Backend& backend, std::int64_t step,
                                   std::vector<UpdateStats>* stats) override;
  double metricFromSums(double metricSum, std::int64_t examples) const override {
    return examples ? metricSum / static_cast<double>(examples) : 0.0;
  }
  bool hasValidation() const override { return m_split.validationCount > 0; }
  Result<EvalResult> validate(compute::Backend& backend) override;
  std::int64_t trainExamples() const override { return m_split.trainCount; }
  void exportState(std::vector<std::pair<std::string, Matrix>>& out) const override;
  Status importState(const std::vector<std::pair<std::string, Matrix>>& state) override;

  const compute::DenseHead& head() const { return m_head; }
  compute::DenseHead& mutableHead() { return m_head; }
  const data::IdMatrix& ids() const { return m_ids; }
  std::int64_t classes() const { return m_classes; }

 private:
  ClassifyTask(data::IdMatrix ids, std::vector<std::int64_t> labels, std::int64_t classes,
               const ClassifyOptions& options, data::Split split);
  void loadBatch(const std::vector<std::int64_t>& examples);

  data::IdMatrix m_ids;
  std::vector<std::int64_t> m_labels;
  std::int64_t m_classes;
  ClassifyOptions m_options;
  data::Split m_split;
  data::EpochOrder m_order;
  compute::DenseHead m_head;
  std::vector<std::int64_t> m_batchIds, m_batchLabels;
};

}  // namespace embedscope::tasks
