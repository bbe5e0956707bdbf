#include "engine/tasks/regression_task.h"

#include <cmath>

namespace embedscope::tasks {

Result<std::unique_ptr<RegressionTask>> RegressionTask::create(data::IdMatrix ids, Matrix targets,
                                                               const RegressionOptions& options) {
  if (targets.rows() != ids.rows * ids.length)
    return Status::dataError("targets hold " + std::to_string(targets.rows()) + " positions but the ids hold " +
                             std::to_string(ids.rows) + " x " + std::to_string(ids.length) + " = " +
                             std::to_string(ids.rows * ids.length));
  auto split = checkedSplit(ids.rows, options.batchSize, options.validationSplit);
  if (!split) return split.status();
  return std::unique_ptr<RegressionTask>(new RegressionTask(std::move(ids), std::move(targets), options, *split));
}

RegressionTask::RegressionTask(data::IdMatrix ids, Matrix targets, const RegressionOptions& options, data::Split split)
    : SequenceTask(std::move(ids), split, options),
      m_targets(std::move(targets)),
      m_dim(m_targets.cols()) {}

Status RegressionTask::prepare(compute::Backend& backend) {
  if (backend.outputDim() != m_dim)
    return Status::invalidArgument("targets have " + std::to_string(m_dim) + " values per position but output_dim=" +
                                   std::to_string(backend.outputDim()));
  return Status::ok();
}

void RegressionTask::loadTargets(const std::vector<std::int64_t>& examples) {
  const std::int64_t length = m_ids.length;
  m_batchTargets.resize(static_cast<Eigen::Index>(examples.size()) * length, m_dim);
  for (std::size_t i = 0; i < examples.size(); ++i)
    m_batchTargets.middleRows(static_cast<Eigen::Index>(i) * length, length) =
        m_targets.middleRows(examples[i] * length, length);
}

Result<compute::StepResult> RegressionTask::step(compute::Backend& backend, std::int64_t step,
                                                 std::vector<UpdateStats>* stats) {
  loadBatch(m_order.batch(step));
  return backend.regressionStep(batch(), m_batchTargets.data(), stats);
}

Result<compute::StepResult> RegressionTask::evaluateBatch(compute::Backend& backend, double embeddingsPenalty) {
  return backend.regressionEvaluate(batch(), m_batchTargets.data(), &embeddingsPenalty);
}

double RegressionTask::metricFromSums(double metricSum, std::int64_t examples) const {
  if (examples == 0) return 0.0;
  return metricSum / (static_cast<double>(examples) * static_cast<double>(m_ids.length) * static_cast<double>(m_dim));
}

}  // namespace embedscope::tasks
