#include "engine/tasks/classify_task.h"

#include "engine/layer/initializers.h"

namespace embedscope::tasks {

Result<std::unique_ptr<ClassifyTask>> ClassifyTask::create(data::IdMatrix ids, std::vector<std::int64_t> labels,
                                                           std::int64_t classes, const ClassifyOptions& options) {
  if (static_cast<std::int64_t>(labels.size()) != ids.rows)
    return Status::dataError(std::to_string(labels.size()) + " labels for " + std::to_string(ids.rows) + " examples");
  auto split = checkedSplit(ids.rows, options.batchSize, options.validationSplit);
  if (!split) return split.status();
  if (classes < 2) return Status::dataError("classify needs at least two classes");
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 0 || labels[i] >= classes)
      return Status::dataError("label " + std::to_string(labels[i]) + " of example " + std::to_string(i) +
                               " is not in [0, " + std::to_string(classes) + ")");
  return std::unique_ptr<ClassifyTask>(new ClassifyTask(std::move(ids), std::move(labels), classes, options, *split));
}

ClassifyTask::ClassifyTask(data::IdMatrix ids, std::vector<std::int64_t> labels, std::int64_t classes,
                           const ClassifyOptions& options, data::Split split)
    : SequenceTask(std::move(ids), split, options),
      m_labels(std::move(labels)),
      m_classes(classes),
      m_options(options) {}

Status ClassifyTask::prepare(compute::Backend& backend) {
  // Keras's Dense defaults: glorot_uniform kernel (fan_in = D, fan_out = C), zeros bias. Its own
  // stream, so the head does not depend on how many numbers the table's initializer drew.
  auto kernel = initializeMatrix(initializerSpec("glorot_uniform"), backend.outputDim(), m_classes,
                                 m_options.seed ^ 0xDE45E0000000ull);
  if (!kernel) return kernel.status();
  m_head.kernel = std::move(kernel).value();
  m_head.bias.setZero(1, m_classes);
  m_head.kernelVariable = backend.addDenseVariable("dense/kernel", backend.outputDim(), m_classes);
  m_head.biasVariable = backend.addDenseVariable("dense/bias", 1, m_classes);
  return Status::ok();
}

void ClassifyTask::loadTargets(const std::vector<std::int64_t>& examples) {
  m_batchLabels.resize(examples.size());
  for (std::size_t i = 0; i < examples.size(); ++i) m_batchLabels[i] = m_labels[static_cast<std::size_t>(examples[i])];
}

Result<compute::StepResult> ClassifyTask::step(compute::Backend& backend, std::int64_t step,
                                               std::vector<UpdateStats>* stats) {
  loadBatch(m_order.batch(step));
  return backend.classifyStep(batch(), m_batchLabels.data(), m_head, stats);
}

Result<compute::StepResult> ClassifyTask::evaluateBatch(compute::Backend& backend, double embeddingsPenalty) {
  return backend.classifyEvaluate(batch(), m_batchLabels.data(), m_head, &embeddingsPenalty);
}

void ClassifyTask::exportState(std::vector<std::pair<std::string, Matrix>>& out) const {
  out.emplace_back("dense/kernel", m_head.kernel);
  out.emplace_back("dense/bias", m_head.bias);
}

Status ClassifyTask::importState(const std::vector<std::pair<std::string, Matrix>>& state) {
  for (const auto& [name, value] : state) {
    Matrix* dst = name == "dense/kernel" ? &m_head.kernel : name == "dense/bias" ? &m_head.bias : nullptr;
    if (!dst) continue;
    if (dst->rows() != value.rows() || dst->cols() != value.cols())
      return Status::dataError("checkpoint entry '" + name + "' has the wrong shape");
    *dst = value;
  }
  return Status::ok();
}

}  // namespace embedscope::tasks
